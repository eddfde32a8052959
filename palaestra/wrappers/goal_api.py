"""The goal API of a wrapped goal env, reachable on the wrapper.

Gymnasium 1.x wrappers no longer forward attribute lookups to the env they wrap, and stable-baselines3's
``check_env`` calls ``env.compute_reward`` on the object it is given. A wrapper that leaves ``achieved_goal``,
``desired_goal`` and the reward as the inner env's (Perturb, Instruction, GoalWrapper) therefore offers the
inner env's ``compute_reward``/``compute_terminated``/``compute_truncated`` itself. SB3's HerReplayBuffer finds
them either way (through ``get_wrapper_attr``); with this, ``check_env`` and plain ``env.compute_reward`` do too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class GoalAPIPassthrough:
    """Mixin for a ``gymnasium.Wrapper`` that keeps the goal semantics of the env it wraps.

    Each method is a property returning the inner env's bound function, so ``hasattr(wrapper, "compute_reward")``
    is false when the wrapped env has none (a game, free play): the wrapper claims no goal API it lacks.
    """

    env: Any

    @property
    def compute_reward(self) -> Callable[..., Any]:
        return self.env.get_wrapper_attr("compute_reward")

    @property
    def compute_terminated(self) -> Callable[..., Any]:
        return self.env.get_wrapper_attr("compute_terminated")

    @property
    def compute_truncated(self) -> Callable[..., Any]:
        return self.env.get_wrapper_attr("compute_truncated")
