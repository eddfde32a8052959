"""The playroom scene: a Panda at a desk with a drawer, a sliding door before a shelf, a button that toggles
a lamp, a lever that switches a bulb, and three coloured blocks, arranged and coloured as one of the
:mod:`~palaestra.envs.play.scenes` (A by default).

The scene is built once; :meth:`PlayScene.reset` restores the saved world and re-samples the initial state
from the environment's generator. The scene's rules live in :meth:`PlayScene.read_state`: pressing the
button past :data:`PRESS_DEPTH` toggles the lamp (once per press), and the bulb is on while the lever leans
to the robot's left (angle > 0).
"""

from __future__ import annotations

import math

import numpy as np
import pybullet as p

from palaestra.envs.play.layout import BLOCKS
from palaestra.envs.play.scenes import SCENES, Pattern, Scene
from palaestra.envs.play.state import PlayState, quaternion_of_yaw
from palaestra.sim.articulated import WOOD, Button, Drawer, SlidingDoor
from palaestra.sim.robot import Panda
from palaestra.sim.switches import Lever, Light
from palaestra.sim.world import CameraConfig, PhysicsConfig, World

COLORS = {"red": (0.85, 0.2, 0.2, 1.0), "green": (0.2, 0.75, 0.3, 1.0), "blue": (0.2, 0.35, 0.9, 1.0)}
LAMP_ON, BULB_ON = (1.0, 0.8, 0.15, 1.0), (0.55, 0.95, 1.0, 1.0)
PATTERN_CHUNK = 8  # boxes per visual shape array (PyBullet crashes on long arrays)
PRESS_DEPTH = 0.015  # of the button's 3 cm travel
# Facing the robot from across the desk, high enough to see into the drawer and over the door.
STATIC_CAMERA = CameraConfig(target=(-0.1, 0.0, 0.0), distance=1.0, yaw=90.0, pitch=-65.0, fov=60.0)


