"""Scripted drone-volleyball sides at three levels, weakest first (the match IDs' ``OPPONENTS``).

* ``random``: uniformly random actions (the drones fall out of the sky);
* ``hover``: every drone holds its home position and never plays the ball;
* ``bumper``: the drone nearest to where the ball will come down returns it straight over the net, aimed
  at the middle of the other half;
* ``tactician``: with teammates, the classic three touches: a pass to the setter's spot, a set to the
  hitter's spot, an attack; alone, an attack at the corner farthest from the opponent; every attack
  lands deep and to the side away from the nearest opponent.

Every level plays each drone from that drone's own observation (the side frame: own half x < 0), so the
same policy plays either side. Teammates agree on who plays the ball because they compute it from the same
shared state: the drone that may touch it and is nearest to where it will come down.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.drones.ballistics import descend_to
from palaestra.envs.drones.common import ObsMode, ball_of, view_of
from palaestra.envs.drones.match import HOMES, features
from palaestra.envs.drones.pilot import DroneView
from palaestra.envs.drones.skills import Skills
from palaestra.sim.drones.arena import ActionMode
from palaestra.sim.drones.court import SCALE

HIT_HEIGHT = 0.35
ATTACK_APEX = 0.8


class DroneSide(Policy):
    """Base of the scripted levels: reads a drone's observation by name, knows the court and the homes."""

    name = "drone"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        game = getattr(env, "unwrapped", env)
        while not hasattr(game, "team_size") and hasattr(game, "env"):
            game = game.env
        if game.action_mode is not ActionMode.CTBR or game.obs_mode is not ObsMode.STATE:
            raise ValueError(f"{game.env_id}: scripted drones fly with action_mode='ctbr' and obs_mode='state'")
        self.n = game.team_size
        self.court = game.court
        self.index = {name: i for i, name in enumerate(features(self.n))}
        self.homes = np.array(HOMES[self.n]) * SCALE
        self.skills = Skills()

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        o = np.asarray(observation, dtype=np.float64)
        me = int(np.argmax(o[[self.index[f"is_{k}"] for k in range(self.n)]]))
        view = view_of(o)
        if not self.player(o, me):
            return self.skills.move_to(view, self.homes[me])
        ball, velocity = ball_of(o)
        return self.hit(o, view, ball, velocity)

    def hit(self, o: np.ndarray, view: DroneView, ball: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        """The action of the drone that plays the ball."""
        raise NotImplementedError

    # -- reading the observation -------------------------------------------------------------------
    def side_positions(self, o: np.ndarray, me: int) -> np.ndarray:
        """(n, 3) positions of the own side's drones by index (self included)."""
        rows, mate = [], 0
        for k in range(self.n):
            if k == me:
                rows.append(o[0:3])
            else:
                start = self.index[f"mate{mate}_x"]
                rows.append(o[start:start + 3])
                mate += 1
        return np.array(rows)

    def opponents(self, o: np.ndarray) -> np.ndarray:
        start = self.index["opp0_x"]
        return o[start:start + 6 * self.n].reshape(self.n, 6)[:, :3]

    def player(self, o: np.ndarray, me: int) -> bool:
        """Whether ``me`` plays the ball now: it will come down on the own half, ``me`` may touch it, and no
        teammate that may is nearer to where it falls through the hitting height."""
        ball, velocity = ball_of(o)
        meet = descend_to(ball, velocity, HIT_HEIGHT)
        if meet is None or meet[1][0] > -0.03 or (ball[0] > 0.0 and velocity[0] >= 0.0):
            return False
        allowed = [k for k in range(self.n) if o[self.index[f"may_hit_{k}"]] > 0.5]
        if me not in allowed:
            return False
        positions = self.side_positions(o, me)
        distances = [float(np.linalg.norm(positions[k, :2] - meet[1][:2])) for k in allowed]
        return allowed[int(np.argmin(distances))] == me

    def attack_target(self, o: np.ndarray) -> np.ndarray:
        """Deep in the other half, on the side away from the opponent nearest the middle of that half."""
        half, width = self.court.half_length, self.court.half_width
        opponents = self.opponents(o)
        nearest = opponents[int(np.argmin(np.abs(opponents[:, 0] - half / 2) + np.abs(opponents[:, 1])))]
        y = -0.6 * width if nearest[1] > 0.0 else 0.6 * width
        return np.array((0.7 * half, y))


class Hover(DroneSide):
    """Holds its home position; never plays the ball."""

    name = "hover"

    def player(self, o: np.ndarray, me: int) -> bool:
        return False


class Bumper(DroneSide):
    """The drone nearest to where the ball comes down returns it over the net to the middle of the other half."""

    name = "bumper"

    def hit(self, o: np.ndarray, view: DroneView, ball: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        target = np.array((0.5 * self.court.half_length, 0.0))
        return self.skills.attack(view, ball, velocity, HIT_HEIGHT, target, ATTACK_APEX)


class Tactician(DroneSide):
    """Pass, set, attack with teammates; alone, attacks away from the opponent (see the module docstring)."""

    name = "tactician"
    RISE = 0.3

    def hit(self, o: np.ndarray, view: DroneView, ball: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        touches = round(o[self.index["touches"]] * 3) if o[self.index["possession"]] > 0.5 else 0
        serving = o[self.index["serving"]] > 0.5
        if self.n == 1 or serving or touches >= 2:
            return self.skills.attack(view, ball, velocity, HIT_HEIGHT, self.attack_target(o), ATTACK_APEX)
        half, width = self.court.half_length, self.court.half_width
        spot = np.array((-0.35 * half, 0.0)) if touches == 0 else np.array((-0.25 * half, 0.3 * width))
        return self.skills.bump(view, ball, velocity, HIT_HEIGHT, spot, self.RISE)


OPPONENTS = {"random": RandomPolicy, "hover": Hover, "bumper": Bumper, "tactician": Tactician}
