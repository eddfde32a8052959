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
    CONTACT_REACH2,
    DT,
    HALF_WIDTH,
    HIT_RADIUS,
    MAX_TOUCHES,
    NET_HALF,
    OWN_HALF,
    PLAYER_RADIUS,
    PLAYER_SPEED,
    POS_SCALE,
    VEL_SCALE,
    Player,
    fly,
    landing,
    move_player,
    rebound,
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
        if not OWN_HALF[0] <= spot <= OWN_HALF[1]:
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
    """The best (action, ball x, ball y, own x) sequence found by simulating candidate approaches, up to and
    including the touch; [] if none works. The first best candidate in the order below wins a tie."""
    if view.team_size == 1 or view.touches >= 2:
        goal: float | None = None  # attack
    else:
        goal = -3.0 if view.touches == 0 else -HALF_WIDTH / 2  # pass to the net, then set back
    x0 = view.me[0]
    stride = PLAYER_SPEED * DT
    plans: list[list[int]] = []
    for k in range(-frames, frames + 1):
        offset = x0 + k * stride - fall_x
        if not SPOTS[0] <= offset <= SPOTS[1] or not OWN_HALF[0] <= x0 + k * stride <= OWN_HALF[1]:
            continue
        approach = [FORWARD if k > 0 else BACK] * abs(k)
        for move, lead in FINISHES:
            wait = frames - abs(k) - lead
            if wait >= 0:
                plans.append(approach + [NOOP] * wait + [move] * lead)
    rehearsal = _Rehearsal(view, goal, frames + FOLLOW_THROUGH)
    best: tuple[int, int] | None = None
    best_value = -math.inf
    for index, (value, touched_at) in enumerate(rehearsal.play(plans)):
        if value > best_value:
            best, best_value = (index, touched_at), value
    return [] if best is None else rehearsal.trace(*best)


_FAILED = (-math.inf, -1)


