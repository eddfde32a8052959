"""Speed of the competitive games against PettingZoo peers measured in the same run (``palaestra bench``).

Simultaneous-move games are timed in env-steps/s through the parallel API (one step = every live agent
acts) with actions drawn before the clock starts; turn-based games in agent-steps/s through the AEC API with
random legal actions drawn inside the loop by the same cheap draw for both (an index into the mask's legal
actions; Gymnasium's masked ``sample`` alone costs about as much as a tic-tac-toe step and would hide the
environments' own cost). Peers: PettingZoo's
``butterfly.cooperative_pong_v6`` for the real-time games and ``classic.tictactoe_v3`` for the turn-based
ones. Each figure is the best of three equal blocks; nothing is asserted. :func:`batched_scaling` compares
the parallel games' :class:`~palaestra.vector_games.BatchedParallelEnv` with one game in-process, and
:func:`selfplay_arrays` self-play of the games with an array core as arrays (many matches in one process) with one
match, in CPU time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

REPEATS = 3
PEERS = {"parallel": "pettingzoo.butterfly.cooperative_pong_v6", "aec": "pettingzoo.classic.tictactoe_v3"}


@dataclass(frozen=True)
class GameRow:
    """Steps per second of one game (``api`` says which kind of step), or the error that stopped it."""

    env_id: str
    api: str
    steps_per_second: float = float("nan")
    error: str | None = None

    @property
    def unit(self) -> str:
        return "env-steps/s" if self.api == "parallel" else "agent-steps/s"


def _best(block: Callable[[], float]) -> float:
    return max(block() for _ in range(REPEATS))


def time_parallel(make: Callable[[], Any], steps: int, seed: int = 0) -> float:
    """Env-steps/s of a ParallelEnv under seeded random actions (drawn before timing), resetting as needed."""
    env = make()
    try:
        env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        for agent in env.possible_agents:
            env.action_space(agent).seed(int(rng.integers(2**31)))
        plan = [{a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(steps)]

        def block() -> float:
            env.reset(seed=seed)
            start = time.perf_counter()
            for actions in plan:
                if not env.agents:
                    env.reset()
                env.step({a: actions[a] for a in env.agents})
            return steps / (time.perf_counter() - start)

        return _best(block)
    finally:
        env.close()


def time_aec(make: Callable[[], Any], steps: int, seed: int = 0) -> float:
    """Agent-steps/s of an AEC env under random legal actions (masked sampling inside the loop, as the peer)."""
    env = make()
    try:
        for agent in env.possible_agents:
            env.action_space(agent).seed(seed)

        def block() -> float:
            env.reset(seed=seed)
            draws = iter(np.random.default_rng(seed).random(steps).tolist())
            start = time.perf_counter()
            for _ in range(steps):
                if not env.agents:
                    env.reset()
                observation, _, terminated, truncated, _ = env.last()
                if terminated or truncated:
                    env.step(None)
                    continue
                u = next(draws)
                if isinstance(observation, dict) and "action_mask" in observation:
                    legal = observation["action_mask"].nonzero()[0]
                    env.step(int(legal[int(u * len(legal))]))
                else:
                    env.step(env.action_space(env.agent_selection).sample())
            return steps / (time.perf_counter() - start)

        return _best(block)
    finally:
        env.close()


def measure(env_id: str, steps: int = 5000) -> GameRow:
    """Time one registered game with its native API."""
    import palaestra
    from palaestra import registry

    api = "parallel" if registry.get(env_id).parallel else "aec"
    try:
        if api == "parallel":
            rate = time_parallel(lambda: palaestra.make_parallel(env_id), steps)
        else:
            rate = time_aec(lambda: palaestra.make_aec(env_id), steps)
        return GameRow(env_id, api, rate)
    except Exception as error:  # noqa: BLE001 - one broken game must not hide the others' figures
        return GameRow(env_id, api, error=f"{type(error).__name__}: {error}")


def measure_peer(api: str, steps: int) -> GameRow:
    """The PettingZoo peer for ``api`` under the same protocol (its default settings)."""
    import importlib
    import warnings

    module = importlib.import_module(PEERS[api])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if api == "parallel":
            rate = time_parallel(module.parallel_env, steps)
        else:
            rate = time_aec(module.env, steps)
    return GameRow(PEERS[api].rsplit(".", 1)[-1], api, rate)


def run(env_ids: list[str], steps: int = 5000, on_row: Callable[[GameRow], None] | None = None) -> list[GameRow]:
    """Rows for ``env_ids`` followed by one peer row per API used (peers run fewer steps: they are slow)."""
    rows = []
    for env_id in env_ids:
        rows.append(measure(env_id, steps))
        if on_row:
            on_row(rows[-1])
    for api in sorted({row.api for row in rows}):
        rows.append(measure_peer(api, max(steps // 10, 100) if api == "parallel" else steps))
        if on_row:
            on_row(rows[-1])
    return rows


def print_report(rows: list[GameRow], console: Any) -> None:
    """A table of rates and each game's ratio to the peer of its API."""
    from rich.table import Table

    peers = {row.api: row for row in rows if row.env_id in {p.rsplit(".", 1)[-1] for p in PEERS.values()}}
    table = Table(title="palaestra bench: competitive games (peer: PettingZoo, same run)")
    for column in ("game", "API", "steps/s", "unit", "x peer"):
        table.add_column(column, justify="left" if column == "game" else "right")
    for row in rows:
        peer = peers.get(row.api)
        ratio = "" if peer is None or peer is row or row.error else f"{row.steps_per_second / peer.steps_per_second:.1f}x"
        rate = row.error or f"{row.steps_per_second:,.0f}"
        table.add_row(row.env_id, row.api, rate, row.unit, ratio)
    console.print(table)


