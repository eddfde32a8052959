"""A goal-image benchmark in the style of Play-LMP (Lynch et al., 2019): 18 named tasks, each episode
conditioned on an image of its goal scene, success reported per task.

Play-LMP evaluated a goal-conditioned policy on 18 tasks of its playground (sliding door, drawer, and
block tasks such as lifting, pushing and rotating), one goal image per trial. :data:`PLAY_LMP_TASKS` takes
18 of the playroom oracle's 35 tasks: one per task kind but ``take_block_out_of_drawer`` (it needs the
drawer open with a block inside, the rarest start, about 1 seed in 13), the per-block kinds spread over the
three colours. Task ``t`` is evaluated on the first ``episodes`` seeds from ``seed`` on whose start it is
feasible, in ``palaestra/PlayroomGoal-v0`` restricted to ``t`` (``tasks=[t]``) and wrapped in
:class:`~palaestra.wrappers.goals.GoalImage`: ``obs["desired_goal"]`` is the goal scene's image.

>>> from palaestra.baselines.experts.play_goal import PlayroomGoalExpert
>>> result = evaluate_goal_tasks(PlayroomGoalExpert, tasks=["open_drawer", "turn_on_lamp"], episodes=1)
>>> [row.task for row in result.rows]
['open_drawer', 'turn_on_lamp']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.checks import check_names, check_positive_int, check_seed
from palaestra.envs.play import oracle
from palaestra.envs.play.env import PlayroomEnv
from palaestra.envs.play.goal_env import PlayroomGoalEnv
from palaestra.evaluation.episodes import wilson_interval

ENV_ID = PlayroomGoalEnv.env_id
PLAY_LMP_TASKS: tuple[str, ...] = (
    "open_drawer", "close_drawer", "move_door_left", "move_door_right",
    "turn_on_lamp", "turn_off_lamp", "turn_on_bulb", "turn_off_bulb",
    "lift_red_block", "push_green_block_left", "push_blue_block_right",
    "rotate_red_block_left", "rotate_green_block_right",
    "place_blue_block_in_drawer", "place_red_block_on_shelf", "stack_green_block",
    "unstack_blocks", "take_block_off_shelf",
)
SEARCH = 200  # a task gets at most this many candidate seeds per episode asked for
Policy = Callable[[Any], Any]


@dataclass(frozen=True)
class TaskRow:
    """One task's outcome: the seeds its episodes started from and which of them reached the goal."""

    task: str
    seeds: tuple[int, ...]
    successes: tuple[bool, ...]

    @property
    def episodes(self) -> int:
        return len(self.seeds)

    @property
    def success_rate(self) -> float:
        return float(np.mean(self.successes))

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % Wilson interval of the success rate."""
        return wilson_interval(sum(self.successes), self.episodes)


@dataclass(frozen=True)
class GoalSuiteResult:
    """Outcome of :func:`evaluate_goal_tasks`: one :class:`TaskRow` per task, in the order asked.

    ``steps`` counts environment steps over all episodes; ``wall_time`` is in seconds.
    """

    policy: str
    goal_images: bool
    rows: tuple[TaskRow, ...]
    steps: int
    wall_time: float

    @property
    def success_rate(self) -> float:
        """The mean over tasks of the per-task success rates (each task weighs the same, as in Play-LMP)."""
        return float(np.mean([row.success_rate for row in self.rows]))

    def markdown(self) -> str:
        """The per-task table as Markdown, with the mean over tasks as its last row."""
        lines = ["| task | success | 95% CI | episodes |", "|---|---:|---|---:|"]
        for row in self.rows:
            low, high = row.interval
            lines.append(f"| {row.task} | {row.success_rate:.2f} | [{low:.2f}, {high:.2f}] | {row.episodes} |")
        lines.append(f"| **mean over {len(self.rows)} tasks** | **{self.success_rate:.2f}** | | "
                     f"{sum(r.episodes for r in self.rows)} |")
        return "\n".join(lines) + "\n"


def random_policy(env: gym.Env, seed: int = 0) -> Policy:
    """Uniform random actions from the action space, from a generator of their own (seeded by ``seed``)."""
    rng = np.random.default_rng(seed)
    space = env.action_space
    return lambda obs: rng.uniform(space.low, space.high).astype(space.dtype)


def feasible_seeds(task: str, episodes: int, seed: int = 0, probe: PlayroomEnv | None = None) -> list[int]:
    """The first ``episodes`` seeds from ``seed`` on whose start state ``task`` is feasible.

    The start state depends on the seed alone (the goal is drawn after it), so a free playroom finds them.
    """
    own = probe is None
    probe = probe or PlayroomEnv()
    try:
        found: list[int] = []
        for candidate in range(seed, seed + SEARCH * episodes):
            probe.reset(seed=candidate)
            if oracle.TASKS[task].feasible(probe.start_state):
                found.append(candidate)
                if len(found) == episodes:
                    return found
    finally:
        if own:
            probe.close()
    raise ValueError(f"{ENV_ID} goal suite: task {task!r} is feasible from only {len(found)} of seeds "
                     f"{seed}..{seed + SEARCH * episodes - 1}, fewer than the {episodes} episodes asked")


def evaluate_goal_tasks(
    policy_factory: Callable[[gym.Env], Policy],
    tasks: Sequence[str] = PLAY_LMP_TASKS,
    episodes: int = 10,
    seed: int = 0,
    goal_images: bool = True,
    env_kwargs: dict[str, Any] | None = None,
) -> GoalSuiteResult:
    """Run ``policy_factory(env)`` for ``episodes`` episodes of each task and report success per task.

    Each task has its own ``palaestra/PlayroomGoal-v0`` (``tasks=[task]``, 150 steps an episode), wrapped in
    :class:`~palaestra.wrappers.goals.GoalImage` unless ``goal_images`` is false; its episodes start from
    :func:`feasible_seeds`, so the same policy and seed give the same table. A policy with a ``reset()``
    method has it called before every episode. ``env_kwargs`` go to the environment (``obs_mode``...).
    """
    from palaestra.wrappers.goals import GoalImage

    tasks = check_names(ENV_ID, "tasks", tasks, list(oracle.TASKS))
    if tasks is None or check_seed(ENV_ID, seed) is None:
        raise ValueError(f"{ENV_ID} goal suite: tasks={tasks!r}, seed={seed!r}; expected a list of oracle task "
                         "names and a non-negative integer seed")
    episodes = check_positive_int(ENV_ID, "episodes", episodes)
    kwargs = dict(env_kwargs or {})
    if "tasks" in kwargs:
        raise ValueError(f"{ENV_ID} goal suite: env_kwargs may not hold 'tasks'; pass the suite's tasks= instead")
    rows, steps, name = [], 0, getattr(policy_factory, "__name__", type(policy_factory).__name__)
    probe = PlayroomEnv()
    start = time.perf_counter()
    try:
        for task in tasks:
            seeds = feasible_seeds(task, episodes, seed, probe)
            env = gym.make(ENV_ID, tasks=[task], **kwargs)
            env = GoalImage(env) if goal_images else env
            try:
                outcomes, used = _run(policy_factory(env), env, seeds)
            finally:
                env.close()
            rows.append(TaskRow(task, tuple(seeds), tuple(outcomes)))
            steps += used
    finally:
        probe.close()
    return GoalSuiteResult(name, goal_images, tuple(rows), steps, time.perf_counter() - start)


def _run(policy: Policy, env: gym.Env, seeds: Sequence[int]) -> tuple[list[bool], int]:
    reset, outcomes, steps = getattr(policy, "reset", None), [], 0
    for s in seeds:
        obs, info = env.reset(seed=s)
        if callable(reset):
            reset()
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            steps += 1
            done = terminated or truncated
        outcomes.append(bool(info["is_success"]))
    return outcomes, steps
