"""Dataset quality measures from the offline-RL and imitation literature, for ``palaestra data report``.

- **SACo**, state-action coverage (Schweighofer et al., 2022, "A Dataset Perspective on Offline
  Reinforcement Learning"): unique state-action pairs of a dataset divided by those of a reference dataset.
  The paper discretises nothing (its environments are discrete) and normalises by the replay dataset of an
  online training run; palaestra has no such run, so states and actions are discretised (:func:`cells`) and
  the reference is the uniform-random policy on the same seeds, counted over the same number of steps.
  SACo > 1 covers more than random acting does, < 1 less.
- **TQ**, trajectory quality (same paper): the average episode return, normalised so that the random
  policy scores 0 and the scripted expert 1, both run on the dataset's own first seeds.
- **Behaviour diversity** in the spirit of D3IL (Jia et al., 2024, "Towards Diverse Behaviors: A Benchmark
  for Imitation Learning with Human Demonstrations"): the entropy of the distribution over discrete
  behaviours, divided by the log of the number of possible behaviours (0: one behaviour only, 1: all equally
  often). For a manipulation dataset a behaviour is the side from which the gripper approaches (one of
  eight 45-degree sectors, :func:`approach`) in a successful episode; for play data it is the task done.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

GRID, CLOSED_WIDTH, DEADBAND, SECTORS, REFERENCE_EPISODES = 0.05, 0.04, 0.25, 8, 20


def entropy(counts: Mapping[Any, int], categories: int) -> float:
    """Normalised entropy of ``counts`` over ``categories`` possible behaviours: 0 for one, 1 for uniform."""
    total = sum(counts.values())
    if total == 0 or categories < 2:
        return 0.0
    p = np.array([c / total for c in counts.values() if c])
    return float(max(0.0, -(p * np.log(p)).sum() / math.log(categories)))


def cells(observations: Mapping[str, np.ndarray], actions: np.ndarray) -> np.ndarray:
    """The ``(T, n)`` int cells of (observation ``t``, action ``t``) of a manipulation episode: the gripper
    position on a 5 cm grid and whether it is closed (fingers under 4 cm apart), the achieved goal (object
    position, joint opening...) on a 5 cm grid, and the sign of each action component (|a| < 0.25 is 0), as
    the play report's cells (:func:`palaestra.data.report.cells`) do for the playroom."""
    t = len(actions)
    robot, achieved = np.asarray(observations["observation"])[:t], np.asarray(observations["achieved_goal"])[:t]
    signs = np.where(np.abs(actions) < DEADBAND, 0, np.sign(actions))
    parts = (np.floor(robot[:, :3] / GRID), robot[:, 6:7] < CLOSED_WIDTH, np.floor(achieved / GRID), signs)
    return np.column_stack(parts).astype(np.int32)


def unique_cells(episodes: Sequence[tuple[Mapping[str, np.ndarray], np.ndarray]], steps: int) -> int:
    """Distinct cells over the first ``steps`` steps of ``(observations, actions)`` episodes."""
    found, counted = [], 0
    for observations, actions in episodes:
        take = min(len(actions), steps - counted)
        if take <= 0:
            break
        found.append(cells(observations, actions[:take]))
        counted += take
    return len(np.unique(np.concatenate(found), axis=0)) if found else 0


def approach(observations: np.ndarray, achieved: np.ndarray) -> int | None:
    """The sector (0..7, 45 degrees each, counter-clockwise from +x) of the gripper's horizontal offset from
    the object when the object first moves 1 cm; for goals the gripper itself achieves (Reach) or joints,
    the direction of the gripper's first 2 cm of travel. ``None`` if neither happens."""
    ee = np.asarray(observations)[:, :3]
    achieved = np.asarray(achieved)
    if achieved.shape[1] >= 3 and not np.allclose(achieved[:, :3], ee, atol=1e-4):
        moved = np.flatnonzero(np.linalg.norm(achieved[:, :3] - achieved[0, :3], axis=1) > 0.01)
        if len(moved):
            return _sector(ee[moved[0], :2] - achieved[max(moved[0] - 1, 0), :2])
    travelled = np.flatnonzero(np.linalg.norm(ee[:, :2] - ee[0, :2], axis=1) > 0.02)
    if not len(travelled):
        return None
    return _sector(ee[travelled[0], :2] - ee[0, :2])


def _sector(offset: np.ndarray) -> int:
    return int(np.floor((math.atan2(offset[1], offset[0]) % (2 * math.pi)) / (2 * math.pi / SECTORS))) % SECTORS


