"""Ballistic prediction of the ball (gravity and quadratic air drag) and the aim of a hit.

The scripted drones plan every hit from these: where and when the falling ball will pass a contact height,
and which velocity to give it so that it lands on a chosen spot over a chosen apex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from palaestra.sim.drones.court import TABLE_TENNIS_BALL
from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X, GRAVITY

DT = 1.0 / 240.0
DRAG = TABLE_TENNIS_BALL.drag_constant / TABLE_TENNIS_BALL.mass  # 1/m
# Contact response of a hit, measured in this simulation (tests/envs/drones/test_sim.py): the ball leaves a
# resting drone's top face at about 0.8 times its approach speed; a 27 g drone against a 2.7 g ball takes
# M/(m+M) = 0.91 of the exchange.
HIT_RESTITUTION = 0.8
MASS_SHARE = CRAZYFLIE_2X.mass / (CRAZYFLIE_2X.mass + TABLE_TENNIS_BALL.mass)


def fly(position: np.ndarray, velocity: np.ndarray, seconds: float, dt: float = DT) -> tuple[np.ndarray, np.ndarray]:
    """Ball position and velocity ``seconds`` later (semi-implicit Euler at the physics rate)."""
    x, y, z = (float(v) for v in position)
    vx, vy, vz = (float(v) for v in velocity)
    for _ in range(max(0, int(round(seconds / dt)))):
        k = DRAG * math.sqrt(vx * vx + vy * vy + vz * vz)
        vx -= k * vx * dt
        vy -= k * vy * dt
        vz -= (GRAVITY + k * vz) * dt
        x, y, z = x + vx * dt, y + vy * dt, z + vz * dt
    return np.array((x, y, z)), np.array((vx, vy, vz))


def descend_to(position: np.ndarray, velocity: np.ndarray, height: float, horizon: float = 2.0,
               dt: float = 2 * DT) -> tuple[float, np.ndarray, np.ndarray] | None:
    """When (s), where and how fast the ball next passes ``height`` going down, or ``None`` within ``horizon``."""
    x, y, z = (float(v) for v in position)
    vx, vy, vz = (float(v) for v in velocity)
    t = 0.0
    while t < horizon:
        if vz < 0.0 and z <= height:
            return t, np.array((x, y, z)), np.array((vx, vy, vz))
        k = DRAG * math.sqrt(vx * vx + vy * vy + vz * vz)
        vx -= k * vx * dt
        vy -= k * vy * dt
        vz -= (GRAVITY + k * vz) * dt
        x, y, z = x + vx * dt, y + vy * dt, z + vz * dt
        t += dt
    return None


def landing(position: np.ndarray, velocity: np.ndarray, floor: float = 0.02) -> tuple[np.ndarray, float]:
    """Where the ball's centre comes down to ``floor`` (its radius above the floor) and after how long."""
    hit = descend_to(position, velocity, floor, horizon=4.0)
    if hit is None:
        return np.asarray(position, dtype=float), 4.0
    return hit[1], hit[0]


def launch_velocity(start: np.ndarray, target_xy: np.ndarray, apex: float) -> np.ndarray:
    """The velocity that sends the ball from ``start`` over an apex at height ``apex`` down onto ``target_xy``.

    Drag-free ballistics first, then two corrections of the horizontal speed by the predicted miss.
    """
    rise = max(apex - float(start[2]), 0.02)
    vz = math.sqrt(2.0 * GRAVITY * rise)
    fall = max(apex - 0.02, 0.0)
    duration = (vz + math.sqrt(2.0 * GRAVITY * fall)) / GRAVITY
    v_xy = (np.asarray(target_xy, dtype=float) - start[:2]) / duration
    for _ in range(2):
        landed, _ = landing(start, np.array((v_xy[0], v_xy[1], vz)))
        v_xy = v_xy + (np.asarray(target_xy) - landed[:2]) / duration
    return np.array((v_xy[0], v_xy[1], vz))


@dataclass(frozen=True)
class Strike:
    """A planned hit: the contact time (s from now), the ball's position there, the face normal the drone
    must present and the drone's speed along it at contact."""

    time: float
    ball: np.ndarray
    normal: np.ndarray
    speed: float


def plan_strike(meet: tuple[float, np.ndarray, np.ndarray], outgoing: np.ndarray) -> Strike:
    """The hit that turns the ball, met as ``meet`` (:func:`descend_to`'s time, position, velocity), into
    ``outgoing`` velocity.

    The impulse of a frictionless flat face is along its normal n, so n is the direction of the velocity
    change, and the drone's speed along n follows from the restitution law:
    ``|dv| = (1 + e) m_share (u - v_in . n)``.
    """
    t, ball, v_in = meet
    change = outgoing - v_in
    size = float(np.linalg.norm(change))
    normal = change / max(size, 1e-9)
    if normal[2] < 0.5:  # more than 60 degrees from vertical is more than a drone can tilt to
        flat = normal[:2] / max(float(np.linalg.norm(normal[:2])), 1e-9)
        normal = np.array((flat[0] * math.sqrt(0.75), flat[1] * math.sqrt(0.75), 0.5))
    speed = size / ((1.0 + HIT_RESTITUTION) * MASS_SHARE) + float(v_in @ normal)
    return Strike(t, ball, normal, speed)
