"""The PyBullet world every 3D environment owns: one physics client, fixed settings, snapshots, a camera.

Each environment creates its own :class:`World`, so any number of environments live in one process and
none of them touches PyBullet's global default client.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pybullet as p
import pybullet_data

from palaestra.sim import quiet_fd
from palaestra.sim.client import RecordingClient

Vec3 = Sequence[float]
CAMERA_CACHE = 64  # view/projection matrices kept per world, one pair per camera config


@dataclass(frozen=True)
class PhysicsConfig:
    """Simulation rate and solver settings; control runs at ``1 / (timestep * substeps)`` Hz (24 Hz by default).

    Each choice was measured beside panda-gym 3 (1/500 s x 20 substeps, 50 solver iterations) with
    ``palaestra bench --fidelity`` (:mod:`palaestra.sim.fidelity`):

    - **Rate.** 120 Hz with 5 substeps: 240 Hz with 10 at the same control rate runs Push at 0.65 of the speed.
      The shorter step would cut a dropped cube's worst first-contact penetration (a box-box contact appears
      only once the boxes overlap, so the first overlap is up to one substep of fall: worst over drops from 8
      to 12 cm, 11.1 mm at 120 Hz, 5.7 mm at 240 Hz, 2.8 mm in panda-gym's 500 Hz; docs/physics.md).
    - **Solver iterations.** 15. A position motor solved by few iterations settles a little below its target
      under gravity (at 10: 2.3 mrad on the shoulder, 1.3 mm at the gripper; at 15: 0.67 mm; at 50: 0.06 mm
      for about 17% of the speed). :class:`~palaestra.sim.robot.Panda` keeps its set-point, so that offset no
      longer accumulates into a sag, and integrates it away on axes it holds (docs/physics.md); 15 iterations
      keep it under a millimetre at the rest pose for a few percent of speed.
      Doubling the motor gain instead halves the offset too, but moves the arm 40% further per full step
      than the scripted experts were built for (Flip's expert fell from 95% to 50%).
    - **Contact ERP** 0.4 (PyBullet documents 0.2 as its default): the share of a contact's penetration
      resolved per substep.
      At 0.2 a cube dropped from 10 cm stays over 1 mm deep for 142 ms and settles in 300 ms (panda-gym 26 and 64 ms);
      at 0.4, 25 and 58 ms. At 0.8 (8 and 92 ms) a tipping block bounces and turns: Flip's expert fell from
      100% to 75% (40 episodes).
      ``contact_erp=None`` leaves the parameter unset, which is not the same as setting the documented 0.2:
      the drone scene's hit drill scored 99% unset and 89% with 0.2 set (its ball bounce and hit model were
      calibrated unset, so it keeps None).
    - **Friction anchors** on free bodies: without them a two-cube tower creeps 2.4 mm in 200 steps
      (panda-gym 0.23 mm); with them 0.05 mm or less.
    """

    timestep: float = 1.0 / 120.0
    substeps: int = 5
    solver_iterations: int = 15
    gravity: float = -9.81
    contact_erp: float | None = 0.4
    friction_anchor: bool = True

    @property
    def control_dt(self) -> float:
        return self.timestep * self.substeps

    @property
    def motor_gain(self) -> float:
        """Position-motor gain per substep giving the same convergence per second as PyBullet's default
        (0.1 per substep) at 240 Hz, so changing the timestep does not change how fast the arm tracks."""
        return 1.0 - 0.9 ** (self.timestep * 240.0)


@dataclass(frozen=True)
class CameraConfig:
    """A fixed look-at camera; frames are ``(height, width, 3)`` uint8 arrays rendered by TinyRenderer."""

    width: int = 84
    height: int = 84
    target: tuple[float, float, float] = (-0.1, 0.0, 0.05)
    distance: float = 1.15
    yaw: float = 50.0
    pitch: float = -35.0
    fov: float = 55.0
    near: float = 0.05
    far: float = 4.0


def _headless_instead(reason: str) -> str:
    warnings.warn(
        f"render_mode='human' cannot open a PyBullet window: {reason}. This environment runs headless and shows "
        "nothing; use render_mode='rgb_array' for frames, or give it a display (xvfb-run on a server).",
        UserWarning,
        stacklevel=4,
    )
    return "direct"


class World:
    """A physics client with a table, deterministic settings and an O(1) snapshot/restore.

    ``mode="direct"`` runs headless; ``mode="gui"`` opens PyBullet's window (``render_mode="human"``).
    ``light_visuals`` (headless only) loads URDFs with simplified visual meshes, see :meth:`load_urdf`.
    The table top is the plane ``z = 0``; bodies are created with :meth:`add_box` and friends.
    """

    TABLE_HALF_EXTENTS = (0.65, 0.45, 0.2)  # the top spans x in [-0.7, 0.6], y in [-0.45, 0.45]
    TABLE_CENTER_X = -0.05

    def __init__(self, physics: PhysicsConfig = PhysicsConfig(), mode: str = "direct", light_visuals: bool = True) -> None:
        if mode == "gui" and sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
            # PyBullet's GUI would abort the whole process; tools such as Gymnasium's check_env build a human
            # copy of every env, so human mode degrades to headless with a warning rather than failing.
            mode = _headless_instead("there is no display (DISPLAY is not set)")
        with quiet_fd(1):  # each connect prints "argv[0]=" (and the GUI its OpenGL report) to stdout from C
            try:
                self.client = RecordingClient(p.GUI if mode == "gui" else p.DIRECT)
            except p.error as error:
                if mode != "gui":
                    raise
                # PyBullet allows one GUI connection per process (a second human env, PettingZoo's render_test).
                mode = _headless_instead(f"PyBullet opens one window per process and one is open ({error})")
                self.client = RecordingClient(p.DIRECT)
        self.physics = physics
        self.mode = mode
        self.light_visuals = light_visuals and mode == "direct"
        self._closed = False
        self._snapshot: int | None = None
        self._bodies: list[int] = []
        c = self.client
        c.setAdditionalSearchPath(pybullet_data.getDataPath())
        if mode == "gui":
            c.configureDebugVisualizer(p.COV_ENABLE_GUI, 0)
            c.configureDebugVisualizer(p.COV_ENABLE_SHADOWS, 0)
        c.setGravity(0.0, 0.0, physics.gravity)
        c.setTimeStep(physics.timestep)
        # Deterministic resets from a saved state need a fixed pair order and no sleeping bodies.
        engine = dict(numSolverIterations=physics.solver_iterations, deterministicOverlappingPairs=1, numSubSteps=0)
        if physics.contact_erp is not None:  # None: Bullet's own contact ERP, which no parameter reports
            engine["contactERP"] = physics.contact_erp
        c.setPhysicsEngineParameter(**engine)
        self.table = self.add_box(
            self.TABLE_HALF_EXTENTS,
            (self.TABLE_CENTER_X, 0.0, -self.TABLE_HALF_EXTENTS[2]),
            mass=0.0,
            color=(0.82, 0.78, 0.72, 1.0),
            # Below 1 so that a cube pushed at mid-height slides instead of tipping over (mu < half-width / height).
            friction=0.5,
        )
        self._cameras: dict[CameraConfig, tuple[list[float], list[float]]] = {}

    # -- bodies ---------------------------------------------------------------------------------
    def add_box(
        self,
        half_extents: Vec3,
        position: Vec3,
        mass: float = 0.1,
        color: Sequence[float] = (0.9, 0.2, 0.2, 1.0),
        orientation: Sequence[float] = (0.0, 0.0, 0.0, 1.0),
        friction: float = 1.0,
        collision: bool = True,
    ) -> int:
        """Create a box body (``mass=0`` makes it static; ``collision=False`` makes a visual-only marker)."""
        c = self.client
        shape = c.createCollisionShape(p.GEOM_BOX, halfExtents=half_extents) if collision else -1
        visual = c.createVisualShape(p.GEOM_BOX, halfExtents=half_extents, rgbaColor=color)
        body = c.createMultiBody(mass, shape, visual, position, orientation)
        if collision:
            c.changeDynamics(body, -1, lateralFriction=friction, activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
            if mass > 0.0 and self.physics.friction_anchor:
                c.changeDynamics(body, -1, frictionAnchor=1)
        return body

    def add_sphere_marker(self, radius: float, position: Vec3, color: Sequence[float]) -> int:
        """A visual-only sphere (goal markers): never collides, never moves unless placed."""
        visual = self.client.createVisualShape(p.GEOM_SPHERE, radius=radius, rgbaColor=color)
        return self.client.createMultiBody(0.0, -1, visual, position)

    def load_urdf(self, path: str, position: Vec3, fixed: bool = True, flags: int = 0) -> int:
        """Load a URDF (a path relative to ``pybullet_data`` or absolute).

        Headless worlds load it with light visual meshes (:mod:`palaestra.sim.meshes`): TinyRenderer's
        frame cost follows the triangle count, and the collision geometry, hence the physics, is identical.
        """
        return self.client.load_urdf(path, self.light_visuals, position, useFixedBase=fixed, flags=flags)

    # -- poses and dynamics ---------------------------------------------------------------------
    def pose(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        pos, orn = self.client.getBasePositionAndOrientation(body)
        return np.array(pos), np.array(orn)

    def velocity(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        lin, ang = self.client.getBaseVelocity(body)
        return np.array(lin), np.array(ang)

    def set_pose(self, body: int, position: Vec3, orientation: Sequence[float] = (0.0, 0.0, 0.0, 1.0)) -> None:
        """Teleport a body and zero its velocity."""
        self.client.resetBasePositionAndOrientation(body, position, orientation)
        self.client.resetBaseVelocity(body, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))

    def set_dynamics(self, body: int, link: int = -1, **kwargs: float) -> None:
        """Change mass, lateralFriction, linearDamping... (PyBullet ``changeDynamics`` keywords)."""
        self.client.changeDynamics(body, link, **kwargs)

    def set_gravity(self, gz: float) -> None:
        self.client.setGravity(0.0, 0.0, gz)

    def apply_force(self, body: int, force: Vec3, link: int = -1, position: Vec3 | None = None) -> None:
        """Apply a world-frame force for the next substep, at the body's origin unless ``position`` is given."""
        if position is None:
            position = self.pose(body)[0] if link == -1 else self.client.getLinkState(body, link)[0]
        self.client.applyExternalForce(body, link, force, position, p.WORLD_FRAME)

    # -- time -----------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one control step (``physics.substeps`` simulation steps)."""
        step = self.client.stepSimulation
        for _ in range(self.physics.substeps):
            step()

    def save(self) -> None:
        """Remember the current state; :meth:`restore` returns to it without reloading anything."""
        if self._snapshot is not None:
            self.client.removeState(self._snapshot)
        self._snapshot = self.client.saveState()
        c = self.client
        self._bodies = [c.getBodyUniqueId(i) for i in range(c.getNumBodies())]

    def restore(self) -> None:
        """Return to the saved state, leaving nothing of the episode before: same seed, same trajectory."""
        if self._snapshot is None:
            raise RuntimeError("World.restore() called before World.save()")
        self._forget_contacts()
        self.client.restoreState(stateId=self._snapshot)

    def _forget_contacts(self) -> None:
        """Drop every collision pair with its narrow-phase state, so that the restore rebuilds them all.

        ``restoreState`` writes back one contact manifold per pair and keeps the rest of the pair's state: a
        compound shape (drawer, door, lever) has a manifold per child box, and those kept the previous
        episode's contact points (with friction anchors, points at a positive distance are never replaced).
        Any collision-filter change re-creates a body's broadphase entries and frees their pairs; a rule that
        lets a body's base collide with itself changes nothing else (a body is never paired with itself), and
        with the simple broadphase the entries keep their ids, so the saved manifolds still find their pairs.
        """
        c = self.client
        for body in self._bodies:
            c.setCollisionFilterPair(body, body, -1, -1, 1)

    # -- camera ---------------------------------------------------------------------------------
    def render(self, camera: CameraConfig = CameraConfig(), **light: Any) -> np.ndarray:
        """An RGB frame of shape ``(camera.height, camera.width, 3)``, uint8, rendered headless.

        ``light`` takes TinyRenderer's lighting arguments (``lightDirection``, ``lightColor``...).
        """
        matrices = self._cameras.get(camera)
        if matrices is None:
            if len(self._cameras) >= CAMERA_CACHE:  # jittered cameras (perturbations) are new every episode
                self._cameras.clear()
            c = self.client
            view = c.computeViewMatrixFromYawPitchRoll(camera.target, camera.distance, camera.yaw, camera.pitch, 0.0, 2)
            proj = c.computeProjectionMatrixFOV(camera.fov, camera.width / camera.height, camera.near, camera.far)
            matrices = self._cameras[camera] = (view, proj)
        _, _, rgba, _, _ = self.client.getCameraImage(
            camera.width,
            camera.height,
            viewMatrix=matrices[0],
            projectionMatrix=matrices[1],
            shadow=0,
            renderer=p.ER_TINY_RENDERER,
            flags=p.ER_NO_SEGMENTATION_MASK,
            **light,
        )
        return np.asarray(rgba, dtype=np.uint8).reshape(camera.height, camera.width, 4)[:, :, :3].copy()

    # -- copies -----------------------------------------------------------------------------------
    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy (see :class:`~palaestra.sim.client.RecordingClient`): headless, its own client, the saved
        snapshot under its new id."""
        self.__dict__.update(state)
        self.mode = "direct"
        if self._snapshot is not None:
            self._snapshot = self.client.state_ids[self._snapshot]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.client.disconnect()
            except p.error:
                pass
