"""Tasks on articulated objects: OpenDrawer, CloseDrawer, SlideDoor, PressButton.

Each goal is one joint value (shape ``(1,)``, metres): the drawer opening, the door offset or the button
depth to reach; the achieved goal is the current value. The task's part of the observation is
``[value, value rate, handle position (3)]``; the reward is the environment's (sparse: 0 on success, -1
otherwise; dense: minus the value error). A translucent ghost of the handle shows where it will be at the
goal value.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from palaestra.envs.manipulation.task import Task
from palaestra.sim.articulated import Button, Drawer, PrismaticObject, SlidingDoor

GHOST = (0.2, 0.75, 0.3, 0.4)
PLACE_LOW, PLACE_HIGH = np.array([-0.15, -0.15]), np.array([0.15, 0.15])  # where a button may stand


class _ArticulatedTask(Task):
    """Bring one articulated object's joint value to a sampled target; subclasses build the object and sample."""

    distance_threshold = 0.02
    marker_half_extents: tuple[float, float, float] = (0.01, 0.01, 0.01)

    def build(self) -> None:
        self.object = self.make_object()
        self.marker = self.world.add_box(
            self.marker_half_extents, (0.0, 0.0, 0.5), mass=0.0, color=GHOST, collision=False
        )

    @abstractmethod
    def make_object(self) -> PrismaticObject:
        """Create the articulated object (called once, by :meth:`build`)."""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> tuple[float, float]:
        """The initial value and the goal value."""

    def reset(self, rng: np.random.Generator) -> None:
        start, goal = self.sample(rng)
        self.object.set_value(start)
        self.goal = np.array([goal])
        self.show_goal()

    def show_goal(self) -> None:
        self.world.set_pose(self.marker, self.object.handle_position(self.goal[0]), self.object.orientation)

    def place_at_goal(self) -> None:
        self.object.set_value(self.goal[0])

    def observation(self) -> np.ndarray:
        value, rate = self.object.state()
        return np.concatenate(((value, rate), self.object.handle_position(value)))

    def achieved_goal(self) -> np.ndarray:
        return np.array([self.object.value()])

    def expert_state(self) -> dict[str, np.ndarray]:
        value = self.object.value()
        return {
            "value": np.array([value]),
            "target": self.goal.copy(),
            "handle": self.object.handle_position(value),
            "axis": self.object.axis.copy(),
        }


class OpenDrawer(_ArticulatedTask):
    """Pull a drawer out of a cabinet in front of the robot to a target opening.

    The drawer starts closed (opening below 2 cm) and the goal opening is uniform in [10, 20] cm.
    Goal: opening (1). Success: opening within 2 cm of the goal. Observation part: opening, its rate,
    handle position (5).
    """

    name = "open_drawer"
    goal_low = np.array([0.1])
    goal_high = np.array([0.2])
    marker_half_extents = (Drawer.BAR, Drawer.BAR_HALF_LENGTH, Drawer.BAR)
    start_range = (0.0, 0.02)

    def make_object(self) -> Drawer:
        return Drawer(self.world, (0.12, 0.0, 0.0))

    def sample(self, rng: np.random.Generator) -> tuple[float, float]:
        return float(rng.uniform(*self.start_range)), float(rng.uniform(self.goal_low[0], self.goal_high[0]))

    def expert_state(self) -> dict[str, np.ndarray]:
        return {**super().expert_state(), "hook": self.object.hook_position()}


class CloseDrawer(OpenDrawer):
    """Push an open drawer back into its cabinet to a target opening near closed.

    The drawer starts open by 12 to 20 cm and the goal opening is uniform in [0, 4] cm.
    Goal: opening (1). Success: opening within 2 cm of the goal. Observation part: opening, its rate,
    handle position (5).
    """

    name = "close_drawer"
    goal_low = np.array([0.0])
    goal_high = np.array([0.04])
    start_range = (0.12, 0.2)


class SlideDoor(_ArticulatedTask):
    """Slide a door panel along its rail to a target offset.

    The door starts anywhere in its +-12 cm travel and the goal is at least 8 cm away, also within the travel.
    Goal: offset (1). Success: offset within 2 cm of the goal. Observation part: offset, its rate,
    knob position (5).
    """

    name = "slide_door"
    goal_low = np.array([-0.12])
    goal_high = np.array([0.12])
    marker_half_extents = SlidingDoor.KNOB
    min_travel = 0.08  # how far the goal lies from the start

    def make_object(self) -> SlidingDoor:
        return SlidingDoor(self.world, (0.1, 0.0, 0.0), travel=float(self.goal_high[0]))

    def sample(self, rng: np.random.Generator) -> tuple[float, float]:
        low, high = self.goal_low[0], self.goal_high[0]
        start = float(rng.uniform(low, high))
        while True:  # rejection keeps the goal uniform over the allowed part of the travel
            goal = float(rng.uniform(low, high))
            if abs(goal - start) >= self.min_travel:
                return start, goal

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        super().set_goal(goal, rng)
        while abs(self.object.value() - self.goal[0]) < self.min_travel:
            self.object.set_value(float(rng.uniform(self.goal_low[0], self.goal_high[0])))


class PressButton(_ArticulatedTask):
    """Press a spring-loaded button, placed anywhere in a 30 x 30 cm square, down to a target depth.

    The button starts up (depth 0) and springs back when released; the goal depth is uniform in [8, 24] mm
    of its 30 mm travel. Goal: depth (1). Success: depth within 4 mm of the goal. Observation part: depth,
    its rate, cap-top position (5).
    """

    name = "press_button"
    goal_low = np.array([0.008])
    goal_high = np.array([0.024])
    distance_threshold = 0.004
    marker_half_extents = (0.035, 0.035, 0.001)

    def make_object(self) -> Button:
        return Button(self.world, (0.0, 0.0, 0.0))

    def reset(self, rng: np.random.Generator) -> None:
        # A fixed button sat under the gripper's start: random actions pressed it in a third of the episodes.
        x, y = rng.uniform(PLACE_LOW, PLACE_HIGH)
        self.object.set_pose((x, y, 0.0))
        super().reset(rng)

    def sample(self, rng: np.random.Generator) -> tuple[float, float]:
        return 0.0, float(rng.uniform(self.goal_low[0], self.goal_high[0]))
