"""Pieces shared by the competitive games: per-agent action checks with messages naming the game, match
outcomes, the observation modes and the cached per-agent spaces with the env's seeded generator."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from enum import Enum
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

from palaestra.validation import check_action

OUTCOME_WIN, OUTCOME_DRAW, OUTCOME_LOSS = 1, 0, -1


def outcome(mine: float, theirs: float) -> int:
    """The ``info["outcome"]`` of a side that scored ``mine`` against ``theirs``: 1 win, 0 draw, -1 loss."""
    return OUTCOME_WIN if mine > theirs else OUTCOME_LOSS if mine < theirs else OUTCOME_DRAW


class ObsMode(str, Enum):
    STATE = "state"  # a float32 feature vector from the agent's own point of view
    PIXELS = "pixels"  # a small uint8 picture of the game


class SeededSpaces:
    """Per-agent spaces built once (the same object on every call) and the env's generator, re-seeded only by
    ``reset(seed=...)``; a game sets ``_observation_spaces`` and ``_action_spaces`` in its constructor."""

    _observation_spaces: dict[str, spaces.Space]
    _action_spaces: dict[str, spaces.Space]
    _np_random: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    @property
    def np_random(self) -> np.random.Generator:
        if self._np_random is None:
            self._np_random, _ = seeding.np_random()
        return self._np_random

    def _seed(self, seed: int | None) -> None:
        if seed is not None:
            self._np_random, _ = seeding.np_random(seed)


def check_agent(env_id: str, agent: Any, live: Collection[str], possible: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``agent`` is one of the ``live`` agents."""
    if agent in live:
        return
    if agent in possible:
        raise ValueError(f"{env_id}: agent {agent!r} has finished this match and cannot act; live agents: {sorted(live)}")
    raise ValueError(f"{env_id}: unknown agent {agent!r}; agents of this game: {sorted(possible)}")


def check_render_mode(env_id: str, render_mode: str | None, modes: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``render_mode`` is ``None`` or one of ``modes``."""
    if render_mode is not None and render_mode not in modes:
        raise ValueError(f"{env_id}: render_mode={render_mode!r} is not supported; expected None or one of {modes}")


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
