"""Offline datasets for the manipulation tasks (``palaestra collect TASK --policy expert|noisy|random|mixed``).

Named like D4RL and OGBench: ``expert`` is the task's scripted expert; ``noisy`` (D4RL's "medium") the
same expert with Gaussian action noise and occasional random actions; ``random`` uniform random actions;
``mixed`` draws one of the three for each episode. Every episode records, as Minari episode metadata
(``dataset.storage.get_episode_metadata``): ``policy``, ``goal_split`` (``iid`` or ``ood``), ``success``
and ``resets`` (how many resets it took to draw a goal of the requested split).

Goal splits follow GOAT (Yang et al., 2023, "What is Essential for Unseen Goal Generalization of Offline
Goal-conditioned RL?"): a task's out-of-distribution goals lie in a region of its goal space that the
in-distribution data never reaches, the last quarter of one goal coordinate (:data:`GOAL_SPLITS`), e.g.
Push goals on the table's right quarter (GOAT's "left to right"), Reach and PickAndPlace goals at the
top quarter of their heights ("low to high"), Slide goals at the far quarter ("near to far").
Collect a training set with ``goals="iid"`` and evaluate on ``goals="ood"`` for the GOAT benchmark.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.data import storage
from palaestra.data.dataset import _deferred_interrupt, _palaestra_version, stop_signals_interrupt

POLICIES = ("expert", "noisy", "random", "mixed")
GOALS = ("all", "iid", "ood")
FORMAT = 1  # the offline-dataset metadata keys below; bump when they change
NOISE, RANDOM_SHARE = 0.3, 0.1  # the noisy expert: Gaussian std on every action component, share of random actions
MAX_RESETS = 1000


@dataclass(frozen=True)
class GoalSplit:
    """Goals with ``goal[axis] >= threshold`` are out of distribution (``ood``), the others ``iid``."""

    axis: int
    threshold: float
    name: str

    def __call__(self, goal: np.ndarray) -> str:
        return "ood" if float(np.asarray(goal)[self.axis]) >= self.threshold else "iid"


def _quarter(low: float, high: float) -> float:
    return low + 0.75 * (high - low)


# Task name -> split over its goal (the task's goal_low/goal_high in palaestra/envs/manipulation/tasks).
GOAL_SPLITS: dict[str, GoalSplit] = {
    "reach": GoalSplit(2, _quarter(0.0, 0.3), "low to high: targets above 22.5 cm are OOD"),
    "push": GoalSplit(1, _quarter(-0.15, 0.15), "left to right: targets at y >= 7.5 cm are OOD"),
    "slide": GoalSplit(0, _quarter(0.2, 0.4), "near to far: targets at x >= 35 cm are OOD"),
    "pick_and_place": GoalSplit(2, _quarter(0.02, 0.2), "low to high: targets above 15.5 cm are OOD"),
    "stack": GoalSplit(1, _quarter(-0.15, 0.15), "left to right: towers at y >= 7.5 cm are OOD"),
    "flip": GoalSplit(1, float(np.sin(np.pi / 4)), "directions within 45 degrees of +y are OOD"),
    "open_drawer": GoalSplit(0, _quarter(0.1, 0.2), "openings of 17.5 cm and more are OOD"),
    "close_drawer": GoalSplit(0, _quarter(0.0, 0.04), "targets of 3 cm open and more are OOD"),
    "slide_door": GoalSplit(0, _quarter(-0.12, 0.12), "door targets at 6 cm and more are OOD"),
    "press_button": GoalSplit(0, _quarter(0.008, 0.024), "depths of 2 cm and more are OOD"),
}


def goal_split(env: gym.Env) -> GoalSplit:
    """The goal split of a manipulation environment (by its task)."""
    task = env.unwrapped.task
    if task.name not in GOAL_SPLITS:
        raise ValueError(f"{env.spec.id if env.spec else task.name}: no goal split for task {task.name!r}; "
                         f"known: {sorted(GOAL_SPLITS)}")
    return GOAL_SPLITS[task.name]


Act = Callable[[Any], np.ndarray]


def _policy(name: str, env: gym.Env, expert: Any, noise: float) -> Act:
    """An ``obs -> action`` function for one episode; randomness from the env's generator."""
    rng, space = env.unwrapped.np_random, env.action_space
    if name == "random":
        return lambda obs: rng.uniform(space.low, space.high).astype(space.dtype)
    expert.reset()
    if name == "expert":
        return lambda obs: np.clip(expert(obs), space.low, space.high).astype(space.dtype)

    def noisy(obs: Any) -> np.ndarray:
        action = np.asarray(expert(obs), dtype=float)  # the expert runs every step, so its phases advance
        if rng.random() < RANDOM_SHARE:
            action = rng.uniform(space.low, space.high)
        return np.clip(action + rng.normal(0.0, noise, action.shape), space.low, space.high).astype(space.dtype)

    return noisy


