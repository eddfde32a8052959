"""Tic-tac-toe (``palaestra/TicTacToe-v0``): a pure rules core, the AEC shell and three opponent levels."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from palaestra.competitive.policy import Policy, RandomPolicy, legal_actions
from palaestra.envs.competitive.turn_based import IllegalMoveError, TurnBasedEnv, text_options

ENV_ID = "palaestra/TicTacToe-v0"
MARKS = ("X", "O")
COLUMNS = "abc"
LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))
# Only the lines through the cell just played can have been completed by it.
LINES_THROUGH = tuple(tuple(line for line in LINES if cell in line) for cell in range(9))
_CELL = re.compile(r"\b([abc])\s*([123])\b")
_MARK = re.compile(r"\b([xo])\b")


def cell_name(cell: int) -> str:
    """``a1`` .. ``c3``: column letter left to right, row number top to bottom."""
    return f"{COLUMNS[cell % 3]}{cell // 3 + 1}"


CELL_NAMES = tuple(cell_name(c) for c in range(9))
# Text is built from precomputed pieces: prompts are built once per turn of every language-model rollout.
_MOVES = tuple(tuple(f"{mark} at {name}" for name in CELL_NAMES) for mark in MARKS)
_HEADS = tuple(
    f"Tic-tac-toe. You are {MARKS[p]} (player_{p}); X moves first, three in a row wins.\n    a   b   c\n" for p in (0, 1)
)
_GRID = "1   {} | {} | {}\n2   {} | {} | {}\n3   {} | {} | {}\n"
_SYMBOLS = ".XO"
# For each player, the (own mark, opponent's mark) planes of an empty cell, an X and an O.
_PLANES = (((0, 0), (1, 0), (0, 1)), ((0, 0), (0, 1), (1, 0)))


class TicTacToe:
    """Rules of 3x3 tic-tac-toe: player 0 plays X and moves first; three in a row wins, a full board draws.

    ``board`` holds 0 (empty), 1 (X) or 2 (O) per cell, row by row from the top left.
    """

    env_id = ENV_ID
    num_actions = 9
    features_space = spaces.Box(0, 1, (3, 3, 2), np.int8)
    free_text = False

    def new(self, rng: np.random.Generator) -> None:
        self.board = [0] * 9
        self.to_move = 0
        self.over = False
        self.winner: int | None = None
        self.scores = [0.0, 0.0]

    def legal(self) -> list[int]:
        return [cell for cell in range(9) if not self.board[cell]]

    def play(self, action: int) -> None:
        board, mark = self.board, self.to_move + 1
        board[action] = mark
        if any(board[a] == board[b] == board[c] for a, b, c in LINES_THROUGH[action]):
            self.winner = self.to_move
            self.scores[self.to_move], self.scores[1 - self.to_move] = 1.0, -1.0
            self.over = True
        elif 0 not in board:
            self.over = True
        else:
            self.to_move = 1 - self.to_move

    def features(self, player: int) -> np.ndarray:
        planes = _PLANES[player]  # cell value -> (mine, theirs)
        return np.array([planes[v] for v in self.board], np.int8).reshape(3, 3, 2)

    def move_text(self, action: int) -> str:
        return _MOVES[self.to_move][action]

    def text(self, player: int) -> str:
        board = self.board
        head = _HEADS[player] + _GRID.format(*(_SYMBOLS[v] for v in board))
        if self.over:
            result = "a draw" if self.winner is None else f"{MARKS[self.winner]} wins"
            return f"{head}Game over: {result}."
        if player != self.to_move:
            return f"{head}Waiting for {MARKS[self.to_move]} to move."
        moves = _MOVES[player]
        return f"{head}You ({MARKS[player]}) to move. Legal moves: " + "; ".join(
            [moves[c] for c in range(9) if not board[c]]
        )

    def answer_example(self) -> str:
        return CELL_NAMES[self.legal()[0]]

    def legal_texts(self) -> list[str]:
        return [self.move_text(a) for a in self.legal()]

    def parse(self, player: int, text: str) -> int:
        lowered = text.strip().lower()
        mark = _MARK.findall(lowered)
        if mark and {m.upper() for m in mark} != {MARKS[player]}:
            raise IllegalMoveError(ENV_ID, text, self.legal_texts(), f"you play {MARKS[player]}", well_formed=True)
        cells = {3 * (int(row) - 1) + COLUMNS.index(col) for col, row in _CELL.findall(lowered)}
        if len(cells) != 1:
            raise IllegalMoveError(ENV_ID, text, self.legal_texts(), "expected one cell such as b2")
        cell = cells.pop()
        if self.board[cell]:
            raise IllegalMoveError(ENV_ID, text, self.legal_texts(), f"{cell_name(cell)} is taken", well_formed=True)
        return cell


class TicTacToeEnv(TurnBasedEnv):
    """Tic-tac-toe for two agents, ``player_0`` (X, moves first) and ``player_1`` (O).

    Observation: ``observation`` is a (3, 3, 2) int8 array, plane 0 the observer's marks and plane 1 the
    opponent's (rows top to bottom); ``action_mask`` marks the empty cells for the player to move.
    Actions: ``Discrete(9)``, cell ``3 * row + column``; as text ``"X at b2"``.
    Reward: +1 to the winner and -1 to the loser at the end, 0 for both on a draw and on every other step.
    """

    metadata: ClassVar[dict[str, Any]] = {**TurnBasedEnv.metadata, "name": "tictactoe_v0"}

    def __init__(self, render_mode: str | None = None, **text_options: Any) -> None:
        super().__init__(TicTacToe(), render_mode, **text_options)


def env(render_mode: str | None = None, **kwargs: Any) -> TicTacToeEnv:
    """Tic-tac-toe (AEC); ``obs_mode="text"`` for prompts and string answers (see :class:`TurnBasedEnv`).

    Observation: own and opponent marks as a (3, 3, 2) int8 array plus an action mask of the empty cells.
    Reward: +1 win, -1 loss, 0 draw, paid at the end of the game.
    """
    return TicTacToeEnv(render_mode, **text_options(ENV_ID, kwargs, ("render_mode",)))


def _board_of(observation: Any) -> tuple[int, ...]:
    """The board from the observer's side: 1 own mark, 2 opponent's, 0 empty."""
    planes = np.asarray(observation["observation"]).reshape(9, 2)
    return tuple(int(v) for v in planes[:, 0] + 2 * planes[:, 1])


def _completing(board: tuple[int, ...], mark: int) -> list[int]:
    """Empty cells that would complete a line of ``mark``."""
    return [
        cell
        for line in LINES
        for cell in line
        if board[cell] == 0 and sum(board[c] == mark for c in line) == 2
    ]


class HeuristicPolicy(Policy):
    """Wins when it can, else blocks the opponent's line, else takes the centre, else a random empty cell."""

    name = "heuristic"

    def act(self, observation: Any, agent: str) -> int:
        board = _board_of(observation)
        for cells in (_completing(board, 1), _completing(board, 2), [4] if board[4] == 0 else []):
            if cells:
                return int(self.rng.choice(sorted(set(cells))))
        return int(self.rng.choice(legal_actions(observation)))


