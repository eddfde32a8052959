"""Goal-state conditioning for the playroom: target scenes drawn from tasks, and a pure success test.

A goal is ``[target features (16) | mask (16)]``: the target is a scene (``PlayState.goal_features`` layout)
that one oracle task reachable from the start would produce; the mask marks the features that task is
about. The achieved goal carries the current features and the episode's mask, so hindsight relabelling
(which swaps in a later achieved goal of the same episode) keeps the mask consistent.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from palaestra.envs.play import oracle
from palaestra.envs.play.layout import BLOCKS
from palaestra.envs.play.state import GOAL, GOAL_DIM, PlayState, wrap_angle

POSITION_TOLERANCE = 0.05  # m, a block centre
JOINT_TOLERANCE = 0.03  # m, drawer opening and door offset
YAW_TOLERANCE = math.radians(15.0)

Target = Callable[[PlayState, "oracle.Task", np.random.Generator], dict[str, float | np.ndarray]]


def _tolerances() -> np.ndarray:
    tol = np.full(GOAL_DIM, JOINT_TOLERANCE)
    tol[GOAL["lamp"]] = tol[GOAL["bulb"]] = 0.5
    for b in BLOCKS:
        tol[GOAL[f"{b}_position"]] = POSITION_TOLERANCE
        tol[GOAL[f"{b}_yaw"]] = YAW_TOLERANCE
    return tol


TOLERANCE = _tolerances()
_YAWS = np.array([GOAL[f"{b}_yaw"].start for b in BLOCKS])
_POSITIONS = np.array([range(GOAL[f"{b}_position"].start, GOAL[f"{b}_position"].stop) for b in BLOCKS])


def _to_desk(s: PlayState, supports: tuple[str, ...], rng: np.random.Generator) -> dict:
    """The first free block resting on one of ``supports``, put down on a free spot of the desk."""
    name = next(b.name for b in s.blocks if b.support in supports and not s.blocks_on(b.name))
    others = tuple(b.position for b in s.blocks if b.name != name)
    return {f"{name}_position": s.layout.desk_spots(rng, 1, avoid=others)[0]}


def _stack(s: PlayState, t: oracle.Task, rng: np.random.Generator) -> dict:
    bases = oracle.stack_bases(s, t.block)
    base = s.block(bases[rng.integers(len(bases))])
    return {f"{t.block}_position": base.position + (0.0, 0.0, 2 * s.layout.block_half), f"{base.name}_position": base.position}


def _door(s: PlayState, sign: float, rng: np.random.Generator) -> dict:
    travel = s.layout.door_travel
    low, high = sorted((float(np.clip(s.door + sign * 0.07, -travel, travel)), sign * travel))
    return {"door": rng.uniform(low, high)}


def _rotate(s: PlayState, t: oracle.Task, sign: float, rng: np.random.Generator) -> dict:
    b = s.block(t.block)
    yaw = b.yaw + sign * rng.uniform(math.radians(45.0), math.radians(60.0))
    return {f"{t.block}_yaw": wrap_angle(yaw), f"{t.block}_position": b.position}


def _moved(t: oracle.Task, s: PlayState, offset: tuple[float, float, float]) -> dict:
    return {f"{t.block}_position": s.block(t.block).position + offset}


TARGETS: dict[str, Target] = {
    "open_drawer": lambda s, t, rng: {"drawer": rng.uniform(0.12, s.layout.drawer_travel)},
    "close_drawer": lambda s, t, rng: {"drawer": rng.uniform(0.0, 0.02)},
    "move_door_left": lambda s, t, rng: _door(s, 1.0, rng),
    "move_door_right": lambda s, t, rng: _door(s, -1.0, rng),
    "turn_on_lamp": lambda s, t, rng: {"lamp": 1.0},
    "turn_off_lamp": lambda s, t, rng: {"lamp": 0.0},
    "turn_on_bulb": lambda s, t, rng: {"bulb": 1.0},
    "turn_off_bulb": lambda s, t, rng: {"bulb": 0.0},
    "lift": lambda s, t, rng: _moved(t, s, (0.0, 0.0, rng.uniform(0.08, 0.15))),
    "push_left": lambda s, t, rng: _moved(t, s, (0.0, rng.uniform(0.12, 0.15), 0.0)),
    "push_right": lambda s, t, rng: _moved(t, s, (0.0, -rng.uniform(0.12, 0.15), 0.0)),
    "rotate_left": lambda s, t, rng: _rotate(s, t, 1.0, rng),
    "rotate_right": lambda s, t, rng: _rotate(s, t, -1.0, rng),
    "place_in_drawer": lambda s, t, rng: {f"{t.block}_position": s.layout.drawer_spot(s.drawer, rng.uniform(0.0, 0.02))},
    "place_on_shelf": lambda s, t, rng: {f"{t.block}_position": s.layout.shelf_spot(rng)},
    "stack": _stack,
    "unstack": lambda s, t, rng: _to_desk(s, BLOCKS, rng),
    "take_out_of_drawer": lambda s, t, rng: _to_desk(s, ("drawer",), rng),
    "take_off_shelf": lambda s, t, rng: _to_desk(s, ("shelf",), rng),
}


def target_state(start: PlayState, desired: np.ndarray) -> PlayState:
    """``start`` with the goal's masked features applied: the scene a goal asks for (what an expert aims at)."""
    features, mask = np.asarray(desired[:GOAL_DIM], dtype=float), np.asarray(desired[GOAL_DIM:]) > 0.5
    values = {k: float(features[GOAL[k]][0]) for k in ("drawer", "door") if mask[GOAL[k]].any()}
    values.update({k: bool(features[GOAL[k]][0] > 0.5) for k in ("lamp", "bulb") if mask[GOAL[k]].any()})
    blocks = {}
    for b in start.blocks:
        position, yaw = GOAL[f"{b.name}_position"], GOAL[f"{b.name}_yaw"]
        if mask[position].any() or mask[yaw].any():
            blocks[b.name] = (
                features[position] if mask[position].any() else b.position,
                float(features[yaw][0]) if mask[yaw].any() else b.yaw,
            )
    return start.moved(blocks=blocks, **values)


