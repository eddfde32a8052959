"""Speed of the drone matches (``palaestra bench``): env-steps/s while the drones fly, and reset time.

Random actions crash a drone within a few steps, so a random-action figure mostly times serves; this one
holds every drone at hover thrust (the ball is served and falls, rallies run to their end), which is the
cost of a step a learner pays in a rally. Reset is ``reset(seed)`` of a match. Each figure is the best of
three equal blocks; the ratio column compares with the 1v1 game in the same run. On a shared machine the
process's CPU time is the steadier figure (other processes stretch wall time, not CPU time), so both are
shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X

REPEATS = 3
HOVER_THRUST = 4 * CRAZYFLIE_2X.hover_rotor_thrust / (2 * CRAZYFLIE_2X.max_rotor_thrust) - 1.0


@dataclass(frozen=True)
class DroneRow:
    """Env-steps/s (CTBR actions, state observations) and mean reset time of one match ID, by the wall clock
    and by the process's CPU time."""

    env_id: str
    steps_per_second: float
    cpu_steps_per_second: float
    reset_ms: float
    cpu_reset_ms: float


def measure(env_id: str, steps: int = 3000, resets: int = 300) -> DroneRow:
    import palaestra

    env = palaestra.make_parallel(env_id)
    try:
        hover = {a: np.array((HOVER_THRUST, 0.0, 0.0, 0.0), dtype=np.float32) for a in env.possible_agents}

        def stepping() -> tuple[float, float]:
            env.reset(seed=0)
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(steps):
                if not env.agents:
                    env.reset()
                env.step(hover)
            return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)

        def resetting() -> tuple[float, float]:
            start, cpu = time.perf_counter(), time.process_time()
            for seed in range(resets):
                env.reset(seed=seed)
            return (time.perf_counter() - start) / resets * 1e3, (time.process_time() - cpu) / resets * 1e3

        rates = [stepping() for _ in range(REPEATS)]
        times = [resetting() for _ in range(REPEATS)]
        return DroneRow(env_id, max(r[0] for r in rates), max(r[1] for r in rates), min(t[0] for t in times),
                        min(t[1] for t in times))
    finally:
        env.close()


def print_report(rows: list[DroneRow], console: Any) -> None:
    from rich.table import Table

    table = Table(title="palaestra bench: drone matches (drones hovering through rallies)")
    for column in ("game", "env-steps/s", "CPU env-steps/s", "reset ms", "CPU reset ms", "x 1v1"):
        table.add_column(column, justify="left" if column == "game" else "right")
    base = rows[0].steps_per_second if rows else float("nan")
    for row in rows:
        table.add_row(row.env_id, f"{row.steps_per_second:,.0f}", f"{row.cpu_steps_per_second:,.0f}",
                      f"{row.reset_ms:.3f}", f"{row.cpu_reset_ms:.3f}", f"{row.steps_per_second / base:.2f}x")
    console.print(table)
