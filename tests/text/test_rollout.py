"""The batched rollout harness: batching, roles by seed, records that reload, rates, and the stand-in policy."""

import json

import pytest

import palaestra.text as pt
from palaestra.text.rollout import game_plan
from palaestra.text.standin import legal_moves_of


class CountingPolicy:
    """The stand-in, counting how many prompts each call gets."""

    def __init__(self, seed=0, **noise):
        self.inner = pt.NoisyTextPolicy(seed=seed, **noise)
        self.batches = []

    def __call__(self, prompts):
        self.batches.append(len(prompts))
        return self.inner(prompts)


def test_policy_is_called_once_per_round_with_all_waiting_games():
    policy = CountingPolicy(malformed=0.0, illegal=0.0)
    turns = pt.rollout("palaestra/TicTacToe-v0", policy, games=6, opponent="random", seed=1)
    assert policy.batches[0] == sum(role == "player_0" for _, role in game_plan(1, 6))
    assert sum(policy.batches) == sum(t.side == "learner" for t in turns)
    assert max(policy.batches) > 1


def test_roles_follow_the_seed_and_results_repeat():
    a = pt.rollout("palaestra/KuhnPokerHand-v0", pt.NoisyTextPolicy(3), games=8, opponent="nash", seed=4)
    b = pt.rollout("palaestra/KuhnPokerHand-v0", pt.NoisyTextPolicy(3), games=8, opponent="nash", seed=4)
    assert a == b
    roles = {t.game: t.role for t in a if t.side == "learner"}
    assert roles == {g: role for g, (_, role) in enumerate(game_plan(4, 8)) if g in roles}
    assert {r for _, r in game_plan(4, 8)} == {"player_0", "player_1"}


def test_turn_records_carry_the_final_reward_of_their_role_and_reload(tmp_path):
    turns = pt.rollout("palaestra/TicTacToe-v0", pt.NoisyTextPolicy(0, malformed=0.3), games=5, seed=0)
    assert {t.side for t in turns} == {"learner"}  # self-play: both roles are the learner
    for game in {t.game for t in turns}:
        mine = [t for t in turns if t.game == game]
        assert [t.turn for t in mine] == list(range(len(mine)))
        by_role = {t.role: (t.reward, t.outcome) for t in mine}
        if len(by_role) == 2:
            assert by_role["player_0"][0] == -by_role["player_1"][0]
        assert all((t.reward, t.outcome) == by_role[t.role] for t in mine)
    assert any(not t.well_formed for t in turns)  # the stand-in's malformed answers are recorded, not dropped
    # Self-play: a game counts once per role that answered (a first-move forfeit leaves player_1 no turn).
    both = {t.game for t in turns if t.role == "player_1"}
    assert pt.rates(turns)["learner"]["games"] == 5 + len(both)
    path = pt.save_jsonl(turns, tmp_path / "turns.jsonl")
    assert pt.load_jsonl(path) == turns
    with pytest.raises(FileExistsError, match="turns.jsonl exists; pass overwrite=True"):
        pt.save_jsonl(turns[:1], path)
    assert pt.load_jsonl(pt.save_jsonl(turns[:1], path, overwrite=True)) == turns[:1]
    assert [p.name for p in tmp_path.iterdir()] == ["turns.jsonl"]


def test_rates_per_side_and_role():
    turns = pt.rollout("palaestra/TicTacToe-v0", pt.NoisyTextPolicy(1, malformed=0.0, illegal=0.0), games=20,
                       opponent="perfect", seed=2)
    table = pt.rates(turns)
    assert table["learner"]["win"] == 0.0  # nobody beats minimax
    assert table["opponent"]["invalid"] == 0.0 and table["learner"]["invalid"] == 0.0
    for key in ("learner/player_0", "learner/player_1"):
        row = table[key]
        assert row["win"] + row["draw"] + row["loss"] == pytest.approx(1.0)
    assert table["learner/player_0"]["games"] + table["learner/player_1"]["games"] == 20


def test_bad_records_and_bad_policies_are_refused(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "x"}) + "\n")
    with pytest.raises(ValueError, match="bad.jsonl:1: turn fields"):
        pt.load_jsonl(bad)
    bad.write_text("{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:1: not JSON"):
        pt.load_jsonl(bad)
    with pytest.raises(ValueError, match="policy returned str for"):
        pt.rollout("palaestra/TicTacToe-v0", lambda prompts: "[a1]", games=2)
    with pytest.raises(ValueError, match="policy answered 3"):
        pt.rollout("palaestra/TicTacToe-v0", lambda prompts: [3] * len(prompts), games=2)
    with pytest.raises(ValueError, match="opponent='grandmaster'.*'perfect'"):
        pt.rollout("palaestra/TicTacToe-v0", pt.NoisyTextPolicy(), opponent="grandmaster")
    with pytest.raises(ValueError, match="Push-v0 is not a text game"):
        pt.rollout("palaestra/Push-v0", pt.NoisyTextPolicy())
    with pytest.raises(ValueError, match="policy='gpt'; expected a callable"):
        pt.rollout("palaestra/TicTacToe-v0", "gpt")


def test_stand_in_reads_the_legal_moves_and_is_noisy_on_request():
    prompt = "Board...\nYou (X) to move. Legal moves: X at a1; X at c3 (corner)\nAnswer with one legal move."
    assert legal_moves_of(prompt) == ["X at a1", "X at c3"]
    clean = pt.NoisyTextPolicy(0, malformed=0.0, illegal=0.0)([prompt] * 50)
    assert all(a.endswith(("[X at a1]", "[X at c3]")) for a in clean)
    noisy = pt.NoisyTextPolicy(0, malformed=1.0)([prompt] * 5)
    assert not any("X at" in a for a in noisy)
    with pytest.raises(ValueError, match="malformed=2"):
        pt.NoisyTextPolicy(malformed=2)
