"""The hierarchical interface to drone volleyball: each drone's action picks a skill and its target, and the
scripted skill flies it for several control steps (the interface of VolleyBots' hierarchical baseline).

>>> import palaestra
>>> from palaestra.envs.drones.hierarchical import SkillEnv
>>> env = SkillEnv(palaestra.make_parallel("palaestra/DroneVolleyball1v1-v0"), period=6)
>>> obs, infos = env.reset(seed=0)
>>> action = {a: env.action_space(a).sample() for a in env.agents}
>>> obs, rewards, terminations, truncations, infos = env.step(action)

High-level action per drone: ``Box(-1, 1, (4,))``. Entry 0 picks one of :data:`SKILLS` (the interval
[-1, 1] cut into equal bins); entries 1-2 are the skill's target (x, y) mapped onto the half it aims at (its
own half for ``move``, ``bump`` and ``block``, the other half for ``attack``); entry 3 is its height
parameter (``move``: 0.15-0.6 m; ``bump``: a rise of 0.1-0.5 m; ``attack``: an apex of 0.6-1.0 m). The
observations, rewards and infos are the wrapped match's, summed rewards over the ``period`` control steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.envs.competitive.common import check_parallel_actions
from palaestra.envs.drones.common import ball_of, view_of
from palaestra.envs.drones.skills import Skills
from palaestra.envs.drones.teams import HIT_HEIGHT, DroneSide
from palaestra.checks import check_positive_int

SKILLS = ("home", "move", "bump", "attack", "block")


class SkillEnv(ParallelEnv):
    """A drone-volleyball ParallelEnv whose actions are skills with targets (see the module docstring)."""

    def __init__(self, env: ParallelEnv, period: int = 6) -> None:
        self.env = env
        self.unwrapped_env = getattr(env, "unwrapped", env)
        self.env_id = f"{self.unwrapped_env.env_id} (skills)"
        self.period = check_positive_int(self.env_id, "period", period)
        self.metadata = env.metadata
        self.possible_agents = list(env.possible_agents)
        self.teams = dict(env.teams)
        self.render_mode = env.render_mode
        self._side = DroneSide(env)  # names, court and homes of the scripted drones
        self.skills = Skills()
        space = spaces.Box(-1.0, 1.0, shape=(4,), dtype=np.float32)
        self._action_spaces = {a: space for a in self.possible_agents}
        self._obs: dict[str, np.ndarray] = {}

    @property
    def agents(self) -> list[str]:
        return self.env.agents

    def observation_space(self, agent: str) -> spaces.Space:
        return self.env.observation_space(agent)

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._obs, infos = self.env.reset(seed=seed, options=options)
        return self._obs, infos

    def step(self, actions: dict[str, Any]):
        checked = check_parallel_actions(self.env_id, actions, self.agents, self.possible_agents, self.action_space)
        totals = dict.fromkeys(self.possible_agents, 0.0)
        for _ in range(self.period):
            low = {a: self.low_level(a, checked[a]) for a in self.agents}
            observations, rewards, terminations, truncations, infos = self.env.step(low)
            self._obs = observations
            for agent, reward in rewards.items():
                totals[agent] += reward
            if not self.env.agents:
                break
        return observations, totals, terminations, truncations, infos

    def low_level(self, agent: str, action: np.ndarray) -> np.ndarray:
        """The CTBR action of ``agent``'s chosen skill now, from its latest observation."""
        o = np.asarray(self._obs[agent], dtype=np.float64)
        side = self._side
        me = int(np.argmax(o[[side.index[f"is_{k}"] for k in range(side.n)]]))
        view = view_of(o)
        ball, velocity = ball_of(o)
        skill = SKILLS[min(int((action[0] + 1.0) / 2.0 * len(SKILLS)), len(SKILLS) - 1)]
        half, width = side.court.half_length, side.court.half_width
        own = np.array((-(action[1] + 1.0) / 2.0 * half, action[2] * width))
        other = np.array(((action[1] + 1.0) / 2.0 * half, action[2] * width))
        level = (action[3] + 1.0) / 2.0
        if skill == "home":
            return self.skills.move_to(view, side.homes[me])
        if skill == "move":
            return self.skills.move_to(view, np.array((own[0], own[1], 0.15 + 0.45 * level)))
        if skill == "bump":
            return self.skills.bump(view, ball, velocity, HIT_HEIGHT, own, 0.1 + 0.4 * level)
        if skill == "attack":
            return self.skills.attack(view, ball, velocity, HIT_HEIGHT, other, 0.6 + 0.4 * level)
        # block: at the net under the ball's line, above the net's top
        return self.skills.move_to(view, np.array((-0.08, own[1], side.court.net_height + 0.1)))

    def render(self):
        return self.env.render()

    def close(self) -> None:
        self.env.close()
