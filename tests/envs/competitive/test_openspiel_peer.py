"""palaestra's turn-based games against OpenSpiel 2.0.2 (text-peers extra): same moves, same returns; Kuhn
values and exploitability of named policies equal to 1e-12."""


import numpy as np
import pytest

import palaestra
from palaestra.competitive.exploitability import kuhn_exploitability, kuhn_value
from palaestra.envs.competitive.kuhn_poker import HEURISTIC, INFO_SETS, nash_policy

pyspiel = pytest.importorskip("pyspiel", reason="open-spiel is not installed: pip install 'palaestra[text-peers]'")
from open_spiel.python import policy as os_policy  # noqa: E402
from open_spiel.python.algorithms import exploitability as os_exploitability  # noqa: E402
from open_spiel.python.algorithms import expected_game_score  # noqa: E402

KUHN = pyspiel.load_game("kuhn_poker")


def _random_table(seed):
    rng = np.random.default_rng(seed)
    return {key: float(rng.random()) for key in INFO_SETS}


NAMED = {
    "nash-0": nash_policy(0.0), "nash-1/6": nash_policy(1 / 6), "nash-1/3": nash_policy(1 / 3),
    "heuristic": HEURISTIC, "always-bet": dict.fromkeys(INFO_SETS, 1.0), "always-pass": dict.fromkeys(INFO_SETS, 0.0),
    "uniform": dict.fromkeys(INFO_SETS, 0.5), "random-a": _random_table(1), "random-b": _random_table(2),
}


def _openspiel_policy(table):
    """The same betting table as an OpenSpiel TabularPolicy (its info states are card digit + history)."""
    policy = os_policy.TabularPolicy(KUHN)
    for key in INFO_SETS:
        bet = float(table[key])
        policy.policy_for_key("JQK".index(key[0]).__str__() + key[1:])[:] = [1.0 - bet, bet]
    return policy


@pytest.mark.parametrize("name", NAMED)
def test_kuhn_exploitability_equals_openspiel(name):
    ours = float(kuhn_exploitability(NAMED[name]))
    theirs = os_exploitability.exploitability(KUHN, _openspiel_policy(NAMED[name]))
    assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize(("first", "second"), [("nash-1/6", "heuristic"), ("heuristic", "always-bet"),
                                               ("random-a", "random-b"), ("uniform", "nash-1/3")])
def test_kuhn_values_equal_openspiel(first, second):
    ours = float(kuhn_value(NAMED[first], NAMED[second]))
    policies = [_openspiel_policy(NAMED[first]), _openspiel_policy(NAMED[second])]
    theirs = expected_game_score.policy_value(KUHN.new_initial_state(), policies)[0]
    assert ours == pytest.approx(theirs, abs=1e-12)


def _returns(env_id, spiel_game, seed, setup=None, **env_kwargs):
    """Random legal play through both, the legal moves compared at every turn; ``setup(game, rng)`` deals
    palaestra's hidden state and returns the same deal as OpenSpiel chance outcomes."""
    rng = np.random.default_rng(seed)
    env = palaestra.make_aec(env_id, **env_kwargs)
    env.reset(seed=seed)
    state = spiel_game.new_initial_state()
    for outcome in setup(env.unwrapped.game, rng) if setup else ():
        state.apply_action(outcome)
    totals = dict.fromkeys(env.possible_agents, 0.0)
    while not state.is_terminal():
        agent = env.agent_selection
        legal = np.flatnonzero(env.observe(agent)["action_mask"])
        assert legal.tolist() == sorted(state.legal_actions()) and state.current_player() == int(agent[-1])
        action = int(rng.choice(legal))
        env.step(action)
        state.apply_action(action)
        for a in totals:
            totals[a] += env.rewards[a]
    assert all(env.terminations.values())
    return [totals["player_0"], totals["player_1"]], state.returns()


@pytest.mark.parametrize("seed", range(60))
def test_tictactoe_random_games_match_openspiel(seed):
    ours, theirs = _returns("palaestra/TicTacToe-v0", pyspiel.load_game("tic_tac_toe"), seed)
    assert ours == theirs


def _kuhn_deal(game, rng):
    game.cards = [int(c) for c in rng.permutation(3)[:2]]
    return game.cards


@pytest.mark.parametrize("seed", range(30))
def test_kuhn_hands_match_openspiel(seed):
    ours, theirs = _returns("palaestra/KuhnPokerHand-v0", KUHN, seed, _kuhn_deal)
    assert ours == theirs


def _dice_roll(game, rng):
    game.rolls = [sorted(int(d) for d in rng.integers(1, 7, game.dice)) for _ in range(2)]
    return [d - 1 for roll in game.rolls for d in roll]


@pytest.mark.parametrize("dice", [1, 2])
@pytest.mark.parametrize("seed", range(25))
def test_liars_dice_random_games_match_openspiel(seed, dice):
    spiel = pyspiel.load_game("liars_dice", {"numdice": dice})
    ours, theirs = _returns("palaestra/LiarsDice-v0", spiel, seed, _dice_roll, dice=dice)
    assert ours == theirs