@dataclass(frozen=True)
class GameScalingRow:
    """Env-steps/s of one game in-process and of a BatchedParallelEnv (``workers`` x ``per_worker`` games),
    in alternating blocks of wall time (best block of each)."""

    env_id: str
    workers: int
    games: int
    single: float = float("nan")
    batched: float = float("nan")
    error: str | None = None

    @property
    def ratio(self) -> float:
        return self.batched / self.single


def batched_scaling(env_id: str, steps: int = 2000, workers: int = 2, per_worker: int | None = None) -> GameScalingRow:
    """One game stepped in-process against :class:`~palaestra.vector_games.BatchedParallelEnv`, same steps.

    ``per_worker`` defaults to about a millisecond of stepping per worker and step (2 to 64 games): a
    worker's round trip costs tens of microseconds on a quiet machine, more than a 2D game's step.
    """
    import palaestra
    from palaestra.bench.single_agent import alternate
    from palaestra.vector_games import make_batched_parallel

    if per_worker is None:
        rate = time_parallel(lambda: palaestra.make_parallel(env_id), 200)
        per_worker = int(min(max(round(rate / 1000), 2), 64))
    single = palaestra.make_parallel(env_id)
    try:
        batched = make_batched_parallel(env_id, num_envs=workers * per_worker, workers=workers)
    except Exception as error:  # noqa: BLE001 - one game that cannot be batched must not stop the bench
        single.close()
        return GameScalingRow(env_id, workers, workers * per_worker, error=f"{type(error).__name__}: {error}")
    try:
        rng = np.random.default_rng(0)
        spaces = {a: single.action_space(a) for a in single.possible_agents}
        for space in spaces.values():
            space.seed(int(rng.integers(2**31)))
        rounds = max(steps // batched.num_envs, 1)
        plan = [{a: np.stack([s.sample() for _ in range(batched.num_envs)]) for a, s in spaces.items()}
                for _ in range(rounds)]
        single.reset(seed=0)
        batched.reset(seed=0)

        def single_block() -> float:
            start = time.perf_counter()
            for actions in plan:
                for i in range(batched.num_envs):
                    if not single.agents:
                        single.reset()
                    single.step({a: actions[a][i] for a in single.agents})
            return time.perf_counter() - start

        def batched_block() -> float:
            start = time.perf_counter()
            for actions in plan:
                batched.step(actions)
            return time.perf_counter() - start

        single_s, batched_s = alternate(single_block, batched_block)
        total = rounds * batched.num_envs
        return GameScalingRow(env_id, workers, batched.num_envs, total / single_s, total / batched_s)
    finally:
        single.close()
        batched.close()


def print_scaling(rows: list[GameScalingRow], console: Any) -> None:
    from rich.table import Table

    if not rows:
        return
    table = Table(title=f"BatchedParallelEnv on {rows[0].workers} workers against one game in-process "
                        "(alternating blocks, wall time: needs a quiet machine)")
    for column in ("game", "games", "single env-steps/s", "batched env-steps/s", "batched/single"):
        table.add_column(column, justify="left" if column == "game" else "right")
    for row in rows:
        if row.error is not None:
            table.add_row(row.env_id, str(row.games), f"[red]{row.error}[/red]")
            continue
        table.add_row(row.env_id, str(row.games), f"{row.single:,.0f}", f"{row.batched:,.0f}", f"{row.ratio:.2f}x")
    console.print(table)


@dataclass(frozen=True)
class ArraySelfPlayRow:
    """Env-steps/s of a game's self-play (learner random, opponents ``random`` and the first scripted level:
    :data:`ARRAY_OPPONENTS`) in one :class:`~palaestra.wrappers.selfplay.SelfPlayEnv` and in the game's self-play
    arrays (:func:`~palaestra.baselines.array_vec.array_selfplay`) of ``matches`` matches: alternating blocks of
    CPU time in one process, best block of each."""

    env_id: str
    matches: int
    single: float = float("nan")
    arrays: float = float("nan")
    error: str | None = None

    @property
    def ratio(self) -> float:
        return self.arrays / self.single


ARRAY_OPPONENTS = 2  # the first levels of a game's scripted opponents: random and the weakest scripted one


def selfplay_arrays(env_id: str, steps: int = 5000, matches: int = 128) -> ArraySelfPlayRow:
    """Self-play env-steps/s of one match and of ``matches`` matches as arrays (128: the configs' n_envs),
    ``steps`` env-steps a block (at least one step of every match); the learner's actions are drawn before
    the clock starts."""
    from palaestra.bench.single_agent import alternate

    try:
        from palaestra.baselines.array_vec import array_selfplay
        from palaestra.competitive.match import opponent_table
        from palaestra.wrappers.selfplay import SelfPlayEnv

        opponents = list(opponent_table(env_id))[:ARRAY_OPPONENTS]
        arrays = array_selfplay(env_id, matches, opponents=opponents, seed=0)
        single = SelfPlayEnv(env_id, opponents=opponents)
    except Exception as error:  # noqa: BLE001 - a missing extra must not stop the rest of the bench
        return ArraySelfPlayRow(env_id, matches, error=f"{type(error).__name__}: {error}")
    rounds = max(steps // matches, 1)
    space = arrays.action_space
    space.seed(0)
    plan = [np.stack([space.sample() for _ in range(matches)]) for _ in range(rounds)]
    single_plan = [action for actions in plan for action in actions]
    arrays.reset()
    single.reset(seed=0)

    def single_block() -> float:
        start = time.process_time()
        for action in single_plan:
            _, _, terminated, truncated, _ = single.step(action)
            if terminated or truncated:
                single.reset()
        return time.process_time() - start

    def arrays_block() -> float:
        start = time.process_time()
        for actions in plan:
            arrays.step(actions)
        return time.process_time() - start

    try:
        single_s, arrays_s = alternate(single_block, arrays_block)
    finally:
        single.close()
        arrays.close()
    total = rounds * matches
    return ArraySelfPlayRow(env_id, matches, total / single_s, total / arrays_s)


def print_arrays(rows: list[ArraySelfPlayRow], console: Any) -> None:
    from rich.table import Table

    if not rows:
        return
    table = Table(title="Self-play arrays: many matches as arrays in one process against one match "
                        "(opponents random + the first scripted level; alternating blocks, CPU time)")
    for column in ("game", "matches", "single env-steps/s", "arrays env-steps/s", "arrays/single"):
        table.add_column(column, justify="left" if column == "game" else "right")
    for row in rows:
        if row.error is not None:
            table.add_row(row.env_id, str(row.matches), f"[red]{row.error}[/red]")
            continue
        table.add_row(row.env_id, str(row.matches), f"{row.single:,.0f}", f"{row.arrays:,.0f}", f"{row.ratio:.1f}x")
    console.print(table)
