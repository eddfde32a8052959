"""Pieces shared by the competitive games: match outcomes, the observation modes, the cached per-agent spaces
with the env's seeded generator, the checked AEC form of a parallel game and the reset checks (the checks
themselves live in :mod:`palaestra.checks`) and the per-match generators of the array cores."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo.utils.conversions import parallel_to_aec
from pettingzoo.utils.wrappers import BaseWrapper

# The checks live in palaestra.checks; these names stay importable from here for the games.
from palaestra.checks import (  # noqa: F401
    Lifecycle,
    check_agent,
    check_agent_action,
    check_discrete,
    check_options,
    check_parallel_actions,
    check_render_mode,
    check_seed,
)

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


class CheckedAEC(BaseWrapper):
    """The AEC form of a parallel game (PettingZoo's ``parallel_to_aec``) that checks each turn as it is taken.

    ``parallel_to_aec`` stores actions until the last agent of a cycle acts and only then steps the game, so a
    bad action would be blamed on that last agent; here each action is checked against the acting agent's
    space when it is sent, a step before ``reset()``, after the match or after ``close()`` is refused, and a
    finished agent's turn must be ``None`` (PettingZoo's dead-agent step).
    """

    def __init__(self, par: Any) -> None:
        super().__init__(parallel_to_aec(par))
        self.teams = par.teams
        self._par = par

    def step(self, action: Any) -> None:
        par, life = self._par, self._par._life
        # After the match's last parallel step the agents stay for their dead steps (action None).
        if not life.running and (life.phase != life.ENDED or not self.env.agents):
            raise life.refusal(par.env_id, "match")
        agent = self.env.agent_selection
        if self.env.terminations.get(agent) or self.env.truncations.get(agent):
            if action is not None:
                raise ValueError(
                    f"{par.env_id}: agent {agent!r} has finished this match; expected None, its only valid action"
                )
        else:
            check_agent_action(par.env_id, agent, action, par.action_space(agent))
        self.env.step(action)


def check_reset(env_id: str, life: Lifecycle, seed: Any, options: Any) -> int | None:
    """A game's ``reset`` arguments checked and its lifecycle started; returns the seed.

    ``options`` must be ``None`` or a dict; the games use no keys but ignore any, as PettingZoo's own API tests
    require (they reset with ``options={"options": 1}``).
    """
    seed = check_seed(env_id, seed)
    check_options(env_id, options, None)
    life.start(env_id)
    return seed


def reseed_matches(env_id: str, rngs: list[np.random.Generator | None], seeds: Sequence[int | None] | None,
                   rows: Sequence[int]) -> list[int]:
    """An array core's reset of ``rows``: each match's generator re-seeded from its seed (``None`` keeps it, as
    a single game's ``reset()`` does; a match never seeded gets a fresh one), in place in ``rngs``; returns
    the rows as ints. ``ValueError`` naming the env unless there is one seed (or ``None``) per row."""
    rows = [int(row) for row in rows]
    seeds = [None] * len(rows) if seeds is None else list(seeds)
    if len(seeds) != len(rows):
        raise ValueError(f"{env_id} batch: reset got {len(seeds)} seeds for {len(rows)} matches;"
                         " expected one seed (or None) per match")
    for row, seed in zip(rows, seeds):
        if seed is not None or rngs[row] is None:
            rngs[row], _ = seeding.np_random(seed)
    return rows
