"""Bodies for the PyBullet fighting games: a raised ring and upright fighters, optionally with punching arms.

Everything is built with ``createMultiBody`` from primitives (no asset files), once per environment. A
fighter is one multibody whose base is a compound of hips (cylinder), torso (box) and head (sphere), with
its origin at the centre of mass. It moves like a hovercraft: a forward/lateral force in its own frame and
a yaw torque, applied every substep, plus a balance torque of limited strength that keeps it upright unless
it is shoved hard enough. With arms, each fist is a sphere on a prismatic joint along the fighter's forward
axis driven by a velocity motor: joint value 0 is the guard (fist in front of the face), :attr:`REACH` a
full jab. The ring's top is the plane ``z = 0``; the World's table is sunk out of sight below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pybullet as p

from palaestra.sim.world import World

RED = (0.85, 0.18, 0.15, 1.0)
BLUE = (0.15, 0.3, 0.85, 1.0)
CLAY = (0.78, 0.66, 0.46, 1.0)
CANVAS = (0.85, 0.85, 0.82, 1.0)
ROPE = (0.9, 0.9, 0.9, 1.0)
GLOVE = (0.95, 0.95, 0.95, 1.0)
RING_DEPTH = 0.3  # the ring stands on a floor this far below its top


def build_disc_ring(world: World, radius: float, friction: float) -> None:
    """A raised round platform (a dohyo) of ``radius`` on a floor; leaving it means falling off its edge."""
    _sink_table(world)
    c = world.client
    shape = c.createCollisionShape(p.GEOM_CYLINDER, radius=radius, height=RING_DEPTH)
    visual = c.createVisualShape(p.GEOM_CYLINDER, radius=radius, length=RING_DEPTH, rgbaColor=CLAY)
    ring = c.createMultiBody(0.0, shape, visual, (0.0, 0.0, -RING_DEPTH / 2))
    c.changeDynamics(ring, -1, lateralFriction=friction)
    _floor(world, friction)


def build_square_ring(world: World, half_size: float, friction: float) -> None:
    """A square platform of side ``2 * half_size`` fenced by four rope walls the fighters bounce off."""
    _sink_table(world)
    world.add_box((half_size + 0.2, half_size + 0.2, RING_DEPTH / 2), (0.0, 0.0, -RING_DEPTH / 2), mass=0.0,
                  color=CANVAS, friction=friction)
    for angle in (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi):
        centre = ((half_size + 0.05) * math.cos(angle), (half_size + 0.05) * math.sin(angle), 0.6)
        orientation = world.client.getQuaternionFromEuler((0.0, 0.0, angle))
        world.add_box((0.05, half_size + 0.1, 0.6), centre, mass=0.0, color=ROPE, orientation=orientation,
                      friction=0.2)
    _floor(world, friction)


def _sink_table(world: World) -> None:
    # World always builds a table at z = 0; static bodies never collide with each other, so below the floor
    # it costs nothing and stays out of every image.
    world.set_pose(world.table, (0.0, 0.0, -RING_DEPTH - 1.0))


def _floor(world: World, friction: float) -> None:
    c = world.client
    floor = c.createMultiBody(0.0, c.createCollisionShape(p.GEOM_PLANE), -1, (0.0, 0.0, -RING_DEPTH))
    c.changeDynamics(floor, -1, lateralFriction=friction)


@dataclass(frozen=True)
class FighterState:
    """One fighter read once per control step: pose, velocities and (with arms) the two fist joints."""

    position: np.ndarray  # centre of mass, world frame (3)
    yaw: float
    up: np.ndarray  # the body's z axis in the world frame (3)
    velocity: np.ndarray  # linear, world frame (3)
    spin: np.ndarray  # angular, world frame (3)
    arms: np.ndarray  # fist joint values (left, right), empty without arms
    arm_speeds: np.ndarray

    @property
    def tilt(self) -> float:
        """Angle (radians) between the body's up axis and the vertical."""
        return math.acos(max(-1.0, min(1.0, float(self.up[2]))))

    def to_local(self, vector: np.ndarray) -> np.ndarray:
        """A world-frame planar vector expressed in this fighter's heading frame (x forward, y left)."""
        cos, sin = math.cos(self.yaw), math.sin(self.yaw)
        return np.array((cos * vector[0] + sin * vector[1], -sin * vector[0] + cos * vector[1]))


