"""Negotiation rules: deal and no-deal utilities, the turn limit, masks, text moves, values and opponents."""

from __future__ import annotations

import pytest

from palaestra.competitive import evaluate
from palaestra.envs.competitive import negotiation
from palaestra.envs.competitive.negotiation import ACCEPT, OPPONENTS, IllegalMoveError, proposal_action


def _table(max_turns=10):
    """A game with 3 books, 1 hat, 2 balls; player_0 values (2, 4, 0), player_1 values (1, 1, 3)."""
    env = negotiation.env(max_turns=max_turns)
    env.reset(seed=0)
    game = env.unwrapped.game
    game.counts, game.values = (3, 1, 2), ((2, 4, 0), (1, 1, 3))
    env._update_mask()
    return env


def test_values_make_the_pool_worth_ten_to_each_and_depend_on_the_seed():
    pools = []
    for seed in range(30):
        env = negotiation.env()
        env.reset(seed=seed)
        game = env.unwrapped.game
        assert 5 <= sum(game.counts) <= 7
        for values in game.values:
            assert sum(v * n for v, n in zip(values, game.counts)) == 10
        assert game.values[0] != game.values[1] and all(a + b > 0 for a, b in zip(*game.values))
        pools.append((game.counts, game.values))
    assert len(set(pools)) > 20
    again = negotiation.env()
    again.reset(seed=7)
    assert (again.unwrapped.game.counts, again.unwrapped.game.values) == pools[7]


def test_accepted_deal_pays_each_its_normalised_utility():
    env = _table()
    env.step(proposal_action((3, 1, 0)))  # player_0 keeps the books and the hat: worth 10 to it
    env.step(ACCEPT)  # player_1 receives the 2 balls: worth 6 to it
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 1.0, "player_1": 0.6}
    assert env.infos["player_0"]["outcome"] == 1 and env.infos["player_1"]["outcome"] == -1


def test_counter_offer_then_acceptance_by_the_first_player():
    env = _table()
    env.step(proposal_action((3, 1, 2)))
    env.step(proposal_action((1, 0, 2)))  # player_1 keeps 1 book and the balls (7), offers 2 books and the hat (8)
    env.step(ACCEPT)
    assert env.rewards == {"player_0": 0.8, "player_1": 0.7}


def test_no_deal_by_the_turn_limit_gives_zero_and_a_draw():
    env = _table(max_turns=4)
    for _ in range(4):
        assert not any(env.terminations.values())
        env.step(proposal_action((3, 1, 2)))
    assert all(env.terminations.values())
    assert env._cumulative_rewards == {"player_0": 0.0, "player_1": 0.0}
    assert {info["outcome"] for info in env.infos.values()} == {0}


def test_mask_matches_the_pool_and_accept_needs_an_offer():
    env = _table()
    mask = env.observe("player_0")["action_mask"]
    assert mask.sum() == 4 * 2 * 3 and not mask[ACCEPT] and mask[proposal_action((3, 1, 2))]
    assert not mask[proposal_action((4, 0, 0))]
    with pytest.raises(ValueError, match="Negotiation-v0.*legal actions"):
        env.step(ACCEPT)
    env.step(proposal_action((0, 0, 0)))
    assert env.observe("player_1")["action_mask"][ACCEPT]


@pytest.mark.parametrize(
    ("text", "keep"),
    [("propose 2 books 1 hat 0 balls", (2, 1, 0)), ("I keep 1 BALL and 3 books", (3, 0, 1)), ("Propose 0 books", (0, 0, 0))],
)
def test_parser_reads_proposals(text, keep):
    assert _table().parse_action("player_0", text) == proposal_action(keep)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("accept", "no offer"), ("propose 4 books", "only 3 books"), ("2 books 1 book", "at most once"), ("hello", "expected")],
)
def test_parser_rejects_with_the_legal_forms(text, reason):
    with pytest.raises(IllegalMoveError, match=reason) as err:
        _table().parse_action("player_0", text)
    assert "Negotiation-v0" in str(err.value) and "propose N books N hats N balls" in str(err.value)


def test_observe_text_shows_offer_value_and_parses_accept():
    env = _table()
    env.step(proposal_action((1, 0, 0)))
    text = env.observe_text("player_1")
    assert "book 1, hat 1, ball 3" in text and "offers you 2 books 1 hat 2 balls (worth 9 to you)" in text
    assert "Legal moves: accept;" in text
    assert env.parse_action("player_1", "Accept") == ACCEPT


def test_bad_max_turns_is_rejected():
    with pytest.raises(ValueError, match="max_turns"):
        negotiation.env(max_turns=1)


def _score(first, second, seeds):
    return evaluate(first, second, "palaestra/Negotiation-v0", seeds=seeds).score


def test_opponent_levels_beat_random():
    assert _score(OPPONENTS["fair-concession"], OPPONENTS["random"], range(60)) > 0.7
    assert _score(OPPONENTS["greedy"], OPPONENTS["random"], range(60)) > 0.7
