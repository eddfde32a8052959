"""Long-horizon evaluation in the playroom: chains of instructions without resets (CALVIN's protocol).

Each chain is one episode of ``palaestra/PlayroomChain-v0``: one reset, then ``length`` instructions in a
row, each drawn among the tasks feasible from the state the previous one left (a task already asked in the
chain only when nothing else is feasible). The policy has ``steps_per_instruction`` steps to get each one
done, judged by the task oracle; the chain stops at the first failure. The figures are CALVIN's: the average
number of instructions completed in a row, and for each position k the fraction of chains that got k done.

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

from palaestra.envs.play.chain_env import STEPS_PER_INSTRUCTION, PlayroomChainEnv
from palaestra.envs.play.language_env import PlayroomLanguageEnv

Policy = Callable[[Any], Any]


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
    policy_factory: Callable[[PlayroomChainEnv], Policy],
    chains: int = 100,
    length: int = 5,
    seed: int = 0,
    split: str = "train",
    steps_per_instruction: int = STEPS_PER_INSTRUCTION,
    env_kwargs: dict[str, Any] | None = None,
) -> ChainResult:
    """Run ``chains`` chains of ``length`` instructions with ``policy_factory(env)`` and summarise them.

    Each chain is one episode of :class:`~palaestra.envs.play.chain_env.PlayroomChainEnv`, which draws the
    instructions and judges them. Chain ``i`` starts from ``env.reset(seed=seed + i)``; its instructions,
    their phrasings (from ``split``) and the scene all come from that seed, so the same seed and policy give
    the same chains. A policy with a ``reset()`` method has it called at the start of every chain (not
    between instructions). ``env_kwargs`` go to the environment (``obs_mode``, ``tasks``...).
    """
    if chains < 1 or length < 1 or steps_per_instruction < 1:
        raise ValueError(
            f"{PlayroomLanguageEnv.env_id} chains: chains, length and steps_per_instruction must be positive, "
            f"got {chains}, {length}, {steps_per_instruction}"
        )
    env = PlayroomChainEnv(length=length, steps_per_instruction=steps_per_instruction, split=split,
                           **(env_kwargs or {}))
    try:
        policy = policy_factory(env)
        reset = getattr(policy, "reset", None)
        completed, asked, steps = [], [], 0
        start = time.perf_counter()
        for i in range(chains):
            obs, _ = env.reset(seed=seed + i)
            if callable(reset):
                reset()
            terminated = False
            while not terminated:
                obs, _, terminated, _, _ = env.step(policy(obs))
                steps += 1
            completed.append(env.completed)
            asked.append(tuple(env.asked))
        wall = time.perf_counter() - start
    finally:
        env.close()
    return ChainResult(length=length, completed=tuple(completed), tasks=tuple(asked), steps=steps, wall_time=wall)
