"""The drone-volleyball simulation: quadrotors and a ball on a court, stepped in the env's own PyBullet world.

Each physics substep (1/240 s) every drone gets its rotor wrench: the four rotor thrusts summed along the
body's z axis at the centre of mass, and the torque of their lever arms plus their drag torques, applied in
the body frame (one ``applyExternalForce`` and one ``applyExternalTorque`` per drone; for a rigid body this
is exactly the four rotor forces at their hubs). The ball gets quadratic air drag, -k |v| v, each substep
(Bullet's own damping is linear in v). Bullet integrates the
rigid bodies and resolves every contact (ball-drone, ball-net, ball-floor, drone-drone, drone-net) with
restitution. A control step is five substeps (48 Hz, VolleyBots' 50 Hz rounded to divide 240 Hz).

Why PyBullet and not a numpy integrator: measured on this machine (``palaestra bench``), Bullet's step of
a 1v1 scene costs a few microseconds per body, less than the Python around it; writing the contacts by hand
would cost as much Python again and lose Bullet's restitution and friction model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pybullet as p

from palaestra.sim.drones.court import (
    DRONE_FRICTION,
    DRONE_RESTITUTION,
    TABLE_TENNIS_BALL,
    Ball,
    CourtSpec,
    build_court,
)
from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X, Quadrotor
from palaestra.sim.drones.rate_control import RateController
from palaestra.sim.world import PhysicsConfig, World

# One World.step() is one 240 Hz substep: the rotor wrenches must be applied before every one of them.
# Bullet's own contact ERP (contact_erp=None: the parameter is left unset), with which the ball's bounce and the
# skills' hit model were calibrated; the Panda scenes set 0.4. Setting 0.2, taken for Bullet's default, changed
# the contacts: DroneHitToTarget's expert fell from 99% to 89% (palaestra validate); at 0.4 a table-tennis ball
# rebounds 26.5 cm from 30.5 cm, above the ITTF's 23-25 cm.
DRONE_PHYSICS = PhysicsConfig(timestep=1.0 / 240.0, substeps=1, solver_iterations=10, contact_erp=None,
                              friction_anchor=False)
# Bumped whenever the drone scene's dynamics change (written into training runs' reference.json, see
# palaestra.baselines.runs.physics_revision). 1: contact ERP 0.2; 2: Bullet's own contact ERP again.
PHYSICS_REVISION = 2
SUBSTEPS = 5  # per control step: 48 Hz control
MAX_RATES = (4.0 * math.pi, 4.0 * math.pi, 2.0 * math.pi)  # rad/s at a body-rate action of +-1
# Contacts of one drone with the ball closer together than this (s) are one touch: a drone pushing on
# through a hit chatters on and off the ball for a few substeps, which is one hit, not a double touch.
TOUCH_GAP = 0.05


class ActionMode(str, Enum):
    ROTORS = "rotors"  # four rotor thrusts, each -1 (off) .. +1 (full)
    CTBR = "ctbr"  # collective thrust -1 .. +1 (0 .. 4 x full rotor) and roll, pitch, yaw rates in +-MAX_RATES


@dataclass(frozen=True)
class ArenaState:
    """Everything read once per control step (world frame; ``rotation[i]`` maps drone i's body to world)."""

    position: np.ndarray  # (n, 3)
    quaternion: np.ndarray  # (n, 4) x, y, z, w
    rotation: np.ndarray  # (n, 3, 3)
    velocity: np.ndarray  # (n, 3)
    angular_velocity: np.ndarray  # (n, 3), world frame
    ball_position: np.ndarray  # (3,)
    ball_velocity: np.ndarray  # (3,)

    def body_rates(self) -> np.ndarray:
        """(n, 3) angular velocities in each drone's body frame."""
        return np.einsum("nji,nj->ni", self.rotation, self.angular_velocity)


@dataclass(frozen=True)
class StepEvents:
    """What happened to the ball during one control step, in substep order."""

    touches: tuple[int, ...]  # drone index of every new touch (contact after TOUCH_GAP without one)
    floor: tuple[float, float] | None  # (x, y) of the ball's first floor contact, if any
    net: bool  # the ball touched the net


class DroneArena:
    """``n`` Crazyflies and a ball on a court in a :class:`~palaestra.sim.world.World` of their own.

    :meth:`step` takes an (n, 4) action in [-1, 1] in either :class:`ActionMode`, runs the substeps and
    returns the ball's :class:`StepEvents`; :meth:`read` returns the :class:`ArenaState`. Drone ``i`` has
    colour ``colors[i]``.
    """

    def __init__(
        self,
        court: CourtSpec,
        colors: list[tuple[float, float, float, float]],
        drone: Quadrotor = CRAZYFLIE_2X,
        ball: Ball = TABLE_TENNIS_BALL,
        physics: PhysicsConfig = DRONE_PHYSICS,
        substeps: int = SUBSTEPS,
        gui: bool = False,
    ) -> None:
        self.court, self.drone, self.ball_spec = court, drone, ball
        self.n = len(colors)
        self.world = World(physics, mode="gui" if gui else "direct")
        self.client = self.world.client
        self.floor, self.net, self.ball = build_court(self.world, court, ball)
        self.drones = [self._build_drone(color) for color in colors]
        self._index = {body: i for i, body in enumerate(self.drones)}
        self.controller = RateController(drone)
        self.max_rates = np.asarray(MAX_RATES)
        self._drag = ball.drag_constant
        self._substeps = substeps
        self._gap = int(round(TOUCH_GAP / physics.timestep))
        self._clock = 0  # substeps since the last place()
        self._last_contact: dict[int, int] = {}
        self.world.save()

    def _build_drone(self, color: tuple[float, float, float, float]) -> int:
        c, d = self.client, self.drone
        collision = c.createCollisionShape(p.GEOM_CYLINDER, radius=d.radius, height=d.height)
        # The guard disc in the team colour with a dark hub and a white nose so heading shows in pixels.
        visual = c.createVisualShapeArray(
            shapeTypes=[p.GEOM_CYLINDER, p.GEOM_BOX, p.GEOM_BOX],
            radii=[d.radius, 0.0, 0.0], lengths=[d.height * 0.6, 0.0, 0.0],
            halfExtents=[(0, 0, 0), (0.015, 0.015, d.height * 0.5), (0.02, 0.006, d.height * 0.35)],
            rgbaColors=[color, (0.15, 0.15, 0.15, 1.0), (1.0, 1.0, 1.0, 1.0)],
            visualFramePositions=[(0, 0, 0), (0, 0, 0), (d.radius - 0.02, 0, 0.002)],
            visualFrameOrientations=[(0, 0, 0, 1)] * 3,
        )
        body = c.createMultiBody(d.mass, collision, visual, (0.0, 0.0, -1.0 - len(getattr(self, "drones", []))))
        c.changeDynamics(body, -1, localInertiaDiagonal=d.inertia, linearDamping=0.0, angularDamping=0.0,
                         restitution=DRONE_RESTITUTION, lateralFriction=DRONE_FRICTION,
                         activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
        return body

    # -- placing -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the built scene (O(1): Bullet's saved state), before :meth:`place`."""
        self.world.restore()
        self._last_contact = {}

    def place(self, positions: np.ndarray, yaws: np.ndarray, ball_position, ball_velocity=(0.0, 0.0, 0.0)) -> None:
        """Drones level at ``positions`` facing ``yaws``, at rest; the ball at ``ball_position`` with a velocity."""
        c = self.client
        for body, pos, yaw in zip(self.drones, positions, yaws):
            c.resetBasePositionAndOrientation(body, pos.tolist(), (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)))
            c.resetBaseVelocity(body, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        c.resetBasePositionAndOrientation(self.ball, list(ball_position), (0.0, 0.0, 0.0, 1.0))
        c.resetBaseVelocity(self.ball, list(ball_velocity), (0.0, 0.0, 0.0))
        self._last_contact = {}

    # -- stepping ----------------------------------------------------------------------------------
    def step(self, action: np.ndarray, mode: ActionMode) -> StepEvents:
        """Advance one control step under an (n, 4) action in [-1, 1]."""
        touches: list[int] = []
        floor: tuple[float, float] | None = None
        net = False
        # The client's functions, looked up once a step (a pickled copy has a client of its own).
        c = self.world.client
        force, torque, ball, link = c.applyExternalForce, c.applyExternalTorque, self.ball, p.LINK_FRAME
        pose, vel, contacts = c.getBasePositionAndOrientation, c.getBaseVelocity, c.getContactPoints
        origin = (0.0, 0.0, 0.0)
        controller, full = self.controller, self.drone.max_rotor_thrust
        commands = action.tolist()
        if mode is ActionMode.ROTORS:
            wrenches = [controller.wrench([(a + 1.0) * 0.5 * full for a in row]) for row in commands]
        else:
            mx, my, mz = self.max_rates
            commands = [((t + 1.0) * 2.0 * full, (r * mx, pr * my, y * mz)) for t, r, pr, y in commands]
        for _ in range(self._substeps):
            if mode is ActionMode.CTBR:
                wrenches = [
                    controller.wrench(controller.rotor_thrusts(pose(body)[1], vel(body)[1], t, rates))
                    for body, (t, rates) in zip(self.drones, commands)
                ]
            for body, (f, tx, ty, tz) in zip(self.drones, wrenches):
                force(body, -1, (0.0, 0.0, f), origin, link)
                torque(body, -1, (tx, ty, tz), link)
            vx, vy, vz = vel(ball)[0]
            k = -self._drag * math.sqrt(vx * vx + vy * vy + vz * vz)
            force(ball, -1, (k * vx, k * vy, k * vz), pose(ball)[0], p.WORLD_FRAME)
            self.world.step()
            self._clock += 1
            for contact in contacts(bodyA=ball):
                other = contact[2]
                if other in self._index:
                    drone = self._index[other]
                    if self._clock - self._last_contact.get(drone, -self._gap - 1) > self._gap:
                        touches.append(drone)
                    self._last_contact[drone] = self._clock
                elif other == self.floor and floor is None:
                    floor = (contact[5][0], contact[5][1])
                elif other == self.net:
                    net = True
        return StepEvents(tuple(touches), floor, net)

    # -- reading -----------------------------------------------------------------------------------
    def read(self) -> ArenaState:
        c, n = self.world.client, self.n
        pose, velocity, matrix = c.getBasePositionAndOrientation, c.getBaseVelocity, c.getMatrixFromQuaternion
        pos = np.empty((n, 3))
        quat = np.empty((n, 4))
        vel = np.empty((n, 3))
        ang = np.empty((n, 3))
        rot = np.empty((n, 9))
        for i, body in enumerate(self.drones):
            pos[i], quat[i] = pose(body)
            vel[i], ang[i] = velocity(body)
            rot[i] = matrix(quat[i])
        ball_pos = np.array(pose(self.ball)[0])
        ball_vel = np.array(velocity(self.ball)[0])
        return ArenaState(pos, quat, rot.reshape(n, 3, 3), vel, ang, ball_pos, ball_vel)

    def close(self) -> None:
        self.world.close()
