"""Tasks with free objects on the table: Reach, Push, Slide, PickAndPlace, Stack, Flip.

Objects start in a 30 x 30 cm square in front of the robot; goals are sampled from the env's generator.
"""

from __future__ import annotations

import numpy as np

from palaestra.envs.manipulation.task import Task, distance, touching

CUBE = 0.02  # half size of the 4 cm cubes
OBJECT_LOW, OBJECT_HIGH = np.array([-0.15, -0.15]), np.array([0.15, 0.15])
RED, GREEN, BLUE = (0.85, 0.2, 0.2, 1.0), (0.2, 0.75, 0.3, 1.0), (0.2, 0.35, 0.9, 1.0)


def _goal_color(rgba: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A pale, translucent tint of ``rgba`` for goal markers: TinyRenderer ignores alpha, so the tint is what
    tells a marker from the object in headless frames."""
    return (*(0.45 * c + 0.55 for c in rgba[:3]), 0.35)


class Reach(Task):
    """Bring the grasp point to a target in a 30 x 30 x 30 cm box. Goal: target position (3).

    Task observation: none (the gripper state is the whole observation).
    """

    name = "reach"
    goal_low = np.array([-0.15, -0.15, 0.0])
    goal_high = np.array([0.15, 0.15, 0.3])

    def build(self) -> None:
        self.marker = self.world.add_sphere_marker(0.02, (0.0, 0.0, 0.1), _goal_color(GREEN))

    def reset(self, rng: np.random.Generator) -> None:
        self.goal = rng.uniform(self.goal_low, self.goal_high)
        self.show_goal()

    def place_at_goal(self) -> None:
        c, arm = self.world.client, self.robot
        for _ in range(4):  # each IK solve starts from the last posture; a few passes reach millimetres
            q = c.calculateInverseKinematics(arm.body, arm.EE_LINK, self.goal, arm.DOWN, maxNumIterations=50)
            for joint, value in zip(arm.ARM, q):
                c.resetJointState(arm.body, joint, value)

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
    min_start_gap = 0.0  # table-plane distance the start keeps from the goal

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

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        super().set_goal(goal, rng)
        while np.linalg.norm(self.world.pose(self.object)[0][:2] - self.goal[:2]) < self.min_start_gap:
            self._place_object(rng)

    def place_at_goal(self) -> None:
        self.world.set_pose(self.object, self.goal)

    def loose_bodies(self) -> list[int]:
        return [self.object]

    def observation(self) -> np.ndarray:
        return _body_state(self.world.client, self.object)

    def achieved_goal(self) -> np.ndarray:
        return np.array(self.world.client.getBasePositionAndOrientation(self.object)[0])

    def expert_state(self) -> dict[str, np.ndarray]:
        pos, orn = self.world.pose(self.object)
        return {
            "object": pos,
            "object_orientation": orn,
            "object_velocity": self.world.velocity(self.object)[0],
            "target": self.goal.copy(),
        }


class Push(_SingleObject):
    """Push a 4 cm cube to a target on the table. Goal: cube centre (3).

    Task observation: object position, orientation (Euler angles), linear and angular velocity (12).
    """

    name = "push"
    goal_low = np.array([-0.15, -0.15, CUBE])
    goal_high = np.array([0.15, 0.15, CUBE])
    min_start_gap = 0.1

    def reset(self, rng: np.random.Generator) -> None:
        start = self._place_object(rng)
        self.goal = _sample_away(rng, self.goal_low, self.goal_high, start, self.min_start_gap)
        self.show_goal()


class Slide(_SingleObject):
    """Send a puck sliding over an ice sheet to a target beyond the robot's reach.

    Goal: puck centre (3). The puck (6 x 6 x 3 cm) starts near the robot on a thin low-friction sheet
    (friction 0.02 against the puck); the target lies at x in [0.2, 0.4], past x = 0.19 where the gripper
    stops reaching at table height, and within 10 cm to either side of the puck's start.
    Task observation: object position, orientation (Euler angles), linear and angular velocity (12).
    """

    name = "slide"
    half_extents = (0.03, 0.03, 0.015)
    ice_friction = 0.02
    ice_thickness = 0.002
    color = GREEN
    goal_low = np.array([0.2, -0.15, 0.015 + 0.002])
    goal_high = np.array([0.4, 0.15, 0.015 + 0.002])
    start_low, start_high = np.array([-0.25, -0.1]), np.array([-0.1, 0.1])
    max_sideways = 0.1

    def build(self) -> None:
        super().build()
        # A flat static slab on the table: its friction times the puck's (1.0) gives the sliding friction.
        self.ice = self.world.add_box(
            (0.4, 0.3, self.ice_thickness / 2), (0.1, 0.0, self.ice_thickness / 2),
            mass=0.0, color=(0.8, 0.9, 1.0, 1.0), friction=self.ice_friction,
        )

    def reset(self, rng: np.random.Generator) -> None:
        xy = rng.uniform(self.start_low, self.start_high)
        self.world.set_pose(self.object, (xy[0], xy[1], self.ice_thickness + self.half_extents[2]))
        while True:
            goal = rng.uniform(self.goal_low, self.goal_high)
            if abs(goal[1] - xy[1]) <= self.max_sideways:
                break
        self.goal = goal
        self.show_goal()

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        super().set_goal(goal, rng)
        while True:
            xy = rng.uniform(self.start_low, self.start_high)
            if abs(self.goal[1] - xy[1]) <= self.max_sideways:
                break
        self.world.set_pose(self.object, (xy[0], xy[1], self.ice_thickness + self.half_extents[2]))


class PickAndPlace(_SingleObject):
    """Grasp a cube and bring it to a target that is in the air half of the time. Goal: cube centre (3).

    Task observation: object position, orientation (Euler angles), linear and angular velocity (12).
    """

    name = "pick_and_place"
    goal_low = np.array([-0.15, -0.15, CUBE])
    goal_high = np.array([0.15, 0.15, 0.2])
    min_start_gap = 0.1

    def reset(self, rng: np.random.Generator) -> None:
        start = self._place_object(rng)
        goal = _sample_away(rng, self.goal_low, self.goal_high, start, self.min_start_gap)
        if rng.random() < 0.5:
            goal[2] = CUBE
        self.goal = goal
        self.show_goal()


class Flip(_SingleObject):
    """Flip an upright 4 x 4 x 10 cm block onto one of its four sides.

    The block stands with a random yaw; the goal is the direction its long (local z) axis must point once it
    lies on the chosen side: a horizontal unit vector along that side's outward normal, so goals cover every
    direction in the world frame, followed by a 1 meaning "lying on the table by itself" (4). The achieved
    goal is the block's axis and 1 when it touches the table and not the robot, else 0.
    Success: axes closer than 0.3 (about 17 degrees) with the block lying on the table, released (a block
    held sideways in the air does not count). Task observation: object position, orientation (Euler angles),
    linear and angular velocity (12).
    """

    name = "flip"
    half_extents = (0.02, 0.02, 0.05)
    color = RED
    distance_threshold = 0.3
    goal_low = np.array([-1.0, -1.0, 0.0, 1.0])
    goal_high = np.array([1.0, 1.0, 0.0, 1.0])

    def reset(self, rng: np.random.Generator) -> None:
        xy = rng.uniform(OBJECT_LOW, OBJECT_HIGH)
        yaw = rng.uniform(-np.pi, np.pi)
        start = np.array([xy[0], xy[1], self.half_extents[2]])
        c = self.world.client
        self.world.set_pose(self.object, start, c.getQuaternionFromEuler((0.0, 0.0, yaw)))
        angle = yaw + rng.integers(4) * np.pi / 2
        self.goal = np.array([np.cos(angle), np.sin(angle), 0.0, 1.0])
        self.world.set_pose(self.marker, *self._lying_pose(start, angle))

    def _lying_pose(self, start: np.ndarray, angle: float) -> tuple[np.ndarray, tuple[float, ...]]:
        """Where the block lands from ``start``, its long axis along ``angle``: what the marker shows."""
        lying = self.world.client.getQuaternionFromEuler((0.0, np.pi / 2, angle))
        where = start + self.goal[:3] * self.half_extents[2] + (0.0, 0.0, self.half_extents[0] - self.half_extents[2])
        return where, lying

    def goal_problem(self, goal: np.ndarray) -> str | None:
        problem = super().goal_problem(goal)
        if problem is None and (abs(goal[2]) > 1e-6 or abs(np.linalg.norm(goal[:3]) - 1.0) > 1e-3):
            problem = f"{goal} does not start with a horizontal unit vector"
        return problem

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        """Turn the upright block about z, by at most 45 degrees, so that one of its sides faces ``goal``."""
        angle = float(np.arctan2(goal[1], goal[0]))
        self.goal = np.array([np.cos(angle), np.sin(angle), 0.0, 1.0])
        position, orientation = self.world.pose(self.object)
        yaw = self.world.client.getEulerFromQuaternion(orientation)[2]
        yaw = angle - np.round((angle - yaw) / (np.pi / 2)) * np.pi / 2
        self.world.set_pose(self.object, position, self.world.client.getQuaternionFromEuler((0.0, 0.0, yaw)))
        self.show_goal()

    def show_goal(self) -> None:
        start = self.world.pose(self.object)[0]
        self.world.set_pose(self.marker, *self._lying_pose(start, float(np.arctan2(self.goal[1], self.goal[0]))))

    def place_at_goal(self) -> None:
        self.world.set_pose(self.object, *self.world.pose(self.marker))

    def achieved_goal(self) -> np.ndarray:
        c = self.world.client
        orn = c.getBasePositionAndOrientation(self.object)[1]
        lying = touching(c, self.object, self.world.table) and not touching(c, self.object, self.robot.body)
        return np.append(_axis_z(np.asarray(orn)), float(lying))

    def goal_distance(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """The axes' distance, plus 1 where the block is held or off the table while the goal wants it lying."""
        return distance(achieved[..., :3], desired[..., :3]) + np.abs(achieved[..., 3] - desired[..., 3])

    def expert_state(self) -> dict[str, np.ndarray]:
        orn = self.world.client.getBasePositionAndOrientation(self.object)[1]
        return {**super().expert_state(), "axis": _axis_z(np.asarray(orn))}


class Stack(Task):
    """Place a blue cube at a target on the table and a green cube on top of it.

    Goal: both target centres, the green one a cube height above the blue one, then a 1 meaning "the tower
    stands by itself" (7). The achieved goal is both cube centres and 1 when the green cube touches the blue
    one and the robot touches neither, else 0. Success: each cube within 5 cm of its target with the tower
    standing by itself (a green cube still carried over its target does not count). Task observation: for
    each cube its position, orientation (Euler angles), linear and angular velocity (24).
    """

    name = "stack"
    goal_low = np.array([-0.15, -0.15, CUBE, -0.15, -0.15, 3 * CUBE, 1.0])
    goal_high = np.array([0.15, 0.15, CUBE, 0.15, 0.15, 3 * CUBE, 1.0])

    def build(self) -> None:
        self.cubes = [self.world.add_box((CUBE,) * 3, (0.0, 0.1 * i, CUBE), color=c) for i, c in enumerate((BLUE, GREEN))]
        self.markers = [
            self.world.add_box((CUBE,) * 3, (0.0, 0.0, 0.3), mass=0.0, color=_goal_color(c), collision=False)
            for c in (BLUE, GREEN)
        ]

    def reset(self, rng: np.random.Generator) -> None:
        # Rejection-sample two cube starts and the stack base so that no two are within 10 cm.
        while True:
            points = rng.uniform(OBJECT_LOW, OBJECT_HIGH, size=(3, 2))
            if _min_gap(points) >= 0.1:
                break
        for cube, xy in zip(self.cubes, points[:2]):
            self.world.set_pose(cube, (xy[0], xy[1], CUBE))
        base = np.array([points[2, 0], points[2, 1], CUBE])
        self.goal = np.concatenate((base, base + (0.0, 0.0, 2 * CUBE), (1.0,)))
        self.show_goal()

    def goal_problem(self, goal: np.ndarray) -> str | None:
        problem = super().goal_problem(goal)
        if problem is None and np.abs(goal[3:6] - goal[:3] - (0.0, 0.0, 2 * CUBE)).max() > 1e-6:
            problem = f"{goal} does not put the second target one cube height above the first"
        return problem

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        super().set_goal(goal, rng)
        while True:  # re-place the cubes, as reset does, at least 10 cm from each other and from the base
            points = np.vstack((rng.uniform(OBJECT_LOW, OBJECT_HIGH, size=(2, 2)), self.goal[:2]))
            if _min_gap(points) >= 0.1:
                break
        for cube, xy in zip(self.cubes, points[:2]):
            self.world.set_pose(cube, (xy[0], xy[1], CUBE))

    def show_goal(self) -> None:
        for marker, target in zip(self.markers, (self.goal[:3], self.goal[3:6])):
            self.world.set_pose(marker, target)

    def place_at_goal(self) -> None:
        for cube, target in zip(self.cubes, (self.goal[:3], self.goal[3:6])):
            self.world.set_pose(cube, target)

    def loose_bodies(self) -> list[int]:
        return list(self.cubes)

    def observation(self) -> np.ndarray:
        return np.concatenate([_body_state(self.world.client, cube) for cube in self.cubes])

    def achieved_goal(self) -> np.ndarray:
        c, (lower, upper), robot = self.world.client, self.cubes, self.robot.body
        stands = touching(c, upper, lower) and not touching(c, upper, robot) and not touching(c, lower, robot)
        return np.array([*c.getBasePositionAndOrientation(lower)[0], *c.getBasePositionAndOrientation(upper)[0], float(stands)])

    def goal_distance(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """The larger of the two cubes' distances, so success needs both in place, plus 1 where the tower does
        not stand by itself while the goal wants it to."""
        first = distance(achieved[..., :3], desired[..., :3])
        second = distance(achieved[..., 3:6], desired[..., 3:6])
        return np.maximum(first, second) + np.abs(achieved[..., 6] - desired[..., 6])

    def expert_state(self) -> dict[str, np.ndarray]:
        lower, upper = (self.world.pose(cube)[0] for cube in self.cubes)
        return {"lower": lower, "upper": upper, "lower_target": self.goal[:3].copy(), "upper_target": self.goal[3:6].copy()}


def _min_gap(points: np.ndarray) -> float:
    """The smallest distance between any two of three points."""
    return min(np.linalg.norm(points[i] - points[j]) for i, j in ((0, 1), (0, 2), (1, 2)))


def _body_state(client, body: int) -> np.ndarray:
    """Position, orientation as Euler angles, linear and angular velocity of a free body (12)."""
    pos, orn = client.getBasePositionAndOrientation(body)
    lin, ang = client.getBaseVelocity(body)
    return np.array(pos + client.getEulerFromQuaternion(orn) + lin + ang)


def _axis_z(quaternion: np.ndarray) -> np.ndarray:
    """The third column of the rotation matrix of an (x, y, z, w) quaternion: where local z points."""
    x, y, z, w = quaternion
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def _sample_away(rng: np.random.Generator, low: np.ndarray, high: np.ndarray, start: np.ndarray, gap: float) -> np.ndarray:
    """A uniform sample in [low, high] at least ``gap`` away from ``start`` in the table plane (rejection)."""
    while True:
        goal = rng.uniform(low, high)
        if np.linalg.norm(goal[:2] - start[:2]) >= gap:
            return goal
