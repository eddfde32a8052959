"""What perturbations may touch in a simulated environment, and how it is put back at every reset.

A :class:`Scene` wraps the PyBullet :class:`~palaestra.sim.world.World` of an environment (found as
``env.unwrapped.world``). The world's saved state restores poses and velocities but not dynamics
parameters, gravity or colours, so every change goes through the scene, which remembers the original value
the first time it changes one and puts all of them back in :meth:`Scene.restore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from palaestra.sim.world import CameraConfig, World

# Bullet's defaults; getDynamicsInfo does not report damping, and palaestra's bodies never change it.
DEFAULT_DAMPING = {"linearDamping": 0.04, "angularDamping": 0.04}
_INFO_INDEX = {"mass": 0, "lateralFriction": 1}


class Scene:
    """The world, robot and free objects of an environment; ``available`` is False for envs without a world."""

    def __init__(self, env: Any) -> None:
        base = env.unwrapped
        self.wrapped = env
        self.env = base
        self.world: World | None = getattr(base, "world", None)
        self.robot = getattr(base, "robot", None)
        self._dynamics: dict[tuple[int, int, str], float] = {}  # originals of changed parameters
        self._colors: dict[tuple[int, int], tuple[float, ...]] = {}
        self._gravity: float | None = None
        self._objects: tuple[int, ...] | None = None
        self.camera: CameraConfig | None = None
        self.light: dict[str, Any] = {}
        self.distractors: list[int] = []

    @property
    def available(self) -> bool:
        return self.world is not None

    @property
    def objects(self) -> tuple[int, ...]:
        """Free rigid bodies (positive mass, no joints, not the robot), in creation order."""
        if self._objects is None:
            c = self.world.client
            bodies = (c.getBodyUniqueId(i) for i in range(c.getNumBodies()))
            robot = getattr(self.robot, "body", None)
            self._objects = tuple(
                b for b in bodies if b != robot and c.getNumJoints(b) == 0 and c.getDynamicsInfo(b, -1)[0] > 0
            )
        return self._objects

    # -- dynamics ---------------------------------------------------------------------------------
    def original(self, body: int, name: str) -> float:
        """The unperturbed value of one ``changeDynamics`` parameter of a body's base."""
        key = (body, -1, name)
        if key in self._dynamics:
            return self._dynamics[key]
        if name in _INFO_INDEX:
            return float(self.world.client.getDynamicsInfo(body, -1)[_INFO_INDEX[name]])
        return DEFAULT_DAMPING[name]

    def set_dynamics(self, body: int, name: str, value: float) -> None:
        key = (body, -1, name)
        if key not in self._dynamics:
            self._dynamics[key] = self.original(body, name)
        self.world.set_dynamics(body, -1, **{name: value})

    def gravity(self) -> float:
        return self.world.physics.gravity if self._gravity is None else self._gravity

    def set_gravity(self, gz: float) -> None:
        self._gravity = gz
        self.world.set_gravity(gz)

    # -- interventions ----------------------------------------------------------------------------
    def push(self, body: int, impulse: Sequence[float], link: int = -1) -> None:
        """An impulse (N s) delivered as a force over the next simulation substep (PyBullet clears external
        forces after each substep)."""
        force = np.asarray(impulse, dtype=float) / self.world.physics.timestep
        self.world.apply_force(body, force.tolist(), link=link)

    def move(self, body: int, offset: Sequence[float]) -> None:
        position, orientation = self.world.pose(body)
        self.world.set_pose(body, position + np.asarray(offset), orientation)

    # -- appearance -------------------------------------------------------------------------------
    def set_color(self, body: int, link: int, rgba: Sequence[float]) -> None:
        key = (body, link)
        if key not in self._colors:
            self._colors[key] = next(s[7] for s in self.world.client.getVisualShapeData(body) if s[1] == link)
        self.world.client.changeVisualShape(body, link, rgbaColor=list(rgba))

    def render(self) -> np.ndarray:
        """A frame from the (possibly jittered) camera under the (possibly changed) light."""
        camera = self.camera or getattr(self.env, "camera", None) or CameraConfig()
        return self.world.render(camera, **self.light)

    @property
    def rerenders(self) -> bool:
        """Whether frames must come from :meth:`render` instead of the environment's own camera."""
        return self.camera is not None or bool(self.light)

    # -- reset ------------------------------------------------------------------------------------
    def restore(self) -> None:
        """Put every changed parameter back to its original value and drop camera and light overrides."""
        if not self.available:
            return
        for (body, link, name), value in self._dynamics.items():
            self.world.set_dynamics(body, link, **{name: value})
        for (body, link), rgba in self._colors.items():
            self.world.client.changeVisualShape(body, link, rgbaColor=list(rgba))
        if self._gravity is not None:
            self.world.set_gravity(self.world.physics.gravity)
        self._dynamics.clear()
        self._colors.clear()
        self._gravity = None
        self.camera = None
        self.light = {}

