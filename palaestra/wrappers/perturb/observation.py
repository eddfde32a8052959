"""Sensor perturbations: Gaussian noise, dropped, stuck and repeated readings, and delayed observations.

They act on the ``observation`` entry of a goal dict (never on ``achieved_goal``/``desired_goal``, so rewards
and hindsight relabelling stay exact) or on a plain array observation. On uint8 images a strength is a
fraction of the 0-255 range; on float vectors it is in the observation's own units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palaestra.wrappers.perturb.base import Perturbation, Run, cast_like, check_fraction, value_range


@dataclass(frozen=True)
class ObservationNoise(Perturbation):
    """Additive zero-mean Gaussian noise with standard deviation ``level`` on every component."""

    kind = "observation_noise"
    acts_on = "observation"

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        if run.level == 0:
            return obs
        noise = run.rng.standard_normal(obs.shape) * (run.level * value_range(obs))
        return cast_like(obs + noise, run.space, obs)


@dataclass(frozen=True)
class SensorDropout(Perturbation):
    """Each component reads 0 with probability ``level`` at each step (a dropped sensor packet)."""

    kind = "sensor_dropout"
    acts_on = "observation"
    fractional = True

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        if run.level == 0:
            return obs
        dropped = run.rng.random(obs.shape) < run.level
        return np.where(dropped, np.zeros_like(obs), obs)


@dataclass(frozen=True)
class StuckSensors(Perturbation):
    """Components freeze at their last reading: each free one sticks with probability ``level`` per step, each
    stuck one is released with probability ``release`` per step."""

    kind = "stuck_sensors"
    acts_on = "observation"
    fractional = True
    release: float = 0.2

    def __post_init__(self) -> None:
        super().__post_init__()
        check_fraction(self, "release", self.release)

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        stuck = run.memory.get("stuck")
        if stuck is None:
            run.memory["stuck"] = np.zeros(obs.shape, dtype=bool)
            run.memory["held"] = obs.copy()
            return obs
        held = run.memory["held"]
        if run.level > 0 or stuck.any():
            draws = run.rng.random(obs.shape)
            stuck = np.where(stuck, draws >= self.release, draws < run.level)
            run.memory["stuck"] = stuck
        out = np.where(stuck, held, obs)
        run.memory["held"] = out.copy()
        return out


@dataclass(frozen=True)
class RepeatedObservation(Perturbation):
    """With probability ``level`` the whole observation repeats the previous one (a stale sensor frame)."""

    kind = "repeated_observation"
    acts_on = "observation"
    fractional = True

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        previous = run.memory.get("previous")
        if previous is not None and run.level > 0 and run.rng.random() < run.level:
            obs = previous
        run.memory["previous"] = obs.copy()
        return obs


@dataclass(frozen=True)
class ObservationDelay(Perturbation):
    """The observation from ``round(level)`` steps ago (latency); the first frames repeat the reset observation."""

    kind = "observation_delay"
    acts_on = "observation"

    def observation(self, obs: np.ndarray, run: Run) -> np.ndarray:
        history = run.memory.setdefault("history", [])
        history.append(obs.copy())
        horizon = round(self.strength) + 1
        del history[:-horizon]
        lag = min(round(run.level), len(history) - 1)
        return history[-1 - lag].copy()
