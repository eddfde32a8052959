"""palaestra: reinforcement-learning environments for manipulation, play and competitive self-play.

>>> import gymnasium as gym, palaestra
>>> gym.register_envs(palaestra)
>>> env = gym.make("palaestra/Reach-v0")

Importing palaestra registers its single-agent IDs with Gymnasium; it imports no simulator, torch, ray or
minari (those load when an environment or a tool needs them).
"""

from __future__ import annotations

import os
from typing import Any

# pygame (the games' windows and frames) prints a greeting on import; the user's own setting still wins.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from palaestra import registry  # noqa: E402
from palaestra.registry import UnknownEnvironmentError, get, ids  # noqa: E402

__version__ = "0.1.0"
__all__ = ["__version__", "ids", "get", "make", "make_parallel", "make_aec", "register", "UnknownEnvironmentError"]

registry.register_gymnasium()
from palaestra.third_party import register  # noqa: E402  (your own environments: docs/guides/your-own-env.md)


def make(env_id: str, **kwargs: Any):
    """``gymnasium.make`` for a palaestra ID, with an error listing close matches for an unknown ID."""
    import gymnasium as gym

    record = get(env_id)
    if record.multi_agent:
        raise ValueError(f"{record.id} is a multi-agent environment; use palaestra.make_parallel or make_aec")
    render_mode = kwargs.get("render_mode")
    if render_mode is not None and not isinstance(render_mode, str):  # gymnasium.make fails on it obscurely
        raise ValueError(f"{record.id}: render_mode={render_mode!r} is not supported; expected None or a mode name")
    return gym.make(record.id, **kwargs)


def _multi_agent(env_id: str, api: str, **kwargs: Any):
    record = get(env_id)
    if not record.multi_agent:
        raise ValueError(f"{record.id} is a single-agent environment; use gymnasium.make({record.id!r})")
    # A competitive record's entry point names its module's parallel_env or env; the other sits beside it.
    module = record.entry_point.partition(":")[0]
    try:
        factory = registry.load(f"{module}:{api}")
    except AttributeError:
        other = "make_aec" if api == "parallel_env" else "make_parallel"
        raise ValueError(
            f"{record.id} has no {'parallel' if api == 'parallel_env' else 'AEC'} API "
            f"(a turn-based game is AEC only); use palaestra.{other}({record.id!r})"
        ) from None
    return factory(**{**record.kwargs, **kwargs})


def make_parallel(env_id: str, **kwargs: Any):
    """A PettingZoo ``ParallelEnv`` for a multi-agent palaestra ID."""
    return _multi_agent(env_id, "parallel_env", **kwargs)


def make_aec(env_id: str, **kwargs: Any):
    """A PettingZoo ``AECEnv`` for a multi-agent palaestra ID."""
    return _multi_agent(env_id, "env", **kwargs)
