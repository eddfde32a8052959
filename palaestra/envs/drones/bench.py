"""Speed of the drone matches (``palaestra bench``): env-steps/s while the drones fly, and reset time.

Random actions crash a drone within a few steps, so a random-action figure mostly times serves; this one
holds every drone at hover thrust (the ball is served and falls, rallies run to their end), which is the
cost of a step a learner pays in a rally. Reset is ``reset(seed)`` of a match. Each figure is the best of
three equal blocks; the ratio column compares with the 1v1 game in the same run.
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
    """Env-steps/s (CTBR actions, state observations) and mean reset time of one match ID."""

    env_id: str
    steps_per_second: float
    reset_ms: float


def measure(env_id: str, steps: int = 3000, resets: int = 300) -> DroneRow:
    import palaestra

    env = palaestra.make_parallel(env_id)
    try:
        hover = {a: np.array((HOVER_THRUST, 0.0, 0.0, 0.0), dtype=np.float32) for a in env.possible_agents}

        def stepping() -> float:
            env.reset(seed=0)
            start = time.perf_counter()
            for _ in range(steps):
                if not env.agents:
                    env.reset()
                env.step(hover)
            return steps / (time.perf_counter() - start)

        def resetting() -> float:
            start = time.perf_counter()
            for seed in range(resets):
                env.reset(seed=seed)
            return (time.perf_counter() - start) / resets * 1e3

        rate = max(stepping() for _ in range(REPEATS))
        reset = min(resetting() for _ in range(REPEATS))
        return DroneRow(env_id, rate, reset)
    finally:
        env.close()


def print_report(rows: list[DroneRow], console: Any) -> None:
    from rich.table import Table

    table = Table(title="palaestra bench: drone matches (drones hovering through rallies)")
    for column in ("game", "env-steps/s", "reset ms", "x 1v1"):
        table.add_column(column, justify="left" if column == "game" else "right")
    base = rows[0].steps_per_second if rows else float("nan")
    for row in rows:
        table.add_row(row.env_id, f"{row.steps_per_second:,.0f}", f"{row.reset_ms:.3f}",
                      f"{row.steps_per_second / base:.2f}x")
    console.print(table)
