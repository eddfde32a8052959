"""The task oracle: every playroom task is a predicate over (start state, end state).

:func:`completed` returns the names of the tasks an episode segment achieved; :func:`feasible` those that
can be asked of an agent from a given start (the articulated object has room to move, the block is free
to grasp...). Thresholds are physical and named below; ``docs/envs/playroom.md`` lists every task. Where
the furniture stands (travels, the lanes a push may use) comes from the state's ``layout``, so the same
predicates hold in every scene.

A task is one of a few *kinds* (``open_drawer``, ``lift``, ``stack``...); per-block kinds exist once per
block colour (``lift_red_block``). ``kind`` and ``block`` let goal samplers and scripted experts dispatch
without parsing names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from palaestra.envs.play.layout import BLOCKS
from palaestra.envs.play.state import PlayState, wrap_angle

DRAWER_OPEN = 0.10  # an opening above this is "open" (the block spot behind the front is reachable)
DRAWER_CLOSED = 0.04  # an opening below this is "closed"
DRAWER_MOVE = 0.06  # least change of opening that counts as opening or closing
DOOR_MOVE = 0.06  # least slide of the door (of +-8 cm travel)
LIFT = 0.05  # least rise of a block that ends up held in the air
PUSH = 0.10  # least sideways (y) travel of a block that stays on the desk
ROTATE = math.radians(30.0)  # least yaw change of a rotated block
ROTATE_SHIFT = 0.08  # most a rotated block may move horizontally

Check = Callable[[PlayState, PlayState], bool]
Feasible = Callable[[PlayState], bool]


@dataclass(frozen=True)
class Task:
    """One playroom task: ``check(start, end)`` says whether it was done, ``feasible(start)`` whether it can be
    asked from ``start``; ``description`` is its canonical English sentence."""

    name: str
    kind: str
    description: str
    check: Check
    feasible: Feasible
    block: str | None = None

    def __call__(self, start: PlayState, end: PlayState) -> bool:
        return self.check(start, end)


def graspable(s: PlayState, name: str) -> bool:
    """Block ``name`` can be grasped from ``s``: nothing on it, resting, and not shut in the drawer."""
    b = s.block(name)
    return not s.blocks_on(name) and b.support != "none" and (b.support != "drawer" or s.drawer > DRAWER_OPEN)


def stack_bases(s: PlayState, name: str) -> list[str]:
    """The blocks ``name`` can be stacked on from ``s``: free, out of the drawer, not resting on ``name``."""
    return [o for o in BLOCKS if o != name and graspable(s, o) and s.block(o).support not in ("drawer", name)]


def _articulated() -> list[Task]:
    tasks = [
        Task("open_drawer", "open_drawer", "Open the drawer.",
             lambda s, e: e.drawer - s.drawer > DRAWER_MOVE and e.drawer > DRAWER_OPEN,
             lambda s: s.drawer < s.layout.drawer_travel - DRAWER_MOVE),
        Task("close_drawer", "close_drawer", "Close the drawer.",
             lambda s, e: s.drawer - e.drawer > DRAWER_MOVE and e.drawer < DRAWER_CLOSED,
             lambda s: s.drawer > DRAWER_MOVE),
        Task("move_door_left", "move_door_left", "Slide the door to the left.",
             lambda s, e: e.door - s.door > DOOR_MOVE, lambda s: s.door < s.layout.door_travel - DOOR_MOVE),
        Task("move_door_right", "move_door_right", "Slide the door to the right.",
             lambda s, e: s.door - e.door > DOOR_MOVE, lambda s: s.door > DOOR_MOVE - s.layout.door_travel),
    ]
    for light, how in (("lamp", "press the button"), ("bulb", "flip the lever")):
        tasks += [
            Task(f"turn_on_{light}", f"turn_on_{light}", f"Turn the {light} on ({how}).",
                 lambda s, e, k=light: not getattr(s, k) and getattr(e, k), lambda s, k=light: not getattr(s, k)),
            Task(f"turn_off_{light}", f"turn_off_{light}", f"Turn the {light} off ({how}).",
                 lambda s, e, k=light: getattr(s, k) and not getattr(e, k), lambda s, k=light: getattr(s, k)),
        ]
    return tasks


def _per_block(b: str) -> list[Task]:
    def rotated(s: PlayState, e: PlayState, sign: float) -> bool:
        before, after = s.block(b), e.block(b)
        shift = math.hypot(*(after.position[:2] - before.position[:2]))
        turned = sign * wrap_angle(after.yaw - before.yaw) > ROTATE
        return turned and after.support == before.support != "none" and shift < ROTATE_SHIFT

    def pushed(s: PlayState, e: PlayState, sign: float) -> bool:
        before, after = s.block(b), e.block(b)
        return before.support == after.support == "desk" and sign * (after.position[1] - before.position[1]) > PUSH

    def on_desk(s: PlayState) -> bool:
        return graspable(s, b) and s.block(b).support == "desk"

    def turnable(s: PlayState) -> bool:  # the hand needs room beside the block, which drawer and shelf lack
        return graspable(s, b) and s.block(b).support not in ("drawer", "shelf")

    def stackable(s: PlayState) -> bool:
        return graspable(s, b) and not s.block(b).on_block and bool(stack_bases(s, b))

    def task(name: str, kind: str, description: str, check: Check, feasible: Feasible) -> Task:
        return Task(name, kind, description, check, feasible, block=b)

    return [
        task(f"lift_{b}_block", "lift", f"Lift the {b} block off its support and hold it up.",
             lambda s, e: e.block(b).position[2] - s.block(b).position[2] > LIFT and e.block(b).support == "none",
             lambda s: graspable(s, b)),
        task(f"push_{b}_block_left", "push_left", f"Push the {b} block to the left along the desk.",
             lambda s, e: pushed(s, e, 1.0), lambda s: on_desk(s) and s.block(b).position[1] < s.layout.push_left_max_y),
        task(f"push_{b}_block_right", "push_right", f"Push the {b} block to the right along the desk.",
             lambda s, e: pushed(s, e, -1.0), lambda s: on_desk(s) and s.block(b).position[1] > s.layout.push_right_min_y),
        task(f"rotate_{b}_block_left", "rotate_left", f"Rotate the {b} block counter-clockwise (seen from above).",
             lambda s, e: rotated(s, e, 1.0), turnable),
        task(f"rotate_{b}_block_right", "rotate_right", f"Rotate the {b} block clockwise (seen from above).",
             lambda s, e: rotated(s, e, -1.0), turnable),
        task(f"place_{b}_block_in_drawer", "place_in_drawer", f"Put the {b} block into the drawer.",
             lambda s, e: s.block(b).support != "drawer" and e.block(b).support == "drawer",
             lambda s: graspable(s, b) and s.block(b).support != "drawer" and s.drawer > DRAWER_OPEN),
        task(f"place_{b}_block_on_shelf", "place_on_shelf", f"Put the {b} block on the shelf behind the door.",
             lambda s, e: s.block(b).support != "shelf" and e.block(b).support == "shelf",
             lambda s: graspable(s, b) and s.block(b).support != "shelf"),
        task(f"stack_{b}_block", "stack", f"Stack the {b} block on top of another block.",
             lambda s, e: not s.block(b).on_block and e.block(b).on_block, stackable),
    ]


def _any_block() -> list[Task]:
    def moved_off(support: str, allowed: Iterable[str]) -> Check:
        allowed = tuple(allowed)
        return lambda s, e: any(
            s.block(b).support == support and e.block(b).support in allowed for b in BLOCKS
        )

    resting = ("desk", "shelf", "drawer", "cabinet", *BLOCKS)
    return [
        Task("unstack_blocks", "unstack", "Take the top block off a stack and put it on the desk.",
             lambda s, e: any(s.block(b).on_block and e.block(b).support == "desk" for b in BLOCKS),
             lambda s: any(s.block(b).on_block for b in BLOCKS)),
        Task("take_block_out_of_drawer", "take_out_of_drawer", "Take a block out of the drawer and put it down.",
             moved_off("drawer", (r for r in resting if r != "drawer")),
             lambda s: s.drawer > DRAWER_OPEN and any(s.block(b).support == "drawer" for b in BLOCKS)),
        Task("take_block_off_shelf", "take_off_shelf", "Take a block off the shelf and put it down elsewhere.",
             moved_off("shelf", (r for r in resting if r != "shelf")),
             lambda s: any(s.block(b).support == "shelf" and graspable(s, b) for b in BLOCKS)),
    ]


TASKS: Mapping[str, Task] = {t.name: t for t in _articulated() + [t for b in BLOCKS for t in _per_block(b)] + _any_block()}


def completed(start: PlayState, end: PlayState, tasks: Iterable[str] | None = None) -> set[str]:
    """Names of the tasks (all, or those in ``tasks``) achieved between ``start`` and ``end``."""
    names = TASKS if tasks is None else tasks
    return {n for n in names if TASKS[n].check(start, end)}


def feasible(start: PlayState, tasks: Iterable[str] | None = None) -> list[str]:
    """Names of the tasks (all, or those in ``tasks``) that can be asked from ``start``, in table order."""
    chosen = set(TASKS if tasks is None else tasks)
    return [n for n, t in TASKS.items() if n in chosen and t.feasible(start)]
