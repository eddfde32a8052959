"""The play-data format: a Minari dataset plus hindsight language annotations, written one episode at a time.

Layout of a dataset folder ``DIR`` (``DIR`` mirrors a Minari dataset root, so copying it to
``$MINARI_DATASETS_PATH/<dataset_id>`` makes ``minari.load_dataset`` find it)::

    DIR/data/metadata.json      Minari's metadata plus the palaestra keys below
    DIR/data/main_data.hdf5     Minari's episodes: observations, actions, rewards, terminations, truncations,
                                infos/state (PlayState.to_vector() per step, T+1 rows like observations),
                                infos/agent_task (what the agent was pursuing, "" when it says nothing)
    DIR/data/annotations.jsonl  one JSON line per episode: {"episode": i, "windows": [annotation, ...]}

Palaestra keys in the metadata: ``play_format`` (:data:`FORMAT`), ``palaestra_version``, ``env_id``,
``env_kwargs``, ``seed``, ``agent``, ``source`` (``play``, ``human``, ``scripted``), ``steps_per_episode``,
``annotation`` (the window grid and split), ``complete`` (False while writing or after an interruption),
``interrupted``, ``info_keys``; ``scenes`` when the data spans playroom scenes (episode ``i`` was recorded in
``scenes[i % len(scenes)]``, ``PlayDataset.scene(i)``; ``PlayDataset.play_states(i)`` rebuilds its states
with that scene's layout; without it, scene A). Each episode is on disk (HDF5 closed, metadata replaced atomically) as soon as
it ends, so stopping or killing a collection at any point keeps every finished episode (:mod:`.storage`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.data import storage
from palaestra.data.annotate import GRID, Annotation, WindowGrid, annotate
from palaestra.data.storage import DamagedDatasetError
from palaestra.envs.play.state import PlayState

try:
    import minari
    from minari.data_collector.episode_buffer import EpisodeBuffer
except ImportError as error:  # the optional extra, named in the error the user sees
    raise ImportError(f"palaestra.data needs Minari with HDF5 storage: pip install 'palaestra[data]' ({error})") from None

FORMAT = 1  # bump when the layout above changes; readers refuse any other value
DATA, ANNOTATIONS = "data", "annotations.jsonl"


class DatasetVersionError(ValueError):
    """A play dataset written in a play-data format this palaestra does not read."""


def _palaestra_version() -> str:
    from palaestra import __version__

    return __version__


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP (``kill``, a closed terminal) stop a recording as Ctrl-C does: a
    ``KeyboardInterrupt`` the recorder catches to keep its episodes and mark the dataset interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    others = [s for s in STOP_SIGNALS if s != signal.SIGINT]
    previous = {s: signal.signal(s, _raise_interrupt) for s in others}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold back Ctrl-C (and SIGTERM, SIGHUP) until the block ends, so an episode is never left half written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = {s: signal.signal(s, lambda *args: caught.append(args)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:  # delivered now to whatever handles it outside (KeyboardInterrupt, or the default: exit)
            signal.raise_signal(caught[0][0])


class PlayDatasetWriter:
    """Appends finished episodes (observations, actions, PlayStates, annotations) to a new play dataset.

    ``info`` is the palaestra metadata (seed, agent, source...); ``env`` gives the spaces and the env spec.
    Each :meth:`add_episode` annotates the episode with a generator seeded by ``(seed, episode index)``.
    """

    def __init__(self, out: str | os.PathLike, env: gym.Env, info: dict[str, Any], grid: WindowGrid = GRID,
                 split: str = "train") -> None:
        self.grid, self.split, self.seed = grid, split, int(info.get("seed", 0))
        self.root, self.storage, self.lock = storage.new_dataset(out, env, {
            "dataset_id": f"palaestra/playroom/{info.get('source', 'play')}-v0",
            "minari_version": minari.__version__,
            "algorithm_name": str(info.get("agent", "")),
            "play_format": FORMAT,
            "palaestra_version": _palaestra_version(),
            "annotation": {**grid.to_json(), "split": split},
            "info_keys": ["state", "agent_task"],
            "complete": False,
            "interrupted": False,
            **info,
        })
        self.path = self.root / DATA
        self.episodes = 0

    def add_episode(self, observations: Sequence[Any], actions: Sequence[np.ndarray], states: Sequence[PlayState],
                    agent_tasks: Sequence[str], seed: int | None = None, rewards: Sequence[float] | None = None,
                    terminated: bool = False) -> list[Annotation]:
        """Write one finished episode: ``T + 1`` observations, states and agent tasks, ``T`` actions; it ends
        terminated (its task done) or, by default, truncated; rewards default to 0."""
        steps = len(actions)
        if not steps or not len(observations) == len(states) == len(agent_tasks) == steps + 1:
            raise ValueError(
                f"an episode needs T >= 1 actions and T + 1 observations, states and agent tasks; got {steps} actions, "
                f"{len(observations)} observations, {len(states)} states, {len(agent_tasks)} agent tasks"
            )
        windows = annotate(states, np.random.default_rng((self.seed, self.episodes)), self.grid, self.split)
        buffer = EpisodeBuffer(
            id=self.episodes, seed=seed, observations=_stack(observations), actions=list(actions),
            rewards=list(rewards) if rewards is not None else [0.0] * steps, terminations=[False] * (steps - 1) + [terminated],
            truncations=[False] * (steps - 1) + [not terminated],
            infos={"state": [s.to_vector() for s in states], "agent_task": list(agent_tasks)},
        )
        line = json.dumps({"episode": self.episodes, "windows": [w.to_json() for w in windows]})
        with _deferred_interrupt():
            # Annotations first: a reader ignores lines past the last stored episode, never the reverse.
            with open(self.path / ANNOTATIONS, "a", encoding="utf-8") as file:
                file.write(line + "\n")
            self.storage.update_episodes([buffer])
            self.episodes += 1  # inside: an interrupt held back until the block's end must find it counted
        return windows

    def finish(self, interrupted: bool = False) -> None:
        """Mark the dataset complete (or interrupted) and release the writer lock."""
        try:
            self.storage.update_metadata({"complete": not interrupted, "interrupted": interrupted})
        finally:
            self.lock.release()


def _stack(observations: Sequence[Any]) -> Any:
    """Minari's buffer layout: a list per leaf (a Dict observation becomes a dict of lists)."""
    if isinstance(observations[0], dict):
        return {k: [o[k] for o in observations] for k in observations[0]}
    return list(observations)


