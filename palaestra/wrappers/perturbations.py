"""Perturbation wrappers: seeded, scheduled, combinable disturbances of palaestra environments.

The public façade of :mod:`palaestra.wrappers.perturb`: the :class:`Perturb` and :class:`PerturbParallel`
wrappers, :class:`AdversarialEnv`, every perturbation and schedule, the presets, and :func:`make_perturbed`,
the entry point of the registered ``palaestra/<Task>-Perturbed-<Level>-v0`` IDs.
"""

from __future__ import annotations

import inspect
from typing import Any

from palaestra import registry
from palaestra.checks import reject_unknown_kwargs
from palaestra.wrappers.perturb.action import ActionDelay, ActionNoise, ActuatorStrength, StickyActions
from palaestra.wrappers.perturb.adversary import AdversarialEnv
from palaestra.wrappers.perturb.base import Perturbation, Run
from palaestra.wrappers.perturb.dynamics import Dynamics
from palaestra.wrappers.perturb.interventions import Displace, InstructionSwitch, Push
from palaestra.wrappers.perturb.multiagent import PerturbParallel
from palaestra.wrappers.perturb.observation import (
    ObservationDelay,
    ObservationNoise,
    RepeatedObservation,
    SensorDropout,
    StuckSensors,
)
from palaestra.wrappers.perturb.presets import PRESETS, resolve
from palaestra.wrappers.perturb.schedules import Constant, Cyclic, Drift, RandomWalk, Schedule
from palaestra.wrappers.perturb.task_switch import TaskSwitch
from palaestra.wrappers.perturb.visual import CameraJitter, ColorJitter, Distractors, LightingJitter
from palaestra.wrappers.perturb.wrapper import Perturb

__all__ = [
    "PRESETS",
    "ActionDelay",
    "ActionNoise",
    "ActuatorStrength",
    "AdversarialEnv",
    "CameraJitter",
    "ColorJitter",
    "Constant",
    "Cyclic",
    "Displace",
    "Distractors",
    "Drift",
    "Dynamics",
    "InstructionSwitch",
    "LightingJitter",
    "ObservationDelay",
    "ObservationNoise",
    "Perturb",
    "PerturbParallel",
    "Perturbation",
    "Push",
    "RandomWalk",
    "RepeatedObservation",
    "Run",
    "Schedule",
    "SensorDropout",
    "StickyActions",
    "TaskSwitch",
    "StuckSensors",
    "make_perturbed",
    "resolve",
]


def make_perturbed(base_id: str, preset: str, **kwargs: Any) -> Perturb:
    """The base environment ``base_id`` built with ``kwargs`` and wrapped in the ``preset`` perturbations."""
    env_id = next(
        (r.id for r in registry.PERTURBED if r.kwargs.get("base_id") == base_id and r.kwargs.get("preset") == preset),
        f"{base_id}+{preset}",
    )
    base = registry.get(base_id)
    factory = base.load_entry_point()
    accepted = [
        name for name, param in inspect.signature(factory).parameters.items()
        if param.kind is not param.VAR_KEYWORD and name not in base.kwargs
    ]
    reject_unknown_kwargs(env_id, {k: v for k, v in kwargs.items() if k not in accepted}, accepted)
    try:
        env = factory(**{**base.kwargs, **kwargs})
    except (TypeError, ValueError) as error:
        # The base environment names itself; the user asked for the perturbed ID.
        raise type(error)(str(error).replace(base.id, env_id)) from error
    # The base env names itself in every later error (seeds, options, actions, lifecycle): by the ID asked for.
    env.unwrapped.env_id = env_id
    return Perturb(env, preset, env_id=env_id)
