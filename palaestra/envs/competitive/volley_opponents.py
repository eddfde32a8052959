"""Scripted volleyball players, from the agent's own (mirrored) observation: own half at x < 0, net at 0.

The policies read the observation layout of :class:`~palaestra.envs.competitive.volleyball.VolleyballEnv`
and act in the agent's frame, so one instance plays either side and any team size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.competitive.policy import Policy, PolicyFactory, RandomPolicy
from palaestra.envs.competitive.volley_core import (
    ACTIONS,
    BALL_RADIUS,
    DT,
    HALF_WIDTH,
    HIT_RADIUS,
    MAX_TOUCHES,
    NET_HALF,
    PLAYER_RADIUS,
    PLAYER_SPEED,
    POS_SCALE,
    VEL_SCALE,
    Court,
    landing,
)

NOOP, BACK, FORWARD, JUMP = 0, 1, 2, 3
# Close enough to a target spot: half a step of movement, so a player settles instead of dithering.
SETTLE = 0.5 * PLAYER_SPEED * DT


@dataclass
class View:
    """An observation decoded to court units: ``players[0]`` is the agent, then teammates, then opponents."""

    players: list[tuple[float, float, float, float, bool]]
    ball: tuple[float, float, float, float]
    touches: int
    team_size: int

    @classmethod
    def decode(cls, observation: Any) -> View:
        o = np.asarray(observation, dtype=np.float64).tolist()
        n = (len(o) - 6) // 10
        players = [(o[k] / POS_SCALE, o[k + 1] / POS_SCALE, o[k + 2] / VEL_SCALE, o[k + 3] / VEL_SCALE,
                    o[k + 4] > 0.5) for k in range(0, 10 * n, 5)]
        b = 10 * n
        ball = (o[b] / POS_SCALE, o[b + 1] / POS_SCALE, o[b + 2] / VEL_SCALE, o[b + 3] / VEL_SCALE)
        return cls(players, ball, round(o[b + 4] * MAX_TOUCHES), n)

    @property
    def me(self) -> tuple[float, float, float, float, bool]:
        return self.players[0]

    def home(self, rank: int, count: int) -> float:
        """The ``rank``-th (from the back) of ``count`` evenly spread spots on the own half."""
        return -HALF_WIDTH * (count - rank) / (count + 1)


def step_towards(x: float, target: float) -> int:
    if target < x - SETTLE:
        return BACK
    if target > x + SETTLE:
        return FORWARD
    return NOOP


class TrackerPolicy(Policy):
    """Heuristic level: the player nearest the ball follows its x, a little behind it, and jumps when it is
    close overhead; teammates wait at their home spots. It knows nothing of the touch rules."""

    name = "heuristic"

    def act(self, observation: Any, agent: str) -> int:
        view = View.decode(observation)
        bx, by, _, bvy = view.ball
        own = view.players[: view.team_size]
        x = view.me[0]
        if any(abs(p[0] - bx) < abs(x - bx) for p in own[1:]):
            return step_towards(x, _home_of(view))
        if bx > 0.0:
            return step_towards(x, view.home(0, 1))
        move = step_towards(x, bx - 0.6)
        if abs(bx - x) < 2.0 and by < 6.0 and bvy < 0.0:
            return move + 3  # the same move, with a jump
        return move

    @staticmethod
    def act_batch(observations: np.ndarray) -> np.ndarray:
        """:meth:`act` on a batch of observations (one row each, any mix of agents): the same decisions from
        the same float operations, so each row's action equals ``act`` on that row."""
        o = np.asarray(observations, dtype=np.float64)
        n = (o.shape[1] - 6) // 10
        b = 10 * n
        xs = o[:, 0:5 * n:5] / POS_SCALE  # the own side's players' x, the agent first
        x = xs[:, 0]
        bx, by, bvy = o[:, b] / POS_SCALE, o[:, b + 1] / POS_SCALE, o[:, b + 3] / VEL_SCALE
        target = np.where(bx > 0.0, -HALF_WIDTH * 1 / 2, bx - 0.6)
        if n > 1:
            nearer = (np.abs(xs[:, 1:] - bx[:, None]) < np.abs(x - bx)[:, None]).any(axis=1)
            rank = (xs < x[:, None]).sum(axis=1)
            target = np.where(nearer, -HALF_WIDTH * (n - rank) / (n + 1), target)
        else:
            nearer = np.zeros(len(o), dtype=np.bool_)
        move = np.where(target < x - SETTLE, BACK, np.where(target > x + SETTLE, FORWARD, NOOP))
        jump = ~nearer & ~(bx > 0.0) & (np.abs(bx - x) < 2.0) & (by < 6.0) & (bvy < 0.0)
        return move + 3 * jump


class PlannerPolicy(Policy):
    """Strong level: predicts where the ball comes down, plans its approach by simulating the court's own
    physics for a few candidate spots and timings (stand, run into the ball, jump), and executes the plan
    that sends the ball where it wants. Alone it attacks the opponent's open spot at once; in team games it
    plays pass (towards the net), set (back to the attacker's spot) and attack with the three touches,
    the designated player being the eligible one nearest the ball, never the one that touched it last.
    Idle players hold spread-out spots and step out of the ball's way."""

    name = "strong"

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        # One plan per agent: a single policy object may play a whole team.
        self._plans: dict[str, list[tuple[int, float, float, float]]] = {}

    def act(self, observation: Any, agent: str) -> int:
        view = View.decode(observation)
        own = view.players[: view.team_size]
        bx, by, bvx, bvy = view.ball
        fall = landing(bx, by, bvx, bvy, HIT_RADIUS)
        x = view.me[0]
        if fall is None or fall[0] > -NET_HALF or (bx > 0.0 and bvx >= 0.0):
            self._plans.pop(agent, None)
            return step_towards(x, _home_of(view))
        eligible = [p for p in own if not p[4]]
        if not eligible or min(eligible, key=lambda p: (abs(p[0] - fall[0]), p[0])) is not own[0]:
            self._plans.pop(agent, None)
            return _make_room(view, x, fall[0])
        plan = self._plans.get(agent)
        if not (plan and abs(plan[0][1] - bx) + abs(plan[0][2] - by) + abs(plan[0][3] - x) < 1e-3):
            plan = self._plans[agent] = _best_plan(view, fall[0], int(fall[1] / DT))
        if plan:
            return plan.pop(0)[0]
        return step_towards(x, fall[0] - 0.5)


