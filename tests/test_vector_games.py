"""BatchedParallelEnv: the same results as stepping the same seeded parallel games one by one."""

from __future__ import annotations

import numpy as np
import pytest

import palaestra
from palaestra.vector_games import make_batched_parallel


def _one_by_one(env_id, n, plan, seed):
    """Reference: each game stepped alone with NEXT_STEP autoreset, rows laid out as the batched env does."""
    games = [palaestra.make_parallel(env_id) for _ in range(n)]
    agents = games[0].possible_agents
    zeros = {a: np.zeros(games[0].observation_space(a).shape, games[0].observation_space(a).dtype) for a in agents}
    trace = []
    obs = [g.reset(seed=seed + i)[0] for i, g in enumerate(games)]
    trace.append({a: np.stack([o.get(a, zeros[a]) for o in obs]) for a in agents})
    for actions in plan:
        rows = {a: np.zeros(n) for a in agents}
        flags = {a: np.zeros(n, dtype=bool) for a in agents}
        obs = []
        for i, g in enumerate(games):
            if not g.agents:
                o, _ = g.reset()
            else:
                o, r, te, _, _ = g.step({a: actions[a][i] for a in g.agents})
                for a in r:
                    rows[a][i], flags[a][i] = r[a], te[a]
            obs.append(o)
        trace.append(({a: np.stack([o.get(a, zeros[a]) for o in obs]) for a in agents}, rows, flags))
    for g in games:
        g.close()
    return trace


@pytest.mark.parametrize("env_id, steps", [("palaestra/Tag-v0", 130), ("palaestra/Sumo-v0", 12)])
def test_batched_games_match_games_stepped_one_by_one(env_id, steps):
    batched = make_batched_parallel(env_id, num_envs=3, workers=2)
    try:
        rng = np.random.default_rng(0)
        plan = []
        for _ in range(steps):
            actions = {}
            for a in batched.possible_agents:
                space = batched.action_space(a)
                space.seed(int(rng.integers(2**31)))
                actions[a] = np.stack([space.sample() for _ in range(3)])
            plan.append(actions)
        ours = [batched.reset(seed=10)[0]]
        ended = False
        for actions in plan:
            obs, rewards, terminations, truncations, _ = batched.step(actions)
            ours.append((obs, rewards, terminations))
            ended |= any(not batched.active[a].all() for a in batched.possible_agents)
        theirs = _one_by_one(env_id, 3, plan, seed=10)
        for step, (a, b) in enumerate(zip(ours, theirs)):
            for part_a, part_b in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
                for agent in batched.possible_agents:
                    np.testing.assert_array_equal(part_a[agent], part_b[agent], err_msg=f"step {step}, {agent}")
        if env_id == "palaestra/Tag-v0":
            assert ended  # a prey was caught: an agent left a game before the others
    finally:
        batched.close()


def test_a_bad_spin_is_refused_naming_the_batched_env():
    with pytest.raises(ValueError, match=r"BatchedParallelEnv: spin=-1.0; expected a finite real number in \[0.0, 1.0\]"):
        make_batched_parallel("palaestra/Tag-v0", num_envs=2, workers=1, spin=-1)
