"""Scripted experts for the free-object tasks (Reach, Push, Slide, PickAndPlace, Stack, Flip)."""

from __future__ import annotations

import numpy as np

from palaestra.baselines.experts.base import CLOSE, Expert


class ReachExpert(Expert):
    """Straight line to the target."""

    def act(self) -> np.ndarray:
        return self.move(self.task.expert_state()["target"], CLOSE)
