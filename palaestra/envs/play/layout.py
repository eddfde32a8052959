"""Where everything stands in the playroom: one frozen table of dimensions shared by the scene and the state.

Keeping the geometry here (and not only in the simulator) lets :mod:`palaestra.envs.play.state` classify what
a block rests on from positions alone, so a :class:`~palaestra.envs.play.state.PlayState` built from numbers
(a goal, a test case, a dataset row) means the same as one read from the simulation.

World frame: the desk top is ``z = 0``, the robot stands at ``x = -0.6`` facing +x, +y is the robot's left.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from palaestra.sim.articulated import Drawer

BLOCKS: tuple[str, ...] = ("red", "green", "blue")


@dataclass(frozen=True)
class Footprint:
    """An axis-aligned rectangle on a horizontal surface at height ``top`` (a place a block can rest on)."""

    center: tuple[float, float]
    half: tuple[float, float]
    top: float

    def contains(self, x: float, y: float) -> bool:
        return abs(x - self.center[0]) <= self.half[0] and abs(y - self.center[1]) <= self.half[1]


@dataclass(frozen=True)
class Layout:
    """Positions and sizes of the playroom's furniture (metres); every object stands at yaw 0.

    The drawer cabinet stands on the robot's right with the lever switch on its top; the sliding door runs
    on the robot's left in front of a low shelf; the button is at the front left. Blocks start in the free
    rectangle ``spawn_low``..``spawn_high`` in front of the robot.
    """

    block_half: float = 0.02
    drawer_position: tuple[float, float, float] = (0.02, -0.28, 0.0)
    drawer_size: tuple[float, float, float] = (0.24, 0.28, 0.12)
    drawer_travel: float = 0.16
    door_position: tuple[float, float, float] = (0.02, 0.22, 0.0)
    door_panel: tuple[float, float] = (0.14, 0.12)
    door_travel: float = 0.08
    shelf: Footprint = Footprint(center=(0.105, 0.22), half=(0.06, 0.15), top=0.05)
    button_position: tuple[float, float, float] = (-0.15, 0.31, 0.0)
    lever_position: tuple[float, float, float] = (0.06, -0.24, 0.12)
    lamp_position: tuple[float, float, float] = (0.32, 0.28, 0.0)
    bulb_position: tuple[float, float, float] = (0.32, -0.28, 0.0)
    spawn_low: tuple[float, float] = (-0.3, -0.06)
    spawn_high: tuple[float, float] = (-0.12, 0.2)
    button_clearance: float = 0.12  # open fingers closer than this to the button land on its housing
    ee_low: tuple[float, float, float] = (-0.38, -0.38, 0.005)
    ee_high: tuple[float, float, float] = (0.2, 0.38, 0.4)
    push_left_max_y: float = 0.14
    push_right_min_y: float = 0.0

    def mirrored(self) -> Layout:
        """This layout reflected through the robot's vertical plane (``y -> -y``): the furniture changes sides.

        The reach is symmetric (``ee_low``/``ee_high`` are), so every place stays within the arm's reach.
        """
        changes: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_position"):
                changes[f.name] = (value[0], -value[1], *value[2:])
        shelf = self.shelf
        changes["shelf"] = Footprint(center=(shelf.center[0], -shelf.center[1]), half=shelf.half, top=shelf.top)
        changes["spawn_low"] = (self.spawn_low[0], -self.spawn_high[1])
        changes["spawn_high"] = (self.spawn_high[0], -self.spawn_low[1])
        changes["push_left_max_y"], changes["push_right_min_y"] = -self.push_right_min_y, -self.push_left_max_y
        return replace(self, **changes)

    @property
    def cabinet_top(self) -> Footprint:
        depth, width, height = self.drawer_size
        x, y, _ = self.drawer_position
        return Footprint(center=(x, y), half=(depth / 2, width / 2), top=height)

    def drawer_interior(self, opening: float) -> Footprint:
        """The drawer's floor at ``opening``: the same box :class:`~palaestra.sim.articulated.Drawer` builds."""
        depth, width, _ = self.drawer_size
        t = Drawer.WALL
        x, y, z = self.drawer_position
        # Inside the front panel and the back wall (x), inside both side walls and their clearance (y).
        half_x, half_y = (depth - 3 * t) / 2, width / 2 - 2 * t - 0.005
        return Footprint(center=(x - 1.5 * t - opening, y), half=(half_x, half_y), top=z + 2 * t + 0.002)

    def drawer_spot(self, opening: float, inset: float = 0.0) -> np.ndarray:
        """A block centre on the drawer's floor just behind its front panel (reachable once it is open)."""
        floor = self.drawer_interior(opening)
        x = floor.center[0] - floor.half[0] + self.block_half + 0.005 + inset
        return np.array([x, floor.center[1], floor.top + self.block_half])

    def shelf_spot(self, rng: np.random.Generator) -> np.ndarray:
        """A block centre on the shelf, at a random place along it."""
        y = self.shelf.center[1] + rng.uniform(-1.0, 1.0) * (self.shelf.half[1] - 2 * self.block_half)
        return np.array([self.shelf.center[0], y, self.shelf.top + self.block_half])

    def desk_spots(self, rng: np.random.Generator, n: int, avoid: tuple[np.ndarray, ...] = ()) -> list[np.ndarray]:
        """``n`` block centres on the desk's free area, 7 cm apart from each other and from ``avoid``, and
        ``button_clearance`` from the button."""
        taken = [np.asarray(a)[:2] for a in avoid]
        button = np.asarray(self.button_position[:2])
        spots: list[np.ndarray] = []
        while len(spots) < n:
            xy = rng.uniform(self.spawn_low, self.spawn_high)
            if np.linalg.norm(xy - button) > self.button_clearance and all(np.linalg.norm(xy - t) > 0.07 for t in taken):
                taken.append(xy)
                spots.append(np.array([xy[0], xy[1], self.block_half]))
        return spots


LAYOUT = Layout()