def _home_of(view: View) -> float:
    # Teammates share the spots in their current left-to-right order, so nobody crosses anybody.
    own = view.players[: view.team_size]
    rank = sorted(p[0] for p in own).index(view.me[0])
    return view.home(rank, view.team_size)


def _make_room(view: View, x: float, fall_x: float) -> int:
    # Hold the home spot unless it is where the ball comes down; then stand clear on the own side of it.
    spot = _home_of(view)
    clear = 2.0 * HIT_RADIUS
    if abs(spot - fall_x) < clear:
        spot = fall_x - clear if x < fall_x else fall_x + clear
        if not -HALF_WIDTH + PLAYER_RADIUS <= spot <= -NET_HALF - PLAYER_RADIUS:
            spot = 2.0 * fall_x - spot
    return step_towards(x, spot)


def _attack_target(view: View) -> float:
    # The open spot on the opponents' half: the deep corner or the short one, whichever is farther from them.
    opponents = [p[0] for p in view.players[view.team_size:]]
    spots = (NET_HALF + 3.0, HALF_WIDTH / 2, HALF_WIDTH - 1.0)
    return max(spots, key=lambda s: min(abs(s - o) for o in opponents))


# Final moves tried when the ball arrives, each started ``lead`` ticks before it reaches head height.
FINISHES = ((NOOP, 0), (FORWARD, 2), (FORWARD, 4), (JUMP, 4), (JUMP, 8), (FORWARD + JUMP, 4))
# Where a spot may be relative to the predicted fall point, in court units (mostly behind the ball).
SPOTS = (-3.0, 1.5)
FOLLOW_THROUGH = 60


def _best_plan(view: View, fall_x: float, frames: int) -> list[tuple[int, float, float, float]]:
    """The best (action, ball x, ball y) sequence found by simulating candidate approaches; [] if none works."""
    if view.team_size == 1 or view.touches >= 2:
        goal: float | None = None  # attack
    else:
        goal = -3.0 if view.touches == 0 else -HALF_WIDTH / 2  # pass to the net, then set back
    x0 = view.me[0]
    stride = PLAYER_SPEED * DT
    best: list[tuple[int, float, float, float]] = []
    best_value = -math.inf
    for k in range(-frames, frames + 1):
        offset = x0 + k * stride - fall_x
        if not SPOTS[0] <= offset <= SPOTS[1] or not -HALF_WIDTH + PLAYER_RADIUS <= x0 + k * stride <= -NET_HALF - PLAYER_RADIUS:
            continue
        approach = [FORWARD if k > 0 else BACK] * abs(k)
        for move, lead in FINISHES:
            wait = frames - abs(k) - lead
            if wait < 0:
                continue
            actions = approach + [NOOP] * wait + [move] * lead
            value, trace = _simulate(view, actions, goal)
            if value > best_value:
                best, best_value = trace, value
    return best


def _simulate(view: View, actions: list[int], goal: float | None) -> tuple[float, list[tuple[int, float, float, float]]]:
    """Play ``actions`` on a scratch court with the agent alone; value of the outcome and the plan trace."""
    court = Court(1, touch_rules=False)
    me, parked = court.players
    me.x, me.y, me.vx, me.vy = view.me[:4]
    parked.y = -100.0  # the opponent is left out of the simulation
    court.bx, court.by, court.bvx, court.bvy = view.ball
    trace: list[tuple[int, float, float, float]] = []
    touched_at = -1
    for t in range(len(actions) + FOLLOW_THROUGH):
        action = actions[t] if t < len(actions) else NOOP
        if touched_at < 0:
            trace.append((action, court.bx, court.by, me.x))
        rally = court.step([ACTIONS[action], ACTIONS[NOOP]])
        if court.touches[0] > 1 and view.team_size > 1:
            return -math.inf, trace  # a double touch
        if touched_at < 0 and court.touches[0]:
            touched_at = t
        if rally is not None:
            return -math.inf, trace
        if touched_at < 0 or t < touched_at + 2:
            continue
        if goal is not None:
            fall = landing(court.bx, court.by, court.bvx, court.bvy, HIT_RADIUS)
            if fall is None or fall[0] > -NET_HALF - PLAYER_RADIUS or fall[1] < 0.6:
                return -math.inf, trace
            return -abs(fall[0] - goal), trace
        if court.bx > NET_HALF + BALL_RADIUS:
            fall = landing(court.bx, court.by, court.bvx, court.bvy, BALL_RADIUS)
            opponents = [p[0] for p in view.players[view.team_size:]]
            return min(min(abs(fall[0] - o) for o in opponents), 10.0) - fall[1], trace
    return -math.inf, trace


OPPONENTS: dict[str, PolicyFactory] = {
    "random": RandomPolicy,
    "heuristic": TrackerPolicy,
    "strong": PlannerPolicy,
}
