"""The per-episode runtime shared by the single- and multi-agent wrappers: seeding, levels, hook order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.wrappers.perturb.base import Perturbation, Run
from palaestra.wrappers.perturb.scene import Scene

# Salt of the perturbation streams: reset(seed=s) gives them SeedSequence(s, spawn_key=(_SALT,)), a
# stream independent of the environment's own np_random, which Gymnasium seeds with SeedSequence(s).
_SALT = 0x5045


class Session:
    """Runs the hooks of a list of perturbations, each bound to an agent (or None) and its spaces.

    Every (perturbation, agent) pair gets its own generator, spawned in order from one seed sequence per
    seeded reset; unseeded resets continue the sequence, as Gymnasium's ``np_random`` does.
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self._seeds: np.random.SeedSequence | None = None
        self.runs: list[tuple[Perturbation, Run]] = []
        self.events: list[dict[str, Any]] = []

    def start(self, seed: int | None, bound: Sequence[tuple[Perturbation, str | None, spaces.Space | None]]) -> None:
        """Begin an episode; call after the environment's reset and before :meth:`observation`."""
        if seed is not None or self._seeds is None:
            self._seeds = np.random.SeedSequence(seed, spawn_key=(_SALT,))
        self.events = []
        self.runs = []
        for (perturbation, agent, space), child in zip(bound, self._seeds.spawn(len(bound))):
            rng = np.random.default_rng(child)
            run = Run(rng, perturbation.schedule.levels(rng), self.scene, space, agent, events=self.events)
            run.advance(perturbation.strength)
            self.runs.append((perturbation, run))
        for perturbation, run in self.runs:
            perturbation.on_reset(run)

    def next_step(self) -> None:
        self.events = []
        for perturbation, run in self.runs:
            run.step += 1
            run.events = self.events
            run.advance(perturbation.strength)

    def action(self, action: np.ndarray, agent: str | None = None) -> np.ndarray:
        for perturbation, run in self.runs:
            if perturbation.acts_on == "action" and run.agent == agent:
                action = perturbation.action(action, run)
        return action

    def observation(self, obs: np.ndarray, agent: str | None = None) -> np.ndarray:
        for perturbation, run in self.runs:
            if perturbation.acts_on == "observation" and run.agent == agent:
                obs = perturbation.observation(obs, run)
        return obs

    def before_step(self) -> None:
        for perturbation, run in self.runs:
            perturbation.before_step(run)

    def after_step(self) -> None:
        for perturbation, run in self.runs:
            perturbation.after_step(run)

    def logged(self) -> list[dict[str, Any]]:
        """This step's events, as fresh dicts (the caller puts them in a fresh info dict)."""
        return [dict(event) for event in self.events]
