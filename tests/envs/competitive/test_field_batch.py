"""The field games' array cores (Tag, Soccer 2v2) against the single-match games, bit for bit, and their batched
scripted players against the scalar ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palaestra.envs.competitive import soccer_batch, tag_batch
from palaestra.envs.competitive.disc_batch import py_hypot
from palaestra.envs.competitive.soccer import SoccerEnv
from palaestra.envs.competitive.soccer_batch import SoccerBatch
from palaestra.envs.competitive.tag import TagEnv
from palaestra.envs.competitive.tag_batch import TagBatch

# Short matches so that many end (by the score or the tags, and by the clock) and restart from new seeds.
GAMES = {
    "tag": (TagBatch, TagEnv, {"max_cycles": 30}, tag_batch),
    "soccer": (SoccerBatch, SoccerEnv, {"goals_to_win": 2, "max_cycles": 150, "shaping": 0.5}, soccer_batch),
    "soccer-unshaped": (SoccerBatch, SoccerEnv, {"goals_to_win": 2, "max_cycles": 150}, soccer_batch),
}


def test_py_hypot_is_math_hypot_bit_for_bit():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(20000) * s for s in (1e-6, 1e-2, 1.0, 30.0)] + [[0.0, 0.0, 3.0, 5e-324]])
    y = np.concatenate([rng.standard_normal(20000) * s for s in (1e-6, 1.0, 1e-3, 30.0)] + [[0.0, -2.0, 0.0, 1e-310]])
    x32, y32 = x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)  # as observations
    for a, b in ((x, y), (x32, y32)):
        expected = np.array([math.hypot(p, q) for p, q in zip(a.tolist(), b.tolist())])
        assert py_hypot(a, b).tobytes() == expected.tobytes()
    assert not np.array_equal(np.hypot(x, y), py_hypot(x, y))  # why the helper exists: numpy rounds otherwise


def _actions(batch, obs: np.ndarray, module, rng: np.random.Generator) -> np.ndarray:
    # The game's first batched scripted player with 30% random commands (some beyond the unit disc, to be
    # clipped and scaled): contacts, tags and goals, which random play alone seldom reaches.
    act = next(iter(module.BATCHED.values()))
    agents = np.tile(np.arange(batch.n_agents), batch.n)
    scripted = act(obs.reshape(-1, batch.obs_dim), agents).reshape(batch.n, batch.n_agents, 2)
    noise = rng.uniform(-1.5, 1.5, size=scripted.shape).astype(np.float32)
    return np.where(rng.random(scripted.shape[:2] + (1,)) < 0.3, noise, scripted)


@pytest.mark.parametrize("name", list(GAMES))
def test_each_match_reproduces_the_single_game_with_its_seed(name):
    batch_cls, env_cls, kwargs, module = GAMES[name]
    n, steps = 10, 600
    batch = batch_cls(n, **kwargs)
    games = [env_cls(**kwargs) for _ in range(n)]
    agents = games[0].possible_agents
    obs = batch.reset(seeds=list(range(n)))
    for i, game in enumerate(games):
        first, _ = game.reset(seed=i)
        assert np.stack([first[a] for a in agents]).tobytes() == obs[i].tobytes()
    next_seed, rng = n, np.random.default_rng(len(name))
    seen = {"terminated": 0, "truncated": 0, "rewarded": 0}
    for _ in range(steps):
        actions = _actions(batch, obs, module, rng)
        obs, rewards, terminated, truncated = batch.step(actions)
        for i, game in enumerate(games):
            live = list(game.agents)
            o, r, te, tr, infos = game.step({a: actions[i, agents.index(a)] for a in live})
            assert batch.stepped[i].tolist() == [a in live for a in agents]
            for k, agent in enumerate(agents):
                if agent in live:
                    assert obs[i, k].tobytes() == o[agent].tobytes()
                    assert (rewards[i, k], terminated[i, k], truncated[i, k]) == (r[agent], te[agent], tr[agent])
                else:
                    assert (rewards[i, k], terminated[i, k], truncated[i, k]) == (0.0, False, False)
            assert [a for k, a in enumerate(agents) if batch.live[i, k]] == game.agents
            seen["rewarded"] += any(r.values())
            if not game.agents:
                seen["terminated" if any(te.values()) else "truncated"] += 1
                assert [infos[a]["outcome"] for a in live] == [batch.outcome(i)[agents.index(a)] for a in live]
                first, _ = game.reset(seed=next_seed)
                obs = batch.reset(seeds=[next_seed], rows=[i])
                assert np.stack([first[a] for a in agents]).tobytes() == obs[i].tobytes()
                next_seed += 1
    assert seen["terminated"] >= 5 and seen["truncated"] >= 5 and seen["rewarded"] >= 20, seen


@pytest.mark.parametrize("name", ["tag", "soccer"])
def test_batched_scripted_players_act_as_the_scalar_ones_on_every_row(name):
    batch_cls, env_cls, kwargs, module = GAMES[name]
    batch = batch_cls(8, **kwargs)
    obs = batch.reset(seeds=list(range(8)))
    rng = np.random.default_rng(1)
    agents = np.tile(np.arange(4), 8)
    for policy_cls, act in module.BATCHED.items():
        policy = policy_cls(batch.template)
        for _ in range(150):
            rows = obs.reshape(-1, batch.obs_dim)
            expected = np.stack([policy.act(row, batch.possible_agents[k]) for row, k in zip(rows, agents)])
            assert act(rows, agents).tobytes() == expected.tobytes()
            obs, *_ = batch.step(_actions(batch, obs, module, rng))
            done = np.flatnonzero(~batch.running)
            if done.size:
                obs = batch.reset(seeds=[None] * done.size, rows=done)


@pytest.mark.parametrize("batch_cls", [TagBatch, SoccerBatch])
def test_bad_input_is_refused_naming_the_game_and_argument(batch_cls):
    batch = batch_cls(2, max_cycles=1)
    env_id = batch.env_id
    with pytest.raises(ValueError, match=rf"{env_id} batch: actions must be finite numbers of shape \(2, 4, 2\)"):
        batch.step(np.zeros((2, 4)))
    batch.reset(seeds=[0, 1])
    with pytest.raises(ValueError, match="actions must be finite"):
        batch.step(np.full((2, 4, 2), np.nan))
    batch.step(np.zeros((2, 4, 2)))  # max_cycles=1: both matches end
    with pytest.raises(RuntimeError, match=rf"{env_id} batch: matches \[0, 1\] have ended; reset them"):
        batch.step(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match="reset got 1 seeds for 2 matches"):
        batch.reset(seeds=[0])
    with pytest.raises(ValueError, match=rf"{env_id} batch: n_matches"):
        batch_cls(0)
    with pytest.raises(ValueError, match=rf"{env_id} batch: the array core has state observations only"):
        batch_cls(2, obs_mode="pixels")
    with pytest.raises(ValueError, match=rf"{env_id}.*max_cycles"):
        batch_cls(2, max_cycles=0)
