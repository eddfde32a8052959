"""Crash-safe Minari storage: a dataset folder that a kill at any moment leaves readable, and its repair.

Minari (0.5) writes ``metadata.json`` in place (truncate, then write) after every episode, so a process
killed at the wrong moment leaves it empty and the whole dataset unreadable; ``MinariStorage.new`` leaves a
0-byte HDF5 file until the first episode arrives; and a kill while HDF5 appends to ``main_data.hdf5`` can
leave its root group pointing past the file's recorded end, which makes every episode in it unreadable
(seen here in kill tests). So:

- Each episode is written to its own file, ``episodes/episode_<i>.hdf5``, under a temporary name that is
  renamed when the file is closed: an episode file is whole or absent. ``main_data.hdf5`` holds only
  HDF5 external links to them (Minari and h5py follow them transparently, relative to the folder, so the
  folder can be moved) and a copy of the creation metadata (root attribute :data:`HEADER`, also in every
  episode file).
- ``metadata.json`` is replaced atomically (temporary file, ``fsync``, rename) after the episode file and
  its link exist, so it lists only episodes that are fully on disk.
- :func:`create` builds the data folder under a temporary name and renames it into place: whole or absent.
- :class:`WriterLock` holds an advisory lock on ``writing.lock`` while a writer is open (the operating
  system drops it when the process dies), so :func:`repair` never touches a dataset being written.
- :func:`repair` rebuilds ``metadata.json`` and ``main_data.hdf5`` from the episode files whenever they
  are missing, damaged or behind, and removes temporary files a killed writer left.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym

try:
    import h5py
    from minari.data_collector.episode_buffer import EpisodeBuffer
    from minari.dataset._storages.hdf5_storage import HDF5Storage
    from minari.dataset._storages.hdf5_storage import _add_episode_to_group as add_to_group  # Minari's own layout
    from minari.dataset._storages.hdf5_storage import flatten_dict
    from minari.dataset.minari_storage import MinariStorage
except ImportError as error:  # the optional extra, named in the error the user sees
    raise ImportError(f"palaestra.data needs Minari with HDF5 storage: pip install 'palaestra[data]' ({error})") from None

METADATA, MAIN, LOCK, EPISODES = "metadata.json", "main_data.hdf5", "writing.lock", "episodes"
HEADER = "palaestra_metadata"  # root attribute of the HDF5 files: the metadata as it was at creation
PARTIAL = ".partial-"  # prefix of a data folder still being created
EPISODE_KEYS = ("observations", "actions", "rewards", "terminations", "truncations")


def episode_file(folder: Path, index: int) -> Path:
    return folder / EPISODES / f"episode_{index}.hdf5"


class DamagedDatasetError(ValueError):
    """A dataset whose files cannot be read as they are; the message names the file and what to do."""


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` so that a reader (or a crash) sees the old file or the new one, never
    a mix: a temporary file in the same folder, flushed to disk, then renamed over ``path``."""
    with _temporary(path) as temporary, open(temporary, "w", encoding="utf-8") as file:
        json.dump(data, file, default=lambda o: sorted(o) if isinstance(o, set) else _unserialisable(o))
        file.flush()
        os.fsync(file.fileno())


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[str]:
    """A temporary path beside ``target``, renamed over ``target`` when the block ends without error."""
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; the dataset's files are not
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _unserialisable(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or ``None`` when the file is missing, empty or not a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


class AtomicHDF5Storage(HDF5Storage):
    """Minari's HDF5 storage writing one file per episode and atomic metadata (see the module docstring)."""

    @functools.cached_property
    def header(self) -> str:
        with h5py.File(self.data_path / MAIN, "r") as file:
            return file.attrs[HEADER]

    def update_metadata(self, metadata: dict) -> None:
        saved = read_json(self.data_path / METADATA)
        if saved is None:
            raise DamagedDatasetError(f"{self.data_path / METADATA} is missing or damaged; run palaestra data report "
                                      f"{self.data_path.parent} to rebuild it from the episode files")
        write_json_atomic(self.data_path / METADATA, {**saved, **metadata})

    def update_episodes(self, episodes: Iterable[EpisodeBuffer]) -> None:
        for episode in episodes:
            self.add_episode(episode)

    def add_episode(self, episode: EpisodeBuffer, attrs: Mapping[str, Any] | None = None) -> None:
        """Append ``episode`` (its id, if given, must be the next one) with extra episode ``attrs``, which
        Minari's ``get_episode_metadata`` returns."""
        index = self.total_episodes
        if episode.id not in (None, index):
            raise ValueError(f"{self.data_path}: episode ids must follow on, expected {index}, got {episode.id}")
        name, steps = f"episode_{index}", len(episode.rewards)
        target = episode_file(self.data_path, index)
        with _temporary(target) as temporary:
            with h5py.File(temporary, "w", track_order=True) as file:
                file.attrs[HEADER] = self.header
                group = file.create_group(name)
                group.attrs.update({**(attrs or {}), "id": index, "total_steps": steps})
                if episode.seed is not None:
                    group.attrs["seed"] = episode.seed
                if episode.options is not None:
                    group.attrs.update(flatten_dict(episode.options, "options"))
                add_to_group({"observations": episode.observations, "actions": episode.actions,
                              "rewards": episode.rewards, "terminations": episode.terminations,
                              "truncations": episode.truncations, "infos": episode.infos}, group)
        with h5py.File(self.data_path / MAIN, "a") as file:
            file[name] = h5py.ExternalLink(f"{EPISODES}/{target.name}", f"/{name}")
        self.update_metadata({"total_episodes": index + 1, "total_steps": self.total_steps + steps,
                              "dataset_size": self.get_size()})


def create(folder: str | os.PathLike, observation_space: gym.Space, action_space: gym.Space,
           env_spec: gym.envs.registration.EnvSpec | None, metadata: Mapping[str, Any]) -> AtomicHDF5Storage:
    """A new, empty Minari HDF5 dataset in ``folder`` (which must not exist) with ``metadata`` added to
    Minari's own; it appears whole or not at all. Image observations are stored raw (no JPEG)."""
    folder = Path(folder).absolute()
    partial = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{folder.name}-", dir=folder.parent))
    try:
        MinariStorage.new(partial, observation_space=observation_space, action_space=action_space,
                          env_spec=env_spec, data_format="hdf5", jpeg_encoding=False)
        full = {**json.loads((partial / METADATA).read_text(encoding="utf-8")), **metadata}
        write_json_atomic(partial / METADATA, full)
        with h5py.File(partial / MAIN, "w") as file:
            file.attrs[HEADER] = json.dumps(full)
        (partial / EPISODES).mkdir()
        os.chmod(partial, 0o777 & ~_umask())
        os.rename(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return AtomicHDF5Storage(folder, observation_space, action_space, jpeg_encoding=False)


def new_dataset(out: str | os.PathLike, env: gym.Env, metadata: Mapping[str, Any]
                ) -> tuple[Path, AtomicHDF5Storage, WriterLock]:
    """A new dataset at ``out`` (absolute or relative to the working directory; absent or an empty folder) for
    ``env``'s spaces and spec: its absolute root, its storage (data folder ``out/data``) and the writer lock."""
    root = Path(out).absolute()  # Minari joins relative paths twice (relplay/data/relplay/data/...)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root} is not empty; choose a new folder for the dataset")
    root.mkdir(parents=True, exist_ok=True)
    storage = create(root / "data", env.observation_space, env.action_space, env.spec, metadata)
    return root, storage, WriterLock(root / "data")


class WriterLock:
    """An advisory lock on ``folder/writing.lock`` held while a writer has the dataset open."""

    def __init__(self, folder: Path) -> None:
        self.file = open(folder / LOCK, "a+")  # noqa: SIM115 - held for the writer's lifetime
        try:
            import fcntl

            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock on this platform: repairs must not run during a collection
            pass
        except OSError:
            self.file.close()
            raise RuntimeError(f"{folder} is being written by another process") from None

    def release(self) -> None:
        self.file.close()


def being_written(folder: Path) -> bool:
    """Whether a live process holds ``folder``'s writer lock."""
    try:
        import fcntl
    except ImportError:
        return False
    if not (folder / LOCK).exists():
        return False
    with open(folder / LOCK, "a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
    return False


def _episode_steps(file: Any, name: str, info_keys: list[str]) -> int | None:
    """The steps of the fully written episode group ``name``, ``None`` when any part is missing or inconsistent."""
    try:
        group = file[name]
        steps = int(group.attrs["total_steps"])
        if any(key not in group for key in EPISODE_KEYS):
            return None
        lengths = [len(group[key]) for key in ("rewards", "terminations", "truncations")]
        if lengths != [steps] * 3 or _length(group["actions"]) != steps or _length(group["observations"]) != steps + 1:
            return None
        if info_keys:
            infos = group["infos"] if "infos" in group else {}
            if any(key not in infos or _length(infos[key]) != steps + 1 for key in info_keys):
                return None
        return steps
    except (KeyError, OSError, RuntimeError, ValueError, TypeError):  # h5py's errors for a half-written object
        return None


def _length(node: Any) -> int | None:
    """Rows of a dataset, or the common rows of a group's leaves (a Dict or Tuple space); ``None`` if they differ."""
    if isinstance(node, h5py.Dataset):
        return len(node)
    found = {_length(child) for child in node.values()}
    return found.pop() if len(found) == 1 else None


def locate(path: str | os.PathLike) -> Path:
    """The data folder of a dataset given by its root (``DIR``) or the data folder itself (``DIR/data``)."""
    path = Path(path)
    return path / "data" if (path / "data").is_dir() else path


def repair(path: str | os.PathLike) -> list[str]:
    """Bring a dataset's ``metadata.json`` and ``main_data.hdf5`` in line with its episode files; returns what
    was done (empty when nothing was needed). Raises :class:`DamagedDatasetError` naming the file when nothing
    can be recovered, or when a writer still has the dataset open."""
    root, folder = Path(path), locate(path)
    if not folder.is_dir() or not ((folder / METADATA).exists() or (folder / MAIN).exists()):
        partial = sorted(root.glob(f"{PARTIAL}*")) if root.is_dir() else []
        if partial:
            raise DamagedDatasetError(f"{root}: the collection stopped while creating the dataset ({partial[0].name} "
                                      f"is left); no episode was recorded")
        raise DamagedDatasetError(f"{root} holds no dataset (expected {root / 'data' / METADATA})")
    if being_written(folder):
        raise DamagedDatasetError(f"{folder} is being written by a running collection; report it when that ends")
    main = folder / MAIN
    if not (folder / EPISODES).is_dir():
        return _repair_single_file(folder)
    metadata = read_json(folder / METADATA)
    info_keys = list((metadata or {}).get("info_keys", []))
    steps: list[int] = []
    header = None
    while episode_file(folder, len(steps)).exists():
        try:
            with h5py.File(episode_file(folder, len(steps)), "r") as file:
                found = _episode_steps(file, f"episode_{len(steps)}", info_keys)
                header = header or file.attrs.get(HEADER)
        except OSError:
            found = None
        if found is None:
            break
        steps.append(found)
    done: list[str] = []
    try:
        with h5py.File(main, "r") as file:
            header = file.attrs[HEADER]
            linked = [name in file for name in (f"episode_{i}" for i in range(len(steps)))]
            whole = all(linked) and f"episode_{len(steps)}" not in file
    except (OSError, KeyError, RuntimeError):
        whole = False
    if header is None:
        raise DamagedDatasetError(f"{main} cannot be read and no episode file was finished; there is nothing to "
                                  f"recover")
    if not whole:
        _link_episodes(main, header, len(steps))
        done.append(f"rebuilt {main} from {len(steps)} episode file(s)")
    if metadata is None or "observation_space" not in metadata:
        metadata = {**json.loads(header), "complete": False, "interrupted": True}
        done.append(f"rebuilt {folder / METADATA} from {MAIN}")
    totals = {"total_episodes": len(steps), "total_steps": sum(steps)}
    if any(metadata.get(k) != v for k, v in totals.items()):
        if metadata.get("total_episodes", 0) < len(steps):
            done.append(f"added {len(steps) - metadata.get('total_episodes', 0)} finished episode(s) to {METADATA}")
        metadata = {**metadata, **totals, "complete": False, "interrupted": True}
    if done:
        write_json_atomic(folder / METADATA, metadata)
    for leftover in [*folder.glob(f".{METADATA}.*.tmp"), *(folder / EPISODES).glob(".*.tmp")]:
        leftover.unlink()
    return done


def _link_episodes(main: Path, header: str, episodes: int) -> None:
    """Write ``main`` anew: the header and links to the first ``episodes`` episode files."""
    with _temporary(main) as temporary, h5py.File(temporary, "w", track_order=True) as file:
        file.attrs[HEADER] = header
        for i in range(episodes):
            file[f"episode_{i}"] = h5py.ExternalLink(f"{EPISODES}/episode_{i}.hdf5", f"/episode_{i}")


def _repair_single_file(folder: Path) -> list[str]:
    """An older palaestra's (or plain Minari's) dataset, all episodes inside ``main_data.hdf5``: only what
    can be read is explained; the metadata is rebuilt only if the file is readable and its header survives."""
    main = folder / MAIN
    if not main.exists() or main.stat().st_size == 0:
        state = "missing" if not main.exists() else "empty (0 bytes)"
        raise DamagedDatasetError(f"{main} is {state}: the collection stopped before its first episode was stored; "
                                  f"there is nothing to recover")
    if read_json(folder / METADATA) is not None:
        return []
    try:
        with h5py.File(main, "r") as file:
            names = len(file.keys())
    except (OSError, RuntimeError) as error:
        raise DamagedDatasetError(f"{main} cannot be read as HDF5 ({error}); its episodes are lost") from None
    raise DamagedDatasetError(
        f"{folder / METADATA} is missing or damaged and {MAIN} holds no copy of it (written by an older palaestra); "
        f"the {names} episodes in {main} cannot be described"
    )
