"""Liar's Dice: bidding order, wild 6s, the call's resolution, text moves and the scripted levels."""

import pytest

from palaestra.envs.competitive import liars_dice
from palaestra.envs.competitive.liars_dice import IllegalMoveError, bid_action, count_for


def _game(rolls, dice=2):
    env = liars_dice.env(dice=dice)
    env.reset(seed=0)
    env.unwrapped.game.rolls = rolls
    return env


def test_sixes_are_wild_except_for_bids_on_sixes():
    assert count_for([1, 6, 1, 3], 1) == 3
    assert count_for([1, 6, 6, 3], 6) == 2


@pytest.mark.parametrize(("bid", "caller_wins"), [((3, 1), False), ((4, 1), True), ((2, 6), True), ((1, 6), False)])
def test_liar_call_pays_the_bidder_when_the_bid_holds(bid, caller_wins):
    env = _game([[1, 6], [1, 3]])
    env.step(bid_action(*bid))
    env.step(env.unwrapped.game.liar)
    assert env.rewards["player_1"] == (1.0 if caller_wins else -1.0) == -env.rewards["player_0"]
    assert all(env.terminations.values())


def test_bids_must_rise_and_liar_needs_a_bid():
    env = _game([[2, 2], [5, 5]])
    mask = env.observe("player_0")["action_mask"]
    assert mask[:24].all() and not mask[24]  # every bid, no liar before the first bid
    env.step(bid_action(2, 4))
    mask = env.observe("player_1")["action_mask"]
    assert not mask[: bid_action(2, 4) + 1].any() and mask[bid_action(2, 5)] and mask[24]
    with pytest.raises(ValueError, match="LiarsDice-v0: player_1 cannot play action 0"):
        env.step(0)


@pytest.mark.parametrize(("text", "action"), [("bid 2 x 5", bid_action(2, 5)), ("3 x 1", bid_action(3, 1)),
                                              ("I bid 4 6s", bid_action(4, 6)), ("LIAR!", 24)])
def test_text_moves_parse(text, action):
    env = _game([[2, 2], [5, 5]])
    env.step(bid_action(1, 6))
    assert env.parse_action("player_1", text) == action


@pytest.mark.parametrize(("text", "reason", "well_formed"), [
    ("bid 1 x 5", "must beat 1 x 6", True), ("bid 5 x 2", "1..4 dice", True), ("bid 2 x 9", "face 1..6", True),
    ("hmm", "expected one bid", False), ("liar, or bid 3 x 3", "expected one bid", False),
])
def test_bad_text_moves_say_why(text, reason, well_formed):
    env = _game([[2, 2], [5, 5]])
    env.step(bid_action(1, 6))
    with pytest.raises(IllegalMoveError, match=reason) as err:
        env.parse_action("player_1", text)
    assert err.value.well_formed is well_formed


def test_text_shows_own_dice_only_and_the_dice_at_the_end():
    env = _game([[1, 2], [5, 6]])
    text = env.observe_text("player_0")
    assert "Your dice: 1 2." in text and "5 6" not in text and "Legal moves: bid 1 x 1; bid 1 x 2" in text
    env.step(bid_action(2, 5))
    env.step(24)
    assert "player_0: 1 2 | player_1: 5 6; 2 count for 5s, so player_0 wins" in env.observe_text("player_1")


def test_bad_dice_count_is_refused():
    with pytest.raises(ValueError, match="LiarsDice-v0: dice=0; expected a positive integer"):
        liars_dice.env(dice=0)
