"""A lever switch and lights: the playroom's toggles, built from boxes and spheres (no asset files).

A :class:`Lever` is a stick on a revolute joint whose angle an agent pushes past a threshold; a
:class:`Light` is a visual-only lamp whose colour shows a boolean state. What turns a light on (a lever's
angle, a button's press) is the scene's rule, not the light's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pybullet as p

from palaestra.sim.articulated import METAL, RED, Box, _compound
from palaestra.sim.world import Vec3, World

OFF = (0.3, 0.3, 0.32, 1.0)


class Lever:
    """A toggle lever: a 9 cm stick with a knob, hinged on a small fixed housing; the value is its angle (rad).

    The hinge axis is the world x axis; a positive angle tilts the knob towards +y (the robot's left). The
    angle is limited to ``[-limit, limit]`` and held by a joint friction of ``friction`` N m (a velocity
    motor with target 0), so the lever stays where it is pushed. :meth:`knob_position` is the push point.
    """

    HOUSING = (0.02, 0.03, 0.01)  # half extents
    STICK = (0.005, 0.005, 0.04)
    KNOB = (0.012, 0.012, 0.012)

    def __init__(self, world: World, position: Vec3, limit: float = 0.5, friction: float = 0.3) -> None:
        self.client = c = world.client
        self.limit = limit
        self.pivot = np.asarray(position, dtype=float) + (0.0, 0.0, 2 * self.HOUSING[2])
        self.length = 2 * self.STICK[2] + self.KNOB[2]  # hinge to knob centre
        base_col, base_vis = _compound(c, [Box(self.HOUSING, (0.0, 0.0, self.HOUSING[2]), METAL)])
        link = [Box(self.STICK, (0.0, 0.0, self.STICK[2]), METAL), Box(self.KNOB, (0.0, 0.0, self.length), RED)]
        link_col, link_vis = _compound(c, link)
        self.body = c.createMultiBody(
            0.0, base_col, base_vis, position,
            linkMasses=[0.5],
            linkCollisionShapeIndices=[link_col],
            linkVisualShapeIndices=[link_vis],
            linkPositions=[(0.0, 0.0, 2 * self.HOUSING[2])],
            linkOrientations=[(0.0, 0.0, 0.0, 1.0)],
            linkInertialFramePositions=[(0.0, 0.0, self.STICK[2])],
            linkInertialFrameOrientations=[(0.0, 0.0, 0.0, 1.0)],
            linkParentIndices=[0],
            linkJointTypes=[p.JOINT_REVOLUTE],
            linkJointAxis=[(-1.0, 0.0, 0.0)],
        )
        for index in (-1, 0):
            c.changeDynamics(self.body, index, lateralFriction=1.0, activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
        c.changeDynamics(self.body, 0, jointLowerLimit=-limit, jointUpperLimit=limit)
        # The joint limit alone gives way under a hard push (a 20 N shove tilts it past 0.75 rad), so two
        # static posts, where the stick's side meets them at +-limit, stop it like the slot of a real switch.
        stop_top, thickness = 0.06, 0.03
        edge = stop_top * np.tan(limit) + self.STICK[0] / np.cos(limit)
        for side in (-1.0, 1.0):
            centre = self.pivot + (0.0, side * (edge + thickness / 2), stop_top / 2)
            world.add_box((self.HOUSING[0], thickness / 2, stop_top / 2), centre, mass=0.0, color=METAL)
        # Motor settings are not part of a saved state: set once, they survive every restore.
        c.setJointMotorControl2(self.body, 0, p.VELOCITY_CONTROL, targetVelocity=0.0, force=friction)

    def angle(self) -> float:
        return self.client.getJointState(self.body, 0)[0]

    def set_angle(self, angle: float) -> None:
        """Place the lever at ``angle``, at rest (for resets; the physics is not stepped)."""
        if not -self.limit <= angle <= self.limit:
            raise ValueError(f"Lever angle {angle} is outside its range [{-self.limit}, {self.limit}]")
        self.client.resetJointState(self.body, 0, float(angle), 0.0)

    def knob_position(self, angle: float | None = None) -> np.ndarray:
        """World position of the knob's centre, now or at ``angle``."""
        if angle is None:
            angle = self.angle()
        return self.pivot + self.length * np.array([0.0, np.sin(angle), np.cos(angle)])


class Light:
    """A visual-only lamp on a post (it never collides) that shows ``on_color`` when on and grey when off.

    ``position`` is the foot of the post; the globe sits ``height`` above it. The colour is re-applied only
    when the state changes, and by :meth:`set` with ``force=True`` after a world restore (colours are not
    part of PyBullet's saved state).
    """

    def __init__(
        self, world: World, position: Vec3, on_color: Sequence[float], height: float = 0.12, radius: float = 0.025
    ) -> None:
        self.client = c = world.client
        self.on_color = tuple(on_color)
        x, y, z = position
        post = c.createVisualShape(p.GEOM_BOX, halfExtents=(0.006, 0.006, height / 2), rgbaColor=METAL)
        c.createMultiBody(0.0, -1, post, (x, y, z + height / 2))
        globe = c.createVisualShape(p.GEOM_SPHERE, radius=radius, rgbaColor=OFF)
        self.body = c.createMultiBody(0.0, -1, globe, (x, y, z + height + radius))
        self.on = False

    def set(self, on: bool, force: bool = False) -> None:
        if on != self.on or force:
            self.client.changeVisualShape(self.body, -1, rgbaColor=self.on_color if on else OFF)
        self.on = bool(on)
