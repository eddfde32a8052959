"""Dynamics perturbations: object mass, friction and damping, and gravity, set at reset or mid-episode.

Values are changed through the :class:`~palaestra.wrappers.perturb.scene.Scene`, which puts the original
ones back at the next reset, so a changed parameter never leaks into the next episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from palaestra.wrappers.perturb.base import Perturbation, Run
from palaestra.wrappers.perturb.scene import DEFAULT_DAMPING

Parameter = Literal["mass", "friction", "damping", "gravity"]
_PARAMETERS = ("mass", "friction", "damping", "gravity")
_PYBULLET_NAMES = {"mass": ("mass",), "friction": ("lateralFriction",), "damping": tuple(DEFAULT_DAMPING)}


@dataclass(frozen=True)
class Dynamics(Perturbation):
    """One physical parameter of the free objects (or gravity) changed at reset and every ``resample_every`` steps.

    ``mass``, ``friction`` and ``gravity`` are scaled by ``1 + level * u`` with ``u ~ U(-1, 1)`` per object
    (strength below 1 keeps them positive); ``damping`` becomes Bullet's default 0.04 plus ``level * u`` with
    ``u ~ U(0, 1)``. Each change is logged as a ``dynamics`` event whose magnitude is the new value over the
    original one.
    """

    kind = "dynamics"
    acts_on = "world"
    parameter: Parameter = "mass"
    resample_every: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.parameter not in _PARAMETERS:
            raise ValueError(f"Dynamics: parameter={self.parameter!r} is not valid; expected one of {list(_PARAMETERS)}")
        if self.parameter != "damping" and self.strength >= 1:
            raise ValueError(f"Dynamics: strength={self.strength} must be below 1 for {self.parameter} (it must stay positive)")
        if self.resample_every is not None and self.resample_every < 1:
            raise ValueError(f"Dynamics: resample_every={self.resample_every} must be None or >= 1 steps")

    def on_reset(self, run: Run) -> None:
        self._sample(run)

    def after_step(self, run: Run) -> None:
        if self.resample_every and run.step % self.resample_every == 0:
            self._sample(run)

    def _sample(self, run: Run) -> None:
        scene = run.scene
        # At level zero nothing is touched, unless an earlier change must be brought back to the original.
        if not scene.available or (run.level == 0 and not run.memory.get("changed")):
            return
        run.memory["changed"] = True
        if self.parameter == "gravity":
            factor = 1.0 + run.level * run.rng.uniform(-1.0, 1.0)
            scene.set_gravity(scene.world.physics.gravity * factor)
            run.log(self.kind, factor, "world", parameter="gravity", value=scene.gravity())
            return
        for body in scene.objects:
            for name in _PYBULLET_NAMES[self.parameter]:
                original = scene.original(body, name)
                if self.parameter == "damping":
                    value = original + run.level * run.rng.random()
                else:
                    value = original * (1.0 + run.level * run.rng.uniform(-1.0, 1.0))
                scene.set_dynamics(body, name, value)
                run.log(self.kind, value / original, f"object:{body}", parameter=name, value=value)
