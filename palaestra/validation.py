"""Input checks shared by every environment: errors name the environment and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces


def env_name(env: Any) -> str:
    """The ID to name ``env`` by in errors: the base env's own, else its spec's, else its class name."""
    spec = getattr(env, "spec", None)
    return getattr(env.unwrapped, "env_id", None) or (spec.id if spec is not None else type(env.unwrapped).__name__)


def check_action(env_id: str, action: Any, space: spaces.Box) -> np.ndarray:
    """Return ``action`` as a float array clipped to ``space``; raise ``ValueError`` on a wrong shape or NaN/inf.

    Clipping (not rejection) of finite out-of-range values is documented behaviour of every Box action.
    """
    try:
        arr = np.asarray(action, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{env_id}: action {action!r} is not numeric; expected an array in {space}") from None
    if arr.shape != space.shape:
        raise ValueError(f"{env_id}: action has shape {arr.shape}, expected {space.shape} (action space {space})")
    if not np.isfinite(arr).all():
        raise ValueError(f"{env_id}: action contains NaN or inf ({arr}); expected finite values in {space}")
    # np.clip's values for finite input, without its wrapper's per-call overhead (this runs every step).
    clipped = np.maximum(arr, space.low)
    return np.minimum(clipped, space.high, out=clipped)


def check_positive_int(env_id: str, name: str, value: Any) -> int:
    """``value`` as an ``int``; ``ValueError`` naming the env unless it is an integer (numpy's too) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{env_id}: {name}={value!r}; expected a positive integer")
    return int(value)


def reject_unknown_kwargs(env_id: str, unknown: Mapping[str, Any], accepted: Iterable[str]) -> None:
    """Raise ``TypeError`` listing the accepted keyword arguments when any unknown one was passed.

    The message starts with Python's own wording ("got an unexpected keyword argument 'x'"): tools such as
    TorchRL's ``GymEnv`` retry without an optional keyword (``frameskip``) only when they find it.
    """
    if unknown:
        first, *others = sorted(unknown)
        also = f" (and {', '.join(map(repr, others))})" if others else ""
        raise TypeError(
            f"{env_id} got an unexpected keyword argument {first!r}{also}; accepted: {', '.join(sorted(accepted))}"
        )
