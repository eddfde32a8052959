"""A collection killed (SIGKILL) at random moments keeps every finished episode, bit for bit (kill_collection.py)."""

from __future__ import annotations

import pytest
from kill_collection import EPISODES, run


def _check(kills: int, seed: int) -> None:
    outcomes = run(kills, seed)  # run() asserts on every trial that each finished episode loads intact
    assert sum(n for name, n in outcomes.items() if name.startswith("loaded ")) == kills
    # The kills reach the writes: some trials stop with part of the episodes on disk.
    assert any(outcomes[f"loaded {n}"] for n in range(1, EPISODES))


def test_twenty_kills_lose_no_finished_episode():
    _check(20, seed=1)


@pytest.mark.slow
def test_a_hundred_kills_lose_no_finished_episode():
    _check(100, seed=2)
