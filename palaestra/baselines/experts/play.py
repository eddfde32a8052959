"""Scripted experts for the playroom's 35 tasks: one class per task kind, and :class:`PlayroomExpert`, which
dispatches on the current instruction (the expert registered on ``palaestra/PlayroomLanguage-v0``).

An expert reads the language environment's instruction (``env.unwrapped.instruction_task``) and plans
with the motion primitives of :mod:`~palaestra.baselines.experts.play_primitives`. A new instruction
(``reset`` or :meth:`~palaestra.envs.play.language_env.PlayroomLanguageEnv.instruct` in a chain) starts a
new plan from the current state; once the plan is over the expert holds still.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from palaestra.baselines.experts.base import OPEN, Expert
from palaestra.baselines.experts.play_primitives import Skill, Skills
from palaestra.envs.play import oracle
from palaestra.envs.play.layout import LAYOUT
from palaestra.envs.play.oracle import Task

LIFT_HEIGHT = 0.1  # a lifted block is held this far above where it lay (the oracle asks for 5 cm)
PUSH_DISTANCE = 0.13  # the oracle asks for 10 cm
STACK_GAP = 2 * LAYOUT.block_half + 0.005  # centre to centre of a stacked block when it is let go


class PlayExpert(Expert):
    """A scripted expert for the playroom tasks of the kinds in :attr:`kinds` (``Cls(env)``, ``reset()``,
    ``expert(obs) -> action``); subclasses write :meth:`plan`, a skill that performs one task."""

    kinds: tuple[str, ...] = ()
    attempts = 2  # a plan whose skill gave up (a slipped grasp, a missed push) is tried once more

    def __init__(self, env: gym.Env) -> None:
        # Expert.__init__ expects a manipulation env's robot and task; the playroom has a scene instead.
        self.env = env.unwrapped
        self.skills = Skills(env)
        self.robot = self.skills.robot
        self.phase = 0
        self.reset()

    def reset(self) -> None:
        self._start = None
        self._plan: Skill = iter(())
        self._grip = OPEN

    def plan(self, task: Task) -> Skill:
        raise NotImplementedError

    def expert_for(self, task: Task) -> PlayExpert:
        if task.kind not in self.kinds:
            raise ValueError(
                f"{self.env.env_id}: {type(self).__name__} performs tasks of kinds {list(self.kinds)}, "
                f"not {task.name!r} (kind {task.kind!r}); use PlayroomExpert for every task"
            )
        return self

    def assignment(self) -> tuple[object, str]:
        """What the env asks now: (the state the request began at, the task's name); a new start starts a plan."""
        return self.env.instruction_start, self.env.instruction_task

    def done(self, task: Task, start: object) -> bool:
        """Whether the request is met (the oracle's check from ``start``), so that no retry is needed."""
        return task.check(start, self.skills.state)

    def act(self) -> np.ndarray:
        start, task = self.assignment()
        if start is not self._start:
            self._start = start
            self._plan = self.attempt(oracle.TASKS[task])
        action = next(self._plan, None)
        if action is None:
            action = self.skills.hold(self._grip)
        self._grip = float(action[3])
        return action

    def attempt(self, task: Task) -> Skill:
        """The task's plan, retried while it gives up and the task is still feasible and not yet done."""
        start, expert = self.skills.state, self.expert_for(task)
        for _ in range(self.attempts):
            if (yield from expert.plan(task)) or self.done(task, start):
                return True
            if not task.feasible(self.skills.state):
                return False
        return False


class DrawerExpert(PlayExpert):
    """Open the drawer to its full travel by its handle, or push it shut."""

    kinds = ("open_drawer", "close_drawer")

    def plan(self, task: Task) -> Skill:
        return self.skills.drawer(self.skills.layout.drawer_travel if task.kind == "open_drawer" else 0.0)


class DoorExpert(PlayExpert):
    """Slide the door by its knob to the end of its rail on the instructed side."""

    kinds = ("move_door_left", "move_door_right")

    def plan(self, task: Task) -> Skill:
        travel = self.skills.layout.door_travel
        return self.skills.door(travel if task.kind == "move_door_left" else -travel)


class LampExpert(PlayExpert):
    """Press the button once (each press toggles the lamp)."""

    kinds = ("turn_on_lamp", "turn_off_lamp")

    def plan(self, task: Task) -> Skill:
        return self.skills.press_button()


class BulbExpert(PlayExpert):
    """Flip the lever to the robot's left (bulb on) or right (off)."""

    kinds = ("turn_on_bulb", "turn_off_bulb")

    def plan(self, task: Task) -> Skill:
        return self.skills.flip_lever(1.0 if task.kind == "turn_on_bulb" else -1.0)


class LiftExpert(PlayExpert):
    """Grasp the block and hold it up."""

    kinds = ("lift",)

    def plan(self, task: Task) -> Skill:
        s = self.skills
        start = s.block(task.block) + (0.0, 0.0, LIFT_HEIGHT)
        return (yield from s.pick(task.block)) and (yield from s.place(task.block, start, release=False))


class PushExpert(PlayExpert):
    """Push the block along the desk to the robot's left (+y) or right (-y)."""

    kinds = ("push_left", "push_right")

    def plan(self, task: Task) -> Skill:
        return self.skills.push(task.block, np.array([0.0, 1.0 if task.kind == "push_left" else -1.0]), PUSH_DISTANCE)


class RotateExpert(PlayExpert):
    """Turn the block in place by pushing one face near an edge."""

    kinds = ("rotate_left", "rotate_right")

    def plan(self, task: Task) -> Skill:
        return self.skills.rotate(task.block, 1.0 if task.kind == "rotate_left" else -1.0)


class PlaceInDrawerExpert(PlayExpert):
    """Pick the block and put it on the open drawer's floor, just behind its front."""

    kinds = ("place_in_drawer",)

    def plan(self, task: Task) -> Skill:
        return self.skills.pick_and_place(task.block, drawer_spot(self.skills))


class PlaceOnShelfExpert(PlayExpert):
    """Pick the block and put it on the shelf, over the door."""

    kinds = ("place_on_shelf",)

    def plan(self, task: Task) -> Skill:
        return self.skills.pick_and_place(task.block, shelf_spot(self.skills, task.block))


class StackExpert(PlayExpert):
    """Pick the block and put it on another free block, one on the desk when there is one."""

    kinds = ("stack",)

    def plan(self, task: Task) -> Skill:
        s = self.skills
        bases = oracle.stack_bases(s.state, task.block)
        base = min(bases, key=lambda b: s.state.block(b).support != "desk")
        return s.pick_and_place(task.block, lambda: s.block(base) + (0.0, 0.0, STACK_GAP))


class _ToDesk(PlayExpert):
    """Move a free block off :attr:`support` onto a free spot of the desk."""

    support = ""

    def plan(self, task: Task) -> Skill:
        s = self.skills
        name = self.candidates()[0]
        return s.pick_and_place(name, desk_spot(s, name))

    def candidates(self) -> list[str]:
        s = self.skills.state
        return [b.name for b in s.blocks if b.support == self.support and not s.blocks_on(b.name)]


class UnstackExpert(_ToDesk):
    """Take the top block of a stack and put it on the desk."""

    kinds = ("unstack",)

    def candidates(self) -> list[str]:
        s = self.skills.state
        return [b.name for b in s.blocks if b.on_block and not s.blocks_on(b.name)]


class TakeOutOfDrawerExpert(_ToDesk):
    """Take a block out of the open drawer and put it on the desk."""

    kinds, support = ("take_out_of_drawer",), "drawer"


class TakeOffShelfExpert(_ToDesk):
    """Take a block off the shelf and put it on the desk."""

    kinds, support = ("take_off_shelf",), "shelf"


def desk_spot(skills: Skills, name: str) -> np.ndarray:
    """A spot of a fixed grid on the desk at least 7 cm from every other block, clear of the button, where
    the hand fits (not over the open drawer)."""
    lay = skills.layout
    xs = np.linspace(lay.spawn_low[0], lay.spawn_high[0], 4)
    ys = np.linspace(lay.spawn_low[1], lay.spawn_high[1] - 0.04, 5)
    button = np.asarray(lay.button_position[:2])
    spots = [np.array([x, y, lay.block_half]) for y in ys for x in xs]
    clear = [s for s in spots if np.linalg.norm(s[:2] - button) > lay.button_clearance and skills.hand_fits(s, name)]
    return _choose(skills, clear or spots, name, 0.07)


def shelf_spot(skills: Skills, name: str) -> np.ndarray:
    """A spot along the shelf's front half (the arm's reach ends near its back), away from other blocks."""
    shelf = skills.layout.shelf
    z = shelf.top + skills.layout.block_half
    ys = np.linspace(shelf.center[1] - 0.09, shelf.center[1] + 0.09, 7)
    return _choose(skills, [np.array([shelf.center[0] - 0.01, y, z]) for y in ys], name, 0.06)


def drawer_spot(skills: Skills) -> np.ndarray:
    """Just behind the open drawer's front, over the part of its floor outside the cabinet."""
    return skills.layout.drawer_spot(skills.state.drawer, 0.01) + (0.0, 0.0, 0.005)


def _choose(skills: Skills, spots: list[np.ndarray], name: str, apart: float) -> np.ndarray:
    """The first (or, with ``skills.rng`` set, a random) spot at least ``apart`` from every block but ``name``."""
    others = [b.position[:2] for b in skills.state.blocks if b.name != name]
    free = [s for s in spots if all(np.linalg.norm(s[:2] - o) > apart for o in others)] or spots
    return free[0] if skills.rng is None else free[skills.rng.integers(len(free))]


KIND_EXPERTS: tuple[type[PlayExpert], ...] = (
    DrawerExpert, DoorExpert, LampExpert, BulbExpert, LiftExpert, PushExpert, RotateExpert, PlaceInDrawerExpert,
    PlaceOnShelfExpert, StackExpert, UnstackExpert, TakeOutOfDrawerExpert, TakeOffShelfExpert,
)


class PlayroomExpert(PlayExpert):
    """Every playroom task: hands the current instruction to the expert of its kind (``KIND_EXPERTS``)."""

    def __init__(self, env: gym.Env) -> None:
        self._by_kind = {kind: cls(env) for cls in KIND_EXPERTS for kind in cls.kinds}
        self.kinds = tuple(self._by_kind)
        super().__init__(env)

    def expert_for(self, task: Task) -> PlayExpert:
        super().expert_for(task)  # an unknown kind raises with the usual message
        return self._by_kind[task.kind]
