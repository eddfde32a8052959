"""Iterated matrix games: payoffs, observations, text moves, best-response cycling vs fictitious play, opponents."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from palaestra.competitive import evaluate
from palaestra.competitive.exploitability import matrix_exploitability
from palaestra.envs.competitive import matrix_games
from palaestra.envs.competitive.matrix_games import GAMES, OPPONENTS, IllegalMoveError, best_responses


def _exploitability(game, strategy):
    return matrix_exploitability(game.payoff, game.column_payoff, strategy)


def test_rounds_pay_the_matrix_and_the_higher_total_wins():
    env = matrix_games.parallel_env("frg", rounds=2)
    env.reset(seed=0)
    _, rewards, terms, _, infos = env.step({"player_0": 1, "player_1": 0})  # raid vs farm
    assert rewards == {"player_0": 3.0, "player_1": -2.0} and not any(terms.values()) and infos["player_0"] == {}
    _, rewards, terms, _, infos = env.step({"player_0": 0, "player_1": 0})  # both farm: trade bonus each
    assert rewards == {"player_0": 1.0, "player_1": 1.0} and all(terms.values())
    assert infos["player_0"]["outcome"] == 1 and infos["player_1"]["outcome"] == -1
    assert env.agents == []


def test_observation_holds_previous_actions_and_frequencies():
    env = matrix_games.parallel_env("rps", rounds=5)
    obs, _ = env.reset(seed=0)
    assert obs["player_0"][3] == 1 and obs["player_0"][7] == 1  # "none yet" slots
    env.step({"player_0": 0, "player_1": 2})
    obs, *_ = env.step({"player_0": 1, "player_1": 2})
    o = obs["player_0"]
    assert o[2] == 1 and o[4 + 1] == 1 and list(o[8:11]) == [0, 0, 1] and o[-1] == pytest.approx(2 / 5)


def test_bad_actions_and_options_name_the_game():
    env = matrix_games.parallel_env("rps")
    env.reset()
    with pytest.raises(ValueError, match="RockPaperScissors-v0"):
        env.step({"player_0": 3, "player_1": 0})
    with pytest.raises(ValueError, match="RockPaperScissors-v0"):
        env.step({"player_0": 0})
    with pytest.raises(ValueError, match="'frg', 'rps'"):
        matrix_games.parallel_env("chess")
    with pytest.raises(TypeError, match="FarmRaidGuard-v0"):
        matrix_games.parallel_env("frg", memory=3)


def test_text_moves_parse_case_insensitively():
    env = matrix_games.parallel_env("frg")
    env.reset()
    assert "Legal moves: farm, raid, guard" in env.observe_text("player_1")
    assert env.parse_action("player_1", "I will GUARD") == 2
    with pytest.raises(IllegalMoveError, match="FarmRaidGuard-v0.*farm; raid; guard"):
        env.parse_action("player_1", "farm or raid")


@pytest.mark.parametrize("key", sorted(GAMES))
def test_the_documented_equilibrium_is_exact(key):
    game = GAMES[key]
    assert _exploitability(game, game.nash) == 0
    uniform = (Fraction(1, 3),) * 3
    assert (_exploitability(game, uniform) == 0) == (key == "rps")


@pytest.mark.parametrize("key", sorted(GAMES))
def test_naive_best_response_cycles_while_fictitious_play_converges(key):
    game = GAMES[key]
    # Naive self-play: each player best-responds to the other's last action.
    action, seen = 0, []
    for _ in range(12):
        seen.append(action)
        action = best_responses(game, np.eye(3)[action])[0]
    assert seen[:3] == seen[3:6] == seen[6:9] and len(set(seen[:3])) == 3
    # Its strategies are always pure, so always exploitable, and its average is not the equilibrium in FRG.
    assert min(_exploitability(game, np.eye(3)[a]) for a in seen) > 0.5
    # Fictitious play: best-respond to the other's empirical frequencies (Robinson: converges in games
    # best-response-equivalent to zero-sum ones, which both are).
    counts = np.array([np.eye(3)[0], np.eye(3)[1]])
    early = None
    for t in range(1, 20001):
        beliefs = counts / counts.sum(axis=1, keepdims=True)
        moves = [best_responses(game, beliefs[1])[0], best_responses(game, beliefs[0])[0]]
        counts[0, moves[0]] += 1
        counts[1, moves[1]] += 1
        if t == 200:
            early = _exploitability(game, counts[0] / counts[0].sum())
    late = _exploitability(game, counts[0] / counts[0].sum())
    assert late < 0.02 < early or late < early / 5
    assert np.allclose(counts[0] / counts[0].sum(), [float(p) for p in game.nash], atol=0.02)


def test_aec_version_plays_the_same_match():
    aec = matrix_games.env("rps", rounds=3)
    aec.reset(seed=0)
    for agent in aec.agent_iter():
        _, _, done, _, info = aec.last()
        aec.step(None if done else {"player_0": 0, "player_1": 2}[agent])
        if done:
            assert info["outcome"] == (1 if agent == "player_0" else -1)


def _score(key, first, second, seeds):
    game = {"rps": "palaestra/RockPaperScissors-v0", "frg": "palaestra/FarmRaidGuard-v0"}[key]
    return evaluate(first, second, game, seeds=seeds).score


def test_adaptive_exploits_fictitious_and_fictitious_exploits_random_in_frg():
    assert _score("rps", OPPONENTS["adaptive"], OPPONENTS["fictitious"], range(40)) > 0.8
    assert _score("frg", OPPONENTS["adaptive"], OPPONENTS["fictitious"], range(40)) > 0.65
    assert _score("frg", OPPONENTS["adaptive"], OPPONENTS["random"], range(60)) > 0.65