@dataclass
class PlayDataset:
    """A play dataset opened for reading: the Minari dataset, the palaestra metadata and the annotations.

    ``annotations[i]`` lists episode ``i``'s windows; :meth:`states` gives an episode's PlayState vectors,
    :meth:`scene` the playroom scene it was recorded in and :meth:`play_states` its states rebuilt in that scene.
    """

    path: Path
    minari: Any
    metadata: dict[str, Any]
    annotations: list[list[Annotation]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.minari.total_episodes

    @property
    def total_steps(self) -> int:
        return int(self.minari.total_steps)

    def episodes(self) -> Iterator[Any]:
        """Every episode as Minari's ``EpisodeData`` (observations, actions, infos["state"]...)."""
        return self.minari.iterate_episodes()

    def states(self, episode: int) -> np.ndarray:
        """Episode ``episode``'s ``(T + 1, 37)`` PlayState vectors."""
        self._check(episode)
        return next(iter(self.minari.iterate_episodes([episode]))).infos["state"]

    def scene(self, episode: int) -> str:
        """The playroom scene episode ``episode`` was recorded in (``A`` for a dataset without ``scenes``)."""
        self._check(episode)
        scenes = self.metadata.get("scenes") or ["A"]
        return scenes[episode % len(scenes)]

    def play_states(self, episode: int) -> list[PlayState]:
        """Episode ``episode``'s states as :class:`PlayState` objects, rebuilt with its scene's furniture
        layout (so supports, the oracle and goals read them as the recording env did)."""
        from palaestra.envs.play.scenes import scene

        layout = scene(self.scene(episode)).layout
        return [PlayState.from_vector(v, layout) for v in self.states(episode)]

    def _check(self, episode: int) -> None:
        if isinstance(episode, bool) or not isinstance(episode, (int, np.integer)) or not 0 <= episode < len(self):
            raise IndexError(f"{self.path}: episode {episode!r} is not in this dataset (0 to {len(self) - 1})")


def data_folder(path: str | os.PathLike) -> Path:
    """The folder holding ``metadata.json``: ``path/data`` for a dataset root, else ``path`` itself."""
    return storage.locate(path)


def load_play_dataset(path: str | os.PathLike) -> PlayDataset:
    """Open a play dataset written by :class:`PlayDatasetWriter` (the root or its ``data`` folder).

    Raises :class:`DatasetVersionError` when it was written in another play-data format,
    :class:`~palaestra.data.storage.DamagedDatasetError` when its metadata is missing or damaged (a kill
    during an older palaestra's write; :func:`~palaestra.data.storage.repair` or ``palaestra data report``
    rebuild it), ``ValueError`` when ``path`` holds no palaestra play dataset.
    """
    folder = data_folder(path)
    file = folder / storage.METADATA
    if not file.exists() and not (folder / storage.MAIN).exists():
        raise ValueError(f"{path} holds no play dataset (expected {Path(path) / DATA / storage.METADATA})")
    raw = storage.read_json(file)
    if raw is None:
        raise DamagedDatasetError(f"{file} is missing or damaged; palaestra data report {Path(path)} repairs it "
                                  f"from {storage.MAIN} or says why it cannot")
    found = raw.get("play_format")
    if found is None:
        raise ValueError(f"{path} is a Minari dataset but not a palaestra play dataset (no 'play_format' in metadata)")
    if found != FORMAT:
        raise DatasetVersionError(
            f"{path} was written in play-data format {found} (palaestra {raw.get('palaestra_version', '?')}); this "
            f"palaestra {_palaestra_version()} reads format {FORMAT}. Open it with the palaestra version that wrote it, "
            f"or collect it again with this one (palaestra collect play)."
        )
    dataset = minari.MinariDataset(folder)
    keys = ("play_format", "palaestra_version", "env_id", "env_kwargs", "seed", "agent", "source",
            "steps_per_episode", "annotation", "complete", "interrupted", "scenes")
    metadata = {k: raw[k] for k in keys if k in raw}
    return PlayDataset(folder, dataset, metadata, _read_annotations(folder, dataset.total_episodes))


def _read_annotations(folder: Path, episodes: int) -> list[list[Annotation]]:
    found: dict[int, list[Annotation]] = {}
    file = folder / ANNOTATIONS
    lines = file.read_text(encoding="utf-8").splitlines() if file.exists() else []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a killed process, for an episode never stored
            continue
        found[entry["episode"]] = [Annotation.from_json(w) for w in entry["windows"]]
    missing = [i for i in range(episodes) if i not in found]
    if missing:
        raise ValueError(f"{folder}: episodes {missing} have no annotation line in {ANNOTATIONS}")
    return [found[i] for i in range(episodes)]
