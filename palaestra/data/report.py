"""What a play dataset covers (``palaestra data report DIR``): tasks seen and state-action coverage.

Coverage is the share of steps that visit a new discretised (state, action) cell: distinct cells / steps.
It only compares datasets of the same number of steps (it falls as a dataset grows), which is how the play
paper's claim is framed: play covers more of the interaction space than per-task demonstrations collected
for the same time (Lynch et al., 2019, report about 4x). :func:`compare` truncates both to one budget.

A cell (:func:`cells`) is, from each step's PlayState and action:

- the end-effector position on a 5 cm grid, and whether the gripper is closed (fingers under 4 cm apart);
- the drawer opening and the door offset on 4 cm grids, the lamp and the bulb;
- each block's position on a 5 cm grid and its yaw modulo 90 degrees (a cube's symmetry) in 30 degree bins;
- the sign of each action component (-1, 0, +1, with |a| < 0.25 counting as 0).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

from palaestra.data.annotate import occurrences
from palaestra.data.dataset import PlayDataset, load_play_dataset
from palaestra.data.storage import being_written
from palaestra.envs.play import oracle
from palaestra.envs.play.layout import BLOCKS
from palaestra.envs.play.state import VECTOR

GRID, JOINT_GRID, YAW_BIN, CLOSED_WIDTH, DEADBAND = 0.05, 0.04, math.radians(30.0), 0.04, 0.25


def cells(states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The ``(T, 23)`` int cell of each (state ``t``, action ``t``) pair, from ``T + 1`` states and ``T`` actions."""
    s = np.asarray(states)[: len(actions)]

    def grid(name: str, size: float) -> np.ndarray:
        return np.floor(s[:, VECTOR[name]] / size)

    yaws = [np.floor(np.mod(s[:, VECTOR[f"{b}_yaw"]], math.pi / 2) / YAW_BIN) for b in BLOCKS]
    signs = np.where(np.abs(actions) < DEADBAND, 0, np.sign(actions))
    parts = [grid("ee_position", GRID), s[:, VECTOR["gripper"]] < CLOSED_WIDTH, grid("drawer", JOINT_GRID),
             grid("door", JOINT_GRID), s[:, VECTOR["lamp"]] > 0.5, s[:, VECTOR["bulb"]] > 0.5,
             *(grid(f"{b}_position", GRID) for b in BLOCKS), *yaws, signs]
    return np.column_stack(parts).astype(np.int16)


def coverage(dataset: PlayDataset, steps: int | None = None) -> tuple[int, int]:
    """``(distinct cells, steps counted)`` over the dataset's first ``steps`` steps (all by default)."""
    found, counted = [], 0
    for episode in dataset.episodes():
        take = len(episode.actions) if steps is None else min(len(episode.actions), steps - counted)
        if take <= 0:
            break
        found.append(cells(episode.infos["state"][: take + 1], episode.actions[:take]))
        counted += take
    if not counted:
        return 0, 0
    return len(np.unique(np.concatenate(found), axis=0)), counted


@dataclass(frozen=True)
class Report:
    """A play dataset's figures: size, task occurrences (events and annotated windows) and coverage."""

    path: str
    source: str
    agent: str
    episodes: int
    steps: int
    occurrences: dict[str, int]
    windows: dict[str, int]
    episodes_with: dict[str, int]
    cells: int
    complete: bool = True
    being_written: bool = False

    @property
    def coverage(self) -> float:
        """Distinct state-action cells per step."""
        return self.cells / self.steps if self.steps else 0.0

    @property
    def diversity(self) -> float:
        """Behaviour diversity in D3IL's sense with a behaviour = the task done: the entropy of task
        occurrences over the oracle's tasks, 0 (one task only) to 1 (every task equally often)."""
        from palaestra.data.quality import entropy

        return entropy(self.occurrences, len(oracle.TASKS))

    @property
    def tasks_seen(self) -> int:
        return sum(1 for t in oracle.TASKS if self.occurrences.get(t))


def report(path: str | os.PathLike | PlayDataset) -> Report:
    """The figures of the play dataset at ``path`` (or already opened)."""
    data = path if isinstance(path, PlayDataset) else load_play_dataset(path)
    events: Counter[str] = Counter()
    windows: Counter[str] = Counter()
    episodes_with: Counter[str] = Counter()
    for episode in data.annotations:
        found = occurrences(episode)
        events.update(found)
        episodes_with.update(found.keys())
        windows.update(w.task for w in episode)
    distinct, steps = coverage(data)
    meta = data.metadata
    return Report(
        path=str(data.path.parent), source=str(meta.get("source", "?")), agent=str(meta.get("agent", "?")),
        episodes=len(data), steps=steps, occurrences=dict(events), windows=dict(windows),
        episodes_with=dict(episodes_with), cells=distinct, complete=bool(meta.get("complete", False)),
        being_written=being_written(data.path),
    )


@dataclass(frozen=True)
class Comparison:
    """Coverage of two datasets over the same number of steps, and their ratio (first over second)."""

    steps: int
    cells: tuple[int, int]

    @property
    def ratio(self) -> float:
        return self.cells[0] / self.cells[1] if self.cells[1] else math.inf


def compare(play: str | os.PathLike | PlayDataset, demos: str | os.PathLike | PlayDataset,
            steps: int | None = None) -> Comparison:
    """State-action coverage of ``play`` against ``demos`` (e.g. per-task scripted demonstrations) over the
    same budget: ``steps``, by default the smaller dataset's size."""
    a, b = (d if isinstance(d, PlayDataset) else load_play_dataset(d) for d in (play, demos))
    budget = min(a.total_steps, b.total_steps) if steps is None else steps
    (ca, na), (cb, nb) = coverage(a, budget), coverage(b, budget)
    if na < budget or nb < budget:
        raise ValueError(f"both datasets need {budget} steps to compare; they have {na} and {nb}")
    return Comparison(budget, (ca, cb))


def print_report(rep: Report, console=None) -> None:
    """The report as a rich table, one row per oracle task (dim when it never occurs), then the totals."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"{rep.path}: {rep.source} data by {rep.agent}")
    for name, justify in (("task", "left"), ("occurrences", "right"), ("episodes", "right"), ("windows", "right")):
        table.add_column(name, justify=justify)
    for task in oracle.TASKS:
        n = rep.occurrences.get(task, 0)
        style = None if n else "dim"
        table.add_row(task, str(n), str(rep.episodes_with.get(task, 0)), str(rep.windows.get(task, 0)), style=style)
    console.print(table)
    state = "" if rep.complete else " (still being written)" if rep.being_written else " (interrupted)"
    console.print(
        f"{rep.episodes} episodes, {rep.steps} steps{state}; {rep.tasks_seen} of {len(oracle.TASKS)} tasks occur; "
        f"state-action coverage {rep.coverage:.3f} ({rep.cells} distinct cells / {rep.steps} steps); "
        f"task diversity {rep.diversity:.2f} (0..1)",
        highlight=False,
    )