class PlayScene:
    """The playroom's bodies, its initial-state distribution, its light rules and its cameras.

    Setters (:meth:`set_block`, :meth:`set_drawer`...) place things at rest without stepping the physics,
    for resets, tests and scripted starts; :meth:`read_state` then reports what they changed.
    """

    def __init__(self, physics: PhysicsConfig, mode: str = "direct", scene: Scene = SCENES["A"]) -> None:
        self.variant = scene
        self.layout = layout = scene.layout
        self.world = world = World(physics, mode=mode)
        self.robot = Panda(world, ee_low=layout.ee_low, ee_high=layout.ee_high)
        self.drawer = Drawer(world, layout.drawer_position, size=layout.drawer_size, travel=layout.drawer_travel)
        self.door = SlidingDoor(world, layout.door_position, panel=layout.door_panel, travel=layout.door_travel)
        self.button = Button(world, layout.button_position)
        self.lever = Lever(world, layout.lever_position)
        shelf = layout.shelf
        world.add_box((*shelf.half, shelf.top / 2), (*shelf.center, shelf.top / 2), mass=0.0, color=scene.wood)
        self.lamp = Light(world, layout.lamp_position, LAMP_ON)
        self.bulb = Light(world, layout.bulb_position, BULB_ON)
        h = layout.block_half
        self.blocks = {
            name: world.add_box((h, h, h), (-0.2, 0.1 * i, h), mass=0.1, color=COLORS[name])
            for i, name in enumerate(BLOCKS)
        }
        self._dress(scene)
        self._pressed = False
        for _ in range(2):  # let contacts settle once before the snapshot every reset returns to
            world.step()
        world.save()

    def _dress(self, scene: Scene) -> None:
        """Colour the desk and the cabinet and draw the desk's pattern: looks only, the physics is untouched."""
        c = self.world.client
        c.changeVisualShape(self.world.table, -1, rgbaColor=scene.desk)
        if scene.wood != WOOD:
            c.changeVisualShape(self.drawer.body, -1, rgbaColor=scene.wood)
        boxes = desk_pattern(scene)
        for start in range(0, len(boxes), PATTERN_CHUNK):
            chunk = boxes[start : start + PATTERN_CHUNK]
            visual = c.createVisualShapeArray(  # lists of plain floats: PyBullet crashes on other sequences
                [p.GEOM_BOX] * len(chunk), halfExtents=[list(h) for h, _ in chunk],
                visualFramePositions=[list(centre) for _, centre in chunk],
                rgbaColors=[scene.pattern_color] * len(chunk),
            )
            c.createMultiBody(0.0, -1, visual, (0.0, 0.0, 0.0))

    # -- initial states -----------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator) -> PlayState:
        """Restore the built scene and sample drawer, door, lights and block poses from ``rng``."""
        self.world.restore()
        self.robot.reset(Panda.REST, Panda.MAX_WIDTH)
        lay = self.layout
        opening = rng.uniform(0.1, lay.drawer_travel) if rng.random() < 0.5 else rng.uniform(0.0, 0.02)
        self.set_drawer(opening)
        self.set_door(rng.uniform(-lay.door_travel, lay.door_travel))
        self.set_lamp(bool(rng.random() < 0.5), force=True)
        self.set_lever((1.0 if rng.random() < 0.5 else -1.0) * rng.uniform(0.25, 0.45))
        self.bulb.set(self.lever.angle() > 0.0, force=True)
        self._pressed = False
        spots = lay.desk_spots(rng, len(BLOCKS))
        poses = {name: (spot, rng.uniform(-math.pi / 4, math.pi / 4)) for name, spot in zip(BLOCKS, spots)}
        # At most one block starts somewhere other than the desk, so every kind of task comes up.
        arrangement, chosen = rng.random(), rng.permutation(len(BLOCKS))
        moving, below = BLOCKS[chosen[0]], BLOCKS[chosen[1]]
        h = lay.block_half
        if arrangement < 0.15:
            poses[moving] = (poses[below][0] + (0.0, 0.0, 2 * h), poses[below][1] + rng.uniform(-0.2, 0.2))
        elif arrangement < 0.3 and opening > 0.1:
            poses[moving] = (lay.drawer_spot(opening, rng.uniform(0.0, 0.01)), poses[moving][1])
        elif arrangement < 0.45:
            poses[moving] = (lay.shelf_spot(rng), poses[moving][1])
        for name, (position, yaw) in poses.items():
            self.set_block(name, position, yaw)
        return self.read_state()

    # -- setters (at rest, physics not stepped) -------------------------------------------------------
    def set_block(self, name: str, position: np.ndarray, yaw: float = 0.0) -> None:
        self.world.set_pose(self.blocks[name], position, quaternion_of_yaw(yaw))

    def set_drawer(self, opening: float) -> None:
        self.drawer.set_value(float(opening))

    def set_door(self, offset: float) -> None:
        self.door.set_value(float(offset))

    def set_button(self, depth: float) -> None:
        self.button.set_value(float(depth))

    def set_lever(self, angle: float) -> None:
        self.lever.set_angle(float(angle))

    def set_lamp(self, on: bool, force: bool = False) -> None:
        self.lamp.set(on, force=force)

    # -- reading ------------------------------------------------------------------------------------
    def read_state(self) -> PlayState:
        """The current :class:`PlayState`, after applying the light rules (idempotent between steps)."""
        c = self.world.client
        drawer, door, button, lever = (
            c.getJointState(o.body, 0)[0] for o in (self.drawer, self.door, self.button, self.lever)
        )
        pressed = button > PRESS_DEPTH
        if pressed and not self._pressed:
            self.lamp.set(not self.lamp.on)
        self._pressed = pressed
        self.bulb.set(lever > 0.0)
        robot = self.robot.state()
        poses = {n: c.getBasePositionAndOrientation(b) for n, b in self.blocks.items()}
        return PlayState.from_poses(
            self.layout, poses, ee_position=robot.ee_position, ee_velocity=robot.ee_velocity,
            gripper=robot.finger_width, drawer=drawer, door=door, button=button, lever=lever, lamp=self.lamp.on,
            bulb=self.bulb.on,
        )

    # -- cameras ------------------------------------------------------------------------------------
    def render_static(self, camera: CameraConfig) -> np.ndarray:
        return self.world.render(camera)

    def render_gripper(self, size: int) -> np.ndarray:
        """A ``size`` x ``size`` RGB frame from a camera on the hand, looking along the fingers."""
        c = self.world.client
        link = c.getLinkState(self.robot.body, Panda.EE_LINK)
        rotation = np.array(c.getMatrixFromQuaternion(link[5])).reshape(3, 3)
        origin = np.asarray(link[4])
        # Behind the hand and towards the desk's far side, so the fingertips sit at the bottom of the frame.
        eye = origin + rotation @ (0.1, 0.0, -0.1)
        view = c.computeViewMatrix(eye, origin + rotation @ (0.0, 0.0, 0.15), rotation @ (1.0, 0.0, 0.0))
        proj = c.computeProjectionMatrixFOV(75.0, 1.0, 0.01, 2.0)
        rgba = c.getCameraImage(
            size, size, viewMatrix=view, projectionMatrix=proj, shadow=0, renderer=p.ER_TINY_RENDERER,
            flags=p.ER_NO_SEGMENTATION_MASK,
        )[2]
        return np.asarray(rgba, dtype=np.uint8).reshape(size, size, 4)[:, :, :3].copy()

    def close(self) -> None:
        self.world.close()


def desk_pattern(scene: Scene) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The (half extents, centre) of the thin boxes that draw ``scene.pattern`` on the desk top (1 mm high)."""
    (hx, hy, _), cx = World.TABLE_HALF_EXTENTS, World.TABLE_CENTER_X
    (x0, x1), (y0, y1) = (cx - hx, cx + hx), (-hy, hy)
    z, thin = 0.0006, 0.0006
    if scene.pattern is Pattern.PLANKS:  # every other 10 cm board, running away from the robot
        ys = np.arange(y0, y1, 0.1)[::2]
        return [(((x1 - x0) / 2, 0.05, thin), ((x0 + x1) / 2, float(y) + 0.05, z)) for y in ys]
    if scene.pattern is Pattern.TILES:  # 13 cm squares
        side = 0.13
        return [
            ((side / 2, side / 2, thin), (x0 + (i + 0.5) * side, y0 + (j + 0.5) * side, z))
            for i in range(int((x1 - x0) / side)) for j in range(int((y1 - y0) / side)) if (i + j) % 2 == 0
        ]
    if scene.pattern is Pattern.MAT:  # a mat under the work area in front of the robot
        return [((0.2, 0.26, thin), (-0.22, 0.0, z))]
    return []
