"""A whole side played as one agent: joined observations, split actions, and matches played that way."""

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.utils.conversions import parallel_to_aec

from palaestra.competitive import CallablePolicy, SidePolicy, evaluate, play_match
from palaestra.evaluation.matches import make_game
from palaestra.competitive.match import opponent_table
from palaestra.competitive.side import Side

TAG = "palaestra/Tag-v0"


def flee(observation):
    """A prey's move from its own observation: away from the nearest predator (rows 2 and 3 after its own)."""
    own, predators = observation[:2], observation[4 + 5:4 + 15].reshape(2, 5)[:, :2]
    away = own - predators[np.argmin(np.linalg.norm(predators - own, axis=1))]
    return np.clip(3 * away, -1, 1).astype(np.float32)


def test_a_side_policy_plays_a_team_as_the_same_policy_acting_per_agent():
    env = make_game(TAG)
    calls = []

    def side_flee(observation, side):
        calls.append((observation.shape, side))
        return np.concatenate([flee(part) for part in np.split(observation, 2)])

    per_agent = CallablePolicy(env, lambda observation, agent: flee(observation))
    whole_side = SidePolicy(env, side_flee)
    chase = opponent_table(TAG)["chase"](env)
    results = []
    for seed in range(3):
        calls.clear()
        expected = play_match(env, {"prey": per_agent, "predator": chase}, seed)
        result = play_match(env, {"prey": whole_side, "predator": chase}, seed)
        assert result == expected
        # One call a step on the side's 2 x 20 joined observation, also after one prey was tagged.
        assert calls == [((40,), "prey")] * result.steps
        results.append(result)
    # The chasers tag both prey in some match: the side then played on with a tagged teammate's last observation.
    assert any(r.outcome["prey"] == -1 for r in results)


def test_evaluate_seats_a_side_policy_and_counts_as_per_agent_play_does():
    def per_agent(env):
        return CallablePolicy(env, lambda observation, agent: flee(observation), "flee")

    def whole_side(env):
        return SidePolicy(env, lambda obs, side: np.concatenate([flee(p) for p in np.split(obs, 2)]), "flee")

    by_agent = evaluate(per_agent, "random", TAG, matches=2)
    by_side = evaluate(whole_side, "random", TAG, matches=2)
    assert (by_side.wins, by_side.draws, by_side.losses, by_side.mean_return, by_side.mean_steps) == (
        by_agent.wins, by_agent.draws, by_agent.losses, by_agent.mean_return, by_agent.mean_steps)


def test_a_one_agent_side_in_a_turn_based_game_acts_on_its_own_observation(high_card, copycat, constant):
    env = parallel_to_aec(high_card())
    env.teams = {"a": ("a_0",), "b": ("b_0",)}
    copy = copycat(env)
    expected = play_match(env, {"a": copy, "b": constant(1)(env)}, seed=0)
    sides = []

    def side_copy(observation, side):
        sides.append(side)
        return copy.act(observation, "a_0")

    result = play_match(env, {"a": SidePolicy(env, side_copy), "b": constant(1)(env)}, seed=0)
    assert result == expected and sides == ["a"] * 3


def test_a_team_side_policy_needs_a_parallel_game():
    env = parallel_to_aec(make_game(TAG))
    policies = {"prey": SidePolicy(env, lambda obs, side: None), "predator": opponent_table(TAG)["random"](env)}
    with pytest.raises(ValueError, match="one-agent team"):
        play_match(env, policies, seed=0)


def test_side_joins_observations_and_splits_actions_among_the_live_agents():
    box = Side("team", ("x", "y"), spaces.Box(-1, 1, (4,), np.float32), spaces.Box(-1, 1, (4,), np.float32))
    np.testing.assert_array_equal(box.observation({"y": [3, 4], "x": [1, 2]}), [1, 2, 3, 4])
    parts = box.actions(np.arange(4), live=["y"])
    assert list(parts) == ["y"] and parts["y"].dtype == np.float32
    np.testing.assert_array_equal(parts["y"], [2, 3])
    discrete = Side("team", ("x", "y"), spaces.MultiDiscrete([3, 3]), spaces.MultiDiscrete([3, 3]))
    assert discrete.actions(np.array([2, 0]), live=["x", "y"]) == {"x": 2, "y": 0}
    alone = Side("solo", ("x",), spaces.Discrete(3), spaces.Discrete(3))
    assert alone.observation({"x": {"action_mask": 1}}) == {"action_mask": 1}
    assert alone.actions(1, live=["x"]) == {"x": 1}
