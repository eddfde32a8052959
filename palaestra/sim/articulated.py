"""Articulated objects built from boxes: a drawer in a cabinet, a sliding door, a spring-loaded button.

Each object is one PyBullet multibody made with ``createMultiBody`` (no asset files): a fixed base and one
moving link on a prismatic joint whose position is the object's *value* in metres (drawer opening, door
offset, button depth). Objects stand on the table (``z = 0``) at a position and a yaw; at yaw 0 their front
faces -x, towards the robot. Base and link belong to one multibody, so they never collide with each other:
the joint and its limits alone guide the motion, which keeps contacts (and the step) cheap.

Reading an object costs one ``getJointState`` call; handle positions are computed from the joint value and
the pose, not read back from the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pybullet as p

from palaestra.sim.world import Vec3, World

WOOD = (0.62, 0.45, 0.3, 1.0)
LIGHT_WOOD = (0.8, 0.64, 0.45, 1.0)
METAL = (0.25, 0.25, 0.28, 1.0)
GLASS = (0.55, 0.7, 0.8, 1.0)
RED = (0.85, 0.15, 0.15, 1.0)


@dataclass(frozen=True)
class Box:
    """One box of a compound body, placed in its body's (or link's) frame."""

    half_extents: Vec3
    center: Vec3
    color: Sequence[float]


class PrismaticObject:
    """A fixed base and one link that slides along an axis, its value (metres) limited to ``[low, high]``.

    The link either resists motion with a constant joint friction (``friction`` newtons: a velocity motor
    with target 0, so it stays where it is left) or springs back to ``low`` (``spring`` newtons: a position
    motor whose small maximum force a gripper easily overcomes). Subclasses lay out the boxes and set
    ``handle``, the point of the link an agent acts on, in the link's frame. ``axis`` is the world direction
    in which the link moves as the value grows.
    """

    handle: Vec3 = (0.0, 0.0, 0.0)

    def __init__(
        self,
        world: World,
        position: Vec3,
        yaw: float,
        *,
        base: Sequence[Box],
        link: Sequence[Box],
        link_origin: Vec3,
        axis: Vec3,
        limits: tuple[float, float],
        link_mass: float,
        friction: float = 0.0,
        spring: float = 0.0,
    ) -> None:
        self.world = world
        self.client = c = world.client
        self.low, self.high = limits
        self._link_origin = np.asarray(link_origin, dtype=float)
        self._local_axis = np.asarray(axis, dtype=float)
        self._set_frame(position, yaw)
        base_col, base_vis = _compound(c, base)
        link_col, link_vis = _compound(c, link)
        self.body = c.createMultiBody(
            0.0,
            base_col,
            base_vis,
            self.origin,
            self.orientation,
            linkMasses=[link_mass],
            linkCollisionShapeIndices=[link_col],
            linkVisualShapeIndices=[link_vis],
            linkPositions=[link_origin],
            linkOrientations=[(0.0, 0.0, 0.0, 1.0)],
            linkInertialFramePositions=[(0.0, 0.0, 0.0)],
            linkInertialFrameOrientations=[(0.0, 0.0, 0.0, 1.0)],
            linkParentIndices=[0],
            linkJointTypes=[p.JOINT_PRISMATIC],
            linkJointAxis=[axis],
        )
        for index in (-1, 0):
            c.changeDynamics(self.body, index, lateralFriction=1.0, activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
        c.changeDynamics(self.body, 0, jointLowerLimit=self.low, jointUpperLimit=self.high)
        # Motor settings are not part of a saved state, so setting them once here survives every restore.
        if spring > 0.0:
            c.setJointMotorControl2(self.body, 0, p.POSITION_CONTROL, targetPosition=self.low, force=spring)
        else:
            c.setJointMotorControl2(self.body, 0, p.VELOCITY_CONTROL, targetVelocity=0.0, force=friction)

    def _set_frame(self, position: Vec3, yaw: float) -> None:
        self.origin = np.asarray(position, dtype=float)
        self.orientation = self.client.getQuaternionFromEuler((0.0, 0.0, yaw))
        self._rotation = np.array(self.client.getMatrixFromQuaternion(self.orientation)).reshape(3, 3)
        self.axis = self._rotation @ self._local_axis

    def set_pose(self, position: Vec3, yaw: float = 0.0) -> None:
        """Move the whole object, keeping its joint value (for resets that re-place it).

        Positions computed by this object follow the last pose set here, so set it again after restoring a
        world snapshot taken with the object elsewhere.
        """
        self._set_frame(position, yaw)
        self.client.resetBasePositionAndOrientation(self.body, self.origin, self.orientation)

    def state(self) -> tuple[float, float]:
        """The joint value (m) and its rate (m/s), read in one call."""
        value, rate, _, _ = self.client.getJointState(self.body, 0)
        return value, rate

    def value(self) -> float:
        return self.client.getJointState(self.body, 0)[0]

    def set_value(self, value: float) -> None:
        """Place the link at ``value``, at rest (for resets; the physics is not stepped)."""
        if not self.low <= value <= self.high:
            raise ValueError(f"{type(self).__name__} value {value} is outside its range [{self.low}, {self.high}]")
        self.client.resetJointState(self.body, 0, float(value), 0.0)

    def handle_position(self, value: float | None = None) -> np.ndarray:
        """World position of the point an agent acts on (see each subclass), now or at joint ``value``."""
        return self.link_point(self.handle, value)

    def link_point(self, point: Vec3, value: float | None = None) -> np.ndarray:
        """World position of ``point`` (in the link's frame) with the joint at ``value`` (now by default)."""
        if value is None:
            value = self.value()
        return self.origin + self._rotation @ (self._link_origin + np.asarray(point)) + self.axis * value


class Drawer(PrismaticObject):
    """A fixed cabinet with a hollow, open-topped drawer sliding out of its front; the value is the opening.

    ``position`` is the centre of the cabinet's footprint; ``size`` is its (depth, width, height), by
    default 24 x 26 x 12 cm, with ``travel`` (20 cm) of opening. The drawer front carries a bar handle on
    two standoffs, just below the cabinet top (:meth:`handle_position` is the bar's centre): a closed
    gripper lowered between bar and front (:meth:`hook_position`) pulls the drawer open, one in front of
    the bar pushes it closed. Small objects fit inside the drawer (:meth:`interior_position`).
    """

    WALL = 0.01
    BAR = 0.006  # half thickness of the handle bar
    BAR_HALF_LENGTH = 0.07
    HANDLE_GAP = 0.04  # free space between bar and drawer front, room for two closed fingertips

    def __init__(
        self,
        world: World,
        position: Vec3,
        yaw: float = 0.0,
        size: Vec3 = (0.24, 0.26, 0.12),
        travel: float = 0.2,
        friction: float = 4.0,
    ) -> None:
        depth, width, height = size
        t = self.WALL
        side_half = height / 2 - t
        base = [
            Box((depth / 2, width / 2, t / 2), (0.0, 0.0, t / 2), WOOD),
            Box((depth / 2, width / 2, t / 2), (0.0, 0.0, height - t / 2), WOOD),
            Box((depth / 2, t / 2, side_half), (0.0, width / 2 - t / 2, height / 2), WOOD),
            Box((depth / 2, t / 2, side_half), (0.0, -width / 2 + t / 2, height / 2), WOOD),
            Box((t / 2, width / 2 - t, side_half), (depth / 2 - t / 2, 0.0, height / 2), WOOD),
        ]
        # Link frame: centre of the cabinet's front opening, +x into the cabinet. Clearances of a few
        # millimetres keep the drawer off the table and visibly inside the cabinet.
        length, inner = depth - 2 * t, width / 2 - t - 0.005  # drawer length and half width
        wall_half = (height - 2 * t - 0.01) / 2
        floor = -height / 2 + t + 0.002  # underside of the drawer's floor
        wall_z = floor + wall_half
        bar_x, bar_z = -t - self.HANDLE_GAP - self.BAR, height / 2 - 2 * self.BAR
        standoff_x, standoff_y = -t - self.HANDLE_GAP / 2, self.BAR_HALF_LENGTH - self.BAR
        link = [
            Box((t / 2, width / 2, height / 2 - 0.001), (-t / 2, 0.0, 0.001), LIGHT_WOOD),
            Box((length / 2, inner, t / 2), (length / 2, 0.0, floor + t / 2), LIGHT_WOOD),
            Box((length / 2, t / 2, wall_half), (length / 2, inner - t / 2, wall_z), LIGHT_WOOD),
            Box((length / 2, t / 2, wall_half), (length / 2, -inner + t / 2, wall_z), LIGHT_WOOD),
            Box((t / 2, inner - t, wall_half), (length - t / 2, 0.0, wall_z), LIGHT_WOOD),
            Box((self.BAR, self.BAR_HALF_LENGTH, self.BAR), (bar_x, 0.0, bar_z), METAL),
            Box((self.HANDLE_GAP / 2, self.BAR, self.BAR), (standoff_x, standoff_y, bar_z), METAL),
            Box((self.HANDLE_GAP / 2, self.BAR, self.BAR), (standoff_x, -standoff_y, bar_z), METAL),
        ]
        self.size = (depth, width, height)
        self.handle = (bar_x, 0.0, bar_z)
        self._hook = (standoff_x, 0.0, bar_z)
        self._interior = (length / 2, 0.0, floor + t)
        super().__init__(
            world, position, yaw, base=base, link=link, link_origin=(-depth / 2, 0.0, height / 2),
            axis=(-1.0, 0.0, 0.0), limits=(0.0, travel), link_mass=0.5, friction=friction,
        )

    def opening(self) -> float:
        return self.value()

    def hook_position(self, opening: float | None = None) -> np.ndarray:
        """The point between bar and drawer front where a closed gripper hooks the handle to pull."""
        return self.link_point(self._hook, opening)

    def interior_position(self, opening: float | None = None) -> np.ndarray:
        """Centre of the drawer's floor (its top surface), where an object put inside rests."""
        return self.link_point(self._interior, opening)


class SlidingDoor(PrismaticObject):
    """A door panel sliding sideways along a rail between two end posts; the value is its offset.

    ``position`` is the centre of the rail; a positive value moves the panel along the rotated +y axis (to
    the robot's left at yaw 0), by at most ``travel`` (12 cm) either way. ``panel`` is its (width, height),
    16 x 14 cm by default. A knob on the front face near the top (:meth:`handle_position` is its centre)
    is pinched by the gripper, whose fingers open along y and close on the knob's sides.
    """

    RAIL_HEIGHT = 0.02
    KNOB = (0.02, 0.01, 0.02)  # half extents: protrudes 4 cm, 2 cm wide, 4 cm tall

    def __init__(
        self,
        world: World,
        position: Vec3,
        yaw: float = 0.0,
        panel: tuple[float, float] = (0.16, 0.14),
        travel: float = 0.12,
        friction: float = 4.0,
    ) -> None:
        width, height = panel
        rail = width + 2 * travel + 0.04
        post = (0.02, 0.01, (self.RAIL_HEIGHT + height + 0.01) / 2)
        base = [
            Box((0.02, rail / 2, self.RAIL_HEIGHT / 2), (0.0, 0.0, self.RAIL_HEIGHT / 2), METAL),
            Box(post, (0.0, rail / 2 - 0.01, post[2]), METAL),
            Box(post, (0.0, -rail / 2 + 0.01, post[2]), METAL),
        ]
        # Link frame: bottom centre of the panel at value 0, on top of the rail.
        kx, _, kz = self.KNOB
        self.handle = (-0.01 - kx, 0.0, height - kz - 0.005)
        link = [
            Box((0.01, width / 2, height / 2), (0.0, 0.0, height / 2 + 0.001), GLASS),
            Box(self.KNOB, self.handle, METAL),
        ]
        super().__init__(
            world, position, yaw, base=base, link=link, link_origin=(0.0, 0.0, self.RAIL_HEIGHT),
            axis=(0.0, 1.0, 0.0), limits=(-travel, travel), link_mass=0.5, friction=friction,
        )


class Button(PrismaticObject):
    """A square push button in a fixed housing; the value is how far the cap is pressed down.

    A position motor capped at ``spring`` newtons pushes the cap back up to depth 0 whenever nothing holds
    it down. ``position`` is the centre of the housing's footprint; :meth:`handle_position` is the centre
    of the cap's top face, the press point. A 5 cm cap stands 3.5 cm above an 8 x 8 x 4 cm housing and
    goes down by at most ``travel`` (3 cm).
    """

    HOUSING = (0.04, 0.04, 0.02)
    CAP = (0.025, 0.025, 0.02)

    def __init__(
        self, world: World, position: Vec3, yaw: float = 0.0, travel: float = 0.03, spring: float = 4.0
    ) -> None:
        housing_top = 2 * self.HOUSING[2]
        # Link frame: centre of the housing's top face; the cap's lower part stays inside the housing.
        cap_z = self.CAP[2] - 0.005
        self.handle = (0.0, 0.0, cap_z + self.CAP[2])
        super().__init__(
            world, position, yaw, base=[Box(self.HOUSING, (0.0, 0.0, self.HOUSING[2]), METAL)],
            link=[Box(self.CAP, (0.0, 0.0, cap_z), RED)], link_origin=(0.0, 0.0, housing_top),
            axis=(0.0, 0.0, -1.0), limits=(0.0, travel), link_mass=0.05, spring=spring,
        )

    def depth(self) -> float:
        return self.value()


def _compound(client, boxes: Sequence[Box]) -> tuple[int, int]:
    """Collision and visual shapes of several boxes, as one compound shape each."""
    n = len(boxes)
    halves = [b.half_extents for b in boxes]
    centers = [b.center for b in boxes]
    collision = client.createCollisionShapeArray([p.GEOM_BOX] * n, halfExtents=halves, collisionFramePositions=centers)
    visual = client.createVisualShapeArray(
        [p.GEOM_BOX] * n, halfExtents=halves, visualFramePositions=centers, rgbaColors=[b.color for b in boxes]
    )
    return collision, visual
