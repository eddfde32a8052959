"""Wrappers that compose on any palaestra environment: goals, perturbations, language and self-play.

Submodules load on first use, so ``import palaestra.wrappers`` stays as cheap as ``import palaestra``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> submodule that defines it.
_EXPORTS: dict[str, str] = {
    "Perturb": "perturbations",
    "PerturbParallel": "perturbations",
    "AdversarialEnv": "perturbations",
    "Perturbation": "perturbations",
    "PRESETS": "perturbations",
    "make_perturbed": "perturbations",
    "Schedule": "perturbations",
    "Constant": "perturbations",
    "RandomWalk": "perturbations",
    "Drift": "perturbations",
    "Cyclic": "perturbations",
    "ObservationNoise": "perturbations",
    "SensorDropout": "perturbations",
    "StuckSensors": "perturbations",
    "RepeatedObservation": "perturbations",
    "ObservationDelay": "perturbations",
    "ActionNoise": "perturbations",
    "ActionDelay": "perturbations",
    "StickyActions": "perturbations",
    "ActuatorStrength": "perturbations",
    "Dynamics": "perturbations",
    "Push": "perturbations",
    "Displace": "perturbations",
    "InstructionSwitch": "perturbations",
    "TaskSwitch": "perturbations",
    "ColorJitter": "perturbations",
    "LightingJitter": "perturbations",
    "CameraJitter": "perturbations",
    "Distractors": "perturbations",
    "SelfPlayEnv": "selfplay",
    "OpponentPool": "selfplay",
    "GoalWrapper": "goals",
    "GoalImage": "goals",
    "GoalSampler": "goals",
    "Curriculum": "goals",
    "relabel": "goals",
    "FixedRoster": "roster",
    "Instruction": "language",
    "LanguageExtraMissing": "language",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'palaestra.wrappers' has no attribute {name!r}")
    return getattr(importlib.import_module(f"palaestra.wrappers.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
