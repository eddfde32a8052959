"""How a perturbation's level evolves over an episode: constant, random walk, drift, cyclic.

A schedule yields one multiplier in [0, 1] per control step; the perturbation's level at step ``t`` is its
``strength`` times that multiplier. Schedules are frozen configurations; :meth:`Schedule.levels` starts a
fresh per-episode sequence that draws only from the generator it is given.

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


@dataclass(frozen=True)
class Schedule:
    """The per-step multiplier sequence of a perturbation (a constant 1 unless a subclass says otherwise)."""

    def levels(self, rng: np.random.Generator) -> Iterator[float]:
        while True:
            yield 1.0


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

    def levels(self, rng: np.random.Generator) -> Iterator[float]:
        value = self.start
        while True:
            yield value
            value += self.sigma * rng.standard_normal()
            # Reflecting (not clipping) keeps the walk from sticking to a bound for long stretches.
            value = abs(value) if value < 0 else (2.0 - value if value > 1 else value)
            value = min(max(value, 0.0), 1.0)


@dataclass(frozen=True)
class Drift(Schedule):
    """A linear ramp from ``start`` to ``end`` over ``steps`` control steps, then held at ``end``."""

    start: float = 0.0
    end: float = 1.0
    steps: int = 50

    def __post_init__(self) -> None:
        _require(0 <= self.start <= 1 and 0 <= self.end <= 1, f"Drift: start and end must be in [0, 1], got {self}")
        _require(self.steps >= 1, f"Drift: steps={self.steps} must be >= 1")

    def levels(self, rng: np.random.Generator) -> Iterator[float]:
        t = 0
        while True:
            yield self.start + (self.end - self.start) * min(t / self.steps, 1.0)
            t += 1


@dataclass(frozen=True)
class Cyclic(Schedule):
    """A raised cosine between 0 and 1 with the given period in steps; ``phase`` in [0, 1) shifts it."""

    period: int = 20
    phase: float = 0.0

    def __post_init__(self) -> None:
        _require(self.period >= 2, f"Cyclic: period={self.period} must be >= 2 steps")
        _require(0 <= self.phase < 1, f"Cyclic: phase={self.phase} must be in [0, 1)")

    def levels(self, rng: np.random.Generator) -> Iterator[float]:
        t = 0
        while True:
            yield 0.5 - 0.5 * math.cos(2 * math.pi * (t / self.period + self.phase))
            t += 1
