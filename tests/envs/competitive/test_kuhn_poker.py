"""Kuhn poker rules (payoff of every terminal history), multi-hand matches, text interface and opponents."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.competitive import evaluate
from palaestra.competitive.exploitability import kuhn_value
from palaestra.envs.competitive import kuhn_poker
from palaestra.envs.competitive.kuhn_poker import HEURISTIC, INFO_SETS, OPPONENTS, IllegalMoveError, decode, nash_policy

# Chips won by the first player, worked out by hand: a fold loses the ante (1), a showdown after two passes
# wins or loses the ante, a called bet wins or loses ante + bet (2).
EXPECTED = {
    "pp": lambda high: 1 if high else -1,
    "bp": lambda high: 1,
    "pbp": lambda high: -1,
    "bb": lambda high: 2 if high else -2,
    "pbb": lambda high: 2 if high else -2,
}


def _dealt(cards, hands=1):
    env = kuhn_poker.env(hands=hands)
    env.reset(seed=0)
    env.unwrapped.game.cards = list(cards)
    return env


@pytest.mark.parametrize("history", sorted(EXPECTED))
@pytest.mark.parametrize("cards", [(a, b) for a in range(3) for b in range(3) if a != b])
def test_payoff_of_every_terminal_history(history, cards):
    env = _dealt(cards)
    for move in history:
        env.step("pb".index(move))
    won = EXPECTED[history](cards[0] > cards[1])
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": won, "player_1": -won}
    assert env.infos["player_0"]["outcome"] == np.sign(won) == -env.infos["player_1"]["outcome"]


def test_several_hands_alternate_the_first_player_and_the_outcome_is_the_chip_total():
    env = _dealt((2, 0), hands=2)
    env.step(1)  # player_0 bets K, player_1 folds J: +1
    env.step(0)
    assert not any(env.terminations.values()) and env._cumulative_rewards["player_0"] == 1
    assert env.agent_selection == "player_1"
    env.unwrapped.game.cards = [0, 2]
    env.step(1)  # player_1 bets K, player_0 calls J: -2
    env.step(1)
    assert all(env.terminations.values())
    assert env.unwrapped.game.scores == [-1.0, 1.0]
    assert env.infos["player_0"]["outcome"] == -1 and env.infos["player_1"]["outcome"] == 1


def test_observation_encodes_card_and_betting_and_decodes_back():
    env = _dealt((1, 2))
    env.step(0)
    env.step(1)
    obs = env.observe("player_0")
    assert decode(obs) == (1, "pb")
    assert list(obs["action_mask"]) == [1, 1] and not env.observe("player_1")["action_mask"].any()


@pytest.mark.parametrize(("history", "text", "action"), [("", "Bet", 1), ("", "check", 0), ("b", "CALL", 1), ("b", "I fold", 0)])
def test_parser_reads_poker_words(history, text, action):
    env = _dealt((0, 1))
    for move in history:
        env.step("pb".index(move))
    assert env.parse_action(env.agent_selection, text) == action


@pytest.mark.parametrize(("history", "text", "reason"), [("", "call", "no bet"), ("b", "check", "a bet to call"), ("", "raise", "expected")])
def test_parser_rejects_moves_that_do_not_fit(history, text, reason):
    env = _dealt((0, 1))
    for move in history:
        env.step("pb".index(move))
    with pytest.raises(IllegalMoveError, match=reason) as err:
        env.parse_action(env.agent_selection, text)
    assert "KuhnPoker-v0" in str(err.value) and "legal moves:" in str(err.value)


def test_observe_text_shows_own_card_only_and_the_legal_moves():
    env = _dealt((2, 0))
    env.step(1)
    text = env.observe_text("player_1")
    assert "Your card: J" in text and "player_0 bets" in text
    assert "Legal moves: fold (or pass); call (or bet)" in text and " K" not in text.split("Your card")[1]
    for move in ("fold", "call"):
        env.parse_action("player_1", move)


def test_same_seed_same_deals_over_many_hands():
    def deals(seed):
        env = kuhn_poker.env(hands=30)
        env.reset(seed=seed)
        seen = []
        while env.agents:
            if env.unwrapped.game.history == "":
                seen.append(tuple(env.unwrapped.game.cards))
            env.step(None if env.terminations[env.agent_selection] else 0)
        return seen

    assert deals(5) == deals(5)
    assert deals(5) != deals(6)


def test_bad_hands_and_kwargs_are_rejected():
    with pytest.raises(ValueError, match="hands"):
        kuhn_poker.env(hands=0)
    with pytest.raises(TypeError, match="KuhnPoker-v0"):
        kuhn_poker.env(deck=5)
    with pytest.raises(ValueError, match="alpha"):
        nash_policy(0.5)


def test_opponent_tables_and_exact_ordering():
    env = kuhn_poker.env()
    for name, table in (("heuristic", HEURISTIC), ("nash", nash_policy())):
        policy = OPPONENTS[name](env)
        for key in INFO_SETS:
            obs = {"observation": kuhn_poker.info_set_features("JQK".index(key[0]), key[1:])}
            assert policy.action_probabilities(obs, "player_0")[1] == pytest.approx(table[key])
    uniform = {key: 0.5 for key in INFO_SETS}
    # Mean chips per hand, seats alternating: each level wins against the one below it.
    def edge(a, b):
        return (kuhn_value(a, b) - kuhn_value(b, a)) / 2

    assert edge(HEURISTIC, uniform) > 0 and edge(nash_policy(), HEURISTIC) > 0 and edge(nash_policy(), uniform) > 0


def test_nash_beats_random_over_seeded_long_matches():
    # The registered ID plays 100 hands a match, sides alternating from match to match.
    assert evaluate("nash", "random", "palaestra/KuhnPoker-v0", seeds=range(20)).score > 0.55
