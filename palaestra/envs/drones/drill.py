"""The Gymnasium shell of the single-drone drills: one Crazyflie on the near half of the 1v1 court.

A drill subclass places the drone and the ball (:meth:`DrillEnv._place`), adds its own observation
features (:attr:`DrillEnv.extra_features`, :meth:`DrillEnv._extra`) and judges each step
(:meth:`DrillEnv._judge`). Reset restores Bullet's saved state, then re-samples poses from ``np_random``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.envs.drones.common import (
    BASE_FEATURES,
    CRASH_HEIGHT,
    CourtRendering,
    RED,
    RENDER_SIZE,
    ObsMode,
    action_space,
    configure,
    ball_features,
    court_camera,
    drone_features,
)
from palaestra.sim.drones.arena import ArenaState, DroneArena, StepEvents
from palaestra.sim.drones.court import COURT_1V1
from palaestra.checks import check_action, check_options, check_seed, reject_unknown_kwargs

DRILL_KWARGS = ("action_mode", "obs_mode", "render_mode", "image_size")


class DrillEnv(CourtRendering, gym.Env):
    """Base of the drills (see each subclass for its task). Observation: the 24 drone and ball features of
    :data:`~palaestra.envs.drones.common.BASE_FEATURES` then the drill's :attr:`extra_features`, float32
    (``obs_mode="state"``), or an RGB court-camera frame (``"pixels"``). Action: ``Box(-1, 1, (4,))`` in
    ``action_mode`` ``"ctbr"`` (collective thrust, body rates) or ``"rotors"`` (four rotor thrusts).
    A drone that touches the floor or leaves the court's airspace ends the episode as a failure.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 48}
    env_id = "palaestra/<drill>"
    extra_features: tuple[str, ...] = ()

    def __init__(self, action_mode: str = "ctbr", obs_mode: str = "state", render_mode: str | None = None,
                 image_size: int = 64, **unknown: Any) -> None:
        reject_unknown_kwargs(self.env_id, unknown, DRILL_KWARGS)
        size = configure(self, action_mode, obs_mode, render_mode, image_size)
        self.court = COURT_1V1
        self.arena = DroneArena(self.court, [RED], gui=render_mode == "human")
        self._image_camera = court_camera(self.court.length, size)
        self._render_camera = court_camera(self.court.length, RENDER_SIZE)
        self.action_space = action_space()
        if self.obs_mode is ObsMode.STATE:
            dim = len(BASE_FEATURES) + len(self.extra_features)
            self.observation_space = spaces.Box(-np.inf, np.inf, shape=(dim,), dtype=np.float32)
        else:
            self.observation_space = spaces.Box(0, 255, shape=(size, size, 3), dtype=np.uint8)
        self.state: ArenaState | None = None
        self.steps = 0

    # -- Gymnasium API -----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        seed = check_seed(self.env_id, seed)
        check_options(self.env_id, options)  # no reset options
        self._life.start(self.env_id)
        super().reset(seed=seed)
        self.arena.reset()
        self.steps = 0
        drone, ball, ball_velocity = self._place()
        self.arena.place(np.array([drone]), np.zeros(1), ball, ball_velocity)
        self.state = self.arena.read()
        return self._observation(), self._info(False)

    def step(self, action: Any):
        if not self._life.running:
            raise self._life.refusal(self.env_id)
        checked = check_action(self.env_id, action, self.action_space)
        events = self.arena.step(checked[None, :], self.action_mode)
        self.steps += 1
        self.state = self.arena.read()
        reward, terminated, success = self._judge(events)
        if self._crashed():
            terminated, success = True, False
            if self.CRASH_PENALTY:
                reward = -self.CRASH_PENALTY  # the whole step's reward: a landing in the same step is not charged too
        return self._observation(), reward, terminated, False, self._info(success)

    # What a crash costs, beyond ending the episode: 0 where rewards are gains a crash forgoes, more than any
    # other outcome where an ending can cost (HitToTarget), or a learner finds crashing the cheapest ending.
    CRASH_PENALTY = 0.0

    # -- drill hooks -------------------------------------------------------------------------------
    def _place(self) -> tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]:
        """Drone position, ball position and ball velocity for a new episode, drawn from ``np_random``."""
        raise NotImplementedError

    def _judge(self, events: StepEvents) -> tuple[float, bool, bool]:
        """Reward, whether the drill is over, and whether it is a success so far."""
        raise NotImplementedError

    def _extra(self) -> list[float]:
        return []

    def _progress(self) -> dict[str, Any]:
        return {}

    # -- helpers -----------------------------------------------------------------------------------
    def _crashed(self) -> bool:
        x, y, z = self.state.position[0]
        court = self.court
        return bool(z < CRASH_HEIGHT or z > court.ceiling or x > 0.0 or x < -court.half_length - 0.3
                    or abs(y) > court.half_width + 0.3)

    def _observation(self) -> np.ndarray:
        if self.obs_mode is ObsMode.PIXELS:
            return self.arena.world.render(self._image_camera)
        values = drone_features(self.state, 0, False) + ball_features(self.state, False) + self._extra()
        return np.array(values, dtype=np.float32)

    def _info(self, success: bool) -> dict[str, Any]:
        return {"is_success": bool(success), **self._progress()}

    def _uniform(self, low: float, high: float) -> float:
        return float(self.np_random.uniform(low, high))
