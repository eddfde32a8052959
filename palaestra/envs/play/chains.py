"""Long-horizon evaluation in the playroom: chains of instructions without resets (CALVIN's protocol).

Each chain resets the language environment once, then gives ``length`` instructions in a row, each drawn
among the tasks feasible from the state the previous one left (a task already asked in the chain only when
nothing else is feasible). The policy has ``steps_per_instruction`` steps to get each one done, judged by
the task oracle; the chain stops at the first failure. The figures are CALVIN's: the average number of
instructions completed in a row, and for each position k the fraction of chains that got k done.

>>> from palaestra.baselines.experts.play import PlayroomExpert
>>> result = evaluate_chains(PlayroomExpert, chains=2, length=2)
>>> len(result.success_rates)
2
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.envs.play import oracle
from palaestra.envs.play.language_env import MAX_TOKENS, PlayroomLanguageEnv

Policy = Callable[[Any], Any]
STEPS_PER_INSTRUCTION = 150  # PlayroomLanguage-v0's episode length


@dataclass(frozen=True)
class ChainResult:
    """Outcome of :func:`evaluate_chains`: per chain the tasks asked and how many were done in a row.

    ``tasks[i]`` lists the instructions chain ``i`` reached (the last one failed when ``completed[i]`` is
    below ``length``). ``steps`` counts environment steps over all chains; ``wall_time`` is in seconds.
    """

    length: int
    completed: tuple[int, ...]
    tasks: tuple[tuple[str, ...], ...]
    steps: int
    wall_time: float

    @property
    def chains(self) -> int:
        return len(self.completed)

    @property
    def average_length(self) -> float:
        """The mean number of instructions completed in a row (CALVIN's "average length")."""
        return float(np.mean(self.completed))

    @property
    def success_rates(self) -> tuple[float, ...]:
        """For k = 1 .. length: the fraction of chains that completed at least k instructions."""
        done = np.asarray(self.completed)
        return tuple(float(np.mean(done >= k)) for k in range(1, self.length + 1))

    def task_success(self) -> dict[str, tuple[int, int]]:
        """Per task: (times completed, times asked), over every instruction given in every chain."""
        table: dict[str, list[int]] = {}
        for tasks, done in zip(self.tasks, self.completed):
            for position, task in enumerate(tasks):
                row = table.setdefault(task, [0, 0])
                row[0] += position < done
                row[1] += 1
        return {task: (done, asked) for task, (done, asked) in sorted(table.items())}


def evaluate_chains(
    policy_factory: Callable[[PlayroomLanguageEnv], Policy],
    chains: int = 100,
    length: int = 5,
    seed: int = 0,
    split: str = "train",
    steps_per_instruction: int = STEPS_PER_INSTRUCTION,
    env_kwargs: dict[str, Any] | None = None,
) -> ChainResult:
    """Run ``chains`` chains of ``length`` instructions with ``policy_factory(env)`` and summarise them.

    Chain ``i`` starts from ``env.reset(seed=seed + i)``; its instructions, their phrasings (from ``split``)
    and the scene all come from that seed, so the same seed and policy give the same chains. A policy
    with a ``reset()`` method has it called at the start of every chain (not between instructions).
    ``env_kwargs`` go to :class:`~palaestra.envs.play.language_env.PlayroomLanguageEnv` (``obs_mode``...).
    """
    if chains < 1 or length < 1 or steps_per_instruction < 1:
        raise ValueError(
            f"{PlayroomLanguageEnv.env_id} chains: chains, length and steps_per_instruction must be positive, "
            f"got {chains}, {length}, {steps_per_instruction}"
        )
    env = PlayroomLanguageEnv(split=split, **(env_kwargs or {}))
    try:
        policy = policy_factory(env)
        reset = getattr(policy, "reset", None)
        completed, asked, steps = [], [], 0
        start = time.perf_counter()
        for i in range(chains):
            obs, _ = env.reset(seed=seed + i)
            if callable(reset):
                reset()
            tasks: list[str] = []
            while True:
                tasks.append(env.instruction_task)
                done, obs, used = _follow(env, policy, obs, steps_per_instruction)
                steps += used
                if not done or len(tasks) == length:
                    break
                obs = _instruct(env, obs, _draw(env, tasks))
            completed.append(len(tasks) if done else len(tasks) - 1)
            asked.append(tuple(tasks))
        wall = time.perf_counter() - start
    finally:
        env.close()
    return ChainResult(length=length, completed=tuple(completed), tasks=tuple(asked), steps=steps, wall_time=wall)


def _follow(env: PlayroomLanguageEnv, policy: Policy, obs: Any, budget: int) -> tuple[bool, Any, int]:
    """Step ``policy`` until the oracle sees the current instruction done or ``budget`` steps pass."""
    for step in range(1, budget + 1):
        obs, _, _, _, info = env.step(policy(obs))
        if info["is_success"]:
            return True, obs, step
    return False, obs, budget


def _draw(env: PlayroomLanguageEnv, asked: list[str]) -> str:
    """A task feasible from the current state, preferring those not yet asked in this chain."""
    feasible = oracle.feasible(env.state)
    fresh = [t for t in feasible if t not in asked]
    choices = fresh or feasible
    return choices[env.np_random.integers(len(choices))]


def _instruct(env: PlayroomLanguageEnv, obs: dict[str, Any], task: str) -> dict[str, Any]:
    """Give ``task`` as the next instruction and return the observation with its tokens."""
    env.instruct(task)
    return {**obs, "instruction": env.vocabulary.encode(env.instruction, MAX_TOKENS)}
