"""Appearance perturbations for pixel observations: colours, lighting, camera pose and distractor objects.

They change nothing the physics sees: colours are visual-shape changes (put back at the next reset),
lighting and camera are render parameters, distractors are collision-free boxes. All are sampled at reset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from palaestra.sim.world import CameraConfig, World
from palaestra.wrappers.perturb.base import Perturbation, Run
from palaestra.wrappers.perturb.scene import Scene

# Where unused distractors wait: under the table, out of every camera's view.
_PARKED = (0.0, 0.0, -1.0)


@dataclass(frozen=True)
class _Visual(Perturbation):
    acts_on = "visual"

    def prepare(self, scene: Scene) -> None:
        """Called before the base environment resets (bodies can only be added then)."""


@dataclass(frozen=True)
class ColorJitter(_Visual):
    """Each free object's and the table's RGB shifted by ``level * u`` per channel, ``u ~ U(-1, 1)``."""

    kind = "color"

    def on_reset(self, run: Run) -> None:
        scene = run.scene
        if run.level == 0 or not scene.available:
            return
        for body in (scene.world.table, *scene.objects):
            rgba = np.array(scene.world.client.getVisualShapeData(body)[0][7])
            rgba[:3] = np.clip(rgba[:3] + run.level * run.rng.uniform(-1.0, 1.0, 3), 0.0, 1.0)
            scene.set_color(body, -1, rgba)
        run.log(self.kind, run.level, "scene")


@dataclass(frozen=True)
class LightingJitter(_Visual):
    """A light from a random direction within ``level * 60`` degrees of overhead, dimmed and tinted by up to
    ``level`` per channel, with ambient light varied by up to ``level * 0.3``."""

    kind = "lighting"
    fractional = True

    def on_reset(self, run: Run) -> None:
        if run.level == 0 or not run.scene.available:
            return
        tilt, azimuth = run.level * np.radians(60) * run.rng.random(), run.rng.uniform(-np.pi, np.pi)
        direction = [np.sin(tilt) * np.cos(azimuth), np.sin(tilt) * np.sin(azimuth), np.cos(tilt)]
        color = 1.0 - run.level * run.rng.random(3)
        run.scene.light = {
            "lightDirection": direction,
            "lightColor": color.tolist(),
            "lightAmbientCoeff": 0.6 + 0.3 * run.level * run.rng.uniform(-1.0, 1.0),
        }
        run.log(self.kind, run.level, "light")


@dataclass(frozen=True)
class CameraJitter(_Visual):
    """The camera moved per episode: at level 1, up to 10 degrees of yaw, 5 of pitch, 10 % of distance and
    2 cm of look-at target."""

    kind = "camera"

    def on_reset(self, run: Run) -> None:
        if run.level == 0 or not run.scene.available:
            return
        camera = getattr(run.scene.env, "camera", None) or CameraConfig()
        u = run.rng.uniform(-1.0, 1.0, 6) * run.level
        run.scene.camera = replace(
            camera,
            yaw=camera.yaw + 10.0 * u[0],
            pitch=camera.pitch + 5.0 * u[1],
            distance=camera.distance * (1.0 + 0.1 * u[2]),
            target=tuple(float(t + 0.02 * d) for t, d in zip(camera.target, u[3:])),
        )
        run.log(self.kind, run.level, "camera")


@dataclass(frozen=True)
class Distractors(_Visual):
    """Up to ``count`` collision-free coloured boxes on the table: ``round(level * count)`` shown per episode."""

    kind = "distractors"
    fractional = True
    count: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.count < 1:
            raise ValueError(f"Distractors: count={self.count} must be >= 1")

    def prepare(self, scene: Scene) -> None:
        missing = self.count - len(scene.distractors)
        if missing <= 0 or not scene.available:
            return
        # The world's snapshot must hold every body, so add them to the snapshot state and save it again.
        world: World = scene.world
        world.restore()
        scene.distractors.extend(world.add_box((0.025,) * 3, _PARKED, mass=0.0, collision=False) for _ in range(missing))
        world.save()

    def on_reset(self, run: Run) -> None:
        shown = round(run.level * self.count)
        scene = run.scene
        if shown == 0 or not scene.available:
            return
        low, high = np.array(World.TABLE_HALF_EXTENTS[:2]) * -0.6, np.array(World.TABLE_HALF_EXTENTS[:2]) * 0.6
        for body in scene.distractors[:shown]:
            xy = run.rng.uniform(low, high)
            scene.world.set_pose(body, (xy[0] + World.TABLE_CENTER_X, xy[1], 0.025))
            scene.world.client.changeVisualShape(body, -1, rgbaColor=[*run.rng.random(3), 1.0])
        run.log(self.kind, shown, "scene")