class Fighter:
    """An upright fighter of :attr:`MASS` kg and about 1.2 m, driven by planar forces, with optional arms.

    :meth:`command` sets the drive (forward force, lateral force, yaw torque, each in [-1, 1] of its
    maximum) and, with arms, which fists punch out to :attr:`REACH`; :meth:`apply` must run before
    every simulation substep because PyBullet clears external forces after each one.
    """

    MASS = 90.0
    COM_HEIGHT = 0.45  # height of the origin (centre of mass) above the feet
    HIP_RADIUS = 0.3
    TORSO_HALF = (0.16, 0.25, 0.3)
    HEAD_RADIUS = 0.13
    FIST_RADIUS = 0.08
    FIST_MASS = 2.0
    # Guard positions of the left and right fist relative to the origin. The left is held higher than the
    # right, so two fighters facing squarely punch past each other's guard instead of fist into fist.
    FISTS = ((0.3, 0.14, 0.52), (0.3, -0.14, 0.28))
    REACH = 0.42  # full extension of a jab beyond the guard (m)
    DRIVE = (900.0, 600.0, 220.0)  # forward force (N), lateral force (N), yaw torque (N m) at full command
    BALANCE = (900.0, 120.0, 320.0)  # righting stiffness (N m/rad), damping (N m s/rad), cap (N m)
    PUNCH_FORCE = 300.0
    PUNCH_SPEED = 5.0  # m/s, the motors' velocity limit

    def __init__(self, world: World, color: Sequence[float], arms: bool = False, friction: float = 0.45) -> None:
        self.world = world
        self.client = c = world.client
        z = self.COM_HEIGHT
        hip_half = 0.15
        torso_z = 2 * hip_half + self.TORSO_HALF[2] - z
        head_z = torso_z + self.TORSO_HALF[2] + self.HEAD_RADIUS
        shapes = [p.GEOM_CYLINDER, p.GEOM_BOX, p.GEOM_SPHERE]
        positions = [(0.0, 0.0, hip_half - z), (0.0, 0.0, torso_z), (0.0, 0.0, head_z)]
        collision = c.createCollisionShapeArray(
            shapeTypes=shapes, radii=[self.HIP_RADIUS, 0.0, self.HEAD_RADIUS],
            halfExtents=[(0, 0, 0), self.TORSO_HALF, (0, 0, 0)], lengths=[2 * hip_half, 0.0, 0.0],
            # PyBullet crashes when the frame orientations are left out.
            collisionFramePositions=positions, collisionFrameOrientations=[(0, 0, 0, 1)] * 3,
        )
        visual = c.createVisualShapeArray(
            shapeTypes=shapes, radii=[self.HIP_RADIUS, 0.0, self.HEAD_RADIUS],
            halfExtents=[(0, 0, 0), self.TORSO_HALF, (0, 0, 0)], lengths=[2 * hip_half, 0.0, 0.0],
            rgbaColors=[color, color, (0.93, 0.78, 0.62, 1.0)], visualFramePositions=positions,
            visualFrameOrientations=[(0, 0, 0, 1)] * 3,
        )
        links: dict[str, list] = {k: [] for k in ("masses", "col", "vis", "pos")}
        if arms:
            fist_col = c.createCollisionShape(p.GEOM_SPHERE, radius=self.FIST_RADIUS)
            fist_vis = c.createVisualShape(p.GEOM_SPHERE, radius=self.FIST_RADIUS, rgbaColor=GLOVE)
            for guard in self.FISTS:
                links["masses"].append(self.FIST_MASS)
                links["col"].append(fist_col)
                links["vis"].append(fist_vis)
                links["pos"].append(guard)
        n = len(links["masses"])
        self.body = c.createMultiBody(
            self.MASS, collision, visual, (0.0, 0.0, z),
            linkMasses=links["masses"], linkCollisionShapeIndices=links["col"], linkVisualShapeIndices=links["vis"],
            linkPositions=links["pos"], linkOrientations=[(0, 0, 0, 1)] * n,
            linkInertialFramePositions=[(0, 0, 0)] * n, linkInertialFrameOrientations=[(0, 0, 0, 1)] * n,
            linkParentIndices=[0] * n, linkJointTypes=[p.JOINT_PRISMATIC] * n, linkJointAxis=[(1, 0, 0)] * n,
        )
        self.arms = tuple(range(n))
        sleepless = p.ACTIVATION_STATE_DISABLE_SLEEPING
        c.changeDynamics(self.body, -1, lateralFriction=friction, linearDamping=0.5, angularDamping=0.5,
                         activationState=sleepless)
        for link in self.arms:
            c.changeDynamics(self.body, link, jointLowerLimit=0.0, jointUpperLimit=self.REACH,
                             lateralFriction=0.3, activationState=sleepless)
        self._drive = (0.0, 0.0, 0.0)
        self._fist_targets = [0.0] * n

    # -- control ----------------------------------------------------------------------------------
    def command(self, forward: float, lateral: float, turn: float, fists: Sequence[bool] = ()) -> None:
        """Set the drive (each in [-1, 1]) and which fists punch out (the others return to guard)."""
        fx, fy, tz = self.DRIVE
        self._drive = (forward * fx, lateral * fy, turn * tz)
        if self.arms:
            self._fist_targets = [self.REACH if out else 0.0 for out in fists]

    def apply(self) -> None:
        """Push, turn and balance the fighter for one substep."""
        c = self.client
        com, (x, y, z, w) = c.getBasePositionAndOrientation(self.body)
        _, (wx, wy, _) = c.getBaseVelocity(self.body)
        yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
        cos, sin = math.cos(yaw), math.sin(yaw)
        fx, fy, tz = self._drive
        # The drive acts in the heading frame (not the tilted body frame), so a fighter pushed off balance
        # cannot lift itself by driving.
        force = (cos * fx - sin * fy, sin * fx + cos * fy, 0.0)
        c.applyExternalForce(self.body, -1, force, com, p.WORLD_FRAME)
        # Righting torque ~ up x z_hat, damped and capped: enough to stand, too little to survive a hard shove.
        ux, uy = 2.0 * (x * z + w * y), 2.0 * (y * z - w * x)
        k, d, cap = self.BALANCE
        rx, ry = k * uy - d * wx, -k * ux - d * wy
        norm = math.hypot(rx, ry)
        if norm > cap:
            rx, ry = rx * cap / norm, ry * cap / norm
        c.applyExternalTorque(self.body, -1, (rx, ry, tz), p.WORLD_FRAME)
        if self.arms:
            # A proportional velocity command, steep enough that a punch keeps full speed until it lands or is
            # nearly out. (PyBullet's stiff position motors keep solver state that a snapshot does not restore,
            # which made a match depend on the one before.)
            speeds = [
                max(-self.PUNCH_SPEED, min(self.PUNCH_SPEED, 60.0 * (target - joint[0])))
                for target, joint in zip(self._fist_targets, c.getJointStates(self.body, self.arms))
            ]
            c.setJointMotorControlArray(self.body, self.arms, p.VELOCITY_CONTROL, targetVelocities=speeds,
                                        forces=[self.PUNCH_FORCE] * len(self.arms))

    # -- state ------------------------------------------------------------------------------------
    def place(self, x: float, y: float, yaw: float) -> None:
        """Stand the fighter at rest on the ring at ``(x, y)`` facing ``yaw``, fists on guard."""
        self.world.set_pose(self.body, (x, y, self.COM_HEIGHT), self.client.getQuaternionFromEuler((0.0, 0.0, yaw)))
        for link in self.arms:
            self.client.resetJointState(self.body, link, 0.0, 0.0)
        self.command(0.0, 0.0, 0.0, (False,) * len(self.arms))

    def read(self) -> FighterState:
        c = self.client
        position, orientation = c.getBasePositionAndOrientation(self.body)
        velocity, spin = c.getBaseVelocity(self.body)
        x, y, z, w = orientation
        up = np.array((2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y)))
        yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
        if self.arms:
            joints = c.getJointStates(self.body, self.arms)
            arms = np.array([j[0] for j in joints])
            speeds = np.array([j[1] for j in joints])
        else:
            arms = speeds = np.zeros(0)
        return FighterState(np.array(position), yaw, up, np.array(velocity), np.array(spin), arms, speeds)
