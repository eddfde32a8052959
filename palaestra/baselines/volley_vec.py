"""Volleyball self-play as one stable-baselines3 VecEnv over the array core: many matches, one process.

>>> from palaestra.baselines.volley_vec import VolleySelfPlayVecEnv
>>> vec = VolleySelfPlayVecEnv("palaestra/Volleyball-v0", n_envs=64, opponents=["random", "heuristic"])  # doctest: +SKIP
>>> obs = vec.reset()  # doctest: +SKIP

Slot ``i`` is what ``make_vec_env`` builds from :class:`~palaestra.wrappers.selfplay.SelfPlayEnv` seeded
``seed + i``, bit for bit (see :mod:`~palaestra.baselines.array_vec`). The matches run in a
:class:`~palaestra.envs.competitive.volley_batch.VolleyBatch`; the heuristic opponent acts for all its
matches in one :meth:`~palaestra.envs.competitive.volley_opponents.TrackerPolicy.act_batch` call, a frozen
snapshot in one forward pass, the random level from its per-match generators, any other opponent as one
policy object per match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from palaestra.baselines.array_vec import ArraySelfPlayVecEnv
from palaestra.envs.competitive.common import outcome
from palaestra.envs.competitive.volley_batch import batch_for
from palaestra.envs.competitive.volley_opponents import TrackerPolicy
from palaestra.wrappers.selfplay import OpponentPool


class VolleySelfPlayVecEnv(ArraySelfPlayVecEnv):
    """``n_envs`` self-play matches of a volleyball game (1v1, 2v2, 3v3) against ``opponents``.

    Spaces are the learner side's (one agent's observation and ``Discrete(6)`` in 1v1, a team's joined
    observations and ``MultiDiscrete`` in team games), as in ``SelfPlayEnv``; ``side`` fixes the learner's side
    (default: drawn per match). The reward is the sum of the learner side's rewards.
    """

    batched_levels = {TrackerPolicy: lambda observations, agents: TrackerPolicy.act_batch(observations)}

    def __init__(self, game: str, n_envs: int = 64, opponents: OpponentPool | Sequence[str] | str = "random",
                 seed: int | None = None, side: str | None = None,
                 env_kwargs: Mapping[str, Any] | None = None) -> None:
        super().__init__(batch_for(game, n_envs, **dict(env_kwargs or {})), opponents, seed=seed, side=side)
        self._everyone = np.ones((n_envs, self.batch.n_players), dtype=np.bool_)

    def _step_batch(self, joint: np.ndarray) -> tuple[np.ndarray, ...]:
        # Every player plays every step of a rally; all leave together when the match ends.
        obs, rewards, over, timeout = self.batch.step(joint)
        live = np.repeat(self.batch.running[:, None], self.batch.n_players, axis=1)
        return obs, rewards, np.repeat(over[:, None], self.batch.n_players, axis=1), self._everyone, live

    def _outcome(self, row: int, side: int) -> int:
        score = self.batch.score[row]
        return int(outcome(score[side], score[1 - side]))
