"""Scripted experts of the single-drone drills (palaestra/envs/drones/drills.py), flying through the
env's own CTBR action like a learner. They read the drone, the ball and the drill's target by name from
the unwrapped environment's observation layout."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.envs.drones.common import ball_of, view_of
from palaestra.envs.drones.skills import Skills
from palaestra.sim.drones.arena import ActionMode

HIT_HEIGHT = 0.35  # ball-centre height at which the experts meet the ball


class DroneExpert:
    """``expert = Cls(env); expert.reset(); action = expert(obs)``; needs ``action_mode="ctbr"``, state obs."""

    def __init__(self, env: gym.Env) -> None:
        self.env = env.unwrapped
        if self.env.action_mode is not ActionMode.CTBR:
            raise ValueError(f"{self.env.env_id}: the scripted expert flies with action_mode='ctbr'")
        names = self.env.observation_space.shape[0] - len(self.env.extra_features)
        self.extra = {name: names + i for i, name in enumerate(self.env.extra_features)}
        self.skills = Skills()

    def reset(self) -> None:
        """Nothing to forget: every action is planned from the current observation."""

    def __call__(self, obs: Any) -> np.ndarray:
        return self.act(np.asarray(obs, dtype=np.float64))

    def act(self, obs: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class DroneBackAndForthExpert(DroneExpert):
    """Flies straight at the current mark."""

    def act(self, obs: np.ndarray) -> np.ndarray:
        view = view_of(obs)
        mark = view.position + obs[[self.extra["mark_dx"], self.extra["mark_dy"], self.extra["mark_dz"]]]
        return self.skills.move_to(view, mark)


class DroneJuggleExpert(DroneExpert):
    """Meets the falling ball at :data:`HIT_HEIGHT` and bumps it 0.25 m up, aimed back over its start."""

    RISE = 0.25

    def reset(self) -> None:
        self.home: np.ndarray | None = None

    def act(self, obs: np.ndarray) -> np.ndarray:
        view = view_of(obs)
        ball, velocity = ball_of(obs)
        if getattr(self, "home", None) is None:
            self.home = ball[:2].copy()
        return self.skills.bump(view, ball, velocity, HIT_HEIGHT, self.home, self.RISE)


class DroneHitToTargetExpert(DroneExpert):
    """Meets the falling ball at :data:`HIT_HEIGHT` and sends it over a 0.8 m apex onto the target."""

    APEX = 0.8

    def act(self, obs: np.ndarray) -> np.ndarray:
        view = view_of(obs)
        ball, velocity = ball_of(obs)
        target = obs[[self.extra["target_x"], self.extra["target_y"]]]
        if obs[self.extra["touches"]] >= 1:  # hit: get out of the ball's way
            return self.skills.move_to(view, np.array((-0.4, 0.0, 0.3)))
        return self.skills.attack(view, ball, velocity, HIT_HEIGHT, target, self.APEX)
