"""Input checks shared by every environment: errors name the environment, the argument and what was expected.

Each input is checked by the call that receives it (constructor keyword arguments at construction, seeds and
options at ``reset``, actions at ``step``), so a mistake never surfaces later as a numpy, PyBullet or
``KeyError`` failure, or as NaN rewards. Errors are ``ValueError`` or ``TypeError`` (the lifecycle errors are
also Gymnasium's ``ResetNeeded`` and ``ClosedEnvironmentError``) and their messages start with the env ID.

An environment uses one helper per input: its constructor checks each keyword argument (``check_choice``,
``check_positive_int``, ``check_real``, ``check_flag``, ``check_physics``, ``check_camera``...) before it builds
anything; ``reset`` calls ``check_seed`` and ``check_options`` then ``Lifecycle.start``; ``step`` refuses when
``Lifecycle`` is not running, then checks the action (``check_action``, or ``check_parallel_actions`` for a
parallel game, whose AEC form is :class:`palaestra.envs.competitive.common.CheckedAEC`); ``close`` calls
``Lifecycle.close``. ``python -m palaestra.fuzz`` (and ``tests/test_fuzz_inputs.py``) checks every registered
ID against these rules.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

import numpy as np
from gymnasium import error as gym_error
from gymnasium import spaces

E = TypeVar("E", bound=Enum)
# Frames larger than this per side take seconds each with PyBullet's TinyRenderer: a typo, not a setting.
MAX_IMAGE_SIDE = 1024


class ResetNeeded(gym_error.ResetNeeded, ValueError):
    """A step before the first ``reset()`` or after the episode (match) ended."""


class EnvironmentClosed(gym_error.ClosedEnvironmentError, ValueError):
    """A ``step()`` or ``reset()`` after ``close()``."""


def env_name(env: Any) -> str:
    """The ID to name ``env`` by in errors: the base env's own, else its spec's, else its class name."""
    spec = getattr(env, "spec", None)
    return getattr(env.unwrapped, "env_id", None) or (spec.id if spec is not None else type(env.unwrapped).__name__)


# -- actions ---------------------------------------------------------------------------------------
def check_action(env_id: str, action: Any, space: spaces.Box) -> np.ndarray:
    """Return ``action`` as a float array clipped to ``space``; ``ValueError`` unless it is an array (or nested
    list) of real numbers of the space's shape, all finite.

    Booleans, strings, complex numbers and objects are refused rather than coerced. Clipping (not rejection)
    of finite out-of-range values is documented behaviour of every Box action.
    """
    if type(action) is np.ndarray and action.dtype.kind == "f":  # the common case, checked without copies
        arr = action
    else:
        arr = _real_array(env_id, action, space)
    if arr.shape != space.shape:
        raise ValueError(f"{env_id}: action has shape {arr.shape}, expected {space.shape} (action space {space})")
    if not np.isfinite(arr).all():
        raise ValueError(f"{env_id}: action contains NaN or inf ({arr}); expected finite values in {space}")
    # np.clip's values for finite input, without its wrapper's per-call overhead (this runs every step).
    clipped = np.maximum(arr, space.low, dtype=np.float64)
    return np.minimum(clipped, space.high, out=clipped)


def _real_array(env_id: str, action: Any, space: spaces.Space) -> np.ndarray:
    if isinstance(action, (list, tuple)) and _holds_bool(action):
        raise ValueError(f"{env_id}: action {action!r} holds booleans; expected real numbers in {space}")
    try:
        arr = np.asarray(action)
    except (TypeError, ValueError, OverflowError):  # ragged nesting
        arr = np.asarray(None)
    if arr.dtype.kind not in "fiu":
        kind = {"b": "booleans", "c": "complex numbers", "U": "text", "S": "bytes"}.get(arr.dtype.kind, "not numeric")
        raise ValueError(f"{env_id}: action {action!r} is {kind}; expected an array of real numbers in {space}")
    return arr


def _holds_bool(values: Iterable[Any]) -> bool:
    return any(isinstance(v, (bool, np.bool_)) or (isinstance(v, (list, tuple)) and _holds_bool(v)) for v in values)


def check_discrete(env_id: str, agent: str, action: Any, space: spaces.Discrete) -> int:
    """``action`` as an int in ``space``; ``ValueError`` naming the game and agent otherwise.

    Python and numpy integers (and 0-d integer arrays) are accepted, as is a float with an integer value;
    booleans, text, NaN, inf and integers too large for any action are refused.
    """
    exact = False
    numeric = not isinstance(action, (np.ndarray, np.generic)) or action.dtype.kind in "fiu"
    if numeric and not isinstance(action, (bool, str, bytes)):
        try:
            value = int(action)
            exact = np.ndim(action) == 0 and value == action
        except (TypeError, ValueError, OverflowError):
            pass
    if not exact or not space.start <= value < space.start + space.n:
        raise ValueError(f"{env_id}: agent {agent!r} sent action {action!r}; expected an integer in {space}")
    return value


def check_agent(env_id: str, agent: Any, live: Collection[str], possible: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``agent`` is one of the ``live`` agents."""
    if agent in live:
        return
    if agent in possible:
        raise ValueError(
            f"{env_id}: agent {agent!r} has finished this match and cannot act; expected one of the live agents "
            f"{sorted(live)}"
        )
    raise ValueError(f"{env_id}: unknown agent {agent!r}; expected one of the game's agents {sorted(possible)}")


