"""The contract between a manipulation task and :class:`~palaestra.envs.manipulation.env.ManipulationEnv`.

A task owns the objects it adds to the world, samples goals and initial poses from the environment's
generator, reads its part of the observation, and defines success and reward over *batches* of goals
(so hindsight relabelling can call them on arrays of shape ``(batch, goal_dim)``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from palaestra.sim.robot import Panda
from palaestra.sim.world import World


def touching(client, a: int, b: int) -> bool:
    """Whether bodies ``a`` and ``b`` are in contact after the last substep."""
    return bool(client.getContactPoints(a, b))


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance along the last axis: ``np.linalg.norm(a - b, axis=-1)``'s arithmetic, bit for bit,
    without its dispatch (a few microseconds on every step's reward)."""
    diff = a - b
    return np.sqrt((diff * diff).sum(axis=-1))


class Task(ABC):
    """One goal-conditioned task. Subclasses set the class attributes and implement the abstract methods.

    ``goal_low``/``goal_high`` bound the goal space (they define the ``desired_goal`` Box); ``distance_threshold``
    is the success tolerance of the default Euclidean success test.
    """

    name: str = ""
    goal_low: np.ndarray
    goal_high: np.ndarray
    distance_threshold: float = 0.05
    # End-effector workspace for this task (robot clip box) as (low, high).
    ee_bounds: tuple[tuple[float, float, float], tuple[float, float, float]] = (
        (-0.35, -0.35, 0.005),
        (0.35, 0.35, 0.45),
    )

    def __init__(self, world: World, robot: Panda) -> None:
        self.world = world
        self.robot = robot
        self.goal = np.zeros_like(self.goal_low)

    @property
    def goal_dim(self) -> int:
        return int(self.goal_low.shape[0])

    @abstractmethod
    def build(self) -> None:
        """Create this task's bodies once; called before the world's state is saved."""

    @abstractmethod
    def reset(self, rng: np.random.Generator) -> None:
        """Sample initial poses and ``self.goal`` from ``rng`` (the env's ``np_random``), after the world is restored."""

    @abstractmethod
    def observation(self) -> np.ndarray:
        """The task's part of the state observation (object poses, velocities...), float32-compatible."""

    @abstractmethod
    def achieved_goal(self) -> np.ndarray:
        """The quantity compared with the desired goal, same shape as ``self.goal``."""

    def goal_distance(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """Distance per goal along the last axis; override for goals that are not positions."""
        return distance(achieved, desired)

    def is_success(self, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        return self.goal_distance(achieved, desired) < self.distance_threshold

    # -- goal injection (goal wrappers, curricula) and goal images ----------------------------------
    def goal_problem(self, goal: np.ndarray) -> str | None:
        """Why ``goal`` is not a goal of this task, or ``None`` when it is (bounds checked with float32 slack)."""
        if goal.shape != self.goal_low.shape:
            return f"has shape {goal.shape}, expected {self.goal_low.shape}"
        if not np.all(np.isfinite(goal)):
            return f"{goal} is not finite"
        if np.any(goal < self.goal_low - 1e-6) or np.any(goal > self.goal_high + 1e-6):
            return f"{goal} lies outside the goal space [{self.goal_low}, {self.goal_high}]"
        return None

    def set_goal(self, goal: np.ndarray, rng: np.random.Generator) -> None:
        """Replace the goal :meth:`reset` sampled by a valid ``goal`` (see :meth:`goal_problem`).

        Tasks whose start must keep away from the goal override this to re-sample the start from ``rng``.
        """
        self.goal = np.clip(goal, self.goal_low, self.goal_high)
        self.show_goal()

    def show_goal(self) -> None:
        """Move the goal marker(s) to ``self.goal``."""
        self.world.set_pose(self.marker, self.goal)

    def place_at_goal(self) -> None:
        """Put the task's objects (or the arm) in the goal state, for goal images rendered between a
        snapshot and its restore; motor targets are left alone, since a restore does not reset them."""
        raise NotImplementedError(f"task {self.name!r} cannot show its goal state")

    def loose_bodies(self) -> list[int]:
        """The free bodies that can leave the table (the environment truncates the episode when one does)."""
        return []

    def info(self) -> dict[str, Any]:
        """Extra diagnostic entries for ``info`` (fresh objects each call; never mutated afterwards)."""
        return {}

    def expert_state(self) -> dict[str, np.ndarray]:
        """Named privileged quantities the scripted expert reads (object poses, handle positions...)."""
        return {}
