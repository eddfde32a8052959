"""The perturbation contract: a frozen, validated configuration with hooks, and the per-episode run state.

A :class:`Perturbation` is pure configuration (``strength``, ``schedule`` and its own typed fields). Each
episode the wrapper gives it a :class:`Run`: its own generator, the current step and level, a scratch
``memory`` for buffers, the :class:`~palaestra.wrappers.perturb.scene.Scene` it may act on, and a
:meth:`Run.log` for events that end up in ``info["perturbations"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from palaestra.wrappers.perturb.schedules import Constant, Schedule


@dataclass
class Run:
    """One perturbation's state within one episode (and, under :class:`PerturbParallel`, one agent)."""

    rng: np.random.Generator
    levels: Iterator[float]
    scene: Any
    space: spaces.Space | None = None
    agent: str | None = None
    step: int = 0
    level: float = 0.0
    memory: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def advance(self, strength: float) -> None:
        """Move to the next control step's level."""
        self.level = strength * next(self.levels)

    def log(self, kind: str, magnitude: float, target: str, **extra: Any) -> None:
        event = {"step": self.step, "kind": kind, "magnitude": float(magnitude), "target": target, **extra}
        if self.agent is not None:
            event["agent"] = self.agent
        self.events.append(event)


@dataclass(frozen=True)
class Perturbation:
    """Base class: a named disturbance with a ``strength`` (units per subclass) and a :class:`Schedule`.

    Hooks run in this order each step: :meth:`action` (on the agent's clipped action), :meth:`before_step`,
    the environment's step, :meth:`after_step`, :meth:`observation`. :meth:`on_reset` runs after the base
    environment's reset and before the first :meth:`observation`. A level of zero must leave everything as is.
    """

    kind: ClassVar[str] = "perturbation"
    # What it disturbs: "observation" or "action" (per agent under PerturbParallel), "world" or "visual".
    acts_on: ClassVar[str] = "world"
    # True where ``strength`` is a probability or a fraction, so it must lie in [0, 1].
    fractional: ClassVar[bool] = False

    strength: float = 0.0
    schedule: Schedule = field(default_factory=Constant)

    def __post_init__(self) -> None:
        if not np.isfinite(self.strength) or self.strength < 0:
            raise ValueError(f"{type(self).__name__}: strength={self.strength} must be a finite number >= 0")
        if not isinstance(self.schedule, Schedule):
            raise TypeError(f"{type(self).__name__}: schedule must be a Schedule, got {self.schedule!r}")
        if self.fractional:
            check_fraction(self, "strength", self.strength)

    def on_reset(self, run: Run) -> None:
        """Sample per-episode parameters (and apply them to the scene)."""

    def action(self, action: np.ndarray, run: Run) -> np.ndarray:
        return action

    def before_step(self, run: Run) -> None:
        """Act on the world just before the environment steps (forces, teleports)."""

    def after_step(self, run: Run) -> None:
        """Act on the world after the environment stepped (mid-episode dynamics changes)."""

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        return obs


def check_fraction(owner: Perturbation, name: str, value: float, upper: float = 1.0) -> None:
    """Raise a ValueError naming the perturbation unless ``0 <= value <= upper``."""
    if not 0 <= value <= upper:
        raise ValueError(f"{type(owner).__name__}: {name}={value} must be in [0, {upper}]")


def cast_like(values: np.ndarray, space: spaces.Space | None, like: np.ndarray) -> np.ndarray:
    """``values`` clipped into a Box ``space`` (when given) and cast to ``like``'s dtype (images stay uint8)."""
    if isinstance(space, spaces.Box):
        values = np.clip(values, space.low, space.high)
    if np.issubdtype(like.dtype, np.integer):
        values = np.rint(values)
    return values.astype(like.dtype, copy=False)


def value_range(obs: np.ndarray) -> float:
    """The unit a signal's strength is measured in: 255 for 8-bit images, 1 for float vectors."""
    return 255.0 if obs.dtype == np.uint8 else 1.0
