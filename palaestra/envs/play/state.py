"""The playroom's state snapshot, read once per step, and its flat vector layouts.

Everything downstream (the task oracle, rewards, instructions, goals, scripted experts, datasets) reads a
:class:`PlayState` by name. The two flat layouts are defined here and only here:

``PlayState.to_vector()`` (the state observation, 37 floats)::

    ee_position (3) | ee_velocity (3) | gripper width (1) | drawer opening (1) | door offset (1)
    | button depth (1) | lever angle (1) | lamp on (1) | bulb on (1)
    | for red, green, blue: position (3) | orientation quaternion x, y, z, w (4) | yaw (1)

``PlayState.goal_features()`` (what a goal can ask for, 16 floats)::

    drawer opening | door offset | lamp on | bulb on | for red, green, blue: position (3) | yaw (1)

What a block rests on (``BlockState.support``) is not in the vectors: it follows from the positions and the
drawer opening (:func:`classify_supports`), so :meth:`PlayState.from_vector` recovers it exactly.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from palaestra.envs.play.layout import BLOCKS, LAYOUT, Layout

# What a block can rest on; a block's name means "on top of that block"; "none" is held or in the air.
SURFACES: tuple[str, ...] = ("desk", "drawer", "shelf", "cabinet", "none")
REST_TOLERANCE = 0.012  # vertical slack (m) for "resting on": contact jitter and a few mm of sinking
STACK_RADIUS = 0.03  # horizontal offset (m) up to which a block counts as on top of another


def _layout(*fields: tuple[str, int]) -> dict[str, slice]:
    table, start = {}, 0
    for name, size in fields:
        table[name] = slice(start, start + size)
        start += size
    return table


VECTOR: dict[str, slice] = _layout(
    ("ee_position", 3), ("ee_velocity", 3), ("gripper", 1), ("drawer", 1), ("door", 1), ("button", 1),
    ("lever", 1), ("lamp", 1), ("bulb", 1),
    *((f"{b}_{part}", n) for b in BLOCKS for part, n in (("position", 3), ("orientation", 4), ("yaw", 1))),
)
GOAL: dict[str, slice] = _layout(
    ("drawer", 1), ("door", 1), ("lamp", 1), ("bulb", 1),
    *((f"{b}_{part}", n) for b in BLOCKS for part, n in (("position", 3), ("yaw", 1))),
)
VECTOR_DIM = max(s.stop for s in VECTOR.values())
GOAL_DIM = max(s.stop for s in GOAL.values())


def yaw_of(orientation: np.ndarray) -> float:
    """Heading (rad) of a quaternion ``(x, y, z, w)`` about the world z axis."""
    x, y, z, w = orientation
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def quaternion_of_yaw(yaw: float) -> np.ndarray:
    return np.array([0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)])


def wrap_angle(angle: float | np.ndarray) -> float | np.ndarray:
    """``angle`` (rad, a number or an array) wrapped into ``[-pi, pi)``."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def classify_supports(positions: Mapping[str, np.ndarray], drawer: float, layout: Layout = LAYOUT) -> dict[str, str]:
    """What each block rests on, from block centres and the drawer opening (see :data:`SURFACES`)."""
    h = layout.block_half
    surfaces = (("drawer", layout.drawer_interior(drawer)), ("shelf", layout.shelf), ("cabinet", layout.cabinet_top))
    found = {}
    for name, (x, y, z) in positions.items():
        support = "none"
        for surface, footprint in surfaces:
            if abs(z - footprint.top - h) < REST_TOLERANCE and footprint.contains(x, y):
                support = surface
                break
        else:
            for other, (ox, oy, oz) in positions.items():
                if other != name and abs(z - oz - 2 * h) < REST_TOLERANCE and math.hypot(x - ox, y - oy) < STACK_RADIUS:
                    support = other
                    break
            else:
                if abs(z - h) < REST_TOLERANCE:
                    support = "desk"
        found[name] = support
    return found


@dataclass(frozen=True, eq=False)
class BlockState:
    """One block: centre position (3), orientation quaternion ``(x, y, z, w)``, yaw (rad) and its support."""

    name: str
    position: np.ndarray
    orientation: np.ndarray
    yaw: float
    support: str

    @property
    def on_block(self) -> bool:
        return self.support in BLOCKS


