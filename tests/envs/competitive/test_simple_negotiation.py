"""Simple Negotiation: offers, acceptance, the winner by the larger rise, and free-text answers."""

import pytest

from palaestra.envs.competitive import simple_negotiation
from palaestra.envs.competitive.simple_negotiation import ACCEPT, PASS, IllegalMoveError, offer_action


def _env(**kwargs):
    env = simple_negotiation.env(**kwargs)
    env.reset(seed=0)
    return env


def test_accepted_trade_moves_the_items_and_the_larger_rise_wins():
    env = _env(max_turns=2)
    env.step(offer_action((1, 0), (0, 2)))  # player_0 gives 1 Wood for 2 Gold
    env.step(ACCEPT)
    game = env.unwrapped.game
    assert game.holdings == [[9, 12], [11, 8]]
    assert game.rise(0) == -5 + 30 and game.rise(1) == 15 - 10
    assert env.rewards == {"player_0": 1.0, "player_1": -1.0} and all(env.terminations.values())


def test_no_trade_draws_and_offers_lapse_after_one_reply():
    env = _env(max_turns=4)
    env.step(offer_action((1, 0), (0, 1)))
    assert env.observe("player_1")["action_mask"][ACCEPT]
    env.step(PASS)
    assert not env.observe("player_0")["action_mask"][ACCEPT]
    env.step(PASS)
    env.step(PASS)
    assert env.infos["player_0"]["outcome"] == 0 == env.infos["player_1"]["outcome"]


def test_offers_need_the_items_and_accepting_needs_the_asked_items():
    env = _env()
    game = env.unwrapped.game
    game.holdings = [[0, 10], [10, 0]]
    env.unwrapped._update_mask()  # the mask is the rules' view at the turn's start; holdings were just set
    mask = env.observe("player_0")["action_mask"]
    assert not mask[offer_action((1, 0), (0, 1))] and mask[offer_action((0, 1), (1, 0))]
    env.step(offer_action((0, 1), (0, 1)))  # asks Gold that player_1 lacks
    assert not env.observe("player_1")["action_mask"][ACCEPT]


@pytest.mark.parametrize(("text", "action"), [
    ("Deal? [Offer: 3 Wood -> 2 Gold]", offer_action((3, 0), (0, 2))),
    ("[offer: 1 wood and 1 gold -> 4 Gold]", offer_action((1, 1), (0, 4))),
    ("Let us talk first.", PASS), ("No. [Deny] [Offer: 2 Wood -> 1 Gold]", offer_action((2, 0), (0, 1))),
])
def test_free_text_answers_parse(text, action):
    assert _env().parse_action("player_0", text) == action


@pytest.mark.parametrize(("text", "reason", "well_formed"), [
    ("[Accept]", "no offer to accept", True), ("[Offer: 11 Wood -> 1 Gold]", "at most 10", True),
    ("[Offer: 3 Wood]", "write an offer as", False), ("[Offer: 1 Wood -> 1 Gold] [Offer: 2 Wood -> 1 Gold]",
                                                      "one action per turn", False),
])
def test_bad_answers_say_why(text, reason, well_formed):
    with pytest.raises(IllegalMoveError, match=reason) as err:
        _env().parse_action("player_0", text)
    assert err.value.well_formed is well_formed


def test_messages_reach_the_other_player_in_text_mode():
    env = simple_negotiation.env(obs_mode="text")
    env.reset(seed=0)
    env.step("Gold is what I want. [Offer: 2 Wood -> 1 Gold]")
    prompt = env.observe("player_1")
    assert "player_0: Gold is what I want." in prompt and "player_0 offers you 2 Wood for your 1 Gold." in prompt
    assert "Wood 15, Gold 5" in prompt and "Wood 5, Gold 15" not in prompt
