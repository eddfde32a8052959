"""Tag: tagging and PettingZoo's dead-agent handling, outcomes, observations, arena bounds, opponents."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from palaestra.competitive import RandomPolicy
from palaestra.competitive.match import play_match
from palaestra.envs.competitive import tag
from palaestra.envs.competitive.tag import HALF_SIZE, OPPONENTS, ROW

STILL = np.zeros(2, dtype=np.float32)


def _game(**kwargs):
    env = tag.parallel_env(**kwargs)
    env.reset(seed=0)
    return env


def _still(env):
    return {a: STILL for a in env.agents}


def _disc(env, agent):
    return env.arena.discs[env.possible_agents.index(agent)]


def _spread(env):
    """Everyone at rest, far apart."""
    for agent, (x, y) in zip(env.possible_agents, [(-0.8, -0.8), (-0.8, 0.8), (0.8, -0.8), (0.8, 0.8)]):
        _disc(env, agent).place(x, y)


def _touching(env, predator, prey):
    p = _disc(env, predator)
    _disc(env, prey).place(p.x + p.radius + _disc(env, prey).radius - 0.01, p.y)


def test_a_tagged_prey_gets_one_final_terminated_step_then_leaves():
    env = _game()
    _spread(env)
    _touching(env, "predator_0", "prey_0")
    obs, rewards, terms, truncs, infos = env.step(_still(env))
    assert rewards == {"predator_0": 1.0, "predator_1": 1.0, "prey_0": -1.0, "prey_1": 0.0}
    assert terms == {"predator_0": False, "predator_1": False, "prey_0": True, "prey_1": False}
    assert set(obs) == set(env.possible_agents) and not any(truncs.values())
    assert env.agents == ["predator_0", "predator_1", "prey_1"]
    assert infos["prey_1"] == {"prey_left": 1}
    # The others now see prey_0 out of play (zeros), and it can no longer act.
    obs, rewards, *_ = env.step(_still(env))
    assert set(obs) == set(env.agents) and not any(rewards.values())
    first_prey = obs["predator_1"][4 + ROW:4 + 2 * ROW]
    assert first_prey.tolist() == [0.0] * ROW
    with pytest.raises(ValueError, match=f"{tag.ENV_ID}.*prey_0.*finished"):
        env.step({**_still(env), "prey_0": STILL})


def test_tagged_prey_stop_colliding_and_are_not_drawn():
    env = _game(render_mode="rgb_array")
    _spread(env)
    _touching(env, "predator_0", "prey_0")
    env.step(_still(env))
    gone = _disc(env, "prey_0")
    _disc(env, "predator_1").place(gone.x, gone.y)
    contacts = env.arena.step()
    assert all(env.possible_agents.index("prey_0") not in pair for pair in contacts)
    colours = {tuple(c) for c in env.render().reshape(-1, 3)}
    assert (250, 210, 60) in colours  # prey_1 is still drawn
    _touching(env, "predator_1", "prey_1")
    env.step(_still(env))
    colours = {tuple(c) for c in env.render().reshape(-1, 3)}
    assert (250, 210, 60) not in colours and (200, 50, 50) in colours


def test_predators_win_when_every_prey_is_tagged():
    env = _game()
    _spread(env)
    _touching(env, "predator_0", "prey_0")
    _touching(env, "predator_1", "prey_1")
    _obs, rewards, terms, truncs, infos = env.step(_still(env))
    assert rewards == {"predator_0": 2.0, "predator_1": 2.0, "prey_0": -1.0, "prey_1": -1.0}
    assert all(terms.values()) and not any(truncs.values()) and env.agents == []
    assert {a: i["outcome"] for a, i in infos.items()} == {"predator_0": 1, "predator_1": 1, "prey_0": -1, "prey_1": -1}


def test_prey_win_when_one_survives_the_clock():
    env = _game(max_cycles=4)
    _spread(env)
    _touching(env, "predator_0", "prey_0")
    while env.agents:
        _obs, _rewards, terms, truncs, infos = env.step(_still(env))
    assert set(infos) == {"predator_0", "predator_1", "prey_1"}
    assert all(truncs.values()) and not any(terms.values())
    assert {a: i["outcome"] for a, i in infos.items()} == {"predator_0": -1, "predator_1": -1, "prey_1": 1}


def test_parallel_api_with_prey_being_tagged():
    """PettingZoo's parallel checker, on seeded random play long enough that prey get tagged mid-match."""
    env = tag.parallel_env()
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(i)
    live_counts = []
    step = env.step

    def counting_step(actions):
        result = step(actions)
        live_counts.append(len(env.agents))
        return result

    env.step = counting_step
    parallel_api_test(env, num_cycles=1000)
    assert 3 in live_counts  # a prey left while the match went on


def test_observation_lists_teammate_first_then_opponents():
    env = _game()
    _spread(env)
    obs = env._observations(env.agents)
    rows = {a: obs[a][4:4 + 3 * ROW].reshape(3, ROW) for a in obs}
    np.testing.assert_array_equal(rows["predator_0"][:, :2], np.float32([[-0.8, 0.8], [0.8, -0.8], [0.8, 0.8]]))
    np.testing.assert_array_equal(rows["prey_1"][:, :2], np.float32([[0.8, -0.8], [-0.8, -0.8], [-0.8, 0.8]]))
    assert all(r[:, 4].tolist() == [1.0, 1.0, 1.0] for r in rows.values())
    np.testing.assert_array_equal(obs["prey_1"][:2], np.float32([0.8, 0.8]))
    assert obs["prey_1"][-1] == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_random_play_keeps_everyone_in_the_arena(seed):
    env = tag.parallel_env(max_cycles=1000)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    while env.agents:
        env.step({a: rng.choice([-1.0, 1.0], size=2).astype(np.float32) for a in env.agents})
        for disc in env.arena.discs:
            limit = HALF_SIZE - disc.radius + 1e-9
            assert abs(disc.x) <= limit and abs(disc.y) <= limit


def test_pixel_observation_is_the_same_small_picture_for_everyone():
    env = _game(obs_mode="pixels")
    obs = env._observations(env.agents)
    assert obs["prey_0"].shape == env.observation_space("prey_0").shape == (64, 64, 3)
    assert all(np.array_equal(obs["prey_0"], o) for o in obs.values())
    assert obs["prey_0"] is not obs["prey_1"]


def _score(env, level, other, seeds):
    """Mean score of ``level`` against ``other`` (no draws in tag), alternating sides."""
    wins = 0
    for seed in seeds:
        side, opponent = ("predator", "prey") if seed % 2 == 0 else ("prey", "predator")
        result = play_match(env, {side: OPPONENTS[level](env), opponent: OPPONENTS[other](env)}, seed=seed)
        wins += result.outcome[side] == 1
    return wins / len(seeds)


def test_levels_are_ordered_on_seeded_matches():
    env = tag.parallel_env()
    assert list(OPPONENTS) == ["random", "chase", "strong"] and OPPONENTS["random"] is RandomPolicy
    assert _score(env, "strong", "random", range(10)) >= 0.9
    assert _score(env, "strong", "chase", range(10)) >= 0.8
    assert _score(env, "chase", "random", range(10)) >= 0.7


def test_scripted_players_need_state_observations():
    with pytest.raises(ValueError, match=f"{tag.ENV_ID}.*state"):
        OPPONENTS["chase"](tag.parallel_env(obs_mode="pixels"))
