"""The volleyball array core against the single-match game, bit for bit, and the batched heuristic opponent."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.envs.competitive.volley_batch import REASONS, VolleyBatch, batch_for
from palaestra.envs.competitive.volley_opponents import TrackerPolicy
from palaestra.envs.competitive.volleyball import VolleyballEnv


def _actions(obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # The heuristic player with 30% random moves: rallies with touches, bounces off players and the net, and
    # (in teams) double touches and fourth touches, which random play alone seldom reaches.
    tracker = TrackerPolicy.act_batch(obs.reshape(-1, obs.shape[2])).reshape(obs.shape[:2])
    return np.where(rng.random(tracker.shape) < 0.3, rng.integers(6, size=tracker.shape), tracker)


@pytest.mark.parametrize("team_size", [1, 2, 3])
def test_each_match_reproduces_the_single_game_with_its_seed(team_size):
    n, steps = 12, 1200
    kwargs = {"points_to_win": 2, "max_cycles": 400}  # many matches end, by the score and by the clock
    batch = VolleyBatch(n, team_size=team_size, **kwargs)
    games = [VolleyballEnv(team_size=team_size, **kwargs) for _ in range(n)]
    agents = games[0].possible_agents
    obs = batch.reset(seeds=list(range(n)))
    single = [game.reset(seed=i)[0] for i, game in enumerate(games)]
    next_seed, rng = n, np.random.default_rng(team_size)
    reasons, ended = set(), {"terminated": 0, "truncated": 0}
    for _ in range(steps):
        actions = _actions(obs, rng)
        obs, rewards, terminated, truncated = batch.step(actions)
        for i, game in enumerate(games):
            o, r, te, tr, infos = game.step({a: int(actions[i, k]) for k, a in enumerate(agents)})
            assert np.array_equal(np.stack([o[a] for a in agents]), obs[i])
            assert np.array_equal([r[a] for a in agents], rewards[i])
            assert (te[agents[0]], tr[agents[0]]) == (terminated[i], truncated[i])
            assert infos[agents[0]].get("point") == REASONS[batch.reason[i]]
            assert tuple(batch.score[i]) == infos[agents[0]]["score"]
            reasons.add(REASONS[batch.reason[i]])
            if te[agents[0]] or tr[agents[0]]:
                ended["terminated" if te[agents[0]] else "truncated"] += 1
                first, _ = game.reset(seed=next_seed)
                obs = batch.reset(seeds=[next_seed], rows=[i])
                assert np.array_equal(np.stack([first[a] for a in agents]), obs[i])
                next_seed += 1
    assert ended["terminated"] >= 5 and ended["truncated"] >= 5
    assert "floor" in reasons
    if team_size > 1:
        assert {"double-touch", "four-touches"} <= reasons


@pytest.mark.parametrize("team_size", [1, 2, 3])
def test_batched_heuristic_acts_as_the_scalar_one_on_every_row(team_size):
    batch = VolleyBatch(16, team_size=team_size)
    obs = batch.reset(seeds=list(range(16)))
    policy = TrackerPolicy(batch.template)
    rng = np.random.default_rng(0)
    for _ in range(300):
        rows = obs.reshape(-1, obs.shape[2])
        assert TrackerPolicy.act_batch(rows).tolist() == [policy.act(row, "left_0") for row in rows]
        obs, _, terminated, truncated = batch.step(_actions(obs, rng))
        done = np.flatnonzero(terminated | truncated)
        if done.size:
            obs = batch.reset(seeds=[None] * done.size, rows=done)


def test_bad_input_is_refused_naming_the_game_and_argument():
    batch = VolleyBatch(2, max_cycles=1)
    with pytest.raises(ValueError, match=r"Volleyball-v0 batch: actions must be integers in \[0, 6\) of shape \(2, 2\)"):
        batch.step(np.zeros((2, 3), dtype=np.int64))
    batch.reset(seeds=[0, 1])
    with pytest.raises(ValueError, match="actions must be integers"):
        batch.step(np.full((2, 2), 6))
    batch.step(np.zeros((2, 2), dtype=np.int64))  # max_cycles=1: both matches end
    with pytest.raises(RuntimeError, match=r"matches \[0, 1\] have ended; reset them"):
        batch.step(np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="reset got 1 seeds for 2 matches"):
        batch.reset(seeds=[0])
    with pytest.raises(ValueError, match="n_matches"):
        VolleyBatch(0)
    with pytest.raises(ValueError, match="TeamVolleyball4v4-v0: no array core"):
        batch_for("palaestra/TeamVolleyball4v4-v0", 2)
    with pytest.raises(ValueError, match="state observations only"):
        batch_for("palaestra/Volleyball-v0", 2, obs_mode="pixels")
