"""Environments of your own: ``palaestra.register`` and the ``palaestra.envs`` entry points.

A registered record follows palaestra's built-in table in :func:`palaestra.registry.records`, ``get`` and
``ids``; a single-agent one also joins Gymnasium's registry (``gym.make``), a game ``palaestra.make_parallel``
and ``make_aec``. ``palaestra list``/``info``/``validate``/``record`` and ``python -m palaestra.docs`` first call
:func:`load_plugins`, which imports every installed package declaring a ``palaestra.envs`` entry point, so they
know those IDs too. docs/guides/your-own-env.md adds one from scratch.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

from palaestra import registry

_ID = re.compile(r"^(?P<namespace>[\w.-]+)/(?P<name>[\w.-]+)-v(?P<version>\d+)$")
_FAMILY = re.compile(r"^[a-z][a-z0-9-]*$")
PLUGIN_GROUP = "palaestra.envs"
_LOADED: set[str] = set()  # entry points already tried in this process
_NAMES: list[str] = []  # those that loaded


def register(
    id: str,
    entry_point: str | Callable[..., Any],
    *,
    family: str,
    summary: str,
    success: str,
    kwargs: Mapping[str, Any] | None = None,
    max_episode_steps: int | None = None,
    tags: Collection[str] = (),
    reward_threshold: float | None = None,
    expert: str | Callable[..., Any] | None = None,
    expert_threshold: float = 0.95,
    opponents: str | None = None,
) -> registry.EnvRecord:
    """Add a third-party environment to palaestra's registry and return its record.

    ``id`` is ``namespace/Name-vN`` in a namespace of your own (``palaestra/`` is palaestra's). ``entry_point``
    builds the environment: a callable or ``"module:attribute"``; a game (``"multi-agent"`` in ``tags``) names
    its PettingZoo module's ``parallel_env`` or ``env`` function, ``"module:parallel_env"``. A single-agent
    environment is also registered with Gymnasium (``gym.make(id)`` works). ``expert`` is a scripted policy
    class (``expert(env)`` then ``expert(obs) -> action``) that ``palaestra validate`` holds to
    ``expert_threshold``; ``opponents`` a game's ``"module:attribute"`` mapping of scripted levels, weakest first.

    Registering the same ID again replaces the record when the entry point has the same name (re-running a
    notebook cell or re-importing a module); anything else already registered under the ID is refused.
    """
    record = registry.EnvRecord(
        id=id, family=family, entry_point=entry_point, summary=summary, success=success, kwargs=kwargs or {},
        max_episode_steps=max_episode_steps, tags=frozenset(tags), reward_threshold=reward_threshold,
        expert=expert, expert_threshold=expert_threshold, opponents=opponents,
    )
    _check_third_party(record)
    if record.multi_agent:
        registry.THIRD_PARTY[id] = record
        return record
    import gymnasium as gym

    if id in gym.registry and id not in registry.THIRD_PARTY:
        raise ValueError(f"palaestra.register: {id!r} is already registered with Gymnasium; "
                         "pick another ID or remove it with del gymnasium.registry[id]")
    gym.registry.pop(id, None)  # a replaced third-party record
    gym.register(id=id, entry_point=entry_point, kwargs=dict(record.kwargs),
                 max_episode_steps=max_episode_steps, reward_threshold=reward_threshold)
    registry.THIRD_PARTY[id] = record
    return record


def unregister(env_id: str) -> None:
    """Remove a third-party record added with :func:`register` (and its Gymnasium registration)."""
    if any(r.id == env_id for r in registry.RECORDS):
        raise ValueError(f"{env_id} is one of palaestra's own environments; only registered ones can be removed")
    if registry.THIRD_PARTY.pop(env_id, None) is None:
        raise registry.UnknownEnvironmentError(f"{env_id!r} was not added with palaestra.register")
    import gymnasium as gym

    gym.registry.pop(env_id, None)


def load_plugins() -> list[str]:
    """Import every installed package's ``palaestra.envs`` entry point (each registers its IDs); their names.

    A loaded object that is a function is called with no arguments (a ``register_envs()`` hook); a module
    registers its IDs when imported. Each entry point is loaded once per process. One that fails is skipped
    with a warning naming it and the error, so a broken plugin cannot take palaestra's own IDs down with it.
    """
    from importlib.metadata import entry_points

    for point in entry_points(group=PLUGIN_GROUP):
        key = f"{point.name}={point.value}"
        if key in _LOADED:
            continue
        _LOADED.add(key)
        try:
            loaded = point.load()
            if inspect.isfunction(loaded):
                loaded()
        except Exception as error:  # noqa: BLE001 - any failure of someone else's package is reported, not fatal
            warnings.warn(f"palaestra: skipped the {PLUGIN_GROUP} entry point {key!r}: {type(error).__name__}: "
                          f"{error}", RuntimeWarning, stacklevel=2)
            continue
        _NAMES.append(point.name)
    return list(_NAMES)


def _check_third_party(record: registry.EnvRecord) -> None:
    """Refuse a record that palaestra could not build, list or validate, naming the ID and what was expected."""
    where = f"palaestra.register({record.id!r})"
    match = _ID.match(record.id) if isinstance(record.id, str) else None
    if match is None:
        raise ValueError(f"{where}: expected an ID of the form 'namespace/Name-v0'")
    if match["namespace"] == registry.NAMESPACE:
        raise ValueError(f"{where}: the namespace {registry.NAMESPACE!r} is palaestra's own; use your package's name")
    existing = registry.THIRD_PARTY.get(record.id)
    if existing is not None:
        before, now = (registry.entry_point_name(r.entry_point) for r in (existing, record))
        if before != now:
            raise ValueError(f"{where}: already registered with entry point {before}; "
                             "call palaestra.third_party.unregister first to replace it")
    if not isinstance(record.family, str) or not _FAMILY.match(record.family):
        raise ValueError(f"{where}: family={record.family!r}; expected one of {list(registry.FAMILIES)} or a new "
                         "lower-case name such as 'control'")
    if not (callable(record.entry_point) or (isinstance(record.entry_point, str) and ":" in record.entry_point)):
        raise ValueError(f"{where}: entry_point={record.entry_point!r}; expected a callable or 'module:attribute'")
    if record.multi_agent:
        if not (isinstance(record.entry_point, str) and record.entry_point.endswith((":parallel_env", ":env"))):
            raise ValueError(f"{where}: a multi-agent entry point names its PettingZoo module's factory, "
                             f"'module:parallel_env' or 'module:env'; got {record.entry_point!r}")
        if record.expert is not None:
            raise ValueError(f"{where}: a game is validated by its scripted opponents=, not an expert")
    elif record.opponents is not None:
        raise ValueError(f"{where}: opponents= is for games (tags with 'multi-agent'); use expert= for a task")
    if record.max_episode_steps is not None and (not isinstance(record.max_episode_steps, int)
                                                 or record.max_episode_steps < 1):
        raise ValueError(f"{where}: max_episode_steps={record.max_episode_steps!r}; expected a positive int or None")
    if not 0.0 <= record.expert_threshold <= 1.0:
        raise ValueError(f"{where}: expert_threshold={record.expert_threshold!r}; expected a rate in [0, 1]")
    for name in ("summary", "success"):
        if not isinstance(getattr(record, name), str) or not getattr(record, name).strip():
            raise ValueError(f"{where}: {name}= is required, one line for `palaestra list` and `info`")
