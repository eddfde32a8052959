"""Scripted experts of the drone drills (palaestra/envs/drones/drills.py, coop.py), flying through the
env's own CTBR action like a learner. They read the drone, the ball and the drill's state by name from the
environment's observation layout. The single-drone experts are called ``expert(obs)``; the cooperative
ones are :class:`~palaestra.competitive.policy.Policy` objects playing every drone, ``expert.act(obs, agent)``."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.competitive.policy import Policy
from palaestra.envs.drones.common import ball_of, view_of
from palaestra.envs.drones.coop import FEATURES
from palaestra.envs.drones.skills import Skills
from palaestra.sim.drones.arena import ActionMode

HIT_HEIGHT = 0.35  # ball-centre height at which the experts meet the ball
COOP = {name: i for i, name in enumerate(FEATURES)}


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
    """Meets the falling ball at :data:`HIT_HEIGHT` and bumps it 0.35 m up, aimed back over its start."""

    RISE = 0.35

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


class DroneCoopExpert(Policy):
    """Base of the cooperative drills' experts: plays each drone from its own observation (:data:`FEATURES`)."""

    name = "expert"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        game = getattr(env, "unwrapped", env)
        if game.action_mode is not ActionMode.CTBR:
            raise ValueError(f"{game.env_id}: the scripted expert flies with action_mode='ctbr'")
        self.court = game.court
        self.skills = Skills()
        self.homes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.homes = {}

    def act(self, observation: Any, agent: str) -> np.ndarray:
        o = np.asarray(observation, dtype=np.float64)
        view = view_of(o)
        # Where each drone started: its place to hold, and where its teammate's passes go.
        mate = o[[COOP[f"mate_{k}"] for k in "xyz"]]
        home, mate_home = self.homes.setdefault(agent, (view.position.copy(), mate.copy()))
        ball, velocity = ball_of(o)
        return self.play(o, view, home, ball, velocity, mate_home)

    def play(self, o, view, home, ball, velocity, mate_home) -> np.ndarray:
        raise NotImplementedError


class DronePassExpert(DroneCoopExpert):
    """Whoever did not touch last bumps the ball 0.4 m up towards the teammate; the other holds its place."""

    RISE = 0.4

    def play(self, o, view, home, ball, velocity, mate_home) -> np.ndarray:
        mine = o[COOP["last_touch_me"]] < 0.5 and (o[COOP["touches"]] > 0 or o[COOP["is_0"]] > 0.5)
        if not mine:
            return self.skills.move_to(view, home)
        return self.skills.bump(view, ball, velocity, HIT_HEIGHT, mate_home[:2], self.RISE)


class DroneSetSpikeExpert(DroneCoopExpert):
    """drone_0 sets the ball 0.35 m up over drone_1; drone_1 spikes it deep into the other half, on the side
    away from the blocker, over a 0.9 m apex that clears it."""

    SET_RISE = 0.35
    APEX = 0.9

    def play(self, o, view, home, ball, velocity, mate_home) -> np.ndarray:
        touches = round(o[COOP["touches"]] * 3)
        if o[COOP["is_0"]] > 0.5:
            if touches == 0:
                return self.skills.bump(view, ball, velocity, HIT_HEIGHT, mate_home[:2], self.SET_RISE)
            return self.skills.move_to(view, home)
        if touches == 1:
            blocker_y = o[COOP["blocker_y"]]
            side = -1.0 if blocker_y > 0.0 else 1.0
            target = np.array((0.7 * self.court.half_length, side * 0.5 * self.court.half_width))
            return self.skills.attack(view, ball, velocity, HIT_HEIGHT, target, self.APEX)
        return self.skills.move_to(view, home)
