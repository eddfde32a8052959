"""The goal-conditioned Panda environment: a world, a robot and one task, composed."""

from __future__ import annotations

from enum import Enum
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.envs.manipulation.tasks import TASKS
from palaestra.sim.robot import Control, Panda
from palaestra.sim.world import CameraConfig, PhysicsConfig, World
from palaestra.checks import (
    Lifecycle,
    check_action,
    check_camera,
    check_choice,
    check_options,
    check_physics,
    check_render_mode,
    check_seed,
    reject_unknown_kwargs,
)


class RewardType(str, Enum):
    SPARSE = "sparse"  # 0 on success, -1 otherwise
    DENSE = "dense"  # minus the goal distance


class ObsMode(str, Enum):
    STATE = "state"  # "observation" is a float32 vector
    PIXELS = "pixels"  # "observation" is an RGB frame of camera.height x camera.width x 3


class ManipulationEnv(gym.Env):
    """A Franka Panda on a table solving one goal-conditioned task (Gymnasium-Robotics GoalEnv semantics).

    Observation: ``Dict(observation, achieved_goal, desired_goal)``. With ``obs_mode="state"`` the
    observation is ``[ee position (3), ee velocity (3), finger width (1), task part]``; with ``"pixels"``
    it is an RGB frame from ``camera``.
    Action: ``Box(-1, 1)`` of 4 (``control="ee"``: dx, dy, dz, gripper) or 8 (``control="joints"``)
    components; out-of-range values are clipped, NaN/inf or a wrong shape raise ``ValueError``.
    Reward: ``sparse`` gives 0 on success and -1 otherwise; ``dense`` gives minus the goal distance.
    ``reset(options={"goal": g})`` replaces the sampled goal by ``g`` (it must lie in the task's goal space).
    An episode terminates on success and is truncated by the registered ``max_episode_steps``, or as soon as
    an object leaves the workspace (falls below the table top or goes over 1 m from the table's centre), with
    ``info["truncation_reason"]`` saying so: a cube knocked off the table would otherwise fall forever. As in
    Gymnasium-Robotics, stepping on after success keeps simulating (hindsight replays rely on it).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 24}
    reset_options: tuple[str, ...] = ("goal",)  # the keys reset(options=...) takes; any other is refused

    def __init__(
        self,
        task: str,
        reward_type: str = "sparse",
        control: str = "ee",
        obs_mode: str = "state",
        render_mode: str | None = None,
        camera: CameraConfig | None = None,
        physics: PhysicsConfig | None = None,
        **unknown: Any,
    ) -> None:
        self.env_id = _env_id(task)
        reject_unknown_kwargs(self.env_id, unknown, _ACCEPTED)
        if task not in TASKS:
            raise ValueError(f"{self.env_id}: unknown task {task!r}; expected one of {sorted(TASKS)}")
        self.reward_type = check_choice(self.env_id, "reward_type", reward_type, RewardType)
        self.obs_mode = check_choice(self.env_id, "obs_mode", obs_mode, ObsMode)
        control = check_choice(self.env_id, "control", control, Control)
        check_render_mode(self.env_id, render_mode, self.metadata["render_modes"])
        self.render_mode = render_mode
        self.camera: CameraConfig = check_camera(self.env_id, camera)
        physics = check_physics(self.env_id, physics)
        self._life = Lifecycle()
        self.world = World(physics, mode="gui" if render_mode == "human" else "direct")
        task_cls = TASKS[task]
        self.robot = Panda(self.world, control=control, ee_low=task_cls.ee_bounds[0], ee_high=task_cls.ee_bounds[1])
        self.task = task_cls(self.world, self.robot)
        self.task.build()
        for _ in range(2):  # let contacts settle once before the snapshot every reset returns to
            self.world.step()
        self.world.save()

        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.robot.action_dim,), dtype=np.float32)
        # Unbounded like Gymnasium-Robotics: an achieved goal (a block knocked off the table) can go anywhere.
        goal_space = spaces.Box(-np.inf, np.inf, shape=(self.task.goal_dim,), dtype=np.float32)
        if self.obs_mode is ObsMode.STATE:
            dim = 7 + self.task.observation().shape[0]
            observation = spaces.Box(-np.inf, np.inf, shape=(dim,), dtype=np.float32)
        else:
            observation = spaces.Box(0, 255, shape=(self.camera.height, self.camera.width, 3), dtype=np.uint8)
        self.observation_space = spaces.Dict(
            {"observation": observation, "achieved_goal": goal_space, "desired_goal": goal_space}
        )

    # -- Gymnasium API -----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        seed = check_seed(self.env_id, seed)
        options = check_options(self.env_id, options, self.reset_options)
        goal = None if options.get("goal") is None else self._goal_option(options["goal"])
        self._life.start(self.env_id)
        super().reset(seed=seed)
        self.world.restore()
        self.robot.reset(Panda.REST, Panda.MAX_WIDTH)
        self.task.reset(self.np_random)
        if goal is not None:
            self.task.set_goal(goal, self.np_random)
        obs = self._obs()
        return obs, self._info(obs)

    def step(self, action):
        if not self._life.running:
            raise self._life.refusal(self.env_id)
        action = check_action(self.env_id, action, self.action_space)
        self.robot.apply_action(action)
        self.world.step()
        obs = self._obs()
        info = self._info(obs)
        truncated = self._left_workspace()
        if truncated:
            info["truncation_reason"] = "an object left the workspace"
        # Same values as compute_reward / compute_terminated, without recomputing success per call.
        if self.reward_type is RewardType.SPARSE:
            reward = 0.0 if info["is_success"] else -1.0
        else:
            reward = float(self.compute_reward(obs["achieved_goal"], obs["desired_goal"], info))
        return obs, reward, info["is_success"], truncated, info

    def render(self):
        if self.render_mode == "rgb_array":
            return self.world.render(self.camera)
        return None

    def close(self) -> None:
        if hasattr(self, "_life"):
            self._life.close()
        world = getattr(self, "world", None)
        if world is not None:
            world.close()

    # -- GoalEnv API (vectorised over a leading batch axis, pure) ------------------------------------
    def compute_reward(self, achieved_goal, desired_goal, info) -> np.ndarray:
        if self.reward_type is RewardType.SPARSE:
            return self.task.is_success(achieved_goal, desired_goal).astype(np.float32) - 1.0
        return -self.task.goal_distance(achieved_goal, desired_goal).astype(np.float32)

    def compute_terminated(self, achieved_goal, desired_goal, info) -> np.ndarray:
        return self.task.is_success(achieved_goal, desired_goal)

    def compute_truncated(self, achieved_goal, desired_goal, info) -> np.ndarray:
        return np.zeros(np.shape(achieved_goal)[:-1], dtype=bool)

    # -- helpers -----------------------------------------------------------------------------------
    def _goal_option(self, goal: Any) -> np.ndarray:
        """``reset(options={"goal": g})``'s ``g`` (goal wrappers, curricula) as an array, checked before the reset."""
        try:
            array = np.asarray(goal)
            if array.dtype.kind not in "fiu":
                raise TypeError
            array = array.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.env_id}: options['goal']={goal!r} is not numeric; expected a goal of task {self.task.name!r}"
            ) from None
        problem = self.task.goal_problem(array)
        if problem is not None:
            raise ValueError(f"{self.env_id}: options['goal'] {problem}; expected a goal of task {self.task.name!r}")
        return array

    def _left_workspace(self) -> bool:
        get_pose = self.world.client.getBasePositionAndOrientation
        for body in self.task.loose_bodies():
            x, y, z = get_pose(body)[0]
            if z < WORKSPACE_FLOOR or abs(x - World.TABLE_CENTER_X) > WORKSPACE_REACH or abs(y) > WORKSPACE_REACH:
                return True
        return False

    def _obs(self) -> dict[str, np.ndarray]:
        achieved = self.task.achieved_goal().astype(np.float32)
        if self.obs_mode is ObsMode.STATE:
            observation = np.concatenate((self.robot.features(), self.task.observation())).astype(np.float32)
        else:
            observation = self.world.render(self.camera)
        return {"observation": observation, "achieved_goal": achieved, "desired_goal": self.task.goal.astype(np.float32)}

    def _info(self, obs: dict[str, np.ndarray]) -> dict[str, Any]:
        success = bool(self.task.is_success(obs["achieved_goal"], obs["desired_goal"]))
        return {"is_success": success, **self.task.info()}


WORKSPACE_FLOOR = -0.02  # metres below the table top: an object this low has fallen off the table
WORKSPACE_REACH = 1.0  # metres from the table's centre line, along x or y

_ACCEPTED = ("task", "reward_type", "control", "obs_mode", "render_mode", "camera", "physics")


def _env_id(task: str) -> str:
    from palaestra.registry import id_for_entry

    return id_for_entry("manipulation", task)

