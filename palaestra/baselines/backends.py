"""Where independent jobs run: a local process pool or a Ray cluster, with the same results.

A job is a picklable function and its arguments; its outcome is the return value, or the error as text so
that one failing job (a broken environment, a crashed worker) stops nothing else. Both backends run the same
pure functions of their seeds, so they return the same figures.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

BACKEND_NAMES = ("process", "ray")


def _guarded(fn: Callable[..., Any], args: tuple) -> Any:
    try:
        return fn(*args)
    except Exception as error:  # noqa: BLE001 - any failure of a job is that job's outcome
        return f"{type(error).__name__}: {error}"


def _exit_with_parent(parent: int) -> None:
    """A pool worker's initializer: exit when the process that started the pool is gone (killed, even by
    SIGKILL), instead of training on as an orphan that a resumed run would then race for the same files."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # files are written atomically: stopping between two writes loses nothing already written

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def run_all(
    fn: Callable[..., Any], jobs: Sequence[tuple], workers: int = 2, backend: str = "process"
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, outcome)`` for each job as it completes."""
    if backend not in BACKEND_NAMES:
        raise ValueError(f"unknown backend {backend!r}; expected one of {list(BACKEND_NAMES)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    runner = _process if backend == "process" else _ray
    yield from runner(fn, jobs, workers)


def _process(fn: Callable[..., Any], jobs: Sequence[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    if workers == 1 or len(jobs) <= 1:
        # No pool for one worker: nothing to overlap, and errors keep their in-process context.
        for index, args in enumerate(jobs):
            yield index, _guarded(fn, args)
        return
    # spawn, not fork: the caller may hold threads (progress display) or a PyBullet client.
    context = multiprocessing.get_context("spawn")
    # SIGTERM (a scheduler's or `kill PID`) ends this process as Ctrl-C does: through the handler below,
    # which stops the workers too; by default it would leave them training on.
    previous = signal.signal(signal.SIGTERM, _terminated) if threading.current_thread() is threading.main_thread() \
        else None
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_guarded, fn, args): index for index, args in enumerate(jobs)}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool as error:  # a worker died (e.g. a crash inside PyBullet)
                outcome = f"BrokenProcessPool: {error}"
            yield futures[future], outcome
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM, the consumer stopped): stop the workers now rather than wait for
        # their jobs to finish.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _ray(fn: Callable[..., Any], jobs: Sequence[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    """Jobs as Ray tasks: on the cluster at ``RAY_ADDRESS`` when set, else on a local instance of ``workers``
    CPUs started (and shut down) here."""
    try:
        import ray
    except ModuleNotFoundError:
        raise ModuleNotFoundError('the ray backend needs Ray: pip install "palaestra[distributed]"') from None
    started = not ray.is_initialized()
    if started:
        if os.environ.get("RAY_ADDRESS"):
            ray.init(address=os.environ["RAY_ADDRESS"], log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(_guarded)
        pending = {remote.remote(fn, args): index for index, args in enumerate(jobs)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as error:  # noqa: BLE001 - a lost worker is that job's outcome
                    outcome = f"{type(error).__name__}: {error}"
                yield index, outcome
    finally:
        if started:
            ray.shutdown()
