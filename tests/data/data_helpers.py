"""Agents and sizes shared by the play-data tests."""

from __future__ import annotations

import numpy as np

EPISODES, STEPS = 3, 80  # the shared tiny dataset (conftest.py)


class StillAgent:
    """Holds the arm still with the gripper open: the least a dataset can cover."""

    current_task = None

    def __init__(self, env, rng) -> None:
        pass

    def act(self, obs):
        return np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32)
