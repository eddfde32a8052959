"""What a play dataset covers (``palaestra data report DIR``): tasks seen and state-action coverage.

Coverage is the share of steps that visit a new discretised (state, action) cell: distinct cells / steps.
It only compares datasets of the same number of steps (distinct cells depend on how many are counted),
which is how the play paper's claim is framed: play covers more of the interaction space than per-task
demonstrations collected for the same time (Lynch et al., 2019, report about 4x). :func:`compare` truncates both to one
budget.

A cell (:func:`cells`) is, from each step's PlayState and action:

- the end-effector position on a 5 cm grid, and whether the gripper is closed (fingers under 4 cm apart);
- the drawer opening and the door offset on 4 cm grids, the lamp and the bulb;
- each block's position on a 5 cm grid and its yaw modulo 90 degrees (a cube's symmetry) in 30 degree bins;
- the sign of each action component (-1, 0, +1, with |a| < 0.25 counting as 0).

That joint cell changes with almost every step (each reset scatters the blocks, and every block's cell is
part of every step's), so distinct cells grow in proportion to steps and the figure says little about *what*
a dataset covers. :func:`factor_cells` splits the interaction space into three factors that a dataset can
fill up:

- ``arm``: the end-effector cell, whether the gripper is closed, and the action's signs (where the arm goes
  and what it does there);
- ``fixtures``: the drawer, door, lamp and bulb cells with the arm's cell;
- ``blocks``: for each block within 10 cm of the end effector, that block (which one, its cell and yaw bin)
  with the arm's cell; a block the arm is not near adds nothing.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from palaestra.data.annotate import occurrences
from palaestra.data.dataset import PlayDataset, load_play_dataset
from palaestra.data.storage import being_written
from palaestra.envs.play import oracle
from palaestra.envs.play.layout import BLOCKS
from palaestra.envs.play.state import VECTOR

GRID, JOINT_GRID, YAW_BIN, CLOSED_WIDTH, DEADBAND = 0.05, 0.04, math.radians(30.0), 0.04, 0.25
NEAR = 0.10  # a block this close to the end effector (m) is being interacted with
FACTORS = ("arm", "fixtures", "blocks")


_Parts = tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]


def _parts(states: np.ndarray, actions: np.ndarray) -> _Parts:
    """The discretised pieces of each (state ``t``, action ``t``) pair: the arm's (end-effector cell, gripper
    closed, action signs), the fixtures' (drawer, door, lamp, bulb), per block (position cell, yaw bin), and
    per block whether it is within :data:`NEAR` of the end effector."""
    s = np.asarray(states)[: len(actions)]

    def grid(name: str, size: float) -> np.ndarray:
        return np.floor(s[:, VECTOR[name]] / size)

    signs = np.where(np.abs(actions) < DEADBAND, 0, np.sign(actions))
    arm = [grid("ee_position", GRID), s[:, VECTOR["gripper"]] < CLOSED_WIDTH, signs]
    fixtures = [grid("drawer", JOINT_GRID), grid("door", JOINT_GRID), s[:, VECTOR["lamp"]] > 0.5,
                s[:, VECTOR["bulb"]] > 0.5]
    blocks = [np.column_stack([grid(f"{b}_position", GRID),
                               np.floor(np.mod(s[:, VECTOR[f"{b}_yaw"]], math.pi / 2) / YAW_BIN)]) for b in BLOCKS]
    ee = s[:, VECTOR["ee_position"]]
    near = [np.linalg.norm(s[:, VECTOR[f"{b}_position"]] - ee, axis=1) < NEAR for b in BLOCKS]
    return arm, fixtures, blocks, near


def _joint(parts: _Parts) -> np.ndarray:
    (ee, closed, signs), fixtures, blocks, _ = parts
    return np.column_stack([ee, closed, *fixtures, *(b[:, :3] for b in blocks), *(b[:, 3] for b in blocks),
                            signs]).astype(np.int16)


def _factors(parts: _Parts) -> dict[str, np.ndarray]:
    arm_parts, fixture_parts, block_parts, near = parts
    arm = np.column_stack(arm_parts).astype(np.int16)
    rows = [np.column_stack([np.full(len(arm), i), cell, arm])[close]
            for i, (cell, close) in enumerate(zip(block_parts, near))]
    return {"arm": arm, "fixtures": np.column_stack([*fixture_parts, arm]).astype(np.int16),
            "blocks": np.concatenate(rows).astype(np.int16)}


def cells(states: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The ``(T, 20 + action size)`` int cell of each (state ``t``, action ``t``) pair, from ``T + 1`` states and
    ``T`` actions (24 columns with the playroom's 4-D action)."""
    return _joint(_parts(states, actions))


