"""Actuation perturbations: action noise, latency, sticky actions and weakened actuators.

They act on the agent's action after it is validated and clipped to the action space, and the result is
clipped again, so the environment always receives a valid action.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palaestra.wrappers.perturb.base import Perturbation, Run


@dataclass(frozen=True)
class ActionNoise(Perturbation):
    """Additive zero-mean Gaussian noise with standard deviation ``level`` (in action units) on every component."""

    kind = "action_noise"
    acts_on = "action"

    def action(self, action: np.ndarray, run: Run) -> np.ndarray:
        if run.level == 0:
            return action
        return action + run.rng.standard_normal(action.shape) * run.level


@dataclass(frozen=True)
class ActionDelay(Perturbation):
    """The environment executes the action chosen ``round(level)`` steps ago; before that, zero actions."""

    kind = "action_delay"
    acts_on = "action"

    def action(self, action: np.ndarray, run: Run) -> np.ndarray:
        horizon = round(self.strength) + 1
        history = run.memory.setdefault("history", [np.zeros_like(action)] * horizon)
        history.append(action)
        del history[:-horizon]
        return history[-1 - round(run.level)]


@dataclass(frozen=True)
class StickyActions(Perturbation):
    """With probability ``level`` the previously executed action is repeated instead (Machado et al., 2018)."""

    kind = "sticky_actions"
    acts_on = "action"
    fractional = True

    def action(self, action: np.ndarray, run: Run) -> np.ndarray:
        previous = run.memory.get("previous")
        if previous is not None and run.level > 0 and run.rng.random() < run.level:
            action = previous
        run.memory["previous"] = action
        return action


@dataclass(frozen=True)
class ActuatorStrength(Perturbation):
    """Weakened actuators: each component is scaled by ``1 - level * u`` with ``u ~ U(0, 1)`` drawn per episode."""

    kind = "actuator_strength"
    acts_on = "action"
    fractional = True

    def action(self, action: np.ndarray, run: Run) -> np.ndarray:
        weakness = run.memory.get("weakness")
        if weakness is None:
            weakness = run.memory["weakness"] = run.rng.random(action.shape)
        if run.level == 0:
            return action
        return action * (1.0 - run.level * weakness)
