"""Named perturbation presets and the resolution of a user's spec (name, object or list) to perturbations.

Each level combines sensor noise, actuation noise and latency, object dynamics and pushes, stronger at each
level. Sensor perturbations leave privileged state alone, so scripted experts feel only the actuation,
dynamics and push parts; the registered ``*-Perturbed-<Level>-v0`` IDs carry their measured expert success.
"""

from __future__ import annotations

from collections.abc import Sequence

from palaestra.wrappers.perturb.action import ActionDelay, ActionNoise, ActuatorStrength, StickyActions
from palaestra.wrappers.perturb.base import Perturbation
from palaestra.wrappers.perturb.dynamics import Dynamics
from palaestra.wrappers.perturb.interventions import Push
from palaestra.wrappers.perturb.observation import ObservationDelay, ObservationNoise, SensorDropout, StuckSensors

Spec = str | Perturbation | Sequence[str | Perturbation] | None

PRESETS: dict[str, tuple[Perturbation, ...]] = {
    "none": (),
    "easy": (
        ObservationNoise(0.002),
        ActionNoise(0.05),
        Dynamics(0.2, parameter="mass"),
        Dynamics(0.2, parameter="friction"),
        Push(0.02, rate=0.02),
    ),
    "medium": (
        ObservationNoise(0.005),
        SensorDropout(0.01),
        ActionNoise(0.1),
        StickyActions(0.1),
        Dynamics(0.4, parameter="mass"),
        Dynamics(0.3, parameter="friction"),
        Dynamics(0.5, parameter="damping"),
        Push(0.04, rate=0.04),
    ),
    "hard": (
        ObservationNoise(0.01),
        SensorDropout(0.03),
        StuckSensors(0.01),
        ObservationDelay(1),
        ActionNoise(0.15),
        ActionDelay(1),
        StickyActions(0.15),
        ActuatorStrength(0.3),
        Dynamics(0.6, parameter="mass", resample_every=25),
        Dynamics(0.5, parameter="friction"),
        Dynamics(0.2, parameter="gravity"),
        Push(0.06, rate=0.05),
    ),
}


def resolve(spec: Spec, task: str | None = None, where: str = "Perturb") -> tuple[Perturbation, ...]:
    """The perturbations a spec names: a preset (``"hard"``, or ``"push-hard"`` on a Push env), one
    :class:`Perturbation`, a list of either (combined in order), or None for none."""
    if spec is None:
        return ()
    if isinstance(spec, Perturbation):
        return (spec,)
    if isinstance(spec, str):
        return PRESETS[_preset_name(spec, task, where)]
    if isinstance(spec, (list, tuple)):
        return tuple(p for item in spec for p in resolve(item, task, where))
    raise TypeError(
        f"{where}: perturbation spec {spec!r} is not valid; expected a preset name ({', '.join(PRESETS)}), "
        "a Perturbation or a list of them"
    )


def _preset_name(name: str, task: str | None, where: str) -> str:
    prefix, _, level = name.lower().rpartition("-")
    if level not in PRESETS:
        raise ValueError(f"{where}: unknown perturbation preset {name!r}; expected one of {list(PRESETS)} or '<task>-<level>'")
    if prefix and task is not None and prefix.replace("-", "_").replace("_", "") != task.replace("_", ""):
        raise ValueError(f"{where}: preset {name!r} is for task {prefix!r}, but this environment's task is {task!r}")
    return level