@dataclass(frozen=True, eq=False)
class PlayState:
    """A snapshot of the playroom: the gripper, the drawer/door/button/lever values, both lights, the blocks.

    Units are metres, radians and booleans; ``blocks`` are in :data:`~palaestra.envs.play.layout.BLOCKS`
    order. Build one from the simulator (``PlayScene.read_state``) or from a vector (:meth:`from_vector`).
    ``layout`` is the scene's furniture the supports were classified against (not in the vectors): the oracle,
    goals and experts read places from it, so they work in every scene.
    """

    ee_position: np.ndarray
    ee_velocity: np.ndarray
    gripper: float
    drawer: float
    door: float
    button: float
    lever: float
    lamp: bool
    bulb: bool
    blocks: tuple[BlockState, ...]
    layout: Layout = field(default=LAYOUT, repr=False)

    def block(self, name: str) -> BlockState:
        return self.blocks[BLOCKS.index(name)]

    def blocks_on(self, name: str) -> list[str]:
        """Names of the blocks resting on top of block ``name``."""
        return [b.name for b in self.blocks if b.support == name]

    def to_vector(self) -> np.ndarray:
        """The 37-float state observation (layout in this module's docstring and :data:`VECTOR`)."""
        out = np.empty(VECTOR_DIM)
        out[0:3], out[3:6] = self.ee_position, self.ee_velocity
        out[6:13] = (self.gripper, self.drawer, self.door, self.button, self.lever, self.lamp, self.bulb)
        for i, b in enumerate(self.blocks):
            k = 13 + 8 * i
            out[k : k + 3], out[k + 3 : k + 7], out[k + 7] = b.position, b.orientation, b.yaw
        return out

    def goal_features(self) -> np.ndarray:
        """The 16 goal features (layout in this module's docstring and :data:`GOAL`)."""
        out = np.empty(GOAL_DIM)
        out[0:4] = (self.drawer, self.door, self.lamp, self.bulb)
        for i, b in enumerate(self.blocks):
            out[4 + 4 * i : 7 + 4 * i], out[7 + 4 * i] = b.position, b.yaw
        return out

    @classmethod
    def from_vector(cls, vector: np.ndarray, layout: Layout = LAYOUT) -> PlayState:
        """The state a :meth:`to_vector` output describes, supports recomputed from the positions."""
        v = np.asarray(vector, dtype=float)
        if v.shape != (VECTOR_DIM,):
            raise ValueError(f"a playroom state vector has shape ({VECTOR_DIM},), got {v.shape}")
        poses = {b: (v[VECTOR[f"{b}_position"]], v[VECTOR[f"{b}_orientation"]]) for b in BLOCKS}
        return cls.from_poses(
            layout, poses, ee_position=v[0:3].copy(), ee_velocity=v[3:6].copy(), gripper=float(v[6]),
            drawer=float(v[7]), door=float(v[8]), button=float(v[9]), lever=float(v[10]),
            lamp=bool(v[11] > 0.5), bulb=bool(v[12] > 0.5),
        )

    def moved(self, layout: Layout | None = None, blocks: Mapping[str, tuple] | None = None, **values) -> PlayState:
        """A copy with some values changed (``drawer=0.15``, ``lamp=True``...) and some blocks moved.

        ``blocks`` maps a block name to ``(position, yaw)``; a moved block stands upright at that yaw.
        Supports are recomputed (against ``layout``, by default this state's), so the result is what the
        scene would report after the same changes.
        """
        poses = {b.name: (b.position, b.orientation) for b in self.blocks}
        for name, (position, yaw) in (blocks or {}).items():
            poses[name] = (np.asarray(position, dtype=float), quaternion_of_yaw(yaw))
        kept = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("blocks", "layout")}
        return self.from_poses(layout or self.layout, poses, **{**kept, **values})

    @classmethod
    def from_poses(cls, layout: Layout, poses: Mapping[str, tuple[np.ndarray, np.ndarray]], **values) -> PlayState:
        """A state from each block's ``(position, quaternion)`` (in :data:`BLOCKS` order) and the other fields by
        name; yaws and supports are derived here, the one place that does it."""
        supports = classify_supports({n: pos for n, (pos, _) in poses.items()}, values["drawer"], layout)
        blocks = tuple(
            BlockState(n, np.array(pos, dtype=float), np.array(orn, dtype=float), yaw_of(orn), supports[n])
            for n, (pos, orn) in poses.items()
        )
        return cls(blocks=blocks, layout=layout, **values)