def check_parallel_actions(
    env_id: str,
    actions: Any,
    live: Collection[str],
    possible: Collection[str],
    action_space: Callable[[str], spaces.Space],
) -> dict[str, Any]:
    """Validate a parallel ``actions`` dict: every live agent present, no unknown/dead agent, valid values.

    Box actions come back clipped as float arrays (:func:`check_action`), Discrete ones as ints.
    """
    if not isinstance(actions, Mapping):
        raise TypeError(f"{env_id}: actions={actions!r}; expected a dict of one action per live agent {list(live)}")
    for agent in actions:
        check_agent(env_id, agent, live, possible)
    missing = [a for a in live if a not in actions]
    if missing:
        raise ValueError(f"{env_id}: no action for live agent(s) {missing}; expected one action per live agent")
    return {agent: check_agent_action(env_id, agent, action, action_space(agent)) for agent, action in actions.items()}


def check_agent_action(env_id: str, agent: str, action: Any, space: spaces.Space) -> Any:
    """One agent's action checked against its space (Box: clipped float array; Discrete: int)."""
    if isinstance(space, spaces.Discrete):
        return check_discrete(env_id, agent, action, space)
    if isinstance(space, spaces.Box):
        return check_action(f"{env_id} ({agent})", action, space)
    if not space.contains(np.asarray(action, dtype=space.dtype)):
        raise ValueError(f"{env_id}: agent {agent!r} sent action {action!r}; expected a member of {space}")
    return np.asarray(action, dtype=space.dtype)


# -- reset -----------------------------------------------------------------------------------------
def check_seed(env_id: str, seed: Any) -> int | None:
    """``seed`` as an ``int`` (or ``None``); ``ValueError`` unless it is a non-negative integer."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{env_id}: seed={seed!r}; expected None or a non-negative integer")
    return int(seed)


def check_options(env_id: str, options: Any, accepted: Collection[str] | None = ()) -> dict[str, Any]:
    """``reset``'s ``options`` as a new dict; ``TypeError`` unless a mapping, ``ValueError`` on a key not in
    ``accepted`` (``None``: any key, for a wrapper that passes the others on to the env it wraps)."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        keys = "" if accepted is None else f" with keys from {list(accepted)}"
        raise TypeError(f"{env_id}: reset options={options!r}; expected None or a dict{keys}")
    if accepted is None:
        return dict(options)
    unknown = [k for k in options if k not in accepted]
    if unknown:
        raise ValueError(
            f"{env_id}: unknown reset option(s) {unknown}; expected keys from {list(accepted)}"
        )
    return dict(options)


class Lifecycle:
    """Where an environment is in its life (new, running, ended, closed) and the refusals that follow.

    ``reset`` calls :meth:`start`, ``step`` calls :meth:`check_step` first and :meth:`end` when the episode
    (match) is over, ``close`` calls :meth:`close`. Gymnasium's own wrappers catch a step before reset in
    ``gymnasium.make``'s stack; this also covers the env used directly and the PettingZoo APIs.
    """

    __slots__ = ("phase",)
    NEW, RUNNING, ENDED, CLOSED = "new", "running", "ended", "closed"

    def __init__(self) -> None:
        self.phase = self.NEW

    def start(self, env_id: str) -> None:
        if self.phase == self.CLOSED:
            raise EnvironmentClosed(f"{env_id}: reset() after close(); expected a new environment")
        self.phase = self.RUNNING

    def check_step(self, env_id: str, episode: str = "episode") -> None:
        if self.phase != self.RUNNING:
            raise self.refusal(env_id, episode)

    def refusal(self, env_id: str, episode: str = "episode") -> Exception:
        """The error for a step now (call only when not running)."""
        if self.phase == self.CLOSED:
            return EnvironmentClosed(f"{env_id}: step() after close(); expected a new environment")
        if self.phase == self.NEW:
            return ResetNeeded(f"{env_id}: step() before the first reset(); call reset() first")
        return ResetNeeded(f"{env_id}: step() after the {episode} finished; call reset() to start a new one")

    @property
    def running(self) -> bool:
        return self.phase == self.RUNNING

    def end(self) -> None:
        self.phase = self.ENDED

    def close(self) -> None:
        self.phase = self.CLOSED


