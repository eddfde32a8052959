"""A tiny play dataset (three short episodes of smooth random play) shared by this folder's tests."""

from __future__ import annotations

import pytest
from data_helpers import EPISODES, STEPS

from palaestra.data import SmoothRandomAgent, collect_play


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    return collect_play(EPISODES, tmp_path_factory.mktemp("play") / "tiny", steps_per_episode=STEPS, seed=3,
                        agent=SmoothRandomAgent, progress=False)
