"""Checks shared by the competitive games: actions are validated per agent with messages naming the game."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.validation import check_action

OUTCOME_WIN, OUTCOME_DRAW, OUTCOME_LOSS = 1, 0, -1


def check_agent(env_id: str, agent: Any, live: Collection[str], possible: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``agent`` is one of the ``live`` agents."""
    if agent in live:
        return
    if agent in possible:
        raise ValueError(f"{env_id}: agent {agent!r} has finished this match and cannot act; live agents: {sorted(live)}")
    raise ValueError(f"{env_id}: unknown agent {agent!r}; agents of this game: {sorted(possible)}")


def check_discrete(env_id: str, agent: str, action: Any, space: spaces.Discrete) -> int:
    """``action`` as an int in ``space``; ``ValueError`` naming the game and agent otherwise."""
    try:
        value = int(action)
        exact = np.asarray(action).size == 1 and value == np.asarray(action).item()
    except (TypeError, ValueError):
        exact = False
    if not exact or not space.contains(np.int64(value)):
        raise ValueError(f"{env_id}: agent {agent!r} sent action {action!r}; expected an integer in {space}")
    return value


def check_parallel_actions(
    env_id: str,
    actions: Mapping[str, Any],
    live: Collection[str],
    possible: Collection[str],
    action_space: Callable[[str], spaces.Space],
) -> dict[str, Any]:
    """Validate a parallel ``actions`` dict: every live agent present, no unknown/dead agent, valid values.

    Box actions come back clipped as float arrays (:func:`palaestra.validation.check_action`), Discrete ones
    as ints.
    """
    for agent in actions:
        check_agent(env_id, agent, live, possible)
    missing = [a for a in live if a not in actions]
    if missing:
        raise ValueError(f"{env_id}: no action for live agent(s) {missing}; every live agent acts each step")
    checked: dict[str, Any] = {}
    for agent, action in actions.items():
        space = action_space(agent)
        if isinstance(space, spaces.Discrete):
            checked[agent] = check_discrete(env_id, agent, action, space)
        elif isinstance(space, spaces.Box):
            checked[agent] = check_action(f"{env_id} ({agent})", action, space)
        else:
            if not space.contains(np.asarray(action, dtype=space.dtype)):
                raise ValueError(f"{env_id}: agent {agent!r} sent action {action!r}; expected a member of {space}")
            checked[agent] = np.asarray(action, dtype=space.dtype)
    return checked
