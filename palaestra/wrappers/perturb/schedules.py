"""How a perturbation's level evolves over an episode: constant, random walk, drift, cyclic.

A schedule yields one multiplier in [0, 1] per control step; the perturbation's level at step ``t`` is its
``strength`` times that multiplier. Schedules are frozen configurations; :meth:`Schedule.levels` starts a
fresh per-episode sequence (a :class:`Levels` iterator, which pickles with the environment, unlike a Python
generator) that draws only from the generator it is given.

>>> import numpy as np
>>> levels = Cyclic(period=4).levels(np.random.default_rng(0))
>>> [round(next(levels), 2) for _ in range(5)]
[0.0, 0.5, 1.0, 0.5, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


class Levels(Iterator[float]):
    """One episode's multipliers of ``schedule``: step ``t`` and the schedule's running ``value``."""

    def __init__(self, schedule: Schedule, rng: np.random.Generator) -> None:
        self.schedule, self.rng = schedule, rng
        self.t = 0
        self.value = 0.0

    def __next__(self) -> float:
        level = self.schedule.level(self)
        self.t += 1
        return level


@dataclass(frozen=True)
class Schedule:
    """The per-step multiplier sequence of a perturbation (a constant 1 unless a subclass says otherwise)."""

    def levels(self, rng: np.random.Generator) -> Levels:
        return Levels(self, rng)

    def level(self, levels: Levels) -> float:
        """The multiplier at step ``levels.t`` (called once per step, in order)."""
        return 1.0


@dataclass(frozen=True)
class Constant(Schedule):
    """Full strength at every step."""


@dataclass(frozen=True)
class RandomWalk(Schedule):
    """A Gaussian random walk from ``start`` with per-step deviation ``sigma``, reflected into [0, 1]."""

    sigma: float = 0.1
    start: float = 0.5

    def __post_init__(self) -> None:
        _require(self.sigma >= 0, f"RandomWalk: sigma={self.sigma} must be >= 0")
        _require(0 <= self.start <= 1, f"RandomWalk: start={self.start} must be in [0, 1]")

    def level(self, levels: Levels) -> float:
        if levels.t == 0:
            levels.value = self.start
            return levels.value
        value = levels.value + self.sigma * levels.rng.standard_normal()
        # Reflecting (not clipping) keeps the walk from sticking to a bound for long stretches.
        value = abs(value) if value < 0 else (2.0 - value if value > 1 else value)
        levels.value = min(max(value, 0.0), 1.0)
        return levels.value


@dataclass(frozen=True)
class Drift(Schedule):
    """A linear ramp from ``start`` to ``end`` over ``steps`` control steps, then held at ``end``."""

    start: float = 0.0
    end: float = 1.0
    steps: int = 50

    def __post_init__(self) -> None:
        _require(0 <= self.start <= 1 and 0 <= self.end <= 1, f"Drift: start and end must be in [0, 1], got {self}")
        _require(self.steps >= 1, f"Drift: steps={self.steps} must be >= 1")

    def level(self, levels: Levels) -> float:
        return self.start + (self.end - self.start) * min(levels.t / self.steps, 1.0)


@dataclass(frozen=True)
class Cyclic(Schedule):
    """A raised cosine between 0 and 1 with the given period in steps; ``phase`` in [0, 1) shifts it."""

    period: int = 20
    phase: float = 0.0

    def __post_init__(self) -> None:
        _require(self.period >= 2, f"Cyclic: period={self.period} must be >= 2 steps")
        _require(0 <= self.phase < 1, f"Cyclic: phase={self.phase} must be in [0, 1)")

    def level(self, levels: Levels) -> float:
        return 0.5 - 0.5 * math.cos(2 * math.pi * (levels.t / self.period + self.phase))
