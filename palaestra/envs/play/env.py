"""The playroom environments' shared shell, and the free-play environment ``palaestra/Playroom-v0``.

:class:`PlayroomEnv` owns a :class:`~palaestra.envs.play.scene.PlayScene`, validates actions and options,
and reads one :class:`~palaestra.envs.play.state.PlayState` per step (``self.state``; the episode's first
is ``self.start_state``). The goal- and language-conditioned variants (``goal_env``, ``language_env``)
override four small hooks: what to sample at reset, the observation, the reward/termination, the info.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.envs.play import oracle
from palaestra.envs.play.scene import STATIC_CAMERA, PlayScene
from palaestra.envs.play.state import VECTOR_DIM, PlayState
from palaestra.sim.world import CameraConfig, PhysicsConfig
from palaestra.checks import (
    MAX_IMAGE_SIDE,
    Lifecycle,
    check_action,
    check_camera,
    check_choice,
    check_names,
    check_options,
    check_physics,
    check_positive_int,
    check_render_mode,
    check_seed,
    reject_unknown_kwargs,
)


class ObsMode(str, Enum):
    STATE = "state"  # the 37-float PlayState vector
    PIXELS = "pixels"  # Dict(static=RGB frame, gripper=RGB frame)


class PlayroomEnv(gym.Env):
    """Free play in the playroom: a Franka Panda at a desk with a drawer, a sliding door in front of a shelf,
    a button that toggles a lamp, a lever that switches a bulb and three coloured blocks.

    Observation: with ``obs_mode="state"`` the 37-float ``PlayState.to_vector()`` (gripper, drawer, door,
    button, lever, lights, then each block's position, quaternion and yaw; layout in
    ``palaestra.envs.play.state``); with ``"pixels"`` a Dict of ``static`` (``camera``, 84 x 84) and
    ``gripper`` (a hand camera, ``gripper_size`` square) RGB frames.
    Action: ``Box(-1, 1, (4,))``: end-effector displacement (dx, dy, dz, up to 5 cm) and gripper
    open/close; out-of-range values are clipped, NaN/inf or a wrong shape raise ``ValueError``.
    Reward: always 0 and the episode never terminates: this is for play. ``palaestra.envs.play.oracle``
    labels what was done between any two states (``env.unwrapped.start_state`` and ``.state``).
    The initial drawer opening, door offset, light states and block poses are drawn from the seed.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 24}
    env_id = "palaestra/Playroom-v0"
    accepted: tuple[str, ...] = ("obs_mode", "render_mode", "camera", "gripper_size", "physics")
    reset_options: tuple[str, ...] = ()  # the keys reset(options=...) takes: none; any key is refused

    def __init__(
        self,
        obs_mode: str = "state",
        render_mode: str | None = None,
        camera: CameraConfig | None = None,
        gripper_size: int = 64,
        physics: PhysicsConfig | None = None,
        **unknown: Any,
    ) -> None:
        reject_unknown_kwargs(self.env_id, unknown, self.accepted)
        self.obs_mode = check_choice(self.env_id, "obs_mode", obs_mode, ObsMode)
        check_render_mode(self.env_id, render_mode, self.metadata["render_modes"])
        self.render_mode = render_mode
        self.camera = check_camera(self.env_id, camera, STATIC_CAMERA)
        self.gripper_size = check_positive_int(self.env_id, "gripper_size", gripper_size, maximum=MAX_IMAGE_SIDE)
        physics = check_physics(self.env_id, physics)
        self._check_arguments()
        self._life = Lifecycle()
        self.scene = PlayScene(physics, mode="gui" if render_mode == "human" else "direct")
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.scene.robot.action_dim,), dtype=np.float32)
        if self.obs_mode is ObsMode.STATE:
            self.scene_space: spaces.Space = spaces.Box(-np.inf, np.inf, shape=(VECTOR_DIM,), dtype=np.float32)
        else:
            self.scene_space = spaces.Dict({
                "static": spaces.Box(0, 255, shape=(self.camera.height, self.camera.width, 3), dtype=np.uint8),
                "gripper": spaces.Box(0, 255, shape=(self.gripper_size, self.gripper_size, 3), dtype=np.uint8),
            })
        self.observation_space = self._observation_space()
        self.start_state: PlayState | None = None
        self.state: PlayState | None = None

    # -- Gymnasium API -----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        seed = check_seed(self.env_id, seed)
        check_options(self.env_id, options, self.reset_options)
        self._life.start(self.env_id)
        super().reset(seed=seed)
        self.state = self.start_state = self.scene.reset(self.np_random)
        self._begin_episode()
        return self._obs(), self._info()

    def step(self, action):
        if not self._life.running:
            raise self._life.refusal(self.env_id)
        action = check_action(self.env_id, action, self.action_space)
        self.scene.robot.apply_action(action)
        self.scene.world.step()
        self.state = self.scene.read_state()
        reward, terminated = self._judge()
        return self._obs(), reward, terminated, False, self._info()

    def render(self):
        if self.render_mode == "rgb_array":
            return self.scene.render_static(self.camera)
        return None

    def close(self) -> None:
        if hasattr(self, "_life"):
            self._life.close()
        scene = getattr(self, "scene", None)
        if scene is not None:
            scene.close()

    @property
    def world(self):
        """The scene's PyBullet world (the same attribute as the manipulation envs', for tools such as bench)."""
        return self.scene.world

    # -- hooks for the conditioned variants ----------------------------------------------------------
    def _check_arguments(self) -> None:
        """Check the variant's own keyword arguments, before the scene is built (they are set already)."""

    def _observation_space(self) -> spaces.Space:
        return self.scene_space

    def _begin_episode(self) -> None:
        """Sample what the episode asks for (nothing in free play), after the scene's reset."""

    def _obs(self) -> Any:
        return self._scene_obs()

    def _judge(self) -> tuple[float, bool]:
        return 0.0, False

    def _info(self) -> dict[str, Any]:
        return {}

    # -- helpers -------------------------------------------------------------------------------------
    def _scene_obs(self) -> np.ndarray | dict[str, np.ndarray]:
        if self.obs_mode is ObsMode.STATE:
            return self.state.to_vector().astype(np.float32)
        return {"static": self.scene.render_static(self.camera), "gripper": self.scene.render_gripper(self.gripper_size)}

    def _task_names(self, tasks: Sequence[str] | None) -> list[str] | None:
        """``tasks`` checked against the oracle's table, with an error naming this ID and the known tasks."""
        return check_names(self.env_id, "tasks", tasks, list(oracle.TASKS))
