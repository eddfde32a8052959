"""Input checks shared by every environment: errors name the environment and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

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


E = TypeVar("E", bound=Enum)


def check_choice(env_id: str, name: str, kind: type[E], value: Any) -> E:
    """``value`` as a member of the enum ``kind``; ``ValueError`` naming the env, the argument and the choices."""
    try:
        return kind(value)
    except ValueError:
        allowed = [m.value for m in kind]
        raise ValueError(f"{env_id}: {name}={value!r} is not valid; expected one of {allowed}") from None


def reject_unknown_kwargs(env_id: str, unknown: Mapping[str, Any], accepted: Iterable[str]) -> None:
    """Raise ``TypeError`` listing the accepted keyword arguments when any unknown one was passed."""
    if unknown:
        names = ", ".join(sorted(unknown))
        raise TypeError(f"{env_id}: unknown keyword argument(s) {names}; accepted: {', '.join(sorted(accepted))}")
