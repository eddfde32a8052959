"""The same moves through palaestra.text and the real TextArena give the same outcomes (text-peers extra)."""

import numpy as np
import pytest

import palaestra.text as pt

ta = pytest.importorskip("textarena", reason="textarena is not installed: pip install 'palaestra[text-peers]'")
from textarena.envs.KuhnPoker.env import KuhnPokerEnv as TAKuhn  # noqa: E402


def _finish(env, answers):
    done = False
    for answer in answers:
        done, _ = env.step(action=answer)
        if done:
            break
    assert done
    rewards = env.close()
    return rewards[0] if isinstance(rewards, tuple) else rewards


@pytest.mark.parametrize("seed", range(40))
def test_tictactoe_random_games_with_invalid_answers_end_alike(seed):
    rng = np.random.default_rng(seed)
    ours, theirs = pt.make("palaestra/TicTacToe-v0"), ta.make("TicTacToe-v0-raw")
    ours.reset(num_players=2, seed=seed)
    theirs.reset(num_players=2, seed=seed)
    ours_moves, their_moves, free = [], [], list(range(9))
    while free:
        if rng.random() < 0.1:  # a malformed answer: both re-prompt once, then the mover loses
            ours_moves.append("I resign?")
            their_moves.append("I resign?")
            continue
        cell = int(free.pop(int(rng.integers(len(free)))))
        ours_moves.append(f"[{'abc'[cell % 3]}{cell // 3 + 1}]")
        their_moves.append(f"[{cell}]")
    ours_rewards = _finish(ours, ours_moves)
    their_rewards = _finish(theirs, their_moves)
    assert ours_rewards == {p: float(r) for p, r in their_rewards.items()}


@pytest.mark.parametrize("seed", range(30))
def test_kuhn_single_hands_end_alike(seed):
    """TextArena deals player 1 first in the first round; palaestra's one-hand game has player_0 first."""
    rng = np.random.default_rng(seed)
    cards = [int(c) for c in rng.permutation(3)[:2]]  # first mover's card, second mover's card
    ours = pt.make("palaestra/KuhnPokerHand-v0")
    ours.reset(num_players=2, seed=seed)
    ours.env.unwrapped.game.cards = cards
    theirs = TAKuhn(max_rounds=1)
    theirs.reset(num_players=2, seed=seed)
    theirs.state.game_state["player_cards"] = {1: cards[0], 0: cards[1]}
    done, history = False, ""
    while not done:
        facing = history.endswith("b")
        move = ("call" if facing else "bet") if rng.random() < 0.5 else ("fold" if facing else "check")
        history += "b" if move in ("bet", "call") else "p"
        done, _ = ours.step(action=f"[{move}]")
        their_done, _ = theirs.step(action=f"[{move}]")
        assert their_done == done
    ours_rewards, (their_rewards, _) = ours.close(), theirs.close()
    assert ours_rewards == {0: float(their_rewards[1]), 1: float(their_rewards[0])}