def factor_cells(states: np.ndarray, actions: np.ndarray) -> dict[str, np.ndarray]:
    """The cells of each interaction factor (:data:`FACTORS`, module docstring) visited by ``T`` (state,
    action) pairs: ``arm`` and ``fixtures`` one row per step, ``blocks`` one row per block near the end
    effector at a step (block index first)."""
    return _factors(_parts(states, actions))


def _first_steps(dataset: PlayDataset, steps: int | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Each episode's ``(states, actions)``, cut so that they add up to the dataset's first ``steps`` steps."""
    counted = 0
    for episode in dataset.episodes():
        take = len(episode.actions) if steps is None else min(len(episode.actions), steps - counted)
        if take <= 0:
            return
        yield episode.infos["state"][: take + 1], episode.actions[:take]
        counted += take


def _counts(dataset: PlayDataset, steps: int | None) -> tuple[int, int, dict[str, int]]:
    """Distinct joint cells, steps counted and distinct cells per interaction factor over the dataset's first
    ``steps`` steps, in one pass over the data."""
    joint: list[np.ndarray] = []
    factors: dict[str, list[np.ndarray]] = {name: [] for name in FACTORS}
    for states, actions in _first_steps(dataset, steps):
        parts = _parts(states, actions)  # discretised once for both counts
        joint.append(_joint(parts))
        for name, rows in _factors(parts).items():
            factors[name].append(rows)

    def distinct(rows: list[np.ndarray]) -> int:
        return len(np.unique(np.concatenate(rows), axis=0)) if rows else 0

    return distinct(joint), sum(len(j) for j in joint), {name: distinct(rows) for name, rows in factors.items()}


def coverage(dataset: PlayDataset, steps: int | None = None) -> tuple[int, int]:
    """``(distinct cells, steps counted)`` over the dataset's first ``steps`` steps (all by default)."""
    return _counts(dataset, steps)[:2]


def factor_coverage(dataset: PlayDataset, steps: int | None = None) -> dict[str, int]:
    """Distinct cells of each interaction factor (:func:`factor_cells`) over the dataset's first ``steps``
    steps (all by default)."""
    return _counts(dataset, steps)[2]


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
    factors: dict[str, int] = field(default_factory=dict)  # distinct cells per interaction factor

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
    distinct, steps, factors = _counts(data, None)
    meta = data.metadata
    return Report(
        path=str(data.path.parent), source=str(meta.get("source", "?")), agent=str(meta.get("agent", "?")),
        episodes=len(data), steps=steps, occurrences=dict(events), windows=dict(windows),
        episodes_with=dict(episodes_with), cells=distinct, complete=bool(meta.get("complete", False)),
        being_written=being_written(data.path), factors=factors,
    )


@dataclass(frozen=True)
class Comparison:
    """Coverage of two datasets over the same number of steps, and their ratio (first over second): the
    joint cells, and per interaction factor."""

    steps: int
    cells: tuple[int, int]
    factors: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return _ratio(self.cells)

    def factor_ratio(self, name: str) -> float:
        """The ratio of the two datasets' cells of interaction factor ``name`` (one of :data:`FACTORS`)."""
        return _ratio(self.factors[name])


def _ratio(pair: tuple[int, int]) -> float:
    # None of the second's cells: inf when the first has some, nan (no ratio) when neither has any.
    if pair[1]:
        return pair[0] / pair[1]
    return math.inf if pair[0] else math.nan


def compare(play: str | os.PathLike | PlayDataset, demos: str | os.PathLike | PlayDataset,
            steps: int | None = None) -> Comparison:
    """State-action coverage of ``play`` against ``demos`` (e.g. per-task scripted demonstrations) over the
    same budget: ``steps``, by default the smaller dataset's size."""
    a, b = (d if isinstance(d, PlayDataset) else load_play_dataset(d) for d in (play, demos))
    budget = min(a.total_steps, b.total_steps) if steps is None else steps
    (ca, na, fa), (cb, nb, fb) = _counts(a, budget), _counts(b, budget)
    if na < budget or nb < budget:
        raise ValueError(f"both datasets need {budget} steps to compare; they have {na} and {nb}")
    return Comparison(budget, (ca, cb), {name: (fa[name], fb[name]) for name in FACTORS})


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
    if rep.factors:
        console.print("interaction cells: " + ", ".join(f"{name} {rep.factors[name]}" for name in FACTORS),
                      highlight=False)
