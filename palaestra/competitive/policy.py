"""The policy interface shared by scripted opponents, frozen learner snapshots, self-play and evaluation.

A :class:`Policy` plays one agent of a PettingZoo game from that agent's observation alone, so the same
object can sit in an opponent pool, be evaluated in a round robin, or stand in for a learner. Randomness comes
only from :attr:`Policy.rng`, re-seeded by :meth:`Policy.reset` at the start of each match, which keeps every
match reproducible from its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from gymnasium import spaces


class Policy:
    """Maps one agent's observation to an action; subclasses implement :meth:`act`.

    ``env`` is the PettingZoo environment (parallel or AEC) the policy will play in; it is read at
    construction for spaces and rules, never stepped by the policy.
    """

    name = "policy"

    def __init__(self, env: Any) -> None:
        self.env = env
        self.rng = np.random.default_rng()

    def reset(self, seed: int | None = None) -> None:
        """Start a new match; ``seed`` fixes the policy's own randomness."""
        self.rng = np.random.default_rng(seed)

    def act(self, observation: Any, agent: str) -> Any:
        raise NotImplementedError

    def __call__(self, observation: Any, agent: str) -> Any:
        return self.act(observation, agent)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def legal_actions(observation: Any) -> np.ndarray | None:
    """Indices of the legal actions when ``observation`` carries an ``action_mask``, else ``None``."""
    if isinstance(observation, dict) and "action_mask" in observation:
        return np.flatnonzero(np.asarray(observation["action_mask"]))
    return None


class RandomPolicy(Policy):
    """Uniformly random legal actions (respects an ``action_mask`` in the observation)."""

    name = "random"

    def act(self, observation: Any, agent: str) -> Any:
        legal = legal_actions(observation)
        if legal is not None:
            return int(self.rng.choice(legal))
        space = self.env.action_space(agent)
        if isinstance(space, spaces.Discrete):
            return int(space.start + self.rng.integers(space.n))
        if isinstance(space, spaces.MultiDiscrete):
            return (self.rng.random(space.nvec.shape) * space.nvec).astype(space.dtype) + space.start
        if isinstance(space, spaces.Box):
            return self.rng.uniform(space.low, space.high).astype(space.dtype)
        raise TypeError(f"RandomPolicy does not know how to sample {space}")

    def action_probabilities(self, observation: Any, agent: str) -> list[Fraction]:
        """The exact distribution :meth:`act` samples from over a ``Discrete`` action space: uniform over the
        legal actions, as :class:`fractions.Fraction` so that exploitability computed from it stays exact."""
        space = self.env.action_space(agent)
        if not isinstance(space, spaces.Discrete):
            raise TypeError(f"RandomPolicy has action probabilities only over a Discrete action space, not {space}")
        legal = legal_actions(observation)
        legal = range(int(space.n)) if legal is None else legal
        probabilities = [Fraction(0)] * int(space.n)
        for action in legal:
            probabilities[int(action)] = Fraction(1, len(legal))
        return probabilities


class CallablePolicy(Policy):
    """Wraps a plain function ``fn(observation, agent) -> action`` (e.g. a trained model's predict)."""

    def __init__(self, env: Any, fn: Callable[[Any, str], Any], name: str = "callable") -> None:
        super().__init__(env)
        self.fn = fn
        self.name = name

    def act(self, observation: Any, agent: str) -> Any:
        return self.fn(observation, agent)


# A level of an opponent table: builds the policy for a given environment.
PolicyFactory = Callable[[Any], Policy]