class SceneGoal:
    """Reach a target scene: the features one feasible oracle task changes must match the target.

    Goal (32): target features (16, ``PlayState.goal_features`` layout: drawer opening, door offset, lamp,
    bulb, then per block position (3) and yaw) followed by a 0/1 mask of the features that count. Success:
    every masked feature within tolerance (block centre 5 cm, drawer and door 3 cm, yaw 15 degrees, lights
    equal). Sampling: a task uniformly among those feasible from the start, then its target.
    """

    goal_dim = 2 * GOAL_DIM

    def sample(self, start: PlayState, rng: np.random.Generator, tasks: list[str] | None = None) -> tuple[np.ndarray, str]:
        """A desired goal and the name of the task it was drawn from (``tasks`` restricts the choice)."""
        names = oracle.feasible(start, tasks)
        if not names:
            raise ValueError(f"no task among {tasks} is feasible from this start state")
        task = oracle.TASKS[names[rng.integers(len(names))]]
        features, mask = start.goal_features(), np.zeros(GOAL_DIM)
        for field, value in TARGETS[task.kind](start, task, rng).items():
            features[GOAL[field]] = value
            mask[GOAL[field]] = 1.0
        return np.concatenate((features, mask)), task.name

    @staticmethod
    def achieved(state: PlayState, desired: np.ndarray) -> np.ndarray:
        return np.concatenate((state.goal_features(), desired[GOAL_DIM:]))

    @staticmethod
    def errors(achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """Per-feature errors over a batch: block positions report their Euclidean distance in all 3 slots."""
        achieved, desired = np.asarray(achieved, dtype=np.float64), np.asarray(desired, dtype=np.float64)
        error = np.abs(achieved[..., :GOAL_DIM] - desired[..., :GOAL_DIM])
        error[..., _YAWS] = np.abs(wrap_angle(error[..., _YAWS]))
        distance = np.linalg.norm(achieved[..., _POSITIONS] - desired[..., _POSITIONS], axis=-1)
        error[..., _POSITIONS] = distance[..., None]
        return error

    def is_success(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        relevant = np.asarray(desired)[..., GOAL_DIM:] > 0.5
        return np.all((self.errors(achieved, desired) <= TOLERANCE) | ~relevant, axis=-1)
