"""Interventions: pushes on objects or the robot, objects moved mid-episode, and the instruction switched.

Each is what a person disturbing a demonstration would do, happens at random steps (``rate`` per step from
step ``start``, at most ``limit`` times per episode) and is logged in ``info["perturbations"]`` with its
step, so an evaluation can measure recovery from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from palaestra.wrappers.perturb.base import Perturbation, Run, check_fraction


@dataclass(frozen=True)
class _Occasional(Perturbation):
    acts_on = "world"
    rate: float = 0.05
    start: int = 0
    limit: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_fraction(self, "rate", self.rate)
        if self.start < 0 or (self.limit is not None and self.limit < 0):
            raise ValueError(f"{type(self).__name__}: start={self.start} and limit={self.limit} must be >= 0")

    def due(self, run: Run) -> bool:
        """Whether this step gets an intervention (one draw per eligible step, only at a non-zero level)."""
        done = run.memory.get("count", 0)
        if run.level == 0 or run.step < self.start or (self.limit is not None and done >= self.limit):
            return False
        if run.rng.random() >= self.rate:
            return False
        run.memory["count"] = done + 1
        return True


def _heading(run: Run) -> np.ndarray:
    angle = run.rng.uniform(-np.pi, np.pi)
    return np.array([np.cos(angle), np.sin(angle), 0.0])


@dataclass(frozen=True)
class Push(_Occasional):
    """A horizontal impulse of ``level`` N s in a random direction on a random free object or the robot's hand."""

    kind = "push"
    target: Literal["object", "robot"] = "object"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.target not in ("object", "robot"):
            raise ValueError(f"Push: target={self.target!r} is not valid; expected 'object' or 'robot'")

    def before_step(self, run: Run) -> None:
        scene = run.scene
        if not scene.available or not self.due(run):
            return
        impulse = _heading(run) * run.level
        if self.target == "robot":
            scene.push(scene.robot.body, impulse, link=scene.robot.EE_LINK)
            run.log(self.kind, run.level, "robot", impulse=impulse.tolist())
        elif scene.objects:
            body = scene.objects[run.rng.integers(len(scene.objects))]
            scene.push(body, impulse)
            run.log(self.kind, run.level, f"object:{body}", impulse=impulse.tolist())


@dataclass(frozen=True)
class Displace(_Occasional):
    """A random free object teleported ``level`` metres sideways (kept inside the robot's reach) and stopped."""

    kind = "displace"

    def before_step(self, run: Run) -> None:
        scene = run.scene
        if not scene.available or not scene.objects or not self.due(run):
            return
        body = scene.objects[run.rng.integers(len(scene.objects))]
        position = scene.world.pose(body)[0]
        low, high = (np.asarray(b[:2]) for b in getattr(getattr(scene.env, "task", None), "ee_bounds", ((-0.3,) * 2, (0.3,) * 2)))
        goal = np.clip(position[:2] + _heading(run)[:2] * run.level, low, high)
        offset = np.array([*(goal - position[:2]), 0.0])
        scene.move(body, offset)
        run.log(self.kind, float(np.linalg.norm(offset)), f"object:{body}", offset=offset.tolist())


@dataclass(frozen=True)
class InstructionSwitch(_Occasional):
    """The language instruction replaced by another of the environment's ``instructions`` mid-episode.

    Interface (provided by the language wrapper): the wrapped environment exposes ``instructions`` (the
    alternatives for the current episode), ``instruction`` (the current text) and ``set_instruction(text)``.
    ``strength`` > 0 enables it; the schedule gates when switches may happen.
    """

    kind = "instruction"

    def before_step(self, run: Run) -> None:
        env = run.scene.wrapped
        try:
            options = list(env.get_wrapper_attr("instructions"))
            current = env.get_wrapper_attr("instruction")
        except AttributeError:
            raise TypeError(
                "InstructionSwitch needs an environment with `instructions`, `instruction` and `set_instruction` "
                "(the language wrapper provides them)"
            ) from None
        choices = [text for text in options if text != current]
        if not choices or not self.due(run):
            return
        text = choices[run.rng.integers(len(choices))]
        env.get_wrapper_attr("set_instruction")(text)
        run.log(self.kind, 1.0, text, previous=current)
