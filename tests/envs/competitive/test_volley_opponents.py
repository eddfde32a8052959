"""The strong volleyball level's planner against a plain simulation of every candidate on a scratch court."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palaestra.competitive.match import play_match
from palaestra.envs.competitive import volley_opponents, volleyball
from palaestra.envs.competitive.volley_core import (
    ACTIONS,
    BALL_RADIUS,
    DT,
    HALF_WIDTH,
    HIT_RADIUS,
    NET_HALF,
    PLAYER_RADIUS,
    PLAYER_SPEED,
    Court,
    landing,
)
from palaestra.envs.competitive.volley_opponents import (
    BACK,
    FINISHES,
    FOLLOW_THROUGH,
    FORWARD,
    NOOP,
    SPOTS,
    View,
    _best_plan,
)


def _plain_best_plan(view, fall_x, frames):
    """What the planner decides, the obvious way: each candidate in turn on a fresh court, to its end."""
    if view.team_size == 1 or view.touches >= 2:
        goal = None
    else:
        goal = -3.0 if view.touches == 0 else -HALF_WIDTH / 2
    x0, stride = view.me[0], PLAYER_SPEED * DT
    best, best_value = [], -math.inf
    for k in range(-frames, frames + 1):
        x = x0 + k * stride
        if not (SPOTS[0] <= x - fall_x <= SPOTS[1] and -HALF_WIDTH + PLAYER_RADIUS <= x <= -NET_HALF - PLAYER_RADIUS):
            continue
        for move, lead in FINISHES:
            if frames - abs(k) - lead >= 0:
                actions = [FORWARD if k > 0 else BACK] * abs(k) + [NOOP] * (frames - abs(k) - lead) + [move] * lead
                value, trace = _play(view, actions, goal)
                if value > best_value:
                    best, best_value = trace, value
    return best


def _play(view, actions, goal):
    court = Court(1, touch_rules=False)
    me, parked = court.players
    me.x, me.y, me.vx, me.vy = view.me[:4]
    parked.y = -100.0
    court.bx, court.by, court.bvx, court.bvy = view.ball
    trace, touched_at = [], -1
    for t, action in enumerate(actions + [NOOP] * FOLLOW_THROUGH):
        if touched_at < 0:
            trace.append((action, court.bx, court.by, me.x))
        rally = court.step([ACTIONS[action], ACTIONS[NOOP]])
        if rally is not None or (court.touches[0] > 1 and view.team_size > 1):
            return -math.inf, trace
        if touched_at < 0 and court.touches[0]:
            touched_at = t
        if touched_at < 0 or t < touched_at + 2:
            continue
        if goal is not None:
            fall = landing(court.bx, court.by, court.bvx, court.bvy, HIT_RADIUS)
            if fall is None or fall[0] > -NET_HALF - PLAYER_RADIUS or fall[1] < 0.6:
                return -math.inf, trace
            return -abs(fall[0] - goal), trace
        if court.bx > NET_HALF + BALL_RADIUS:
            fall = landing(court.bx, court.by, court.bvx, court.bvy, BALL_RADIUS)
            nearest = min(abs(fall[0] - p[0]) for p in view.players[view.team_size:])
            return min(nearest, 10.0) - fall[1], trace
    return -math.inf, trace


def _checked_planner(monkeypatch):
    """Every plan the strong level makes, checked bit for bit (``repr`` tells 0.0 from -0.0, 1 from 1.0)."""
    seen = []

    def planner(view, fall_x, frames):
        plan = _best_plan(view, fall_x, frames)
        assert repr(plan) == repr(_plain_best_plan(view, fall_x, frames))
        seen.append((view.team_size == 1 or view.touches >= 2, bool(plan)))
        return plan

    monkeypatch.setattr(volley_opponents, "_best_plan", planner)
    return seen


@pytest.mark.parametrize("team_size", [1, 2, 3])
@pytest.mark.parametrize("opponent, seed", [("heuristic", 0), ("random", 1), ("strong", 2)])
def test_plans_in_real_matches_are_the_plain_simulations(team_size, opponent, seed, monkeypatch):
    seen = _checked_planner(monkeypatch)
    env = volleyball.parallel_env(team_size=team_size, max_cycles=400)
    levels = volleyball.OPPONENTS
    play_match(env, {"left": levels["strong"](env), "right": levels[opponent](env)}, seed=seed)
    assert any(found for _, found in seen)  # some plans were found, not only refusals
    if team_size > 1:
        assert {attack for attack, _ in seen} == {True, False}  # passes and sets as well as attacks


def test_plans_from_odd_states_are_the_plain_simulations():
    # Starts the matches rarely give: the agent in the air, at either end of its half or just beyond (where
    # a float32 observation can round it), balls off the walls and the net.
    edges = (-2.0, -22.5, math.nextafter(-2.0, 0.0), math.nextafter(-22.5, -HALF_WIDTH))
    rng = np.random.default_rng(7)
    checked = 0
    while checked < 40:
        team_size = int(rng.integers(1, 4))
        players = [(float(rng.uniform(-22.5, -2.0)), float(rng.choice([0.0, rng.uniform(0.0, 3.0)])),
                    0.0, float(rng.uniform(-10.0, 10.0)), False) for _ in range(team_size)]
        players += [(float(rng.uniform(2.0, 22.5)), 0.0, 0.0, 0.0, False) for _ in range(team_size)]
        players[0] = (float(rng.choice([*edges, players[0][0]])), *players[0][1:])
        ball = (float(rng.uniform(-23.5, 3.0)), float(rng.uniform(2.0, 12.0)),
                float(rng.uniform(-22.5, 22.5)), float(rng.uniform(-15.0, 15.0)))
        view = View(players, ball, int(rng.integers(0, 3)), team_size)
        fall = landing(*ball, HIT_RADIUS)
        if fall is None or fall[0] > -NET_HALF:
            continue
        assert repr(_best_plan(view, fall[0], int(fall[1] / DT))) == repr(_plain_best_plan(view, fall[0], int(fall[1] / DT)))
        checked += 1
