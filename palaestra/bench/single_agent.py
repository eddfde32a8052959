"""Speed figures per environment ID (``palaestra bench``): measured and printed, never asserted.

Per ID: steps/s of one environment (state observations, seeded random actions, default kwargs), mean reset
time, ``rgb_array`` frames/s at 84x84, ``AsyncVectorEnv`` throughput with 1 and 2 workers, the scaling of
:class:`~palaestra.vector.BatchedVectorEnv` (2 workers x 8 envs) over one in-process env, and the time
spent in the scene's raw ``stepSimulation`` substeps within those same steps, from which the per-step
overhead of everything else (IK, observation, checks, wrappers) is
``(env step time - physics time) / physics time``. Each figure is the best of three equal blocks. With
``compare="panda-gym"`` (an optional peer, never a dependency) its Reach, Push, PickAndPlace and Stack run
in the same process under the same protocol, and their steps/s and 84x84 frames/s are compared with ours in
alternating blocks of CPU time.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import gymnasium as gym
import numpy as np

RENDER_SIZE = 84
REPEATS = 3  # each figure is the best of this many equal blocks
VECTOR_WORKERS = (1, 2)
BATCHED_WORKERS, ENVS_PER_WORKER = 2, 8  # BatchedVectorEnv against one env in-process: a round of steps costs
# each worker a message each way, so more worlds per worker amortise it; Push on a quiet 2-core machine, 2 workers
# x 2 / 4 / 8 / 16 envs: 1.64 / 1.68 / 1.72 / 1.65x (docs/speed.md; 8 worlds stepped in turn cost 3% more per step
# than one: caches).
# Our ID -> the panda-gym ID solving the same task.
PANDA_GYM = {
    "palaestra/Reach-v0": "PandaReach-v3",
    "palaestra/Push-v0": "PandaPush-v3",
    "palaestra/PickAndPlace-v0": "PandaPickAndPlace-v3",
    "palaestra/Stack-v0": "PandaStack-v3",
}
# Imports that `import palaestra` must not pull in (they are slow or optional).
HEAVY_MODULES = ("torch", "ray", "minari", "stable_baselines3", "pybullet")


@dataclass(frozen=True)
class BenchRow:
    """The figures of one ID; ``error`` is set (and the figures are NaN) when the environment failed."""

    env_id: str
    steps_per_second: float = float("nan")
    reset_ms: float = float("nan")
    frames_per_second: float = float("nan")
    physics_us: float = float("nan")  # raw simulation cost of one control step
    vector_steps_per_second: tuple[float, ...] = ()  # total over all envs, one entry per VECTOR_WORKERS
    error: str | None = None

    @property
    def step_us(self) -> float:
        return 1e6 / self.steps_per_second

    @property
    def overhead_pct(self) -> float:
        """How much a full environment step costs above its raw physics, in percent of the physics."""
        return (self.step_us - self.physics_us) / self.physics_us * 100.0

    @property
    def vector_ratio(self) -> float:
        """Throughput with the most workers over throughput with one."""
        return self.vector_steps_per_second[-1] / self.vector_steps_per_second[0]


@dataclass(frozen=True)
class Suite:
    """How to drive one family of Gymnasium envs in the benchmark: 84x84 render kwargs, and the object whose
    ``step()`` runs one control step's simulation substeps (timed inside the env's own steps)."""

    render_kwargs: Callable[[str], dict[str, Any]]
    physics: Callable[[gym.Env], Any]


def _palaestra_render_kwargs(env_id: str) -> dict[str, Any]:
    from palaestra import registry
    from palaestra.sim.world import CameraConfig

    entry = registry.get(env_id).load_entry_point()
    if "camera" in inspect.signature(entry).parameters:
        return {"camera": CameraConfig(width=RENDER_SIZE, height=RENDER_SIZE)}
    return {}


PALAESTRA = Suite(_palaestra_render_kwargs, lambda env: env.unwrapped.world)
PANDA_GYM_SUITE = Suite(
    lambda env_id: {"render_width": RENDER_SIZE, "render_height": RENDER_SIZE},
    lambda env: env.unwrapped.sim,  # panda-gym's PyBullet: its step() makes the n_substeps stepSimulation calls
)


@dataclass(frozen=True)
class PeerRow:
    """A rate (steps/s, or 84x84 frames/s) of one of our IDs and of its panda-gym counterpart, measured in
    alternating blocks in the same process on CPU time (best block of each)."""

    env_id: str
    peer_id: str
    ours: float
    theirs: float

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs


@dataclass(frozen=True)
class ScalingRow:
    """Total steps/s of a :class:`~palaestra.vector.BatchedVectorEnv` (``workers`` processes, ``envs`` in all)
    and of one environment stepped in-process, in alternating blocks of wall time (best block of each)."""

    env_id: str
    workers: int
    envs: int
    single_steps_per_second: float = float("nan")
    batched_steps_per_second: float = float("nan")
    error: str | None = None

    @property
    def ratio(self) -> float:
        return self.batched_steps_per_second / self.single_steps_per_second


@dataclass(frozen=True)
class BenchReport:
    """All rows of one run, the peer rows (panda-gym), the pixel comparison and the cost of ``import palaestra``."""

    rows: tuple[BenchRow, ...]
    peers: tuple[BenchRow, ...]
    import_seconds: float
    import_heavy: tuple[str, ...]
    pixels: tuple[PeerRow, ...] = ()
    scaling: tuple[ScalingRow, ...] = ()
    speeds: tuple[PeerRow, ...] = ()

    def comparisons(self) -> list[tuple[BenchRow, BenchRow]]:
        """(ours, theirs) pairs for the IDs that have a panda-gym counterpart in this run."""
        peers = {row.env_id: row for row in self.peers}
        return [(row, peers[PANDA_GYM[row.env_id]]) for row in self.rows if PANDA_GYM.get(row.env_id) in peers]


def measure(env_id: str, steps: int = 1000, resets: int = 100, frames: int = 30, suite: Suite = PALAESTRA) -> BenchRow:
    """Measure one ID; any exception becomes the row's ``error``."""
    try:
        steps_per_second, reset_ms, physics_us = _single(env_id, steps, resets, suite)
        return BenchRow(
            env_id,
            steps_per_second=steps_per_second,
            reset_ms=reset_ms,
            frames_per_second=_frames(env_id, frames, suite),
            physics_us=physics_us,
            vector_steps_per_second=tuple(_vector(env_id, n, max(steps // 2, 20)) for n in VECTOR_WORKERS),
        )
    except Exception as error:  # noqa: BLE001 - one broken environment must not hide the others' figures
        return BenchRow(env_id, error=f"{type(error).__name__}: {error}")


def run(
    env_ids: Sequence[str],
    steps: int = 1000,
    compare: str | None = None,
    on_row: Callable[[BenchRow], None] | None = None,
) -> BenchReport:
    """Measure ``env_ids`` and, with ``compare="panda-gym"``, the panda-gym counterparts among them.

    Raises ``ModuleNotFoundError`` before measuring anything when the comparison's package is missing.
    """
    if compare not in (None, "panda-gym"):
        raise ValueError(f"unknown comparison {compare!r}; expected 'panda-gym'")
    if compare == "panda-gym":
        try:
            importlib.import_module("panda_gym")  # registers the Panda*-v3 IDs
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "--compare panda-gym needs the optional peer package: pip install panda-gym"
            ) from None
    rows, scaling = [], []
    for env_id in env_ids:
        rows.append(measure(env_id, steps))
        if rows[-1].error is None:
            scaling.append(vector_scaling(env_id, steps))
        if on_row is not None:
            on_row(rows[-1])
    peers, pixels, speeds = [], [], []
    if compare == "panda-gym":
        for env_id in env_ids:
            if env_id in PANDA_GYM:
                peers.append(measure(PANDA_GYM[env_id], steps, suite=PANDA_GYM_SUITE))
                speeds.append(steps_versus(env_id, PANDA_GYM[env_id], steps))
                pixels.append(pixels_versus(env_id, PANDA_GYM[env_id]))
                if on_row is not None:
                    on_row(peers[-1])
    seconds, heavy = import_cost()
    return BenchReport(tuple(rows), tuple(peers), seconds, heavy, tuple(pixels), tuple(scaling), tuple(speeds))


def vector_scaling(
    env_id: str, steps: int = 1000, workers: int = BATCHED_WORKERS, envs_per_worker: int = ENVS_PER_WORKER,
    pin: bool = False,
) -> ScalingRow:
    """Steps/s of one env in-process and of a BatchedVectorEnv, in alternating blocks of ``steps`` env-steps.

    Wall time: the point is using more cores. On a shared machine the ratio is only meaningful when it is
    quiet (other load takes cores from the workers but not from the single env's one).
    """
    from palaestra.vector import make_batched

    single = gym.make(env_id)
    try:
        batched = make_batched(env_id, num_envs=workers * envs_per_worker, workers=workers, pin=pin)
    except Exception as error:  # noqa: BLE001 - one environment that cannot be batched must not stop the bench
        single.close()
        return ScalingRow(env_id, workers, workers * envs_per_worker, error=f"{type(error).__name__}: {error}")
    try:
        single.action_space.seed(0)
        batched.action_space.seed(0)
        single.reset(seed=0)
        batched.reset(seed=0)
        rounds = max(steps // batched.num_envs, 1)

        def single_block() -> float:
            actions = [single.action_space.sample() for _ in range(rounds * batched.num_envs)]
            start = time.perf_counter()
            for action in actions:
                _, _, terminated, truncated, _ = single.step(action)
                if terminated or truncated:
                    single.reset()  # counted: the vector env's autoresets are counted too
            return time.perf_counter() - start

        def batched_block() -> float:
            actions = [batched.action_space.sample() for _ in range(rounds)]
            start = time.perf_counter()
            for action in actions:
                batched.step(action)
            return time.perf_counter() - start

        single_s, batched_s = alternate(single_block, batched_block)
        total = rounds * batched.num_envs
        return ScalingRow(env_id, workers, batched.num_envs, total / single_s, total / batched_s)
    finally:
        single.close()
        batched.close()


def steps_versus(env_id: str, peer_id: str, steps: int = 1000, rounds: int = 2 * REPEATS) -> PeerRow:
    """Steps/s of ``env_id`` and of panda-gym's ``peer_id`` (state observations, seeded random actions, default
    kwargs), stepped in ``rounds`` alternating blocks of ``steps // REPEATS`` steps; the best block of each.

    CPU time, as :func:`pixels_versus`: measuring the two one after the other in wall time (each ID's own
    row) let a burst of load on a shared machine land on one side only, and the ratio wandered (Push 2.8x
    to 4.0x in three runs of one quiet hour).
    """
    envs = gym.make(env_id), gym.make(peer_id)
    try:
        for env in envs:
            env.action_space.seed(0)
            env.reset(seed=0)
        block = max(steps // REPEATS, 1)

        def stepping(env: gym.Env) -> Callable[[], float]:
            def run() -> float:
                actions = [env.action_space.sample() for _ in range(block)]
                spent = 0.0
                for action in actions:
                    start = time.process_time()
                    _, _, terminated, truncated, _ = env.step(action)
                    spent += time.process_time() - start
                    if terminated or truncated:
                        env.reset()  # not counted, as in each ID's own row
                return spent

            return run

        ours_s, theirs_s = alternate(*(stepping(env) for env in envs), rounds=rounds)
        return PeerRow(env_id, peer_id, block / ours_s, block / theirs_s)
    finally:
        for env in envs:
            env.close()


def pixels_versus(env_id: str, peer_id: str, frames: int = 60) -> PeerRow:
    """Frames/s of ``env_id`` and of panda-gym's ``peer_id`` at 84x84, rendered in alternating blocks.

    CPU time (``process_time``), not wall time: on a shared machine another process's load then costs
    neither side, and alternating the blocks exposes both to the same cache and frequency state.
    """
    ours = gym.make(env_id, render_mode="rgb_array", **PALAESTRA.render_kwargs(env_id))
    theirs = gym.make(peer_id, render_mode="rgb_array", **PANDA_GYM_SUITE.render_kwargs(peer_id))
    try:
        for env in (ours, theirs):
            env.reset(seed=0)
            env.render()  # the first frame sets up camera matrices and caches
        block = max(frames // REPEATS, 1)

        def rendering(env: gym.Env) -> Callable[[], float]:
            def run() -> float:
                start = time.process_time()
                for _ in range(block):
                    env.render()
                return time.process_time() - start

            return run

        ours_s, theirs_s = alternate(rendering(ours), rendering(theirs))
        return PeerRow(env_id, peer_id, block / ours_s, block / theirs_s)
    finally:
        ours.close()
        theirs.close()


def import_cost() -> tuple[float, tuple[str, ...]]:
    """Seconds ``import palaestra`` takes in a fresh interpreter, and which of :data:`HEAVY_MODULES` it loaded."""
    code = (
        "import json, sys, time\n"
        "start = time.perf_counter()\n"
        "import palaestra\n"
        "seconds = time.perf_counter() - start\n"
        f"print(json.dumps([seconds, [m for m in {HEAVY_MODULES!r} if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, heavy = json.loads(out.strip().splitlines()[-1])
    return seconds, tuple(heavy)


def _single(env_id: str, steps: int, resets: int, suite: Suite) -> tuple[float, float, float]:
    """(steps/s, reset ms, physics us per control step) on one environment.

    The physics time is measured inside the very steps that are timed (the scene's ``step`` is wrapped with
    a timer), so the overhead figure is exactly the share of a step spent outside ``stepSimulation``.
    """
    env = gym.make(env_id)
    scene = suite.physics(env)
    simulate = scene.step
    spent = [0.0]

    def timed_simulate() -> None:
        start = time.perf_counter()
        simulate()
        spent[0] += time.perf_counter() - start

    scene.step = timed_simulate
    try:
        env.action_space.seed(0)
        block, reset_block = max(steps // REPEATS, 1), max(resets // REPEATS, 1)
        step_runs, reset_runs, physics_runs = [], [], []
        # Rounds interleave the figures so that they see the same load on a shared machine.
        for _ in range(REPEATS):
            env.reset(seed=0)
            # Sample first so that only env.step is timed; resets at episode ends are left out of the rate.
            actions = [env.action_space.sample() for _ in range(block)]
            elapsed, spent[0] = 0.0, 0.0
            for action in actions:
                start = time.perf_counter()
                _, _, terminated, truncated, _ = env.step(action)
                elapsed += time.perf_counter() - start
                if terminated or truncated:
                    before = spent[0]
                    env.reset()
                    spent[0] = before  # a reset's settling steps are not part of the step figure
            step_runs.append(elapsed / block)
            physics_runs.append(spent[0] / block)
            reset_runs.append(_timed(lambda: [env.reset(seed=s) for s in range(reset_block)]) / reset_block)
    finally:
        del scene.step
        env.close()
    # The fastest round, as timeit advises: other load on the machine only ever slows a run down.
    best = int(np.argmin(step_runs))
    return 1.0 / step_runs[best], min(reset_runs) * 1e3, physics_runs[best] * 1e6


def _frames(env_id: str, frames: int, suite: Suite) -> float:
    env = gym.make(env_id, render_mode="rgb_array", **suite.render_kwargs(env_id))
    try:
        env.reset(seed=0)
        env.render()  # the first frame sets up the camera matrices
        block = max(frames // REPEATS, 1)
        return block / _best(lambda: _timed(lambda: [env.render() for _ in range(block)]))
    finally:
        env.close()


def _vector(env_id: str, workers: int, steps: int) -> float:
    """Total env-steps/s of an AsyncVectorEnv with ``workers`` subprocesses; start-up is not timed."""
    # spawn: the parent holds PyBullet clients, which a forked child must not inherit.
    env = gym.make_vec(env_id, num_envs=workers, vectorization_mode="async", vector_kwargs={"context": "spawn"})
    try:
        env.action_space.seed(0)
        env.reset(seed=0)
        block = max(steps // REPEATS, 1)

        def stepping() -> float:
            actions = [env.action_space.sample() for _ in range(block)]
            return _timed(lambda: [env.step(a) for a in actions])

        return block * workers / _best(stepping)
    finally:
        env.close()


def alternate(*blocks: Callable[[], float], rounds: int = REPEATS) -> list[float]:
    """Run each timed block (it returns its own seconds) in turn, ``rounds`` rounds, so that all of them see
    the same load on a shared machine; the shortest time of each, as ``timeit`` advises."""
    times: list[list[float]] = [[] for _ in blocks]
    for _ in range(rounds):
        for block, spent in zip(blocks, times):
            spent.append(block())
    return [min(spent) for spent in times]


def _task(env_id: str) -> str:
    return env_id.split("/")[-1].rsplit("-v", 1)[0]


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _best(block: Callable[[], float]) -> float:
    """The shortest of :data:`REPEATS` runs of ``block`` (which returns its own seconds): as ``timeit``
    advises, since other load on the machine only ever slows a run down."""
    return min(block() for _ in range(REPEATS))


def print_report(report: BenchReport, console: Any = None) -> None:
    """Print the figures as rich tables (a new console on stdout unless one is given)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title="palaestra bench: figures, not assertions (best of 3 blocks; other load adds noise)")
    table.add_column("ID", no_wrap=True)
    for column in ("steps/s", "reset ms", f"fps {RENDER_SIZE}px", "step us", "physics us", "overhead"):
        table.add_column(column, justify="right")
    for n in VECTOR_WORKERS:
        table.add_column(f"vec {n}w steps/s", justify="right")
    table.add_column(f"vec {VECTOR_WORKERS[-1]}w/{VECTOR_WORKERS[0]}w", justify="right")
    for row in (*report.rows, *report.peers):
        if row.error is not None:
            table.add_row(row.env_id, f"[red]{row.error}[/red]")
            continue
        table.add_row(
            row.env_id,
            f"{row.steps_per_second:.0f}",
            f"{row.reset_ms:.2f}",
            f"{row.frames_per_second:.1f}",
            f"{row.step_us:.0f}",
            f"{row.physics_us:.0f}",
            f"{row.overhead_pct:+.0f}%",
            *(f"{v:.0f}" for v in row.vector_steps_per_second),
            f"{row.vector_ratio:.2f}",
        )
    console.print(table)
    pairs = {ours.env_id: (ours, theirs) for ours, theirs in report.comparisons()
             if ours.error is None and theirs.error is None}
    speeds = [row for row in report.speeds if row.env_id in pairs]
    if speeds:
        versus = Table(title="palaestra / panda-gym steps/s: alternating blocks, CPU time (best of "
                             f"{2 * REPEATS}); resets from each ID's own row")
        versus.add_column("task", no_wrap=True)
        for column in ("ours steps/s", "panda-gym steps/s", "ours/theirs", "ours reset ms", "panda-gym reset ms"):
            versus.add_column(column, justify="right")
        for row in speeds:
            ours, theirs = pairs[row.env_id]
            versus.add_row(
                _task(row.env_id),
                f"{row.ours:.0f}",
                f"{row.theirs:.0f}",
                f"{row.ratio:.2f}x",
                f"{ours.reset_ms:.2f}",
                f"{theirs.reset_ms:.2f}",
            )
        console.print(versus)
    if report.pixels:
        frames = Table(title=f"{RENDER_SIZE}x{RENDER_SIZE} rgb_array frames/s, alternating blocks, CPU time")
        frames.add_column("task", no_wrap=True)
        for column in ("ours fps", "panda-gym fps", "ours/theirs"):
            frames.add_column(column, justify="right")
        for row in report.pixels:
            frames.add_row(_task(row.env_id), f"{row.ours:.0f}", f"{row.theirs:.0f}", f"{row.ratio:.2f}x")
        console.print(frames)
    if report.scaling:
        first = report.scaling[0]
        scaling = Table(title=f"BatchedVectorEnv, {first.workers} workers x {first.envs // first.workers} envs, "
                              "against one env in-process (alternating blocks, wall time: needs a quiet machine)")
        scaling.add_column("ID", no_wrap=True)
        for column in ("single steps/s", "batched steps/s", "batched/single"):
            scaling.add_column(column, justify="right")
        for row in report.scaling:
            if row.error is not None:
                scaling.add_row(row.env_id, f"[red]{row.error}[/red]")
                continue
            scaling.add_row(row.env_id, f"{row.single_steps_per_second:.0f}", f"{row.batched_steps_per_second:.0f}",
                            f"{row.ratio:.2f}x")
        console.print(scaling)
    heavy = ", ".join(report.import_heavy) or "none"
    console.print(
        f"import palaestra: {report.import_seconds * 1e3:.0f} ms in a fresh interpreter; heavy modules loaded: {heavy}"
    )
