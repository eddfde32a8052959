"""A drone-volleyball court in PyBullet: floor, net, court lines, a table-tennis ball and quadrotors.

Proportions follow VolleyBots (Xu et al. 2025, arXiv 2502.01932; its task configs ``Volleyball1v1.yaml``,
``Volleyball3v3.yaml`` and ``Volleyball6v6.yaml``): a 1v1 court of 6 m x 3 m, a 3v3 court of 12 m x 6 m, a
6v6 court of 18 m x 9 m (indoor volleyball's), the net's top at 2.43 m, a ball of radius 0.1 m, for Iris
drones about 0.6 m across. Here the drone is a Crazyflie 2.x, 0.12 m across its guards, so every length is
scaled by 1/5 and the 1v1 court stays ten drone widths long: 1v1 1.2 m x 0.6 m, 3v3 2.4 m x 1.2 m, 6v6
3.6 m x 1.8 m, net 0.486 m high. Gravity does not scale, so rallies are faster than VolleyBots' by sqrt(5).
At that size the ball is a table-tennis ball (ITTF: 40 mm, 2.7 g), and it gets air drag: Cd = 0.5 for a
smooth sphere, air at 1.2 kg/m^3 (terminal speed about 8.5 m/s).

Where this court differs from VolleyBots': the net is a wall from the floor up to its top edge (the ball
can only cross over it and drones cannot pass under it), and there are no antennas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pybullet as p

from palaestra.sim.world import World

SCALE = 0.2  # Crazyflie width (0.12 m) / Iris width (about 0.6 m)
FLOOR_COLOR = (0.30, 0.52, 0.36, 1.0)
LINE_COLOR = (0.95, 0.95, 0.95, 1.0)
NET_COLOR = (0.92, 0.92, 0.92, 0.8)
BALL_COLOR = (1.0, 0.55, 0.1, 1.0)


@dataclass(frozen=True)
class CourtSpec:
    """Court size (m): ``length`` along x (the net at x = 0 splits it), ``width`` along y, net height."""

    length: float
    width: float
    net_height: float = 2.43 * SCALE
    net_thickness: float = 0.01
    ceiling: float = 1.5  # drones above this have flown away (a fault)

    @property
    def half_length(self) -> float:
        return self.length / 2.0

    @property
    def half_width(self) -> float:
        return self.width / 2.0

    def inside(self, x: float, y: float) -> bool:
        """Whether a landing point is in the court (the lines belong to the court)."""
        return abs(x) <= self.half_length and abs(y) <= self.half_width


COURT_1V1 = CourtSpec(length=6.0 * SCALE, width=3.0 * SCALE)
COURT_3V3 = CourtSpec(length=12.0 * SCALE, width=6.0 * SCALE)
# VolleyBots' Volleyball6v6.yaml: an indoor volleyball court, 18 m x 9 m.
COURT_6V6 = CourtSpec(length=18.0 * SCALE, width=9.0 * SCALE)


@dataclass(frozen=True)
class Ball:
    """A table-tennis ball: ITTF size and mass, its bounce on a hard floor and a smooth sphere's drag.

    ITTF: dropped from 30.5 cm it rises 23-25 cm, a coefficient of restitution of about 0.89. Bullet's
    contact adds a little energy at this ball's speed and size, so the value given to Bullet is 0.86, which
    measures a 23.5 cm rebound (tests/envs/drones/test_sim.py).
    """

    radius: float = 0.02
    mass: float = 0.0027
    restitution: float = 0.86
    drag_coefficient: float = 0.5
    air_density: float = 1.2

    @property
    def drag_constant(self) -> float:
        """k in F = -k |v| v (kg/m)."""
        return 0.5 * self.air_density * self.drag_coefficient * math.pi * self.radius**2


TABLE_TENNIS_BALL = Ball()
# Restitution of the other surfaces; Bullet multiplies the two bodies' values. The drone's guard ring is
# softer than the floor, the net absorbs most of the ball's speed.
DRONE_RESTITUTION = 0.85
NET_RESTITUTION = 0.3
# A smooth plastic guard: the ball slides off it, so a hit's impulse is along the guard's normal.
DRONE_FRICTION = 0.05


def build_court(world: World, court: CourtSpec, ball: Ball) -> tuple[int, int, int]:
    """Floor, net and lines in ``world``; returns the ids of the floor, the net and the ball."""
    c = world.client
    world.set_pose(world.table, (0.0, 0.0, -5.0))  # World's table: out of the way and out of sight
    floor = c.createMultiBody(0.0, c.createCollisionShape(p.GEOM_PLANE), -1, (0.0, 0.0, 0.0))
    c.changeDynamics(floor, -1, restitution=1.0, lateralFriction=0.4)
    # Bullet draws a plane's collision shape with its checker texture: a flat box a hair above covers it.
    half = (court.half_length + 3.0, court.half_width + 3.0, 0.0005)
    c.createMultiBody(0.0, -1, c.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=FLOOR_COLOR),
                      (0.0, 0.0, 0.0))
    line = 0.005
    for x, y, hx, hy in (
        (0.0, court.half_width, court.half_length, line), (0.0, -court.half_width, court.half_length, line),
        (court.half_length, 0.0, line, court.half_width), (-court.half_length, 0.0, line, court.half_width),
    ):
        shape = c.createVisualShape(p.GEOM_BOX, halfExtents=(hx, hy, 0.001), rgbaColor=LINE_COLOR)
        c.createMultiBody(0.0, -1, shape, (x, y, 0.0015))
    net_half = (court.net_thickness / 2, court.half_width + 0.1, court.net_height / 2)
    net = c.createMultiBody(
        0.0, c.createCollisionShape(p.GEOM_BOX, halfExtents=net_half),
        c.createVisualShape(p.GEOM_BOX, halfExtents=net_half, rgbaColor=NET_COLOR), (0.0, 0.0, court.net_height / 2),
    )
    c.changeDynamics(net, -1, restitution=NET_RESTITUTION)
    body = c.createMultiBody(
        ball.mass, c.createCollisionShape(p.GEOM_SPHERE, radius=ball.radius),
        c.createVisualShape(p.GEOM_SPHERE, radius=ball.radius, rgbaColor=BALL_COLOR), (0.0, 0.0, 1.0),
    )
    # A thin spherical shell: I = 2/3 m r^2. Bullet's own damping is off; drag is applied explicitly.
    inertia = 2.0 / 3.0 * ball.mass * ball.radius**2
    c.changeDynamics(body, -1, restitution=ball.restitution, lateralFriction=0.3, linearDamping=0.0,
                     angularDamping=0.0, localInertiaDiagonal=(inertia,) * 3,
                     activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
    return floor, net, body