@cache
def minimax_value(board: tuple[int, ...]) -> int:
    """Game value for the player to move (marks 1) against the opponent (marks 2) under perfect play."""
    empty = [cell for cell in range(9) if board[cell] == 0]
    if not empty:
        return 0
    best = -1
    for cell in empty:
        best = max(best, _move_value(board, cell))
        if best == 1:
            break
    return best


def _after(board: tuple[int, ...], cell: int) -> tuple[bool, tuple[int, ...]]:
    """Whether playing ``cell`` wins, and the board seen by the opponent (marks swapped so the mover is 1)."""
    after = board[:cell] + (1,) + board[cell + 1:]
    won = any(all(after[c] == 1 for c in line) for line in LINES_THROUGH[cell])
    return won, tuple((0, 2, 1)[v] for v in after)


def _move_value(board: tuple[int, ...], cell: int) -> int:
    won, swapped = _after(board, cell)
    return 1 if won else -minimax_value(swapped)


@cache
def random_play_value(board: tuple[int, ...]) -> float:
    """Expected outcome for the player to move when both players pick uniformly random empty cells."""
    empty = [cell for cell in range(9) if board[cell] == 0]
    if not empty:
        return 0.0
    total = 0.0
    for cell in empty:
        won, swapped = _after(board, cell)
        total += 1.0 if won else -random_play_value(swapped)
    return total / len(empty)


class PerfectPolicy(Policy):
    """Minimax-optimal play (never loses). Among optimal moves it prefers an immediate win, then the move
    that leaves an erring opponent the worst position (the expected outcome of random play from there)."""

    name = "perfect"

    def act(self, observation: Any, agent: str) -> int:
        board = _board_of(observation)
        keys = {}
        for cell in legal_actions(observation):
            won, swapped = _after(board, int(cell))
            keys[int(cell)] = (1, 1.0) if won else (-minimax_value(swapped), -random_play_value(swapped))
        best = max(keys.values())
        return int(self.rng.choice([cell for cell, key in keys.items() if key == best]))


OPPONENTS = {"random": RandomPolicy, "heuristic": HeuristicPolicy, "perfect": PerfectPolicy}
