"""docs/results.md from ``palaestra train`` run folders: ``palaestra report RUNS --out docs/results.md``.

Reads every ``RUNS/<folder>/seed_<s>/curve.csv`` (with the ``config.yaml`` beside it and the folder's
``reference.json``, as :mod:`palaestra.baselines.runs` lays them out) and writes a Markdown page where no
figure is typed by hand: per task and metric the IQM of the seeds' final scores with its 95% stratified
bootstrap interval, the expert-normalised IQM (random 0, expert 1), and per track one aggregate over tasks
with its interval (:mod:`palaestra.baselines.scores`). The two tracks, pure RL and RL with expert
demonstrations, are reported apart. Every trainable ID gets a row, marked when it has no run yet. One PNG of
learning curves per run folder (mean over seeds, range shaded) goes to ``--plots``. With ``--models``, the
final model of each run folder's median seed (by its headline score) is copied there with its ``config.yaml``,
25 MB in all at most, so that a reader can check a figure with ``palaestra evaluate`` without training.

Several RUNS folders may be given (``palaestra report runs docs/results/runs``): a run folder found in more than
one is taken from the one whose seeds reach the most evaluated steps, ties to the folder given first. ``--archive
DIR`` keeps the light part of every run read (``reference.json`` and each seed's ``config.yaml`` and
``curve.csv``, a few kB) in ``DIR``, so that the page can be regenerated after the run folders themselves
(checkpoints, replay buffers) are gone; a run kept only in the archive keeps the model already copied for it.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.baselines.scores import Estimate, normalise, stratified_bootstrap

PROTOCOL = """\
Each run evaluates on fixed seeds (10000 and up, disjoint from training and from `palaestra validate`) with
deterministic actions. A score is the final evaluation of each seed (success rate, or for a game the score
against a scripted level: win 1, draw 1/2). An instruction-following task adds two rows: success with
held-out phrasings of the same instructions (`heldout_success_rate`), and CALVIN's average length over chains of
five instructions without resets (`chain_length`, 0 to 5); a method ending "8 of 35 tasks" trained and was
evaluated on those tasks only. Per task: the IQM over seeds with its 95% stratified bootstrap
interval (rliable's method, `palaestra.baselines.scores`), and the expert-normalised IQM: 0 is a uniformly
random policy and 1 the scripted expert (for a game: the strongest scripted level playing the same opponent),
both measured on the same seeds (`reference.json` in the run folder); n/a when the expert is not at least 0.1
better than random (a smaller gap is within the references' noise). The aggregate is the IQM of normalised
scores over every task's headline metric (success; for a game, the score against the strongest level it
trained against), with runs resampled within each task; runs on a playroom scene split (method "scenes
ABC->D") measure generalisation to a held-out scene and stay out of it. Manipulation and playroom runs say
which revision of the Panda scene's dynamics they trained on when it is not the current one ("Panda physics
2, now 3": [physics.md](physics.md)), drone runs likewise ("drone physics 1, now 2"); a run whose
reference.json predates the revision field counts as Panda physics 2 or drone physics 1.
Training and resuming: [training.md](training.md)."""
TRACK_TITLES = {"rl": "Pure RL", "demos": "RL with expert demonstrations"}
# Normalising divides by expert - random: a gap inside the references' own evaluation noise (Kuhn poker's expert
# scores 0.40 against nash, random 0.36, over 50 hands) would turn noise into scores like 2.5, so below this gap
# (or when the expert is not better) the normalised score is n/a and the task stays out of the aggregate.
MIN_REFERENCE_GAP = 0.1
MODELS_LIMIT_MB = 25.0  # the checkable models together: small enough to keep in the repository


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


TASK_METRICS = ("success_rate", "heldout_success_rate", "chain_length")  # the last two: instruction following


def metrics(run: Path) -> list[str]:
    """The figures a run reports: ``success_rate`` for a task (and for instruction following
    ``heldout_success_rate`` and ``chain_length``), one ``score_vs_<level>`` per level for a game."""
    path = next(iter(sorted(run.glob("seed_*/curve.csv"))), None)
    if path is None:
        raise FileNotFoundError(f"{run}: no seed_*/curve.csv files; run `palaestra train` first")
    with open(path) as file:
        columns = next(csv.reader(file))
    return [c for c in columns if c in TASK_METRICS or c.startswith("score_vs_")]


def headline_metric(names: list[str]) -> str:
    """The metric of ``names`` that enters the aggregate: success, or for a game the score against the
    strongest level (the last)."""
    return "success_rate" if "success_rate" in names else names[-1]


def read(run: Path, metric: str | None = None) -> Curves:
    """The curves of every seed under ``run`` (cut to the shortest seed so they align)."""
    files = sorted(run.glob("seed_*/curve.csv"), key=lambda p: int(p.parent.name.split("_")[1]))
    if not files:
        raise FileNotFoundError(f"{run}: no seed_*/curve.csv files; run `palaestra train` first")
    tables = []
    for path in files:
        with open(path) as file:
            tables.append(list(csv.DictReader(file)))
        if not tables[-1]:
            raise ValueError(f"{path}: no rows")
    metric = metric or metrics(run)[0]
    length = min(len(t) for t in tables)
    try:
        timesteps = np.array([float(row["timesteps"]) for row in tables[0][:length]])
        values = np.array([[float(row[metric]) for row in t[:length]] for t in tables])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{run}: a curve.csv lacks a number in column {error}; expected palaestra train's") from None
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
    top = max(1.0, *(float(c.values.max()) for c in all_curves))  # a chain length reaches 5
    axes.set(xlabel="environment steps", ylabel="success rate" if len(all_curves) == 1 else "score",
             ylim=(-0.02 * top, 1.02 * top), title=f"{first.name} ({len(first.seeds)} seeds)")
    if len(all_curves) > 1:
        axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


@dataclass(frozen=True)
class Result:
    """One task's metric in one run folder: final scores per seed, their IQM and normalised IQM."""

    folder: str
    env_id: str
    track: str
    method: str
    metric: str
    steps: int
    budget: int
    finals: np.ndarray
    score: Estimate
    normalised: Estimate | None
    normalised_finals: np.ndarray | None
    reference: dict[str, Any] | None
    headline: bool  # the metric that enters the aggregate: success, or the score against the strongest level
    split: str | None = None  # a playroom scene split: evaluated in a held-out scene, so not in the aggregate


ARCHIVED = ("reference.json", "seed_*/config.yaml", "seed_*/curve.csv")  # what --archive keeps of a run


def run_folders(runs: Path | list[Path]) -> dict[str, Path]:
    """Each run's folder by name over one or more RUNS folders: where a name is found in several, the folder
    whose seeds reach the most evaluated steps, ties to the earlier RUNS folder. Hidden folders (an
    interrupted archive copy) are not runs."""
    chosen: dict[str, tuple[float, Path]] = {}
    for root in [runs] if isinstance(runs, Path) else runs:
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no such runs folder")
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                             and any(p.glob("seed_*/curve.csv"))):
            steps = float(read(folder).timesteps[-1])
            if folder.name not in chosen or steps > chosen[folder.name][0]:
                chosen[folder.name] = (steps, folder)
    return {name: folder for name, (_, folder) in sorted(chosen.items())}


def _archived_only(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but what :func:`archive` writes (so replacing it loses nothing)."""
    kept = {p for pattern in ARCHIVED for p in folder.glob(pattern)}
    return all(p in kept or p.is_dir() for p in folder.rglob("*"))


def archive(folders: dict[str, Path], target: Path) -> list[Path]:
    """Keep the light part of each run (:data:`ARCHIVED`) in ``target/<name>``, replacing an older copy there;
    a run already read from ``target`` is left as it is. Returns the folders written.

    A folder in ``target`` that holds more than an archive copy (checkpoints, a model: a training run) is never
    replaced: a ``ValueError`` names it before anything is written. The new copy is complete before the old
    one is moved aside, so an interruption leaves either copy whole (and at worst a hidden leftover folder).
    """
    planned = []
    for name, folder in folders.items():
        destination = target / name
        if destination.exists() and destination.resolve() == folder.resolve():
            continue
        if destination.exists() and not _archived_only(destination):
            raise ValueError(f"--archive {target}: {destination} holds more than curves and references (a training "
                             "run?); an archive folder only ever holds what report --archive writes")
        planned.append((name, folder, destination))
    written = []
    for name, folder, destination in planned:
        staging, old = target / f".{name}.partial", target / f".{name}.old"
        shutil.rmtree(staging, ignore_errors=True)
        for path in (p for pattern in ARCHIVED for p in sorted(folder.glob(pattern))):
            copy = staging / path.relative_to(folder)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        if destination.exists():
            shutil.rmtree(old, ignore_errors=True)
            destination.rename(old)
        staging.rename(destination)
        shutil.rmtree(old, ignore_errors=True)
        written.append(destination)
    return written


def collect(runs: Path | dict[str, Path]) -> list[Result]:
    """Every run folder under ``runs`` (or the folders of :func:`run_folders`) as results, one per metric."""
    results = []
    for folder in (runs if isinstance(runs, dict) else run_folders(runs)).values():
        config = _config(folder)
        payload = _reference_file(folder)
        reference = None if payload is None else payload["metrics"]
        method = f"{config.library} {config.algo.upper()}" + (" + HER" if config.her is not None else "")
        if config.track == "demos":
            method += f", {config.demo_episodes} demos"
            if config.demonstrator:  # a game's: one of its scripted levels
                method += f" of {config.demonstrator}"
        if config.split:
            method += f", scenes {config.split}"
        method += _task_subset(config)
        method += _stale_physics(payload, config.env_id)
        names = metrics(folder)
        for metric in names:
            curves = read(folder, metric)
            score = stratified_bootstrap([curves.final])
            ref = (reference or {}).get(metric)
            normalised_finals = normalised = None
            if ref is not None and ref["expert"] - ref["random"] >= MIN_REFERENCE_GAP:
                normalised_finals = normalise(curves.final, ref["random"], ref["expert"])
                normalised = stratified_bootstrap([normalised_finals])
            results.append(Result(folder.name, config.env_id, config.track, method, metric,
                                  int(curves.timesteps[-1]), config.timesteps, curves.final, score, normalised,
                                  normalised_finals, ref,
                                  headline=metric == headline_metric(names), split=config.split))
    return results


def _task_subset(config: Any) -> str:
    """", 8 of 35 tasks" for a playroom run restricted to some of the oracle's tasks (``env_kwargs: tasks``)."""
    tasks = config.env_kwargs.get("tasks")
    if not tasks:
        return ""
    from palaestra.envs.play import oracle

    return f", {len(tasks)} of {len(oracle.TASKS)} tasks"


def _config(folder: Path) -> Any:
    from palaestra.baselines.train import load_config

    return load_config(next(iter(sorted(folder.glob("seed_*/config.yaml")))))


def _stale_physics(reference: dict[str, Any] | None, env_id: str) -> str:
    """", Panda physics 2, now 3" where the run (its whole reference.json) trained on an older revision of its
    scene's dynamics, else "". A run without references says nothing (there is nothing to read it from)."""
    from palaestra.baselines.runs import physics_revision

    revision = physics_revision(env_id)
    if revision is None or reference is None:
        return ""
    trained = int(reference.get(revision.key, revision.legacy))
    return "" if trained == revision.current else f", {revision.scene} physics {trained}, now {revision.current}"


def _reference_file(folder: Path) -> dict[str, Any] | None:
    """A run folder's whole reference.json (references under "metrics", physics revisions), or None without one."""
    path = folder / "reference.json"
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path}: not a reference file ({error})") from None
    if "metrics" not in payload:
        raise ValueError(f"{path}: not a reference file ('metrics')")
    return payload


def _reference(folder: Path) -> dict[str, Any] | None:
    payload = _reference_file(folder)
    return None if payload is None else payload["metrics"]


def aggregate(results: list[Result]) -> Estimate | None:
    """The IQM of expert-normalised final scores over every task's headline metric, with a stratified
    bootstrap over tasks (runs resampled within each task); None when no task has its references. Runs on a
    scene split measure generalisation to another scene, not the task: they stay out."""
    groups = [r.normalised_finals for r in _aggregated(results)]
    return stratified_bootstrap(groups) if groups else None


@dataclass(frozen=True)
class Checkable:
    """The median seed's final model of one run folder, copied for readers to evaluate."""

    folder: str
    env_id: str
    seed: int
    score: float
    metric: str
    steps: int
    path: Path  # the copied model file
    megabytes: float


def median_seed(result: Result, seeds: tuple[int, ...]) -> int:
    """The seed whose final score is the median of ``result``'s (the lower middle one for an even count)."""
    order = np.argsort(result.finals, kind="stable")
    return seeds[int(order[(len(order) - 1) // 2])]


def final_model(seed_folder: Path) -> Path:
    """``model.pt`` of a finished seed, else its latest ``checkpoint_<steps>.pt``."""
    if (seed_folder / "model.pt").is_file():
        return seed_folder / "model.pt"
    checkpoints = sorted(seed_folder.glob("checkpoint_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    if not checkpoints:
        raise FileNotFoundError(f"{seed_folder}: no model.pt or checkpoint_<steps>.pt to copy")
    return checkpoints[-1]


def _aggregated(results: list[Result]) -> list[Result]:
    return [r for r in results if r.headline and r.normalised_finals is not None and r.split is None]


def copy_models(runs: Path | dict[str, Path], results: list[Result], out: Path,
                limit_mb: float = MODELS_LIMIT_MB) -> list[Checkable]:
    """Copy each run folder's median-seed model (with its config.yaml) to ``out/<folder>/``.

    A run kept only as an archive (curves, no checkpoint) keeps the model already in ``out/<folder>/``, copied
    when its run folder still existed, if its ``model.json`` says it is that run's median seed at its steps
    (else a ``ValueError`` says whose it is); with no model at all, a ``FileNotFoundError`` names the seed
    folder. Nothing is copied when the models together would exceed ``limit_mb``: a ``ValueError`` names the
    largest.
    """
    folders = runs if isinstance(runs, dict) else run_folders(runs)
    chosen = []
    for result in (r for r in results if r.headline):
        seeds = read(folders[result.folder], result.metric).seeds
        seed = median_seed(result, seeds)
        seed_folder = folders[result.folder] / f"seed_{seed}"
        kept = out / result.folder / "model.pt"
        if not any(seed_folder.glob("*.pt")) and kept.is_file():
            source = kept
            _check_provenance(kept, seed, result.steps)
        else:
            source = final_model(seed_folder)
        score = float(result.finals[seeds.index(seed)])
        chosen.append((result, seed, score, source, source.stat().st_size / 2**20))
    total = sum(c[-1] for c in chosen)
    if total > limit_mb:
        largest = max(chosen, key=lambda c: c[-1])
        raise ValueError(f"--models: the median-seed models take {total:.1f} MB, over the {limit_mb:g} MB limit "
                         f"(largest: {largest[3]}, {largest[-1]:.1f} MB)")
    copied = []
    for result, seed, score, source, megabytes in chosen:
        target = out / result.folder
        target.mkdir(parents=True, exist_ok=True)
        if source != target / "model.pt":
            shutil.copyfile(source, target / "model.pt")
            shutil.copyfile(source.parent / "config.yaml", target / "config.yaml")
            (target / "model.json").write_text(json.dumps({"seed": seed, "steps": result.steps}) + "\n")
        copied.append(Checkable(result.folder, result.env_id, seed, score, result.metric, result.steps,
                                target / "model.pt", megabytes))
    return copied


def _check_provenance(model: Path, seed: int, steps: int) -> None:
    # A kept model must be the one the page describes: the run's median seed at its last evaluated step.
    try:
        saved = json.loads((model.parent / "model.json").read_text())
    except (OSError, ValueError):
        saved = None
    if not isinstance(saved, dict) or (saved.get("seed"), saved.get("steps")) != (seed, steps):
        found = f"seed {saved.get('seed')} at {saved.get('steps')} steps" if isinstance(saved, dict) else "unrecorded"
        raise ValueError(f"--models: {model} is kept for a run whose checkpoints are gone, but it is {found}, not the "
                         f"median seed {seed} at {steps} steps the curves give; rerun the report with the run folder")


def models_section(models: list[Checkable], link: str) -> list[str]:
    """The page's table of checkable models, each with the command that re-measures its figure."""
    lines = ["## Checkable models", "",
             f"The median seed's final model of each run, {sum(m.megabytes for m in models):.1f} MB in all. "
             "Re-measure a figure without training (from the repository's root):", "",
             "| run | seed | final score | metric | steps | size | check |", "|---|---|---|---|---|---|---|"]
    for m in models:
        path = f"{link}/{m.folder}/model.pt"
        lines.append(f"| {m.folder} | {m.seed} | {m.score:.2f} | {m.metric} | {m.steps:,} | {m.megabytes:.2f} MB "
                     f"| `palaestra evaluate {m.env_id} --model {path}` |")
    return lines + [""]


def markdown(results: list[Result], runs_label: str, plots: str | None,
             models: tuple[list[Checkable], str] | None = None) -> str:
    """The results page."""
    from palaestra import registry

    lines = ["# Reference results", "", f"Generated by `palaestra report {runs_label} --out docs/results.md` from the "
             "run folders of `palaestra train`", "(or the curves and references an archive keeps of them); do not "
             "edit by hand.", *PROTOCOL.splitlines(), ""]
    trainable = [r for r in registry.RECORDS if r.baseline is not None]
    for track, title in TRACK_TITLES.items():
        rows = [r for r in results if r.track == track]
        lines += [f"## {title}", ""]
        total = aggregate(rows)
        tasks = len({r.env_id for r in _aggregated(rows)})
        lines += [f"Aggregate expert-normalised IQM over {tasks} tasks: {total}" if total else
                  "Aggregate: no task of this track has a run with reference scores yet.", ""]
        lines += ["| task | method | metric | steps (of budget) | seeds | IQM [95% CI] | normalised IQM [95% CI] "
                  "| random / expert | final per seed |", "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            refs = f"{r.reference['random']:.2f} / {r.reference['expert']:.2f}" if r.reference else "n/a"
            steps = f"{r.steps:,}" + (f" of {r.budget:,}, unfinished" if r.steps < r.budget else "")
            lines.append(f"| {registry.get(r.env_id).name} | {r.method} | {r.metric} | {steps} | {len(r.finals)} "
                         f"| {r.score} | {r.normalised or 'n/a'} | {refs} | "
                         f"{', '.join(f'{v:.2f}' for v in r.finals)} |")
        if track == "rl":
            missing = [t.name for t in trainable if t.id not in {r.env_id for r in rows}]
            if missing:
                lines.append(f"| {', '.join(missing)} | not yet trained on this track | | | 0 | | | | |")
        lines.append("")
    if plots:
        folders = sorted({r.folder for r in results})
        if folders:
            lines += ["## Curves", "", " ".join(f"![{f}]({plots}/{f}.png)" for f in folders), ""]
    if models and models[0]:
        lines += models_section(*models)
    lines += ["## Earlier results", "",
              "Figures measured before the Panda physics fix, from run folders that no longer exist, are kept by",
              "hand in [results-old-physics.md](results-old-physics.md); they are not regenerated and do not",
              "count.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", type=Path, nargs="+",
                        help="the --out folder of palaestra train (holds one folder per task); with several, a run "
                             "found in more than one is taken where it reaches the most steps, ties to the first")
    parser.add_argument("--out", type=Path, default=None, help="write the page here (default: print it)")
    parser.add_argument("--plots", type=Path, default=None,
                        help="where the PNGs go (default: results/ beside --out; none when printing)")
    parser.add_argument("--models", type=Path, default=None,
                        help=f"copy each run's median-seed final model here (at most {MODELS_LIMIT_MB:g} MB in all)")
    parser.add_argument("--archive", type=Path, default=None,
                        help="keep each run's curves, configs and references (a few kB) here, so the page can be "
                             "regenerated once the run folders are gone; always read, after the RUNS folders")


def run(args: argparse.Namespace) -> int:
    archive_dir = args.archive
    roots = list(args.runs)
    if archive_dir is not None:
        if args.models is not None and args.models.resolve() == archive_dir.resolve():
            raise ValueError(f"--archive {archive_dir} and --models {args.models} must be different folders")
        # The archive is always read, last: a run there is replaced only by one that went at least as far.
        roots = [r for r in roots if r.resolve() != archive_dir.resolve()]
        roots += [archive_dir] if archive_dir.exists() else []  # a first --archive may not exist yet
    folders = run_folders(roots)
    results = collect(folders)
    if archive_dir is not None:
        archive(folders, archive_dir)
    plots = args.plots or (args.out.parent / "results" if args.out else None)
    if plots is not None:
        plots.mkdir(parents=True, exist_ok=True)
        for name, folder in folders.items():
            plot([read(folder, m) for m in metrics(folder)], plots / f"{name}.png")
    link = None
    if plots is not None:
        inside = args.out is not None and plots.is_relative_to(args.out.parent)
        link = str(plots.relative_to(args.out.parent)) if inside else str(plots)
    models = None
    if args.models is not None:
        copied = copy_models(folders, results, args.models)
        where = args.models.resolve()
        models = (copied, str(where.relative_to(Path.cwd())) if where.is_relative_to(Path.cwd()) else str(where))
    label = " ".join(str(r) for r in args.runs) + (f" --archive {archive_dir}" if archive_dir else "")
    page = markdown(results, label, link, models)
    if args.out:
        from palaestra.baselines.checkpoint import atomic_write

        atomic_write(args.out, lambda tmp: tmp.write_text(page))
    else:
        print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
