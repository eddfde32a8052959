"""Kill a play collection (SIGKILL) at random moments and check that every finished episode survives.

Each trial forks a child (palaestra, Minari and h5py already imported, so a trial costs the collection only)
that records a tiny collection of smooth random play and reports through a pipe each episode whose write
returned. The parent kills it after a random delay, runs :func:`palaestra.data.storage.repair`, loads the
dataset and checks that it holds at least every reported episode, bit for bit equal to an uninterrupted
reference collection, with its annotations. Run it alone for the counts:

    SDL_VIDEODRIVER=dummy python tests/data/kill_collection.py --kills 100
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import rich.progress  # noqa: F401 - imported once here, not in every forked collection

import palaestra
from palaestra.data import SmoothRandomAgent, collect_play, load_play_dataset
from palaestra.data.dataset import PlayDatasetWriter
from palaestra.data.storage import DamagedDatasetError, repair

EPISODES, STEPS, SEED = 5, 4, 11
_ENV: list = []  # the playroom every forked collection uses, made once


def _collect(out: Path, report_fd: int) -> None:
    add, init = PlayDatasetWriter.add_episode, PlayDatasetWriter.__init__

    def created(self, *args, **kwargs):
        init(self, *args, **kwargs)
        os.write(report_fd, b"c")  # the dataset folder exists

    def added(self, *args, **kwargs):
        windows = add(self, *args, **kwargs)
        os.write(report_fd, b".")  # this episode's write returned: it is finished
        return windows

    PlayDatasetWriter.__init__, PlayDatasetWriter.add_episode = created, added
    palaestra.make = lambda *args, **kwargs: _ENV[0]  # the parent's env, copied by the fork: no start-up per trial
    collect_play(EPISODES, out, steps_per_episode=STEPS, seed=SEED, agent=SmoothRandomAgent, progress=False)


def _fork(out: Path) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into the caller (a test runner)
        code = 0
        try:
            os.close(read)
            _collect(out, write)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _drain(fd: int, start: float | None = None) -> tuple[int, list[float]]:
    """Episodes reported finished, and (from ``start``) when the dataset was created and each episode ended."""
    count, times = 0, []
    while chunk := os.read(fd, 1):
        count += chunk == b"."
        times.append(time.perf_counter() - (start or 0.0))
    os.close(fd)
    return count, times


def reference(folder: Path) -> tuple[list, tuple[float, float, float]]:
    """The uninterrupted collection's episodes (actions, states, annotations) and, in a fork, the times from
    the fork until the dataset was created, the last episode was written, and the child exited."""
    start = time.perf_counter()
    pid, fd = _fork(folder / "reference")
    finished, times = _drain(fd, start)
    _, status = os.waitpid(pid, 0)
    assert status == 0 and finished == EPISODES, f"the reference collection failed (status {status})"
    data = load_play_dataset(folder / "reference")
    episodes = [(e.actions, e.infos["state"]) for e in data.episodes()]
    return list(zip(episodes, data.annotations)), (times[0], times[-1], time.perf_counter() - start)


def trial(out: Path, delay: float, expected: list, after_creation: bool = False) -> tuple[str, int, int]:
    """One kill ``delay`` seconds after the fork (or after the dataset was created); returns (outcome, episodes
    reported finished, episodes loaded)."""
    pid, fd = _fork(out)
    first = os.read(fd, 1) if after_creation else b""
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    finished = _drain(fd)[0] + (first == b".")
    try:
        done = repair(out)
    except DamagedDatasetError as error:
        assert finished == 0, f"{finished} finished episodes lost: {error}"
        return "nothing to recover", 0, 0
    data = load_play_dataset(out)
    loaded = len(data)
    assert finished <= loaded <= finished + 1, f"{finished} episodes finished, {loaded} loaded"
    for episode, annotations, ((actions, states), windows) in zip(data.episodes(), data.annotations, expected):
        np.testing.assert_array_equal(episode.actions, actions)
        np.testing.assert_array_equal(episode.infos["state"], states)
        assert annotations == windows
    repairs = "; ".join(sorted({line.split(" ")[0] + " " + line.split(" ")[2] for line in done}))
    outcome = f"repaired ({repairs})" if done else "intact"
    return outcome + (", +1 episode" if loaded > finished else ""), finished, loaded


def run(kills: int, seed: int = 0) -> Counter:
    """``kills`` trials; outcome counts. One kill in five falls anywhere in the reference collection's life
    (start-up, creation, exit), the others while episodes are written, where a kill can do damage."""
    rng = np.random.default_rng(seed)
    if not _ENV:
        _ENV.append(palaestra.make("palaestra/Playroom-v0", max_episode_steps=STEPS, obs_mode="state"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        expected, (created, written, exited) = reference(folder)
        outcomes: Counter = Counter()
        for i in range(kills):
            anywhere = rng.random() < 0.2
            delay = rng.uniform(0.0, exited) if anywhere else rng.uniform(0.0, written - created)
            outcome, _, loaded = trial(folder / f"kill-{i}", float(delay), expected, after_creation=not anywhere)
            outcomes[outcome] += 1
            outcomes[f"loaded {loaded}"] += 1
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    outcomes = run(args.kills, args.seed)
    for name, count in sorted(outcomes.items()):
        print(f"{count:4d}  {name}")
    print(f"{args.kills} kills, every finished episode loaded each time ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
