"""Run folders of ``palaestra train``: what may be written where, the curve file, the reference scores, and
the per-seed process setup (one pinned core, a progress bar).

A task's run folder ``OUT/<Name>/`` holds ``reference.json`` (the random and expert scores that normalise its
figures, measured on the evaluation seeds) and one ``seed_<s>/`` per seed with ``config.yaml``, ``curve.csv``,
``checkpoint_<steps>.pt`` (policy weights at each evaluation), ``resume.pt`` and ``replay_<steps>.npz`` (the
last full training state) and, once finished, ``model.pt``. A run is never overwritten: an occupied seed folder is
refused unless the run is resumed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from palaestra.baselines.checkpoint import atomic_write

if TYPE_CHECKING:
    from palaestra.baselines.train import TrainConfig

RESUMABLE = ("timesteps", "seeds")  # the fields a resumed run may change (a longer budget, more seeds)


class RunExistsError(FileExistsError):
    """A seed folder already holds a run and the caller did not ask to resume it."""


def seed_dir(out: str | Path, seed: int) -> Path:
    return Path(out) / f"seed_{seed}"


def check_run(config: TrainConfig, out: str | Path, seed: int, resume: bool) -> bool:
    """Whether seed ``seed`` under ``out`` resumes; raises when it would overwrite a run or change its config."""
    folder = seed_dir(out, seed)
    occupied = folder.is_dir() and any(folder.iterdir())
    if occupied and not resume:
        raise RunExistsError(f"{folder} already holds a run; pass --resume to continue it, or choose another --out")
    if not (folder / "resume.pt").is_file():
        return False
    from palaestra.baselines.train import load_config

    saved = load_config(folder / "config.yaml")
    changed = sorted(f for f in _fields(config) if f not in RESUMABLE and getattr(saved, f) != getattr(config, f))
    if changed:
        raise ValueError(f"{folder}: cannot resume with a different config (changed: {', '.join(changed)}); "
                         f"only {' and '.join(RESUMABLE)} may change")
    return True


def _fields(config: Any) -> list[str]:
    import dataclasses

    return [f.name for f in dataclasses.fields(config)]


def write_curve(path: Path, rows: Sequence[Mapping[str, float]]) -> None:
    """The evaluation rows as CSV, replaced atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, lambda tmp: tmp.write_text(text.getvalue()))


def pin_to_core(core: int) -> None:
    """Run this process (and the threads it starts later) on one core.

    Called before torch or JAX start their thread pools: JAX ignores the XLA thread flags, so affinity is the
    way to keep each seed on its own core.
    """
    os.sched_setaffinity(0, {core})
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def cores() -> list[int]:
    """The cores this process may run on, in order (one per seed, cycling when there are more seeds)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]


def progress_bar(config: TrainConfig, seed: int, start: int, position: int, enabled: bool) -> Any:
    """A tqdm bar for one seed's environment steps, with rate and time left."""
    from tqdm import tqdm

    name = config.env_id.split("/")[-1]
    return tqdm(total=config.timesteps, initial=start, desc=f"{name} seed {seed}", unit="step", position=position,
                disable=not enabled, mininterval=2.0, dynamic_ncols=True, leave=True)


# -- reference scores -------------------------------------------------------------------------------------
def write_reference(config: TrainConfig, out: str | Path) -> None:
    """``OUT/reference.json``: a uniformly random policy's and the expert's scores on the evaluation seeds.

    For a task the expert is its scripted expert and the score its success rate. For a game each metric is a
    score against one level, and the expert is the game's strongest scripted level playing that level.
    Written once per task folder; every seed computes the same figures, so concurrent writers agree.
    """
    path = Path(out) / "reference.json"
    if path.is_file():
        return
    from palaestra.baselines.train import EVAL_SEED_BASE

    seeds = range(EVAL_SEED_BASE, EVAL_SEED_BASE + config.eval_episodes)
    metrics = _game_references(config, seeds) if config.is_game else _task_references(config, seeds)
    payload = {"env_id": config.env_id, "evaluated_in": config.evaluation_id,
               "eval_seeds": [seeds.start, seeds.stop - 1], "metrics": metrics}
    revision = physics_revision(config.env_id)
    if revision is not None:
        payload[revision.key] = revision.current
    Path(out).mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=1) + "\n"))


class PhysicsRevision(NamedTuple):
    """A scene's dynamics revision as runs record it: the reference.json key, the scene's name in the report,
    the current revision, and the one a run written before the key existed trained on."""

    key: str
    scene: str
    current: int
    legacy: int


def physics_revision(env_id: str) -> PhysicsRevision | None:
    """The revision of the scene ``env_id`` runs in (Panda: manipulation and playroom; drones), or None for
    the other families. The Panda's revision-1 runs are in results-old-physics.md, so unmarked ones count as 2."""
    from palaestra import registry

    family = registry.get(env_id).family
    if family == "drones":
        from palaestra.sim.drones.arena import PHYSICS_REVISION as drone

        return PhysicsRevision("drone_physics", "drone", drone, 1)
    if family in ("manipulation", "play"):
        from palaestra.sim.robot import PHYSICS_REVISION as panda

        return PhysicsRevision("panda_physics", "Panda", panda, 2)
    return None


def _task_references(config: TrainConfig, seeds: range) -> dict[str, dict[str, Any]]:
    from palaestra import registry
    from palaestra.baselines.train import language_figures, make_env
    from palaestra.evaluation import evaluate

    env = make_env(config, 0)
    space = env.action_space
    env.close()
    space.seed(0)
    kwargs = dict(config.env_kwargs)
    where = config.evaluation_id
    expert_class = registry.get(where).load_expert()
    random = {"success_rate": evaluate(lambda obs: space.sample(), where, seeds=seeds, env_kwargs=kwargs).success_rate,
              **language_figures(lambda obs: space.sample(), config, seeds)}
    expert = {"success_rate": evaluate(expert_class, where, seeds=seeds, env_kwargs=kwargs).success_rate,
              **language_figures(expert_class, config, seeds, factory=True)}
    return {metric: {"random": random[metric], "expert": expert[metric], "expert_name": "scripted expert"}
            for metric in random}


def _game_references(config: TrainConfig, seeds: range) -> dict[str, dict[str, Any]]:
    from palaestra.competitive import evaluate as play
    from palaestra.competitive.match import opponent_table

    strongest = list(opponent_table(config.env_id))[-1]
    kwargs = dict(config.env_kwargs)
    return {
        f"score_vs_{level}": {
            "random": play("random", level, config.env_id, seeds=seeds, env_kwargs=kwargs).score,
            "expert": play(strongest, level, config.env_id, seeds=seeds, env_kwargs=kwargs).score,
            "expert_name": f"scripted {strongest}",
        }
        for level in config.opponents
    }
