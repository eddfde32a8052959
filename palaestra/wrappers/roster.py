"""``FixedRoster``: every agent stays in a ParallelEnv until the match ends, for tools that need a fixed agent set.

PettingZoo removes an agent from ``agents`` when it is done (a caught prey in Tag), but vectorising tools such as
SuperSuit's ``pettingzoo_env_to_vec_env_v1`` (one vector slot per agent, as SB3 trains a shared policy) refuse a
varying agent set. SuperSuit's own ``black_death_v3`` is meant for this, but its release 3.11 never reports the
match as over (it requires each agent to be terminated *and* truncated), so the vector env steps a finished match.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo.utils.wrappers import BaseParallelWrapper


class FixedRoster(BaseParallelWrapper):
    """A ParallelEnv whose ``agents`` are all of ``possible_agents`` from reset until the match ends.

    An agent the game has removed mid-match still gets an observation (zeros), a reward (0), ``terminated`` and
    ``truncated`` both False and ``info["active"] = False``; its actions are dropped. Live agents get the game's
    own values and ``info["active"] = True``. When the game ends the match (no agents left), every agent gets
    ``terminated`` or ``truncated`` True (its own last value, or terminated for one removed earlier) and
    ``agents`` empties, as PettingZoo expects. Observation spaces must be ``Box`` (zeros must be a valid observation).

    >>> import palaestra
    >>> env = FixedRoster(palaestra.make_parallel("palaestra/Tag-v0"))
    >>> observations, infos = env.reset(seed=0)
    >>> len(observations), env.agents == env.possible_agents
    (4, True)

    Then ``supersuit.pettingzoo_env_to_vec_env_v1(env)`` gives one vector slot per agent.
    """

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        name = env.metadata.get("name", type(env).__name__)
        self._zeros: dict[str, np.ndarray] = {}
        for agent in env.possible_agents:
            space = env.observation_space(agent)
            if not isinstance(space, spaces.Box):
                raise TypeError(f"{name}: FixedRoster needs Box observation spaces; {agent} has {space}")
            self._zeros[agent] = np.zeros(space.shape, space.dtype)
        self._removed: set[str] = set()

    def reset(self, seed: int | None = None, options: dict | None = None):
        observations, infos = self.env.reset(seed=seed, options=options)
        self.agents = list(self.possible_agents)
        self._removed = set(self.possible_agents) - set(self.env.agents)
        return self._fill(observations), self._mark(infos)

    def step(self, actions: dict[str, Any]):
        live = {agent: action for agent, action in actions.items() if agent in self.env.agents}
        observations, rewards, terminated, truncated, infos = self.env.step(live)
        over = not self.env.agents
        gone = set(self.possible_agents) - set(observations)
        for agent in self.possible_agents:
            rewards.setdefault(agent, 0.0)
            if over:
                terminated.setdefault(agent, True)
                truncated.setdefault(agent, False)
        if not over:
            terminated = dict.fromkeys(self.possible_agents, False)
            truncated = dict.fromkeys(self.possible_agents, False)
        # Inactive from here on: removed by this step, or (at the end) before it.
        self._removed = gone if over else set(self.possible_agents) - set(self.env.agents)
        self.agents = [] if over else list(self.possible_agents)
        return self._fill(observations), rewards, terminated, truncated, self._mark(infos)

    def _fill(self, observations: dict[str, Any]) -> dict[str, Any]:
        return {agent: observations[agent] if agent in observations else self._zeros[agent].copy()
                for agent in self.possible_agents}

    def _mark(self, infos: dict[str, dict]) -> dict[str, dict]:
        return {agent: {**infos.get(agent, {}), "active": agent not in self._removed} for agent in self.possible_agents}
