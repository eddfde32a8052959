"""The scripted drones' flight controller: position and velocity setpoints to collective thrust and body rates.

A cascade in the usual shape (Mellinger and Kumar 2011; Lee et al. 2010): a PD law on the position and
velocity errors plus the feed-forward acceleration gives the desired thrust vector; its direction is the
desired body z axis, reached by body-rate commands proportional to the tilt error; its length along the
current body axis is the collective thrust. The output is a CTBR action in [-1, 1], the same one a learner
sends, so a scripted drone flies through the env's own rate controller and physics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from palaestra.sim.drones.arena import MAX_RATES
from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X, GRAVITY, Quadrotor

MAX_TILT = math.radians(50.0)


@dataclass(frozen=True)
class DroneView:
    """One drone's state as its observation gives it (the agent's frame): position, body-to-world rotation,
    velocity and body rates."""

    position: np.ndarray
    rotation: np.ndarray  # (3, 3)
    velocity: np.ndarray
    rates: np.ndarray


class Pilot:
    """Flies a drone to a position (and velocity) setpoint; :meth:`action` returns a CTBR action.

    ``stiffness`` and ``damping`` are the position loop's gains (1/s^2, 1/s): 25 and 8 give a natural
    frequency of 5 rad/s, slightly over-damped, well below the attitude loop's 12/s.
    """

    def __init__(self, drone: Quadrotor = CRAZYFLIE_2X, stiffness: float = 25.0, damping: float = 8.0,
                 attitude_gain: float = 12.0, yaw_gain: float = 3.0, max_acceleration: float = 12.0) -> None:
        self.mass = drone.mass
        self.full_collective = 4.0 * drone.max_rotor_thrust
        self.stiffness, self.damping = stiffness, damping
        self.attitude_gain, self.yaw_gain = attitude_gain, yaw_gain
        self.max_acceleration = max_acceleration
        self.max_rates = np.asarray(MAX_RATES)

    def acceleration(self, view: DroneView, target: np.ndarray, velocity: np.ndarray | None = None,
                     feedforward: np.ndarray | None = None) -> np.ndarray:
        """The acceleration the PD law asks for, capped at :attr:`max_acceleration`."""
        v_target = np.zeros(3) if velocity is None else velocity
        acc = self.stiffness * (target - view.position) + self.damping * (v_target - view.velocity)
        if feedforward is not None:
            acc = acc + feedforward
        norm = float(np.linalg.norm(acc))
        if norm > self.max_acceleration:
            acc *= self.max_acceleration / norm
        return acc

    def action(self, view: DroneView, target: np.ndarray, velocity: np.ndarray | None = None,
               feedforward: np.ndarray | None = None, yaw: float = 0.0) -> np.ndarray:
        """CTBR action flying towards ``target`` at ``velocity`` with extra acceleration ``feedforward``."""
        return self.thrust_action(view, self.acceleration(view, target, velocity, feedforward), yaw)

    def thrust_action(self, view: DroneView, acceleration: np.ndarray, yaw: float = 0.0) -> np.ndarray:
        """CTBR action producing the world-frame ``acceleration`` (gravity compensated), tilt capped."""
        force = acceleration + np.array((0.0, 0.0, GRAVITY))
        force[2] = max(force[2], 0.2 * GRAVITY)
        horizontal = math.hypot(force[0], force[1])
        limit = force[2] * math.tan(MAX_TILT)
        if horizontal > limit:
            force[:2] *= limit / horizontal
        return self.attitude_action(view, force * self.mass, yaw)

    def attitude_action(self, view: DroneView, force: np.ndarray, yaw: float = 0.0) -> np.ndarray:
        """CTBR action pointing the body z axis along the world-frame ``force`` (N) and pushing with it."""
        rotation = view.rotation
        axis = force / max(float(np.linalg.norm(force)), 1e-9)
        z_body = rotation[:, 2]
        error = rotation.T @ np.cross(z_body, axis)  # tilt error, body frame
        heading = math.atan2(rotation[1, 0], rotation[0, 0])
        yaw_error = math.atan2(math.sin(yaw - heading), math.cos(yaw - heading))
        rates = np.array((self.attitude_gain * error[0], self.attitude_gain * error[1], self.yaw_gain * yaw_error))
        collective = float(force @ z_body)
        thrust = collective / self.full_collective * 2.0 - 1.0
        out = np.empty(4, dtype=np.float32)
        out[0] = thrust
        out[1:] = rates / self.max_rates
        return np.clip(out, -1.0, 1.0)
