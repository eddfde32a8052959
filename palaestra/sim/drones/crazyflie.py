"""Physical constants of a Bitcraze Crazyflie 2.x quadrotor and the rotor mixer derived from them.

Sources of each figure (all as used by gym-pybullet-drones, ``gym_pybullet_drones/assets/cf2x.urdf``,
which takes them from Landry, "Planning and control for quadrotor flight through cluttered environments",
MIT 2015, and Förster, "System identification of the Crazyflie 2.0 nano quadrocopter", ETH 2015):

* mass 0.027 kg (``<mass value="0.027"/>``);
* arm 0.0397 m, centre of mass to rotor axis (``arm="0.0397"``);
* inertia diag(1.4e-5, 1.4e-5, 2.17e-5) kg m^2 (``ixx``, ``iyy``, ``izz``);
* thrust coefficient kf = 3.16e-10 N/rpm^2 and drag-torque coefficient km = 7.94e-12 N m/rpm^2
  (``kf``, ``km``): a rotor at w rpm pushes kf w^2 and twists the body by km w^2, so its drag torque is
  km/kf = 0.0251 m times its thrust, whatever the speed;
* thrust-to-weight ratio 2.25 (``thrust2weight``), which fixes each rotor's maximum thrust;
* collision cylinder of radius 0.06 m and height 0.025 m (the URDF's ``<collision>``), the propeller guards'
  footprint.

Rotor speeds never appear in palaestra's interface: actions are thrusts, and kf, km only enter through
their ratio and the thrust limit. Rotor spin-up lag, blade flapping, ground effect and downwash are not
modelled (gym-pybullet-drones' ``PYB`` mode leaves them out too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

GRAVITY = 9.81


@dataclass(frozen=True)
class Quadrotor:
    """A rigid X-configuration quadrotor: mass, inertia, arm, rotor thrust limit and drag-torque ratio.

    Rotors are numbered counter-clockwise from the front-left one, seen from above: 0 at +45 degrees
    (front-left), 1 at +135 (rear-left), 2 at -135 (rear-right), 3 at -45 (front-right); 0 and 2 spin
    clockwise, 1 and 3 counter-clockwise, so equal thrusts cancel their drag torques.
    """

    mass: float = 0.027
    arm: float = 0.0397
    inertia: tuple[float, float, float] = (1.4e-5, 1.4e-5, 2.17e-5)
    kf: float = 3.16e-10
    km: float = 7.94e-12
    thrust_to_weight: float = 2.25
    radius: float = 0.06
    height: float = 0.025
    # Spin direction of each rotor: +1 counter-clockwise (its drag torque turns the body clockwise, -z).
    spins: tuple[int, int, int, int] = field(default=(-1, 1, -1, 1))

    @property
    def weight(self) -> float:
        return self.mass * GRAVITY

    @property
    def max_rotor_thrust(self) -> float:
        """Thrust of one rotor at full speed (N): the thrust-to-weight ratio shared by four rotors."""
        return self.thrust_to_weight * self.weight / 4.0

    @property
    def hover_rotor_thrust(self) -> float:
        return self.weight / 4.0

    @property
    def torque_ratio(self) -> float:
        """Drag torque per newton of thrust (m): km / kf."""
        return self.km / self.kf

    def rotor_positions(self) -> np.ndarray:
        """(4, 2) rotor positions in the body frame (x forward, y left)."""
        angles = np.radians([45.0, 135.0, -135.0, -45.0])
        return self.arm * np.stack([np.cos(angles), np.sin(angles)], axis=1)

    def mixer(self) -> np.ndarray:
        """(4, 4) matrix from rotor thrusts to (collective thrust, roll, pitch, yaw torque) in the body frame.

        A rotor at (x, y) pushing f along body z gives the torque (y f, -x f); its drag gives
        ``-spin * km/kf * f`` about z (a counter-clockwise rotor twists the body clockwise).
        """
        xy = self.rotor_positions()
        return np.stack([
            np.ones(4),
            xy[:, 1],
            -xy[:, 0],
            -np.asarray(self.spins, dtype=float) * self.torque_ratio,
        ])

    @property
    def max_roll_torque(self) -> float:
        """Largest roll (or pitch) torque with two rotors at full thrust and two off (N m)."""
        return 2.0 * self.max_rotor_thrust * self.arm / math.sqrt(2.0)


CRAZYFLIE_2X = Quadrotor()