def collect_offline(
    env_id: str,
    policy: str,
    episodes: int,
    out: str | os.PathLike,
    seed: int = 0,
    goals: str = "all",
    noise: float = NOISE,
    progress: bool = True,
) -> Any:
    """Record ``episodes`` episodes of ``policy`` on the manipulation task ``env_id`` into a new Minari dataset
    at ``out`` (crash-safe, :mod:`palaestra.data.storage`) and return it as a ``minari.MinariDataset``.

    Episode ``i`` starts from ``reset(seed=seed + i)``, followed by plain resets until the goal is in the
    requested split (``goals``: ``all`` keeps the task's own goals). Episodes end as the environment ends
    them (success or the time limit). Ctrl-C (or SIGTERM, SIGHUP) stops the collection and keeps every
    finished episode; the metadata then says ``interrupted``.
    """
    import minari
    from palaestra.progress import progress_bar

    import palaestra
    from palaestra import registry

    record = registry.get(env_id)
    if record.family != "manipulation" or record.expert is None:
        raise ValueError(f"{record.id}: offline datasets are collected for manipulation tasks with an expert; "
                         f"see `palaestra list --family manipulation` (the playroom has `palaestra collect play`)")
    for name, value, allowed in (("policy", policy, POLICIES), ("goals", goals, GOALS)):
        if value not in allowed:
            raise ValueError(f"{record.id}: unknown {name} {value!r}; expected one of {', '.join(allowed)}")
    if episodes < 1 or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{record.id}: need episodes >= 1 and a finite noise >= 0, got {episodes}, {noise}")
    env = palaestra.make(record.id)
    split = goal_split(env)
    info = {
        "dataset_id": f"palaestra/{record.name.lower()}/{policy}{'' if goals == 'all' else '-' + goals}-v0",
        "minari_version": minari.__version__, "algorithm_name": f"palaestra {policy}",
        "offline_format": FORMAT, "palaestra_version": _palaestra_version(), "env_id": record.id,
        "env_kwargs": {}, "seed": seed, "policy": policy, "goals": goals, "noise": noise,
        "random_share": RANDOM_SHARE, "goal_split": {"axis": split.axis, "threshold": split.threshold,
                                                     "rule": split.name},
        "source": "offline", "info_keys": [], "complete": False, "interrupted": False,
    }
    expert = record.load_expert()(env)
    interrupted = False
    try:
        root, store, lock = storage.new_dataset(out, env, info)
        try:
            with stop_signals_interrupt(), progress_bar("episodes", disable=not progress) as bar:
                task = bar.add_task(f"recording {record.name} {policy}", total=episodes)
                for i in range(episodes):
                    buffer, attrs = _episode(env, expert, policy, seed + i, goals, split, noise)
                    with _deferred_interrupt():  # Ctrl-C waits for the episode's write
                        store.add_episode(buffer, attrs)
                    bar.update(task, completed=i + 1)
        except KeyboardInterrupt:
            interrupted = True
        try:
            store.update_metadata({"complete": not interrupted, "interrupted": interrupted})
        finally:
            lock.release()
    finally:
        env.close()
    return minari.MinariDataset(root / "data")


def _episode(env: gym.Env, expert: Any, policy: str, seed: int, goals: str, split: GoalSplit,
             noise: float) -> tuple[Any, dict[str, Any]]:
    from minari.data_collector.episode_buffer import EpisodeBuffer

    obs, _ = env.reset(seed=seed)
    resets = 1
    while goals != "all" and split(env.unwrapped.task.goal) != goals:
        if resets >= MAX_RESETS:
            raise RuntimeError(f"{env.spec.id}: no {goals} goal in {MAX_RESETS} resets from seed {seed}")
        obs, _ = env.reset()
        resets += 1
    rng = env.unwrapped.np_random
    chosen = policy if policy != "mixed" else str(rng.choice(("expert", "noisy", "random")))
    act = _policy(chosen, env, expert, noise)
    observations, actions, rewards, terminations, truncations = [obs], [], [], [], []
    done, info = False, {}
    while not done:
        action = act(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(float(reward))
        terminations.append(bool(terminated))
        truncations.append(bool(truncated))
        done = terminated or truncated
    stacked = {k: [o[k] for o in observations] for k in observations[0]}
    buffer = EpisodeBuffer(seed=seed, observations=stacked, actions=actions, rewards=rewards,
                           terminations=terminations, truncations=truncations)
    attrs = {"policy": chosen, "goal_split": split(env.unwrapped.task.goal), "resets": resets,
             "success": bool(info.get("is_success", False))}
    return buffer, attrs


SUITE = (("expert", "iid"), ("noisy", "iid"), ("random", "iid"), ("mixed", "iid"), ("expert", "ood"))


def collect_suite(out: str | os.PathLike, episodes: int, seed: int = 0, progress: bool = True) -> list[Path]:
    """The reference suite: for every manipulation task, training sets on in-distribution goals (``expert``,
    ``noisy``, ``random``, ``mixed``) and an expert set on out-of-distribution goals, ``episodes`` episodes
    each, in ``out/<task>/<policy>-<goals>``; the same arguments give the same suite. Returns the folders."""
    from palaestra import registry

    root, made = Path(out).absolute(), []
    for record in registry.MANIPULATION:
        for policy, goals in SUITE:
            folder = root / record.name / f"{policy}-{goals}"
            collect_offline(record.id, policy, episodes, folder, seed=seed, goals=goals, progress=progress)
            made.append(folder)
    return made


def episode_metadata(dataset: Any) -> list[dict[str, Any]]:
    """Every episode's metadata (``policy``, ``goal_split``, ``success``, ``resets``, ``seed``...) of a dataset
    written by :func:`collect_offline`."""
    return list(dataset.storage.get_episode_metadata(range(dataset.total_episodes)))


def load_offline_dataset(path: str | os.PathLike) -> Any:
    """Open an offline dataset (its root or data folder) as a ``minari.MinariDataset``."""
    import minari

    folder = storage.locate(path)
    meta = storage.read_json(folder / storage.METADATA)
    if meta is None:
        raise storage.DamagedDatasetError(f"{folder / storage.METADATA} is missing or damaged; palaestra data "
                                          f"report {path} repairs it or says why it cannot")
    if meta.get("offline_format") is None:
        raise ValueError(f"{path} is not a palaestra offline dataset (no 'offline_format' in its metadata)")
    return minari.MinariDataset(folder)
