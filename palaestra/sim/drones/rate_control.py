"""The onboard rate controller: collective thrust and body rates in, four rotor thrusts out.

It plays the part of the Crazyflie firmware's inner (rate) loop: a proportional law on the body-rate error,
plus the gyroscopic term, gives the body torque; the inverse of the rotor mixer turns (thrust, torque) into
rotor thrusts, clipped to what the rotors can push. It runs at every physics substep (240 Hz) for each drone.
Plain Python floats, not numpy: for one drone's sixty multiplications numpy's per-call cost would be ten
times the arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from palaestra.sim.drones.crazyflie import Quadrotor

Wrench = tuple[float, float, float, float]  # collective thrust (N) and body torque (N m)


class RateController:
    """Tracks commanded body rates (rad/s) at a commanded collective thrust (N).

    ``gains`` are the inverse time constants (1/s) of the roll, pitch and yaw rate loops: 40/s for roll and
    pitch keeps the loop well inside the 240 Hz substep (gain x dt = 0.17) while settling in about 0.1 s.
    """

    def __init__(self, drone: Quadrotor, gains: tuple[float, float, float] = (40.0, 40.0, 15.0)) -> None:
        self.inertia = tuple(float(i) for i in drone.inertia)
        self.gains = tuple(float(g) for g in gains)
        mixer = drone.mixer()
        self.mixer = tuple(tuple(float(v) for v in row) for row in mixer)
        # LAPACK's inverse rounded to 12 significant digits: its kernels (chosen by the CPU) differ in the last
        # bits, which changed seeded rollouts between machines; the rounding removes that and nothing else.
        self.unmix = tuple(tuple(float(f"{v:.12g}") for v in row) for row in np.linalg.inv(mixer))
        self.max_thrust = float(drone.max_rotor_thrust)

    def rotor_thrusts(self, quaternion: Sequence[float], angular_velocity: Sequence[float],
                      thrust: float, rates: Sequence[float]) -> list[float]:
        """Four rotor thrusts (N) for one drone in orientation ``quaternion`` (x, y, z, w) spinning at the
        world-frame ``angular_velocity``, asked for collective ``thrust`` and body ``rates``."""
        p, q, r = body_frame(quaternion, angular_velocity)
        jx, jy, jz = self.inertia
        gx, gy, gz = self.gains
        # Torque = J K (desired - measured) + omega x J omega.
        tx = jx * gx * (rates[0] - p) + (q * jz * r - r * jy * q)
        ty = jy * gy * (rates[1] - q) + (r * jx * p - p * jz * r)
        tz = jz * gz * (rates[2] - r) + (p * jy * q - q * jx * p)
        top = self.max_thrust
        return [min(top, max(0.0, a * thrust + b * tx + c * ty + d * tz)) for a, b, c, d in self.unmix]

    def wrench(self, thrusts: Sequence[float]) -> Wrench:
        """The (thrust, roll, pitch, yaw torque) that four rotor thrusts produce in the body frame."""
        f0, f1, f2, f3 = thrusts
        (a0, a1, a2, a3), (b0, b1, b2, b3), (c0, c1, c2, c3), (d0, d1, d2, d3) = self.mixer
        return (a0 * f0 + a1 * f1 + a2 * f2 + a3 * f3, b0 * f0 + b1 * f1 + b2 * f2 + b3 * f3,
                c0 * f0 + c1 * f1 + c2 * f2 + c3 * f3, d0 * f0 + d1 * f1 + d2 * f2 + d3 * f3)


def body_frame(quaternion: Sequence[float], vector: Sequence[float]) -> tuple[float, float, float]:
    """A world-frame ``vector`` in the frame of a body oriented by ``quaternion`` (x, y, z, w)."""
    x, y, z, w = quaternion
    vx, vy, vz = vector
    # Rotate by the conjugate: v' = v + 2 u x (u x v + w v) with u = -(x, y, z).
    x, y, z = -x, -y, -z
    cx = y * vz - z * vy + w * vx
    cy = z * vx - x * vz + w * vy
    cz = x * vy - y * vx + w * vz
    return (vx + 2.0 * (y * cz - z * cy), vy + 2.0 * (z * cx - x * cz), vz + 2.0 * (x * cy - y * cx))

