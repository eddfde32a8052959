"""A whole side of a game played as one agent, the way a team learner plays it.

A team learner sees its side's observations joined (a one-agent side: the agent's own observation) and gives one
action per teammate (``MultiDiscrete`` or a concatenated ``Box``). :class:`Side` joins and splits;
:class:`SidePolicy` wraps such a learner, or a frozen copy of it, so that self-play, matches and evaluation can
seat it like any other policy.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.competitive.policy import CallablePolicy


class SidePolicy(CallablePolicy):
    """A policy for a whole side: ``fn(side_observation, side) -> side_action``.

    Self-play and :func:`~palaestra.competitive.play_match` call it once per step with the side's observations
    joined (see :class:`Side`) and split the action among the teammates.
    """


@dataclass(frozen=True)
class Side:
    """A side's agents, in team order, and the joined spaces a learner playing the whole side sees."""

    name: str
    agents: tuple[str, ...]
    observation_space: spaces.Space
    action_space: spaces.Space

    @classmethod
    def of(cls, env: Any, name: str, agents: Sequence[str]) -> Side:
        """The side ``name`` of a PettingZoo ``env`` (parallel or AEC), its spaces joined from its agents'."""
        return cls(name, tuple(agents), joined_space([env.observation_space(a) for a in agents]),
                   joined_space([env.action_space(a) for a in agents]))

    def observation(self, observations: Mapping[str, Any]) -> Any:
        """The side's observations joined from the latest of each agent (one agent: its own, unchanged)."""
        parts = [observations[a] for a in self.agents if a in observations]
        if len(self.agents) == 1:
            return parts[0]
        return np.concatenate([np.asarray(p, dtype=self.observation_space.dtype).ravel() for p in parts])

    def actions(self, action: Any, live: Collection[str]) -> dict[str, Any]:
        """The side's ``action`` split among its agents, for those still ``live``."""
        if len(self.agents) == 1:
            parts = [action]
        elif isinstance(self.action_space, spaces.MultiDiscrete):
            parts = [int(a) for a in np.asarray(action).ravel()]
        else:
            parts = list(np.split(np.asarray(action, dtype=self.action_space.dtype).ravel(), len(self.agents)))
        return {agent: part for agent, part in zip(self.agents, parts) if agent in live}


def joined_space(parts: list[spaces.Space]) -> spaces.Space:
    """One space for a side: the agent's own, or teammates' concatenated."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, spaces.Discrete) for p in parts):
        return spaces.MultiDiscrete([p.n for p in parts])
    if all(isinstance(p, spaces.Box) for p in parts):
        low = np.concatenate([p.low.ravel() for p in parts])
        high = np.concatenate([p.high.ravel() for p in parts])
        return spaces.Box(low, high, dtype=parts[0].dtype)
    raise TypeError(f"cannot join teammates' spaces {parts}; self-play supports Box or Discrete team spaces")
