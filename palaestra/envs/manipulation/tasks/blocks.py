"""Tasks with free objects on the table: Reach, Push, Slide, PickAndPlace, Stack, Flip.

Objects start in a 30 x 30 cm square in front of the robot; goals are sampled from the env's generator.
"""

from __future__ import annotations

import numpy as np

from palaestra.envs.manipulation.task import Task

CUBE = 0.02  # half size of the 4 cm cubes
OBJECT_LOW, OBJECT_HIGH = np.array([-0.15, -0.15]), np.array([0.15, 0.15])
RED, GREEN, BLUE = (0.85, 0.2, 0.2, 1.0), (0.2, 0.75, 0.3, 1.0), (0.2, 0.35, 0.9, 1.0)


def _goal_color(rgba: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (*rgba[:3], 0.35)


class Reach(Task):
    """Bring the grasp point to a target in a 30 x 30 x 30 cm box. Goal: target position (3)."""

    name = "reach"
    goal_low = np.array([-0.15, -0.15, 0.0])
    goal_high = np.array([0.15, 0.15, 0.3])

    def build(self) -> None:
        self.marker = self.world.add_sphere_marker(0.02, (0.0, 0.0, 0.1), _goal_color(GREEN))

    def reset(self, rng: np.random.Generator) -> None:
        self.goal = rng.uniform(self.goal_low, self.goal_high)
        self.world.set_pose(self.marker, self.goal)

    def observation(self) -> np.ndarray:
        return np.zeros(0)

    def achieved_goal(self) -> np.ndarray:
        return self.robot.ee_position()

    def expert_state(self) -> dict[str, np.ndarray]:
        return {"target": self.goal.copy()}


class _SingleObject(Task):
    """A task about one free object: observation is its position, orientation (Euler), linear and angular velocity."""

    half_extents: tuple[float, float, float] = (CUBE, CUBE, CUBE)
    mass = 0.1
    friction = 1.0
    color = BLUE

    def build(self) -> None:
        self.object = self.world.add_box(
            self.half_extents, (0.0, 0.0, self.half_extents[2]), mass=self.mass, color=self.color, friction=self.friction
        )
        self.marker = self.world.add_box(self.half_extents, (0.0, 0.0, 0.3), mass=0.0, color=_goal_color(self.color), collision=False)

    def _place_object(self, rng: np.random.Generator) -> np.ndarray:
        xy = rng.uniform(OBJECT_LOW, OBJECT_HIGH)
        position = np.array([xy[0], xy[1], self.half_extents[2]])
        self.world.set_pose(self.object, position)
        return position

    def observation(self) -> np.ndarray:
        c = self.world.client
        pos, orn = c.getBasePositionAndOrientation(self.object)
        lin, ang = c.getBaseVelocity(self.object)
        return np.concatenate((pos, c.getEulerFromQuaternion(orn), lin, ang))

    def achieved_goal(self) -> np.ndarray:
        return np.array(self.world.client.getBasePositionAndOrientation(self.object)[0])

    def expert_state(self) -> dict[str, np.ndarray]:
        pos, orn = self.world.pose(self.object)
        return {"object": pos, "object_orientation": orn, "target": self.goal.copy()}


class Push(_SingleObject):
    """Push a 4 cm cube to a target on the table. Goal: cube centre (3)."""

    name = "push"
    goal_low = np.array([-0.15, -0.15, CUBE])
    goal_high = np.array([0.15, 0.15, CUBE])

    def reset(self, rng: np.random.Generator) -> None:
        start = self._place_object(rng)
        self.goal = _sample_away(rng, self.goal_low, self.goal_high, start, 0.1)
        self.world.set_pose(self.marker, self.goal)


def _sample_away(rng: np.random.Generator, low: np.ndarray, high: np.ndarray, start: np.ndarray, gap: float) -> np.ndarray:
    """A uniform sample in [low, high] at least ``gap`` away from ``start`` in the table plane (rejection)."""
    while True:
        goal = rng.uniform(low, high)
        if np.linalg.norm(goal[:2] - start[:2]) >= gap:
            return goal
Slide = PickAndPlace = Stack = Flip = Push  # PLACEHOLDER