@dataclass(frozen=True)
class OfflineReport:
    """An offline dataset's figures: size, policies and goal splits, success, return and the quality measures."""

    path: str
    env_id: str
    policy: str
    episodes: int
    steps: int
    policies: dict[str, int]
    splits: dict[str, int]
    success_rate: float
    mean_return: float
    cells: int
    saco: float
    tq: float
    diversity: float
    reference: dict[str, float]
    complete: bool


def offline_report(path: str | os.PathLike, reference_episodes: int = REFERENCE_EPISODES) -> OfflineReport:
    """The figures of the offline dataset at ``path``; SACo and TQ run the random policy and the expert on the
    dataset's first ``reference_episodes`` seeds (with its goal-split setting)."""
    from palaestra.data.offline import episode_metadata, load_offline_dataset

    data = load_offline_dataset(path)
    meta = data.storage.metadata
    infos = episode_metadata(data)
    episodes = [(e.observations, e.actions, e.rewards) for e in data.iterate_episodes()]
    seeds = [int(m["seed"]) for m in infos[:reference_episodes]]
    reference = {name: _run(meta, name, seeds) for name in ("random", "expert")}
    returns = {name: float(np.mean([r.sum() for _, _, r in runs])) for name, runs in reference.items()}
    mean_return = float(np.mean([r.sum() for _, _, r in episodes])) if episodes else 0.0
    steps = min(sum(len(a) for _, a, _ in episodes), sum(len(a) for _, a, _ in reference["random"]))
    ours = unique_cells([(o, a) for o, a, _ in episodes], steps)
    random_cells = unique_cells([(o, a) for o, a, _ in reference["random"]], steps)
    spread = returns["expert"] - returns["random"]
    ways = Counter(approach(o["observation"], o["achieved_goal"]) for (o, _, _), m in zip(episodes, infos)
                   if m["success"])
    ways.pop(None, None)
    return OfflineReport(
        path=str(data.storage.data_path.parent), env_id=str(meta["env_id"]), policy=str(meta["policy"]),
        episodes=len(episodes), steps=int(data.total_steps), policies=dict(Counter(m["policy"] for m in infos)),
        splits=dict(Counter(m["goal_split"] for m in infos)),
        success_rate=float(np.mean([m["success"] for m in infos])) if infos else 0.0, mean_return=mean_return,
        cells=ours, saco=ours / random_cells if random_cells else math.nan,
        tq=(mean_return - returns["random"]) / spread if spread else math.nan,
        diversity=entropy(ways, SECTORS), reference={**returns, "steps": float(steps), "random_cells": random_cells},
        complete=bool(meta.get("complete", False)),
    )


def _run(meta: Mapping[str, Any], policy: str, seeds: Sequence[int]) -> list[tuple[Any, np.ndarray, np.ndarray]]:
    """``policy``'s episodes on ``seeds`` under the dataset's settings (not written anywhere)."""
    import palaestra
    from palaestra import registry
    from palaestra.data.offline import _episode, goal_split

    env = palaestra.make(meta["env_id"])
    try:
        expert, split = registry.get(meta["env_id"]).load_expert()(env), goal_split(env)
        runs = []
        for seed in seeds:
            buffer, _ = _episode(env, expert, policy, seed, meta.get("goals", "all"), split, meta.get("noise", 0.3))
            observations = {k: np.asarray(v) for k, v in buffer.observations.items()}
            runs.append((observations, np.asarray(buffer.actions), np.asarray(buffer.rewards)))
        return runs
    finally:
        env.close()


def print_offline_report(rep: OfflineReport, console: Any = None) -> None:
    """The report as a rich table of figures, with the reference runs the normalised ones come from."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"{rep.path}: {rep.policy} data on {rep.env_id}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("episodes / steps", f"{rep.episodes} / {rep.steps}" + ("" if rep.complete else " (interrupted)")),
        ("policies", ", ".join(f"{k} {v}" for k, v in sorted(rep.policies.items()))),
        ("goal splits", ", ".join(f"{k} {v}" for k, v in sorted(rep.splits.items()))),
        ("success rate", f"{rep.success_rate:.2f}"),
        ("mean return", f"{rep.mean_return:.2f} (random {rep.reference['random']:.2f}, "
                        f"expert {rep.reference['expert']:.2f})"),
        ("TQ (random 0, expert 1)", f"{rep.tq:.2f}"),
        ("SACo (vs random, same steps)", f"{rep.saco:.2f} ({rep.cells} vs {rep.reference['random_cells']:.0f} "
                                         f"cells over {rep.reference['steps']:.0f} steps)"),
        ("behaviour diversity (0..1)", f"{rep.diversity:.2f} (approach sectors of successful episodes)"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
