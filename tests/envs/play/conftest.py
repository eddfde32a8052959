"""A playroom scene shared by each test module of this folder."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.envs.play.scene import PlayScene
from palaestra.sim.world import PhysicsConfig


@pytest.fixture(scope="module")
def scene():
    s = PlayScene(PhysicsConfig())
    s.reset(np.random.default_rng(0))
    yield s
    s.close()
