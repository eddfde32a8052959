"""A tiny two-sided game for testing the competitive tools independently of the real games."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.competitive import Policy


class HighCard(ParallelEnv):
    """Each side picks 0, 1 or 2 for ``rounds`` rounds; the higher pick takes the round, the match by majority.

    Observation: the opponent's previous pick (3 before the first round). Reward: +1/-1 per round won/lost.
    """

    metadata = {"name": "high_card", "render_modes": []}

    def __init__(self, rounds: int = 3):
        self.rounds = rounds
        self.possible_agents = ["a_0", "b_0"]
        self.teams = {"a": ("a_0",), "b": ("b_0",)}
        self._obs = spaces.Discrete(4)
        self._act = spaces.Discrete(3)

    def observation_space(self, agent):
        return self._obs

    def action_space(self, agent):
        return self._act

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.round, self.tally = 0, 0
        return {a: 3 for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions):
        a, b = int(actions["a_0"]), int(actions["b_0"])
        sign = int(np.sign(a - b))
        self.tally += sign
        self.round += 1
        done = self.round >= self.rounds
        infos = {"a_0": {}, "b_0": {}}
        if done:
            outcome = int(np.sign(self.tally))
            infos = {"a_0": {"outcome": outcome}, "b_0": {"outcome": -outcome}}
        observations = {"a_0": b, "b_0": a}
        rewards = {"a_0": float(sign), "b_0": float(-sign)}
        flags = {agent: done for agent in self.agents}
        if done:
            self.agents = []
        return observations, rewards, flags, {k: False for k in flags}, infos


class Constant(Policy):
    def __init__(self, env, pick: int):
        super().__init__(env)
        self.pick = pick
        self.name = f"always-{pick}"

    def act(self, observation, agent):
        return self.pick


class Copycat(Policy):
    """Plays the opponent's previous pick plus one (beats a constant from the second round on)."""

    name = "copycat"

    def act(self, observation, agent):
        return 1 if observation == 3 else min(int(observation) + 1, 2)


@pytest.fixture
def high_card():
    return HighCard


@pytest.fixture
def constant():
    return lambda pick: functools.partial(Constant, pick=pick)


@pytest.fixture
def copycat():
    return Copycat
