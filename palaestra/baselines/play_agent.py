"""The scripted play agent: endless, reset-free play in the playroom, for recording play data.

:class:`PlayAgent` strings together the scripted experts' skills on tasks drawn at random among those
feasible from the current state, with stretches of free motion in between, for as long as it is stepped.
A skill that fails or runs out of steps is dropped and the next one drawn, so the agent never stalls.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.baselines.experts.base import CLOSE, OPEN
from palaestra.baselines.experts.play import PlayroomExpert
from palaestra.baselines.experts.play_primitives import Skill
from palaestra.envs.play import oracle

FREE_MOTION = "free_motion"  # current_task while the agent wanders instead of doing a task
SKILL_BUDGET = 150  # steps a task's skill gets before it is abandoned (PlayroomLanguage-v0's episode)
FREE_MOTION_PROBABILITY = 0.2


class PlayAgent:
    """Plays in any playroom environment (``env.unwrapped`` a ``PlayroomEnv``) without resets.

    ``agent.act(obs) -> action`` (the observation is not needed: the agent reads the scene's
    ``PlayState``); ``agent.current_task`` names the oracle task being attempted, or ``"free_motion"``,
    and ``agent.skills_started`` counts the skills begun so far (a new value starts a new segment).
    Tasks are drawn uniformly among those feasible when the previous skill ends, and where to put things
    (desk and shelf spots) is drawn too; all draws come from ``rng`` (pass ``env.unwrapped.np_random`` for
    seeded play). With probability ``free_motion`` a skill is replaced by a move to a random point with a
    random gripper command.
    """

    def __init__(self, env: gym.Env, rng: np.random.Generator, free_motion: float = FREE_MOTION_PROBABILITY,
                 budget: int = SKILL_BUDGET) -> None:
        self.env = env.unwrapped
        self.rng = rng
        self.free_motion = free_motion
        self.budget = budget
        self.expert = PlayroomExpert(env)
        self.skills = self.expert.skills
        self.skills.rng = rng
        self.current_task = FREE_MOTION
        self.skills_started = 0  # counts skills (tasks and free motions) begun, to cut play into segments
        self._skill: Skill = iter(())
        self._left = 0

    def act(self, obs: Any = None) -> np.ndarray:
        """The next action; draws a new task or free motion when the current one is over."""
        for _ in range(2):  # a fresh skill may end at once (nothing to do); then draw once more
            action = next(self._skill, None) if self._left > 0 else None
            if action is not None:
                self._left -= 1
                return action
            self._next()
        return self.skills.hold(OPEN)

    __call__ = act

    def _next(self) -> None:
        self._left = self.budget
        self.skills_started += 1
        if self.rng.random() < self.free_motion:
            self.current_task, self._skill = FREE_MOTION, self._wander()
            return
        names = oracle.feasible(self.env.state)
        self.current_task = names[self.rng.integers(len(names))]
        self._skill = self.expert.attempt(oracle.TASKS[self.current_task])

    def _wander(self) -> Skill:
        layout = self.skills.layout
        low = np.array([*layout.spawn_low, 0.08])
        high = np.array([*layout.spawn_high, 0.25])
        target = self.rng.uniform(low, high)
        grip = OPEN if self.rng.random() < 0.5 else CLOSE
        return (yield from self.skills.transit(target, grip, tol=0.02))
