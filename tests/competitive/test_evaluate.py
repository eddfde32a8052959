"""Match play, win/draw/loss evaluation, cross-play and Elo on a game whose outcomes are known exactly."""

import numpy as np
import pytest
from pettingzoo.utils.conversions import parallel_to_aec

from palaestra.competitive import RandomPolicy, elo_ratings, evaluate, play_match, round_robin


def test_a_dominant_policy_wins_every_match_on_both_sides(high_card, constant):
    result = evaluate(constant(2), constant(0), high_card, matches=10)
    assert (result.wins, result.draws, result.losses) == (10, 0, 0)
    assert result.score == 1.0 and result.ci_high == 1.0 and 0.6 < result.ci_low < 1.0
    assert result.mean_return == 3.0 and result.mean_steps == 3


def test_draws_count_half_and_the_interval_covers_the_score(high_card, constant):
    result = evaluate(constant(1), constant(1), high_card, matches=8)
    assert (result.wins, result.draws, result.losses) == (0, 8, 0)
    assert result.score == 0.5 and result.ci_low < 0.5 < result.ci_high
    assert result.win_rate == 0.0 and result.win_high < 0.5


def test_the_same_seeds_give_the_same_result(high_card):
    make = lambda: evaluate(RandomPolicy, RandomPolicy, high_card, matches=40)
    first, second = make(), make()
    assert (first.wins, first.draws, first.losses) == (second.wins, second.draws, second.losses)
    assert 0 < first.wins < 40 and first.wins + first.draws + first.losses == 40


def test_the_first_policy_alternates_sides(high_card, constant):
    seen = []

    class Recorder(RandomPolicy):
        def act(self, observation, agent):
            seen.append(agent)
            return super().act(observation, agent)

    evaluate(Recorder, constant(1), high_card, matches=4)
    assert seen == ["a_0"] * 3 + ["b_0"] * 3 + ["a_0"] * 3 + ["b_0"] * 3
    seen.clear()
    evaluate(Recorder, constant(1), high_card, matches=2, swap_sides=False)
    assert seen == ["a_0"] * 6


def test_aec_and_parallel_matches_agree(high_card, constant, copycat):
    policies = lambda env: {"a": copycat(env), "b": constant(1)(env)}
    parallel = high_card()
    aec = parallel_to_aec(high_card())
    aec.teams = parallel.teams
    p, a = play_match(parallel, policies(parallel), seed=0), play_match(aec, policies(aec), seed=0)
    assert p.outcome == a.outcome == {"a": 1, "b": -1}
    # Round one 1 vs 1 is drawn; then the copycat answers 2 to the opponent's 1 and takes two rounds.
    assert p.returns == a.returns == {"a": 2.0, "b": -2.0}
    assert p.steps == 3 and a.steps > p.steps  # AEC counts one step per agent turn (and the final ones)


def test_policies_must_cover_the_teams(high_card, constant):
    env = high_card()
    with pytest.raises(ValueError, match="teams"):
        play_match(env, {"a": constant(1)(env)}, seed=0)


def test_round_robin_orders_players_and_elo_follows(high_card, constant):
    table = round_robin({"low": constant(0), "mid": constant(1), "high": constant(2)}, high_card, matches=6)
    assert table.names == ("low", "mid", "high")
    np.testing.assert_array_equal(table.score, [[np.nan, 0, 0], [1, np.nan, 0], [1, 1, np.nan]])
    assert table.elo["high"] > table.elo["mid"] > table.elo["low"]
    assert np.mean(list(table.elo.values())) == pytest.approx(1500)
    assert "high" in table.table() and "Elo" in table.table()


def test_elo_gap_matches_the_expected_score():
    score = np.array([[np.nan, 0.76], [0.24, np.nan]])
    ratings = elo_ratings(["a", "b"], score, np.array([[0, 1000], [1000, 0]]), prior=0)
    # 400 * log10(0.76 / 0.24) = 200.2: a 76 % expected score is a 200-point gap.
    assert ratings["a"] - ratings["b"] == pytest.approx(200.2, abs=0.1)


def test_level_names_need_a_registered_game(high_card):
    with pytest.raises(LookupError):
        evaluate("strong", "random", high_card, matches=1)
