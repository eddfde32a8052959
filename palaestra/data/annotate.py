"""Hindsight language annotations: label play windows with the tasks the oracle sees done in them.

A window ``[t0, t1]`` of an episode's states is annotated with every task in
``oracle.completed(states[t0], states[t1])``, each with a phrasing drawn from the task's instruction set
and its token ids (the fixed vocabulary, ``MAX_TOKENS`` long like ``PlayroomLanguage-v0``'s observation).

Windows come from a grid (:class:`WindowGrid`): starts every ``stride`` steps, lengths from ``min_steps`` to
``max_steps`` in steps of ``stride``. The default, 16 to 64 steps (0.7 to 2.7 s at 24 Hz), follows the
one-to-two-second play windows of Lynch et al. (2019, "Learning Latent Plans from Play"): long enough for
one playroom task, short enough that a window is mostly about that task. One completion shows up in
several overlapping windows; :func:`occurrences` merges them back into events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from palaestra import instructions
from palaestra.envs.play import oracle
from palaestra.envs.play.language_env import MAX_TOKENS
from palaestra.envs.play.state import PlayState


@dataclass(frozen=True)
class WindowGrid:
    """Which ``[t0, t1]`` windows are checked: ``t0`` every ``stride`` steps, ``t1 - t0`` in
    ``min_steps..max_steps`` every ``stride`` steps."""

    min_steps: int = 16
    max_steps: int = 64
    stride: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.min_steps <= self.max_steps or self.stride < 1:
            raise ValueError(f"window grid needs 1 <= min_steps <= max_steps and stride >= 1, got {self}")

    def windows(self, steps: int) -> list[tuple[int, int]]:
        """The grid's windows in an episode of ``steps`` actions (``steps + 1`` states)."""
        lengths = range(self.min_steps, self.max_steps + 1, self.stride)
        return [(t0, t0 + n) for t0 in range(0, steps - self.min_steps + 1, self.stride) for n in lengths
                if t0 + n <= steps]

    def to_json(self) -> dict[str, int]:
        return asdict(self)


GRID = WindowGrid()


@dataclass(frozen=True)
class Annotation:
    """One window ``[t0, t1]`` (state indices) in which ``task`` was done, with an instruction and its tokens."""

    task: str
    t0: int
    t1: int
    text: str
    tokens: tuple[int, ...]

    def to_json(self) -> dict:
        return {**asdict(self), "tokens": list(self.tokens)}

    @classmethod
    def from_json(cls, entry: dict) -> Annotation:
        return cls(entry["task"], int(entry["t0"]), int(entry["t1"]), entry["text"], tuple(entry["tokens"]))


def completions(states: Sequence[PlayState], grid: WindowGrid = GRID) -> list[tuple[str, int, int]]:
    """``(task, t0, t1)`` for every grid window and every task the oracle sees done in it, in grid order."""
    found = []
    for t0, t1 in grid.windows(len(states) - 1):
        found += [(task, t0, t1) for task in sorted(oracle.completed(states[t0], states[t1]))]
    return found


def annotate(states: Sequence[PlayState], rng: np.random.Generator, grid: WindowGrid = GRID,
             split: str = "train") -> list[Annotation]:
    """Every completion of :func:`completions` with a phrasing drawn by ``rng`` from the task's ``split`` set."""
    vocabulary, out = instructions.vocabulary(), []
    for task, t0, t1 in completions(states, grid):
        text = instructions.phrasings("play", task).draw(split, rng)
        out.append(Annotation(task, t0, t1, text, tuple(int(i) for i in vocabulary.encode(text, MAX_TOKENS))))
    return out


def occurrences(windows: Sequence[Annotation]) -> dict[str, int]:
    """How many times each task happened: overlapping windows of one task count as one event."""
    ends: dict[str, int] = {}
    counts: dict[str, int] = {}
    for w in sorted(windows, key=lambda w: (w.task, w.t0)):
        if w.t0 > ends.get(w.task, -1):
            counts[w.task] = counts.get(w.task, 0) + 1
        ends[w.task] = max(ends.get(w.task, -1), w.t1)
    return counts
