"""The demonstration track's replay buffers: online data and expert demonstrations sampled symmetrically.

RLPD's recipe (Ball et al., 2023, "Efficient Online Reinforcement Learning with Offline Data"): keep the
demonstrations in a buffer of their own and draw a fixed share of every batch from it (half by default), so
they keep their weight however much online data arrives, where demonstrations only added to the one buffer
are soon a small minority (on Push that did not help). :class:`DemoReplayBuffer` and
:class:`DemoHerReplayBuffer` are SB3 buffers with a ``demos`` buffer of the same kind inside; SAC and TQC of
both ``sb3`` and ``sbx`` use them unchanged, HER relabelling included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from stable_baselines3 import HerReplayBuffer
from stable_baselines3.common.buffers import DictReplayBuffer, ReplayBuffer


def interleave(first: Any, second: Any) -> Any:
    """Two sample batches (SB3 named tuples) merged so that every contiguous slice holds both in proportion.

    sbx draws ``batch_size * gradient_steps`` samples at once and cuts them into consecutive batches, so the two
    sources are spread evenly rather than stacked one after the other.
    """
    n, m = len(first.actions), len(second.actions)
    order = torch.from_numpy(np.argsort(np.concatenate([(np.arange(n) + 0.5) / n, (np.arange(m) + 0.5) / m]),
                                        kind="stable"))

    def merge(a: Any, b: Any) -> Any:
        if a is None:
            return None
        if isinstance(a, dict):
            return {key: merge(a[key], b[key]) for key in a}
        return torch.cat([a, b])[order]

    return type(first)(*(merge(a, b) for a, b in zip(first, second)))


def _ready(buffer: Any) -> bool:
    """Whether ``buffer`` can be sampled: it holds transitions, and for HER a whole episode."""
    if isinstance(buffer, HerReplayBuffer):
        return bool(np.any(buffer.ep_length > 0))
    return buffer.size() > 0


class _DemoMixin:
    """Adds ``demos`` (a buffer of the same class) and draws ``demo_ratio`` of each batch from it."""

    def __init__(self, buffer_size: int, observation_space: Any, action_space: Any, *args: Any,
                 demo_capacity: int = 1, demo_ratio: float = 0.5, **kwargs: Any) -> None:
        if not 0.0 < demo_ratio < 1.0:
            raise ValueError(f"demo_ratio must be in (0, 1), got {demo_ratio}")
        super().__init__(buffer_size, observation_space, action_space, *args, **kwargs)
        base = type(self).__mro__[2]  # the SB3 buffer class after this mixin
        self.demos = base(max(int(demo_capacity), 1), observation_space, action_space, *args, **kwargs)
        self.demo_ratio = float(demo_ratio)

    def sample(self, batch_size: int, env: Any = None) -> Any:
        if not _ready(self.demos):
            return super().sample(batch_size, env=env)
        if not _ready(self):
            return self.demos.sample(batch_size, env=env)
        demo_count = int(round(batch_size * self.demo_ratio))
        online = super().sample(batch_size - demo_count, env=env)
        return interleave(online, self.demos.sample(demo_count, env=env))


class DemoReplayBuffer(_DemoMixin, ReplayBuffer):
    """SB3's ReplayBuffer with a demonstration buffer sampled for ``demo_ratio`` of each batch."""


class DemoDictReplayBuffer(_DemoMixin, DictReplayBuffer):
    """SB3's DictReplayBuffer with a demonstration buffer sampled for ``demo_ratio`` of each batch."""


class DemoHerReplayBuffer(_DemoMixin, HerReplayBuffer):
    """SB3's HerReplayBuffer with a demonstration buffer (relabelled too) sampled for ``demo_ratio`` of each batch."""


def buffer_class(her: bool, dict_observations: bool) -> type:
    """The demonstration-track buffer for a learner with or without HER and Dict observations."""
    if her:
        return DemoHerReplayBuffer
    return DemoDictReplayBuffer if dict_observations else DemoReplayBuffer
