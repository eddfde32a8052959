"""Goal wrappers for the goal-conditioned manipulation tasks: goal samplers and splits, hindsight relabelling
helpers, and goal images.

Every task's goals are the image of a unit cube ``[0, 1]^d`` (:class:`GoalSpace`): samplers draw unit
coordinates and the task's goal follows, so a sampler works on every task. A quarter of each goal space is
*held out* (out of distribution, OOD): in the first two unit coordinates the upper quadrant ``u0, u1 >= 0.5``,
in a one-dimensional space the top quarter ``u >= 0.75``. ``docs/wrappers/goals.md`` lists the region of
each task in metres.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.checks import env_name
from palaestra.wrappers.goal_api import GoalAPIPassthrough

Split = Literal["all", "iid", "ood"]
SPLITS: tuple[str, ...] = ("all", "iid", "ood")
_STREAM = 0x60A1  # keeps the wrapper's generator apart from the env's, seeded with the same number


class GoalSpace:
    """One task's goals as a map from unit coordinates ``u`` in ``[0, 1]^dims``, and its held-out region.

    ``columns[i]`` is the unit coordinate that drives goal component ``i`` (``-1``: fixed at ``goal_low``); two
    components may share one (Stack's upper target follows the lower one). ``angular`` spaces map one
    coordinate to a horizontal unit vector at angle ``-pi + 2 pi u`` (Flip), followed by the task's fixed
    components (Flip's "lying by itself" flag).
    """

    def __init__(self, task: str, low: np.ndarray, high: np.ndarray, columns: list[int], angular: bool = False):
        self.task, self.low, self.high, self.angular = task, np.asarray(low, float), np.asarray(high, float), angular
        self.columns = np.asarray(columns)
        self.dims = 1 if angular else int(self.columns.max()) + 1

    @classmethod
    def of(cls, env: gym.Env) -> GoalSpace:
        """The goal space of ``env``'s task; ``TypeError`` naming the env when it has no goal task."""
        task = getattr(env.unwrapped, "task", None)
        if not hasattr(task, "goal_low") or not hasattr(task, "set_goal"):
            # The playroom's goals are scenes drawn from oracle tasks, not points of a box: no unit cube maps them.
            hint = "; its goals come from oracle tasks: choose them with its tasks= argument" if hasattr(
                env.unwrapped, "goal_task") else ""
            raise TypeError(
                f"{env_name(env)}: goal wrappers need a goal-conditioned manipulation task "
                f"(env.unwrapped.task with goal_low, goal_high and set_goal){hint}"
            )
        if task.name == "flip":
            return cls(task.name, task.goal_low, task.goal_high, [-1, -1, -1], angular=True)
        if task.name == "stack":
            return cls(task.name, task.goal_low, task.goal_high, [0, 1, -1, 0, 1, -1, -1])
        free = task.goal_high > task.goal_low
        return cls(task.name, task.goal_low, task.goal_high, list(np.where(free, np.cumsum(free) - 1, -1)))

    def goal(self, u: np.ndarray) -> np.ndarray:
        """The goal at unit coordinates ``u`` (shape ``(dims,)``)."""
        if self.angular:
            angle = -np.pi + 2 * np.pi * u[0]
            return np.array([np.cos(angle), np.sin(angle), 0.0, *self.low[3:]])
        scale = np.where(self.columns >= 0, u[np.maximum(self.columns, 0)], 0.0)
        return self.low + scale * (self.high - self.low)

    def unit(self, goal: np.ndarray) -> np.ndarray:
        """The unit coordinates of ``goal`` (the inverse of :meth:`goal`)."""
        goal = np.asarray(goal, dtype=float)
        if self.angular:
            return np.array([(np.arctan2(goal[1], goal[0]) + np.pi) / (2 * np.pi) % 1.0])
        u = np.zeros(self.dims)
        for i, column in enumerate(self.columns):
            if column >= 0:
                u[column] = (goal[i] - self.low[i]) / (self.high[i] - self.low[i])
        return np.clip(u, 0.0, 1.0)

    def held_out(self, u: np.ndarray) -> bool:
        """Whether unit coordinates ``u`` lie in the held-out (OOD) region."""
        if self.dims == 1:
            return bool(u[0] >= 0.75)
        return bool(u[0] >= 0.5 and u[1] >= 0.5)

    def in_split(self, u: np.ndarray, split: str) -> bool:
        return split == "all" or self.held_out(u) == (split == "ood")


class GoalSampler(ABC):
    """Chooses each episode's goal, in unit coordinates of a :class:`GoalSpace`, from the wrapper's generator."""

    @abstractmethod
    def sample(self, space: GoalSpace, split: str, rng: np.random.Generator) -> np.ndarray:
        """Unit coordinates of the next goal, inside ``split``."""

    def update(self, space: GoalSpace, u: np.ndarray, success: bool) -> None:
        """Learn from an episode's outcome (``GoalWrapper`` calls this when an episode ends)."""


class Uniform(GoalSampler):
    """Goals uniform over the split's part of the goal space (rejection from the unit cube)."""

    def sample(self, space: GoalSpace, split: str, rng: np.random.Generator) -> np.ndarray:
        while True:
            u = rng.random(space.dims)
            if space.in_split(u, split):
                return u


class Curriculum(GoalSampler):
    """Success-driven curriculum: goal space in bins, each sampled with weight ``p (1 - p) + eps``.

    ``p`` is a bin's success rate with one prior success and one prior failure (``(s + 1) / (n + 2)``), so
    unseen bins start at the largest weight and bins the agent always or never solves fade to ``eps``.
    Bins grid the first two unit coordinates (``resolution`` per axis: 8 in 1-D, 4 otherwise, so that
    every bin lies wholly inside or outside the held-out region); the rest are uniform within a bin.
    """

    def __init__(self, eps: float = 0.05) -> None:
        self.eps = eps
        self.attempts = self.successes = np.zeros(0)

    def _grid(self, space: GoalSpace) -> tuple[int, int]:
        axes = min(space.dims, 2)
        resolution = 8 if axes == 1 else 4
        if self.attempts.size == 0:
            self.attempts = np.zeros(resolution**axes)
            self.successes = np.zeros(resolution**axes)
        return axes, resolution

    def sample(self, space: GoalSpace, split: str, rng: np.random.Generator) -> np.ndarray:
        axes, resolution = self._grid(space)
        # Row i: the grid indices of bin i, in the order np.ravel_multi_index numbers them.
        cells = np.stack(np.unravel_index(np.arange(self.attempts.size), (resolution,) * axes), axis=1)
        allowed = np.array([space.in_split((c + 0.5) / resolution, split) for c in cells])
        p = (self.successes + 1.0) / (self.attempts + 2.0)
        weights = np.where(allowed, p * (1.0 - p) + self.eps, 0.0)
        index = rng.choice(weights.size, p=weights / weights.sum())
        u = rng.random(space.dims)
        u[:axes] = (cells[index] + u[:axes]) / resolution
        return u

    def update(self, space: GoalSpace, u: np.ndarray, success: bool) -> None:
        axes, resolution = self._grid(space)
        cell = np.minimum((np.asarray(u[:axes]) * resolution).astype(int), resolution - 1)
        index = int(np.ravel_multi_index(tuple(cell), (resolution,) * axes))
        self.attempts[index] += 1
        self.successes[index] += bool(success)

    def state_dict(self) -> dict[str, list[float]]:
        """The success statistics, JSON-serialisable; :meth:`load_state_dict` restores them."""
        return {"attempts": self.attempts.tolist(), "successes": self.successes.tolist()}

    def load_state_dict(self, state: Mapping[str, list[float]]) -> None:
        self.attempts = np.array(state["attempts"], dtype=float)
        self.successes = np.array(state["successes"], dtype=float)


SAMPLERS: dict[str, Callable[[], GoalSampler]] = {"uniform": Uniform, "curriculum": Curriculum}


class GoalWrapper(GoalAPIPassthrough, gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Draws each episode's goal from a sampler and a split of goal space, and injects it into the task.

    Spaces and reward are the wrapped env's. The goal comes from the wrapper's own generator, seeded by
    ``reset(seed=...)`` (the env's own stream only re-draws a start that would lie too close to the goal),
    and reaches the task through
    ``reset(options={"goal": ...})``; an explicit ``options["goal"]`` wins over the sampler. ``info`` gains
    ``goal_held_out`` (whether the goal lies in the held-out region); at each episode end the sampler sees
    ``info["is_success"]``.

    >>> import gymnasium as gym, palaestra
    >>> env = GoalWrapper(gym.make("palaestra/Push-v0"), sampler="curriculum", split="ood")
    >>> obs, info = env.reset(seed=0)
    >>> info["goal_held_out"]
    True
    """

    def __init__(self, env: gym.Env, sampler: str | GoalSampler = "uniform", split: Split = "all") -> None:
        gym.utils.RecordConstructorArgs.__init__(self, sampler=sampler, split=split)
        super().__init__(env)
        if isinstance(sampler, str):
            if sampler not in SAMPLERS:
                raise ValueError(f"{env_name(env)}: unknown goal sampler {sampler!r}; expected one of {list(SAMPLERS)}")
            sampler = SAMPLERS[sampler]()
        if split not in SPLITS:
            raise ValueError(f"{env_name(env)}: unknown goal split {split!r}; expected one of {list(SPLITS)}")
        self.sampler, self.split = sampler, split
        self.space = GoalSpace.of(env)
        self._rng = np.random.default_rng()
        self._u: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng([_STREAM, seed])
        options = dict(options or {})
        if options.get("goal") is None:
            options["goal"] = self.space.goal(self.sampler.sample(self.space, self.split, self._rng))
        obs, info = self.env.reset(seed=seed, options=options)
        self._u = self.space.unit(options["goal"])
        return obs, {**info, "goal_held_out": self.space.held_out(self._u)}

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if (terminated or truncated) and self._u is not None:
            self.sampler.update(self.space, self._u, bool(info.get("is_success", False)))
            self._u = None  # one outcome per episode, even if the caller steps past its end
        return obs, reward, terminated, truncated, info


def relabel(
    episode: Mapping[str, Any],
    env: gym.Env,
    strategy: Literal["future", "final", "episode"] = "future",
    k: int = 4,
    rng: np.random.Generator | None = None,
) -> dict[str, Any]:
    """Hindsight relabelling of one episode with goals it achieved, for users without SB3's HER buffer.

    ``episode`` follows Minari's layout: ``observations`` a dict of arrays with one more entry than the
    ``actions`` (the final observation included). For each transition ``t``, ``k`` new goals are the achieved
    goal of a later step (``"future"``: uniform over ``t + 1 .. T``), of any step (``"episode"``), or the final
    achieved goal once (``"final"``). Returns flat arrays ``observations``, ``next_observations`` (dicts with the
    new ``desired_goal``), ``actions``, ``rewards`` and ``terminations``, the last two recomputed by the env's
    vectorised ``compute_reward``/``compute_terminated``.
    """
    obs, actions = episode["observations"], np.asarray(episode["actions"])
    steps = len(actions)
    achieved = np.asarray(obs["achieved_goal"])
    if steps == 0 or len(achieved) != steps + 1:
        raise ValueError(f"{env_name(env)}: an episode needs T >= 1 actions and T + 1 observations, got {steps} and {len(achieved)}")
    rng = rng if rng is not None else np.random.default_rng()
    if strategy == "final":
        t, future = np.arange(steps), np.full(steps, steps)
    elif strategy in ("future", "episode"):
        t = np.repeat(np.arange(steps), k)
        low = t + 1 if strategy == "future" else np.ones_like(t)
        future = rng.integers(low, steps + 1)
    else:
        raise ValueError(f"{env_name(env)}: unknown relabelling strategy {strategy!r}; expected 'future', 'final' or 'episode'")
    goals = achieved[future]
    before = {key: np.asarray(value)[t] for key, value in obs.items()}
    after = {key: np.asarray(value)[t + 1] for key, value in obs.items()}
    before["desired_goal"], after["desired_goal"] = goals, goals.copy()
    base = env.unwrapped
    infos = [{}] * len(t)
    return {
        "observations": before,
        "next_observations": after,
        "actions": actions[t],
        "rewards": base.compute_reward(after["achieved_goal"], goals, infos),
        "terminations": base.compute_terminated(after["achieved_goal"], goals, infos),
    }


class GoalImage(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """``desired_goal`` becomes an RGB image of the scene in its goal state, rendered once per episode.

    The image shows the task's objects (Reach: the arm) placed at the goal, rendered between a snapshot of the
    simulation and its restore, so the live episode is exactly the unwrapped one. An env that draws its own
    goal scene (``render_goal(camera)``: ``PlayroomGoal-v0``, whose goal poses the furniture and blocks) is
    asked for it. ``desired_goal`` is a
    ``Box(0, 255, (height, width, 3), uint8)`` from the env's ``camera`` (or ``camera`` given here); the vector
    goal stays in ``info["goal"]``; reward and ``achieved_goal`` are the env's (vectors).

    >>> import gymnasium as gym, palaestra
    >>> env = GoalImage(gym.make("palaestra/Push-v0"))
    >>> obs, info = env.reset(seed=0)
    >>> obs["desired_goal"].shape
    (84, 84, 3)
    """

    def __init__(self, env: gym.Env, camera: Any = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, camera=camera)
        super().__init__(env)
        base = env.unwrapped
        posable = hasattr(base, "world") and hasattr(getattr(base, "task", None), "place_at_goal")
        if not posable and not callable(getattr(base, "render_goal", None)):
            raise TypeError(
                f"{env_name(env)}: GoalImage needs a goal env that can show its goal: a manipulation env (a world "
                "and a task with place_at_goal) or one with render_goal(camera) such as palaestra/PlayroomGoal-v0"
            )
        self.camera = camera or base.camera
        image = spaces.Box(0, 255, shape=(self.camera.height, self.camera.width, 3), dtype=np.uint8)
        self.observation_space = spaces.Dict({**env.observation_space.spaces, "desired_goal": image})
        self._image: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._image = None  # the episode's goal is known once the env has reset
        obs, info = self.env.reset(seed=seed, options=options)
        return self._observation(obs), {**info, "goal": obs["desired_goal"]}

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._observation(obs), reward, terminated, truncated, {**info, "goal": obs["desired_goal"]}

    def _observation(self, observation: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._image is None:
            self._image = self._render_goal()
        return {**observation, "desired_goal": self._image.copy()}

    def _render_goal(self) -> np.ndarray:
        base = self.env.unwrapped
        if callable(getattr(base, "render_goal", None)):
            return base.render_goal(self.camera)
        client = base.world.client
        snapshot = client.saveState()
        try:
            base.task.place_at_goal()
            return base.world.render(self.camera)
        finally:
            client.restoreState(stateId=snapshot)
            client.removeState(snapshot)