# -- constructor keyword arguments -------------------------------------------------------------------
def check_positive_int(env_id: str, name: str, value: Any, maximum: int | None = None) -> int:
    """``value`` as an ``int``; ``ValueError`` naming the env unless it is an integer (numpy's too) of at least 1
    (and at most ``maximum``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{env_id}: {name}={value!r}; expected a positive integer")
    if maximum is not None and value > maximum:
        raise ValueError(f"{env_id}: {name}={value!r}; expected a positive integer of at most {maximum}")
    return int(value)


def check_real(env_id: str, name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite ``float`` in ``[low, high]``; ``ValueError`` otherwise (booleans and text too)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{env_id}: {name}={value!r}; expected a finite real number")
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        bounds = "" if (low, high) == (-math.inf, math.inf) else f" in [{low}, {high}]"
        raise ValueError(f"{env_id}: {name}={value!r}; expected a finite real number{bounds}")
    return value


def check_flag(env_id: str, name: str, value: Any) -> bool:
    """``value`` as a ``bool``: ``True``/``False`` (numpy's too) or the integers 1 and 0; ``ValueError`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    raise ValueError(f"{env_id}: {name}={value!r}; expected True or False")


def check_choice(env_id: str, name: str, value: Any, kind: type[E]) -> E:
    """``value`` as a member of the enum ``kind`` (by member or value); ``ValueError`` listing the values."""
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = [m.value for m in kind]
        raise ValueError(f"{env_id}: {name}={value!r} is not valid; expected one of {allowed}") from None


def check_render_mode(env_id: str, render_mode: Any, modes: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``render_mode`` is ``None`` or one of ``modes``."""
    if render_mode is not None and (not isinstance(render_mode, str) or render_mode not in modes):
        raise ValueError(f"{env_id}: render_mode={render_mode!r} is not supported; expected None or one of {list(modes)}")


def check_names(env_id: str, name: str, value: Any, known: Collection[str]) -> list[str] | None:
    """A list of names (``None`` stays ``None``); ``ValueError`` unless a non-empty list or tuple of ``known``
    names (a bare string is refused: it is one name, not a list of them)."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{env_id}: {name}={value!r}; expected None or a non-empty list of names from {list(known)}")
    unknown = [v for v in value if not isinstance(v, str) or v not in known]
    if unknown:
        raise ValueError(f"{env_id}: unknown or no {name} {unknown}; expected names from {list(known)}")
    return list(value)


def check_physics(env_id: str, physics: Any) -> Any:
    """``physics`` (``None`` for the default) as a :class:`~palaestra.sim.world.PhysicsConfig` whose timestep,
    substeps, solver iterations and gravity make sense; ``TypeError``/``ValueError`` naming the field."""
    from palaestra.sim.world import PhysicsConfig

    if physics is None:
        return PhysicsConfig()
    if not isinstance(physics, PhysicsConfig):
        raise TypeError(f"{env_id}: physics={physics!r}; expected None or a palaestra.sim.world.PhysicsConfig")
    # Every field by the type of its default, so that a field added later is checked too.
    for f in dataclasses.fields(physics):
        name, value = f"physics.{f.name}", getattr(physics, f.name)
        if isinstance(f.default, bool):
            check_flag(env_id, name, value)
        elif isinstance(f.default, int):
            check_positive_int(env_id, name, value, maximum=10_000)
        elif isinstance(f.default, float):
            check_real(env_id, name, value, *_PHYSICS_RANGES.get(f.name, (-math.inf, math.inf)))
    return physics


# Sensible bounds of the float fields of PhysicsConfig (a timestep of 0 or 1 s is a typo, not a setting).
_PHYSICS_RANGES = {"timestep": (1e-5, 0.1), "gravity": (-100.0, 100.0), "contact_erp": (0.0, 1.0)}


def check_camera(env_id: str, camera: Any, default: Any = None) -> Any:
    """``camera`` (``None`` for ``default``, else a default :class:`~palaestra.sim.world.CameraConfig`) checked
    now rather than at the first render: integer sizes up to :data:`MAX_IMAGE_SIDE`, finite geometry."""
    from palaestra.sim.world import CameraConfig

    if camera is None:
        return default if default is not None else CameraConfig()
    if not isinstance(camera, CameraConfig):
        raise TypeError(f"{env_id}: camera={camera!r}; expected None or a palaestra.sim.world.CameraConfig")
    for side in ("width", "height"):
        check_positive_int(env_id, f"camera.{side}", getattr(camera, side), maximum=MAX_IMAGE_SIDE)
    for field in ("distance", "yaw", "pitch"):
        check_real(env_id, f"camera.{field}", getattr(camera, field))
    check_real(env_id, "camera.fov", camera.fov, 1.0, 179.0)
    check_real(env_id, "camera.near", camera.near, 1e-4)
    check_real(env_id, "camera.far", camera.far, camera.near)
    if len(camera.target) != 3:
        raise ValueError(f"{env_id}: camera.target={camera.target!r}; expected three finite coordinates")
    for x in camera.target:
        check_real(env_id, "camera.target", x)
    return camera


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
