"""Tic-tac-toe rules, masks, text interface and opponent strength."""

from __future__ import annotations

import pytest

from palaestra.competitive.match import play_match
from palaestra.envs.competitive import tictactoe
from palaestra.envs.competitive.tictactoe import LINES, OPPONENTS, IllegalMoveError, minimax_value


def _play(env, cells):
    for cell in cells:
        env.step(cell)


def _match(first, second, seed):
    """Outcome for ``first`` (X on even seeds, O on odd ones) in one seeded match."""
    env = tictactoe.env()
    side, other = ("player_0", "player_1") if seed % 2 == 0 else ("player_1", "player_0")
    return play_match(env, {side: first(env), other: second(env)}, seed=seed).outcome[side]


@pytest.mark.parametrize("line", LINES)
def test_three_in_a_row_wins_on_every_line(line):
    env = tictactoe.env()
    env.reset()
    others = [c for c in range(9) if c not in line][:2]
    _play(env, [line[0], others[0], line[1], others[1], line[2]])
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 1.0, "player_1": -1.0}
    assert env.infos["player_0"]["outcome"] == 1 and env.infos["player_1"]["outcome"] == -1


def test_full_board_without_a_line_is_a_draw():
    env = tictactoe.env()
    env.reset()
    _play(env, [0, 4, 8, 1, 7, 6, 2, 5, 3])
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 0.0, "player_1": 0.0}
    assert {info["outcome"] for info in env.infos.values()} == {0}


def test_mask_marks_empty_cells_for_the_mover_only():
    env = tictactoe.env()
    env.reset()
    _play(env, [4, 0])
    assert list(env.observe("player_0")["action_mask"]) == [0, 1, 1, 1, 0, 1, 1, 1, 1]
    assert not env.observe("player_1")["action_mask"].any()
    planes = env.observe("player_1")["observation"]
    assert planes[1, 1, 1] == 1 and planes[0, 0, 0] == 1  # O sees X's centre as the opponent's, a1 as its own


def test_illegal_action_raises_naming_the_game_and_legal_actions():
    env = tictactoe.env()
    env.reset()
    env.step(4)
    with pytest.raises(ValueError, match=r"TicTacToe-v0.*legal actions: 0 \(O at a1\)"):
        env.step(4)
    with pytest.raises(ValueError, match="TicTacToe-v0"):
        env.step(9)


@pytest.mark.parametrize("text", ["X at b2", "x AT B2", "b2", "place X on b 2"])
def test_parser_accepts_case_insensitive_moves(text):
    env = tictactoe.env()
    env.reset()
    assert env.parse_action("player_0", text) == 4


@pytest.mark.parametrize(
    ("text", "reason"), [("O at a1", "you play X"), ("b2", "b2 is taken"), ("middle", "one cell"), ("a1 c3", "one cell")]
)
def test_parser_rejects_with_the_legal_alternatives(text, reason):
    env = tictactoe.env()
    env.reset()
    env.step(4)
    env.step(0)
    if text.startswith("O"):
        text = text.replace("a1", "c3")
    with pytest.raises(IllegalMoveError, match=reason) as err:
        env.parse_action("player_0", text)
    assert "TicTacToe-v0" in str(err.value) and "X at c3" in str(err.value)
    with pytest.raises(IllegalMoveError, match="not player_1's turn"):
        env.parse_action("player_1", "c3")


def test_observe_text_lists_legal_moves_that_parse_to_the_masked_actions():
    env = tictactoe.env(render_mode="ansi")
    env.reset()
    _play(env, [4, 0])
    text = env.observe_text("player_0")
    moves = text.rsplit("Legal moves: ", 1)[1].split("; ")
    parsed = sorted(env.parse_action("player_0", move) for move in moves)
    mask = env.observe("player_0")["action_mask"]
    assert parsed == [i for i in range(9) if mask[i]]
    assert env.render() == text
    assert "Waiting for X" in env.observe_text("player_1")


def test_unknown_kwarg_and_render_mode_are_rejected():
    with pytest.raises(TypeError, match="TicTacToe-v0.*board_size"):
        tictactoe.env(board_size=4)
    with pytest.raises(ValueError, match="render_mode"):
        tictactoe.env(render_mode="video")


def test_perfect_play_from_the_empty_board_is_a_draw():
    assert minimax_value((0,) * 9) == 0
    # X to move with two in a row and nothing to block: a win.
    assert minimax_value((1, 1, 0, 2, 2, 0, 0, 0, 0)) == 1


def test_opponent_levels_are_ordered():
    random, heuristic, perfect = OPPONENTS["random"], OPPONENTS["heuristic"], OPPONENTS["perfect"]
    vs_random = [_match(perfect, random, seed) for seed in range(40)]
    assert -1 not in vs_random and vs_random.count(1) >= 30
    assert -1 not in [_match(perfect, heuristic, seed) for seed in range(20)]
    assert sum(_match(heuristic, random, seed) for seed in range(40)) > 20