class _Rehearsal:
    """Candidate plans (action lists) played on a scratch court by the agent alone, ``horizon`` ticks at most
    (a plan's end is followed by waiting), each scored when its outcome is known: the ball sent towards
    ``goal`` (distance from it, negated), or for an attack (``goal`` None) over the net (how far from the
    nearest opponent it comes down, less its flight time); ``-inf`` when the ball reaches the floor first,
    is touched twice (in team games) or never comes.

    This is the court's physics (:mod:`~palaestra.envs.competitive.volley_core`) with the same float
    operations in the same order as a ``Court(1, touch_rules=False)`` whose opponent is parked 100 units
    under the floor (no ball slower than thousands of units a second reaches it before the floor ends the
    rally), minus what cannot change a score: until the agent touches the ball, its flight does not depend
    on the plan, so it is computed once; plans are played in lexicographic order, a prefix they share once,
    branching where their actions part; a NOOP that leaves a standing agent where it is is not played."""

    def __init__(self, view: View, goal: float | None, horizon: int) -> None:
        self.view, self.goal, self.horizon = view, goal, horizon
        # The ball's flight until it reaches the floor untouched, one entry per tick (after the tick).
        self.flight: list[tuple[float, float, float, float]] = []
        ball = view.ball
        while len(self.flight) < horizon:
            ball = fly(*ball)
            self.flight.append(ball)
            if ball[1] <= BALL_RADIUS:
                break

    def play(self, plans: list[list[int]]) -> list[tuple[float, int]]:
        """Each plan's score and the tick it touches the ball at (``(-inf, -1)`` for a failed one)."""
        self._plans = plans = [plan + [NOOP] * (self.horizon - len(plan)) for plan in plans]
        self._order = sorted(range(len(plans)), key=plans.__getitem__)
        self._outcomes: list[tuple[float, int]] = [_FAILED] * len(plans)
        x, y, _, vy, _ = self.view.me
        if plans:
            self._branch(0, len(plans), 0, (x, y, vy, *self.view.ball, 0, False, -1))
        return self._outcomes

    def trace(self, index: int, touched_at: int) -> list[tuple[int, float, float, float]]:
        """Plan ``index``'s (action, ball x, ball y, own x) before each tick up to its touch."""
        plan = self._plans[index]
        me = Player(0)
        me.x, me.y, _, me.vy = self.view.me[:4]
        ball = self.view.ball
        steps = []
        for t in range(touched_at + 1):
            steps.append((plan[t], ball[0], ball[1], me.x))
            move_player(me, *ACTIONS[plan[t]])
            ball = self.flight[t]
        return steps

    def _branch(self, lo: int, hi: int, t: int, state: tuple) -> None:
        # Plans order[lo:hi] share their first t actions, which led to ``state``; play on to where they part.
        plans, order = self._plans, self._order
        first, last = plans[order[lo]], plans[order[hi - 1]]
        end = t if hi - lo > 1 else self.horizon
        while end < self.horizon and first[end] == last[end]:
            end += 1
        outcome, state = self._advance(first, t, end, state)
        if outcome is None and end == self.horizon:
            outcome = _FAILED
        if outcome is not None:
            for i in order[lo:hi]:
                self._outcomes[i] = outcome
            return
        while lo < hi:
            action, split = first[end], lo + 1
            while split < hi and plans[order[split]][end] == action:
                split += 1
            self._branch(lo, split, end, state)
            lo = split
            if lo < hi:
                first = plans[order[lo]]

    def _advance(self, plan: list[int], start: int, end: int, state: tuple) -> tuple[tuple[float, int] | None, tuple]:
        """Play ``plan`` over ticks ``start`` to ``end`` from ``state``: the outcome if it is known by then, else
        None and the state reached."""
        me = Player(0)
        me.x, me.y, me.vy, bx, by, bvx, bvy, touches, contact, touched_at = state
        # Standing on the floor inside its half, the agent is left where it is by a NOOP: skip the call.
        still = not (me.y > 0.0 or me.vy > 0.0) and OWN_HALF[0] <= me.x <= OWN_HALF[1]
        flight, team = self.flight, self.view.team_size > 1
        for t in range(start, end):
            action = plan[t]
            if action or not still:
                move_player(me, *ACTIONS[action])
                still = not (me.y > 0.0 or me.vy > 0.0)
            else:
                me.vx = 0.0
            if touched_at < 0:
                bx, by, bvx, bvy = flight[t]
            else:
                was_left = bx < 0.0
                bx, by, bvx, bvy = fly(bx, by, bvx, bvy)
                if (bx < 0.0) != was_left:
                    touches = 0
            dx, dy = bx - me.x, by - me.y
            d2 = dx * dx + dy * dy
            touching = d2 < CONTACT_REACH2
            if touching and not contact:
                touches += 1
                if touched_at < 0:
                    touched_at = t
            contact = touching
            if d2 < HIT_RADIUS * HIT_RADIUS:
                bx, by, bvx, bvy = rebound(me, bvx, bvy, dx, dy, d2)
            if (touches > 1 and team) or by <= BALL_RADIUS:
                return _FAILED, state  # a double touch, or the floor
            if touched_at < 0 or t < touched_at + 2:
                continue
            value = self._score(bx, by, bvx, bvy)
            if value is not None:
                return (value, touched_at), state
        return None, (me.x, me.y, me.vy, bx, by, bvx, bvy, touches, contact, touched_at)

    def _score(self, bx: float, by: float, bvx: float, bvy: float) -> float | None:
        # Two ticks after the touch: a pass or set is judged by where the ball comes down, an attack waits
        # until the ball is over the net.
        if self.goal is not None:
            fall = landing(bx, by, bvx, bvy, HIT_RADIUS)
            if fall is None or fall[0] > -NET_HALF - PLAYER_RADIUS or fall[1] < 0.6:
                return -math.inf
            return -abs(fall[0] - self.goal)
        if bx > NET_HALF + BALL_RADIUS:
            fall = landing(bx, by, bvx, bvy, BALL_RADIUS)
            opponents = [p[0] for p in self.view.players[self.view.team_size:]]
            return min(min(abs(fall[0] - o) for o in opponents), 10.0) - fall[1]
        return None


OPPONENTS: dict[str, PolicyFactory] = {
    "random": RandomPolicy,
    "heuristic": TrackerPolicy,
    "strong": PlannerPolicy,
}
