"""Learning curves and a results table from ``palaestra train`` runs (``python -m palaestra.baselines.report``).

Reads ``RUNS/<Name>/seed_<s>/curve.csv`` as written by :func:`palaestra.baselines.train.train`, plots the
mean over seeds with the range (min to max) shaded, one small PNG per task, and prints a Markdown table of
the final figure per task: mean and standard deviation over seeds, with the per-seed values.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Curves:
    """One task's evaluation curves: ``values[seed_index, point]`` of ``metric`` at ``timesteps``."""

    name: str
    metric: str
    timesteps: np.ndarray
    values: np.ndarray
    seeds: tuple[int, ...]

    @property
    def final(self) -> np.ndarray:
        return self.values[:, -1]


def metrics(run: Path) -> list[str]:
    """The figures a run reports: ``success_rate`` for a task, one ``score_vs_<level>`` per level for a game."""
    path = next(iter(sorted(run.glob("seed_*/curve.csv"))), None)
    if path is None:
        raise FileNotFoundError(f"{run}: no seed_*/curve.csv files; run `palaestra train` first")
    with open(path) as file:
        columns = next(csv.reader(file))
    return [c for c in columns if c == "success_rate" or c.startswith("score_vs_")]


def read(run: Path, metric: str | None = None) -> Curves:
    """The curves of every seed under ``run`` (cut to the shortest seed so they align)."""
    files = sorted(run.glob("seed_*/curve.csv"), key=lambda p: int(p.parent.name.split("_")[1]))
    if not files:
        raise FileNotFoundError(f"{run}: no seed_*/curve.csv files; run `palaestra train` first")
    tables = []
    for path in files:
        with open(path) as file:
            tables.append(list(csv.DictReader(file)))
    columns = list(tables[0][0])
    metric = metric or next(c for c in columns if c == "success_rate" or c.startswith("score_vs_"))
    length = min(len(t) for t in tables)
    timesteps = np.array([float(row["timesteps"]) for row in tables[0][:length]])
    values = np.array([[float(row[metric]) for row in t[:length]] for t in tables])
    seeds = tuple(int(p.parent.name.split("_")[1]) for p in files)
    return Curves(run.name, metric, timesteps, values, seeds)


def plot(all_curves: list[Curves], path: Path) -> None:
    """A 4 x 3 inch PNG of one task's metrics: mean over seeds with the min-max range shaded."""
    from palaestra.extras import require

    matplotlib = require("matplotlib", "plotting learning curves")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3), dpi=80)
    for curves in all_curves:
        axes.fill_between(curves.timesteps, curves.values.min(axis=0), curves.values.max(axis=0), alpha=0.25)
        axes.plot(curves.timesteps, curves.values.mean(axis=0), lw=2, label=curves.metric.replace("_", " "))
    first = all_curves[0]
    axes.set(xlabel="environment steps", ylabel="success rate" if len(all_curves) == 1 else "score",
             ylim=(-0.02, 1.02), title=f"{first.name} ({len(first.seeds)} seeds)")
    if len(all_curves) > 1:
        axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def table(all_curves: list[Curves]) -> str:
    """Markdown rows: task, metric, budget, final mean +- std over seeds, per-seed finals."""
    rows = ["| task | metric | steps | final (mean +- std over seeds) | per seed |", "|---|---|---|---|---|"]
    for c in all_curves:
        per_seed = ", ".join(f"{v:.2f}" for v in c.final)
        rows.append(
            f"| {c.name} | {c.metric} | {int(c.timesteps[-1]):,} | {c.final.mean():.2f} +- {c.final.std():.2f} "
            f"| {per_seed} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="the --out folder of palaestra train (holds one folder per task)")
    parser.add_argument("--plots", type=Path, default=Path("docs/results"), help="where the PNGs go")
    args = parser.parse_args(argv)
    args.plots.mkdir(parents=True, exist_ok=True)
    rows = []
    for run in sorted(p for p in args.runs.iterdir() if p.is_dir()):
        task = [read(run, metric) for metric in metrics(run)]
        plot(task, args.plots / f"{run.name}.png")
        rows += task
    print(table(rows))


if __name__ == "__main__":
    main()
