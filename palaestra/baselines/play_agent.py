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
from palaestra.envs.play.layout import BLOCKS

FREE_MOTION = "free_motion"  # current_task while the agent wanders instead of doing a task
SKILL_BUDGET = 150  # steps a task's skill gets before it is abandoned (PlayroomLanguage-v0's episode)
FREE_MOTION_PROBABILITY = 0.2
STYLE = 0.0  # the default style: tidy, the experts as they are (see PlayAgent)
# At style 1 (scaled down linearly with the style): hand tremor, the std of a smoothed noise on the arm's
# motion; the slowest skill speed; the chance of a pause before a skill; the extra chance of free motion.
TREMOR, SLOWEST, PAUSE, EXTRA_FREE_MOTION = 0.5, 0.5, 0.15, 0.3
WALK_FLOOR = 0.08  # free motion stays above this height (m)


class PlayAgent:
    """Plays in any playroom environment (``env.unwrapped`` a ``PlayroomEnv``) without resets.

    ``agent.act(obs) -> action`` (the observation is not needed: the agent reads the scene's
    ``PlayState``); ``agent.current_task`` names the oracle task being attempted, or ``"free_motion"``,
    and ``agent.skills_started`` counts the skills begun so far (a new value starts a new segment).
    Tasks are drawn uniformly among those feasible when the previous skill ends, and where to put things
    (desk and shelf spots) is drawn too; all draws come from ``rng`` (pass ``env.unwrapped.np_random`` for
    seeded play). With probability ``free_motion`` a skill is replaced by free motion.

    ``style`` (0 to 1) is how a person plays: at 0 ("tidy") every skill runs at the experts' full speed and
    free motion is a straight move to a random point; higher styles add, in proportion, a hand tremor (a
    smoothed noise on the arm's motion, up to :data:`TREMOR`), a speed drawn for each skill (down to
    :data:`SLOWEST` of full speed), pauses before skills, more free motion, and free motion that is a smoothed
    random walk of one to three seconds, which also makes each skill start, and so approach, from somewhere
    new. The default is :data:`STYLE`.
    """

    def __init__(self, env: gym.Env, rng: np.random.Generator, free_motion: float = FREE_MOTION_PROBABILITY,
                 budget: int = SKILL_BUDGET, style: float = STYLE) -> None:
        if not 0.0 <= style <= 1.0:
            raise ValueError(f"{env.unwrapped.env_id}: play style must be in [0, 1], got {style}")
        self.env = env.unwrapped
        self.rng = rng
        self.style = float(style)
        self.free_motion = min(1.0, free_motion + EXTRA_FREE_MOTION * self.style)
        self.budget = budget
        self.tremor = np.zeros(3)
        self.speed = 1.0
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
                return self._styled(action)
            self._next()
        return self.skills.hold(OPEN)

    __call__ = act

    def _styled(self, action: np.ndarray) -> np.ndarray:
        """The skill's action at this skill's speed, with the hand's tremor (nothing at style 0)."""
        if not self.style:
            return action
        self.tremor = 0.8 * self.tremor + 0.6 * self.rng.normal(0.0, TREMOR * self.style, 3)
        moved = np.append(action[:3] * self.speed + self.tremor, action[3])
        return np.clip(moved, -1.0, 1.0).astype(np.float32)

    def _next(self) -> None:
        self._left = self.budget
        self.skills_started += 1
        if self.style:  # (no draws at style 0: tidy play stays what it was before styles existed)
            self.speed = 1.0 - SLOWEST * self.style * self.rng.random()
            if self.rng.random() < PAUSE * self.style:  # a pause is a segment of its own: tasks are drawn after it
                self.current_task, self._skill = FREE_MOTION, self._pause()
                return
        if self.rng.random() < self.free_motion:
            self.current_task = FREE_MOTION
            if not self.style:
                self._skill = self._wander()
            else:  # an empty-handed walk, or a block carried around
                self._skill = self._walk() if self.rng.random() < 0.5 else self._carry()
            return
        names = oracle.feasible(self.env.state)
        self.current_task = names[self.rng.integers(len(names))]
        self._skill = self.expert.attempt(oracle.TASKS[self.current_task])

    def _pause(self) -> Skill:
        """Hold still (but for the tremor) for a sixth of a second to two thirds of one."""
        grip = OPEN if self.skills.state.gripper > 0.03 else CLOSE
        for _ in range(int(self.rng.integers(4, 17))):
            yield self.skills.hold(grip)
        return True

    def _walk(self, grip: float | None = None) -> Skill:
        """A smoothed random walk of the gripper for one to three seconds, kept above the desk; the gripper
        toggles now and then unless ``grip`` holds it."""
        motion, toggle = np.zeros(3), grip is None
        grip = (OPEN if self.rng.random() < 0.5 else CLOSE) if grip is None else grip
        for _ in range(int(self.rng.integers(24, 73))):
            motion = 0.85 * motion + 0.15 * self.rng.normal(0.0, 1.5, 3)
            if self.skills.ee[2] < WALK_FLOOR:  # never drag along the desk or into the furniture from above
                motion[2] = abs(motion[2])
            if toggle and self.rng.random() < 0.03:
                grip = -grip
            yield np.append(np.clip(motion, -1.0, 1.0), grip).astype(np.float32)
        return True

    def _carry(self) -> Skill:
        """Pick up a block, wave it around (a random walk) and put it down somewhere on the desk."""
        name = BLOCKS[int(self.rng.integers(len(BLOCKS)))]
        if not (yield from self.skills.pick(name)):
            return False
        yield from self._walk(CLOSE)
        layout = self.skills.layout
        spot = np.array([*self.rng.uniform(layout.spawn_low, layout.spawn_high), layout.block_half])
        return (yield from self.skills.place(name, spot))

    def _wander(self) -> Skill:
        layout = self.skills.layout
        low = np.array([*layout.spawn_low, 0.08])
        high = np.array([*layout.spawn_high, 0.25])
        target = self.rng.uniform(low, high)
        grip = OPEN if self.rng.random() < 0.5 else CLOSE
        return (yield from self.skills.transit(target, grip, tol=0.02))
