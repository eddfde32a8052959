"""Text turns per second of tic-tac-toe in text mode, beside TextArena's in the same run (``palaestra bench``).

A text turn is what a language-model rollout pays the environment per answer: build the prompt of the player
to move, then parse and play its answer. The answer is a random legal cell drawn by the same cheap draw for
every contender (from a list of free cells the loop keeps itself), written in each one's move format; a
finished game resets inside the timed loop. Contenders: palaestra's AEC env (``obs_mode="text"``),
palaestra's TextArena-shaped facade, and, when ``textarena`` is installed, its ``TicTacToe-v0`` with the
default wrappers (the prompt a model sees; a fresh env per game, see :func:`_textarena`) and raw (a list of
messages, no prompt built). Best of three blocks; nothing is asserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

REPEATS = 3
ENV_ID = "palaestra/TicTacToe-v0"
_OURS = tuple(f"[{'abc'[c % 3]}{c // 3 + 1}]" for c in range(9))
_THEIRS = tuple(f"[{c}]" for c in range(9))


@dataclass(frozen=True)
class TextRow:
    """Text turns per second of one contender, or why it could not run."""

    name: str
    turns_per_second: float = float("nan")
    error: str | None = None


def time_turns(
    reset: Callable[[int | None], None], turn: Callable[[str], bool], answers: tuple[str, ...], steps: int, seed: int = 0,
) -> float:
    """Turns/s of ``turn(answer) -> done`` (which builds the prompt, then plays the answer) over random games."""
    draws = np.random.default_rng(seed).random(steps).tolist()

    def block() -> float:
        free = list(range(9))
        reset(seed)
        start = time.perf_counter()
        for u in draws:
            done = turn(answers[free.pop(int(u * len(free)))])
            if done or not free:
                reset(None)  # seeded once per block: seeding costs more than a turn, in every contender
                free = list(range(9))
        return steps / (time.perf_counter() - start)

    return max(block() for _ in range(REPEATS))


def _palaestra_aec(steps: int) -> float:
    import palaestra

    env = palaestra.make_aec(ENV_ID, obs_mode="text")

    def turn(answer: str) -> bool:
        env.observe(env.agent_selection)
        env.step(answer)
        return env.game.over

    return time_turns(lambda seed: env.reset(seed=seed), turn, _OURS, steps)


def _palaestra_facade(steps: int) -> float:
    from palaestra.text import make

    env = make(ENV_ID)

    def turn(answer: str) -> bool:
        env.get_observation()
        return env.step(answer)[0]

    return time_turns(lambda seed: env.reset(num_players=2, seed=seed), turn, _OURS, steps)


def _textarena(steps: int, env_id: str) -> float:
    import textarena as ta

    env = ta.make(env_id)

    def reset(seed: int | None) -> None:
        nonlocal env
        # TextArena 0.7.4's LLMObservationWrapper keeps every past game's messages through reset(), so a
        # reused env's prompts grow without bound: each game gets a fresh env, as rollout loops make them.
        env = ta.make(env_id)
        env.reset(num_players=2, seed=seed)

    def turn(answer: str) -> bool:
        env.get_observation()
        return env.step(answer)[0]

    return time_turns(reset, turn, _THEIRS, steps)


def run(steps: int = 20_000) -> list[TextRow]:
    """One row per contender; TextArena's rows say so when it is not installed."""
    contenders: list[tuple[str, Callable[[], float]]] = [
        (f"{ENV_ID} text (AEC)", lambda: _palaestra_aec(steps)),
        (f"{ENV_ID} text (TextArena API)", lambda: _palaestra_facade(steps)),
        ("textarena TicTacToe-v0 (default wrappers)", lambda: _textarena(steps, "TicTacToe-v0")),
        ("textarena TicTacToe-v0-raw", lambda: _textarena(steps, "TicTacToe-v0-raw")),
    ]
    rows = []
    for name, measure in contenders:
        try:
            rows.append(TextRow(name, measure()))
        except ModuleNotFoundError as error:
            rows.append(TextRow(name, error=f"not installed ({error.name}): pip install 'palaestra[text-peers]'"))
        except Exception as error:  # noqa: BLE001 - one broken contender must not hide the others' figures
            rows.append(TextRow(name, error=f"{type(error).__name__}: {error}"))
    return rows


def print_report(rows: list[TextRow], console: object) -> None:
    """A table of turns/s and each row's ratio to TextArena's default-wrapped env."""
    from rich.table import Table

    peer = next((r for r in rows if "default wrappers" in r.name and r.error is None), None)
    table = Table(title="palaestra bench: text turns/s, tic-tac-toe (prompt + answer; peer: TextArena, same run)")
    for column in ("contender", "turns/s", "x TextArena"):
        table.add_column(column, justify="left" if column == "contender" else "right")
    for row in rows:
        ratio = "" if peer is None or row.error else f"{row.turns_per_second / peer.turns_per_second:.1f}x"
        table.add_row(row.name, row.error or f"{row.turns_per_second:,.0f}", ratio)
    console.print(table)  # type: ignore[attr-defined]
