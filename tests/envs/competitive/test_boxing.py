"""Boxing scoring (clean hits, debounce, misses, slow contact), decisions, and its opponents."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palaestra.envs.competitive import boxing
from palaestra.envs.competitive.boxing import BOXING_INDEX

GUARD = np.array((0.0, 0.0, 0.0, -1.0, -1.0), dtype=np.float32)
LEFT_JAB = np.array((0.0, 0.0, 0.0, 1.0, -1.0), dtype=np.float32)


def _facing(distance, **kwargs):
    env = boxing.parallel_env(**kwargs)
    env.reset(seed=0)
    env.fighters["red_0"].place(-distance / 2, 0.0, 0.0)
    env.fighters["blue_0"].place(distance / 2, 0.0, math.pi)
    return env


def _run(env, red, steps, blue=GUARD):
    rewards = []
    for _ in range(steps):
        _, reward, _, _, infos = env.step({"red_0": red, "blue_0": blue})
        rewards.append(reward["red_0"])
    return rewards, infos


def test_a_landed_punch_scores_exactly_once():
    env = _facing(0.85, knockout_lead=None)
    rewards, infos = _run(env, LEFT_JAB, 12)  # the fist stays out, pressed on the opponent
    assert env.points == {"red_0": 1, "blue_0": 0}
    assert sorted(rewards) == [0.0] * 11 + [1.0]
    assert infos["red_0"]["points"] == 1 and infos["blue_0"]["points"] == 0
    _run(env, GUARD, 6)
    _run(env, LEFT_JAB, 6)  # back to guard, then a second punch is a second point
    assert env.points == {"red_0": 2, "blue_0": 0}
    env.close()


def test_a_punch_that_misses_scores_nothing():
    env = _facing(2.0)
    rewards, _ = _run(env, LEFT_JAB, 10)
    assert env.points == {"red_0": 0, "blue_0": 0} and not any(rewards)
    assert env.states["red_0"].arms[0] > 0.9 * boxing.Fighter.REACH  # the jab went all the way out
    env.close()


def test_walking_in_with_an_outstretched_fist_is_no_clean_hit():
    env = _facing(1.6, knockout_lead=None)
    _run(env, LEFT_JAB, 6)  # full extension in the air
    walk = LEFT_JAB.copy()
    walk[0] = 0.5
    _run(env, walk, 30)
    assert np.hypot(*(env.states["red_0"].position - env.states["blue_0"].position)[:2]) < 0.95
    assert env.points == {"red_0": 0, "blue_0": 0}
    env.close()


def test_knockout_lead_ends_the_match_for_the_hitter():
    env = _facing(0.85, knockout_lead=1)
    for _ in range(12):
        _, rewards, terminations, _, infos = env.step({"red_0": LEFT_JAB, "blue_0": GUARD})
        if not env.agents:
            break
    assert all(terminations.values()) and rewards == {"red_0": 1.0, "blue_0": -1.0}
    assert infos["red_0"]["outcome"] == 1 and infos["blue_0"]["outcome"] == -1


@pytest.mark.parametrize("punch, outcome", [(True, 1), (False, 0)])
def test_the_bell_decides_by_points(punch, outcome):
    env = _facing(0.85, max_cycles=12, knockout_lead=None)
    _, infos = _run(env, LEFT_JAB if punch else GUARD, 12)
    assert not env.agents
    assert infos["red_0"]["outcome"] == outcome and infos["blue_0"]["outcome"] == -outcome
    env.close()


def test_observation_reports_fists_and_lead():
    env = _facing(0.85, knockout_lead=None)
    _run(env, LEFT_JAB, 8)
    obs, *_ = env.step({"red_0": LEFT_JAB, "blue_0": GUARD})
    assert obs["red_0"][BOXING_INDEX["lead"]] == 1.0 and obs["blue_0"][BOXING_INDEX["lead"]] == -1.0
    assert obs["red_0"][BOXING_INDEX["left"]] > 0.3 and obs["red_0"][BOXING_INDEX["right"]] < 0.05
    assert obs["blue_0"][BOXING_INDEX["opp_left"]] == obs["red_0"][BOXING_INDEX["left"]]
    env.close()
