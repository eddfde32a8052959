"""The local process backend stops its workers with the run: on SIGTERM, and even when the run is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")

# Two sleeping jobs on two pool workers: a stand-in for two seeds training.
SCRIPT = """
import time
from palaestra.baselines.backends import run_all
print("started", flush=True)
for index, outcome in run_all(time.sleep, [(120,), (120,)], workers=2):
    print(index, outcome, flush=True)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_a_run_stops_its_pool_workers(sig):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    run = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        assert run.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline:  # two workers, and a third child (the resource tracker) at most
            workers = {pid for pid in _children(run.pid) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()}
            if len(workers) == 2:
                break
            time.sleep(0.1)
        assert len(workers) == 2, f"the pool's workers did not start: {workers}"
        time.sleep(1.0)  # the workers' initializer has run and they sleep in their jobs
        run.send_signal(sig)
        run.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), f"workers left running after {sig.name}"
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        run.wait()
