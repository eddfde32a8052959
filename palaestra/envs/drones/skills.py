"""Scripted drone skills built on the pilot and ballistic prediction: move to, strike (bump, pass, set,
spike, serve: one motion with different aims), and the aims of each.

All positions are in the acting drone's side frame (own half at x < 0, net at x = 0), which is what its
observation gives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from palaestra.envs.drones.ballistics import Strike, descend_to, launch_velocity, plan_strike
from palaestra.envs.drones.pilot import DroneView, Pilot
from palaestra.sim.drones.court import TABLE_TENNIS_BALL
from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X, GRAVITY

WINDUP = 0.25  # s: the strike's acceleration phase along the face normal
FINAL = 0.1  # s: the strike's last phase, attitude and speed only
FACE = TABLE_TENNIS_BALL.radius + CRAZYFLIE_2X.height / 2  # ball centre above the drone centre at contact
Z = np.array((0.0, 0.0, 1.0))


class Skills:
    """Skill actions (CTBR) for one drone; stateless, so one instance serves a whole team."""

    def __init__(self, pilot: Pilot | None = None, striker: Pilot | None = None) -> None:
        self.pilot = pilot or Pilot(max_acceleration=15.0)
        # Stiffer for the strike's short, fast trajectory: it must arrive on time, not smoothly.
        self.striker = striker or Pilot(stiffness=60.0, damping=14.0, attitude_gain=20.0, max_acceleration=18.0)

    def move_to(self, view: DroneView, target: np.ndarray, yaw: float = 0.0) -> np.ndarray:
        """Fly to ``target`` and hover there."""
        return self.pilot.action(view, np.asarray(target, dtype=float), yaw=yaw)

    def strike(self, view: DroneView, strike: Strike, yaw: float = 0.0) -> np.ndarray:
        """Meet the ball as planned: wait at the wind-up point, then accelerate along the face normal so the
        drone arrives tilted to the normal at the planned speed just as the ball does."""
        n, u = strike.normal, strike.speed
        contact = strike.ball - FACE * n
        tilt = GRAVITY * (n / n[2] - Z)  # horizontal acceleration that tilts the thrust onto n
        accel = (u / WINDUP) * n + tilt
        tau = min(strike.time, WINDUP)
        position = contact - u * n * tau + 0.5 * accel * tau * tau
        if strike.time > WINDUP:
            return self.pilot.action(view, position, yaw=yaw)
        if strike.time > FINAL:
            velocity = u * n - accel * tau
            return self.striker.action(view, position, velocity, accel, yaw=yaw)
        # The last moments: present the face along n and make up any missing speed along it; a position
        # correction now would only tilt the face away from n.
        boost = (u - float(view.velocity @ n)) / max(strike.time, 1.0 / 48.0)
        force = self.striker.mass * (min(max(boost, 0.0), 15.0) * n + GRAVITY * n / n[2])
        return self.striker.attitude_action(view, force, yaw=yaw)

    def bump(self, view: DroneView, ball: np.ndarray, velocity: np.ndarray, height: float, aim_xy: np.ndarray,
             rise: float) -> np.ndarray:
        """Bump (or pass, or set) the ball, met at ``height``, ``rise`` m up and back down over ``aim_xy``."""
        return self._hit(view, ball, velocity, height, lambda contact: bump_velocity(contact, aim_xy, rise))

    def attack(self, view: DroneView, ball: np.ndarray, velocity: np.ndarray, height: float, target_xy: np.ndarray,
               apex: float) -> np.ndarray:
        """Send the ball (serve, attack, spike with a low ``apex``), met at ``height``, onto ``target_xy``."""
        target = np.asarray(target_xy, dtype=float)
        return self._hit(view, ball, velocity, height, lambda contact: launch_velocity(contact, target, apex))

    def _hit(self, view: DroneView, ball: np.ndarray, velocity: np.ndarray, height: float,
             aim: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        meet = descend_to(ball, velocity, height)
        if meet is None:  # still rising, or out of reach: wait under it
            return self.move_to(view, np.array((ball[0], ball[1], height - 0.1)))
        strike = plan_strike(meet, aim(meet[1]))
        return self.strike(view, strike)


def bump_velocity(contact: np.ndarray, aim_xy: np.ndarray, rise: float) -> np.ndarray:
    """Outgoing velocity sending the ball ``rise`` m up and back down to the contact height over ``aim_xy``."""
    vz = float(np.sqrt(2.0 * GRAVITY * rise))
    flight = 2.0 * vz / GRAVITY
    v_xy = (np.asarray(aim_xy, dtype=float) - contact[:2]) / flight
    return np.array((v_xy[0], v_xy[1], vz))
