"""Many copies of a PettingZoo parallel game stepped by worker processes, batched per agent.

The games' counterpart of :class:`palaestra.vector.BatchedVectorEnv`, on the same workers (several games
per process, the calling process stepping the first slice, observations in shared memory):

>>> from palaestra.vector_games import make_batched_parallel
>>> games = make_batched_parallel("palaestra/Sumo-v0", num_envs=8, workers=2)  # doctest: +SKIP
>>> obs, infos = games.reset(seed=0)  # doctest: +SKIP
>>> obs["red_0"].shape  # doctest: +SKIP
(8, 18)

Observations, actions, rewards and flags are dicts from agent to arrays with one row per game. An agent
that is not in a game right now (a caught prey in Tag) has a zero observation row, reward 0, and
``active[agent][i]`` False; its action row is ignored. Autoreset is Gymnasium's ``NEXT_STEP``: a game whose
episode ended (no agents left) resets at the next ``step``, ignores that step's actions and returns its
first observations with zero rewards and false flags. ``reset(seed=s)`` seeds game ``i`` with ``s + i``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.vector import _copy, _Slice, _Workers, resolve_spin


class BatchedParallelEnv:
    """``len(game_fns)`` parallel games on ``workers`` processes; per-agent batched arrays in and out.

    ``spin``: seconds each process polls for a message before sleeping, as in
    :class:`~palaestra.vector.BatchedVectorEnv` (``None``: poll only when this process has ``workers`` cores).
    """

    def __init__(self, game_fns: Sequence[Callable[[], Any]], workers: int = 2, context: str | None = "spawn",
                 spin: float | None = None) -> None:
        self.num_envs = len(game_fns)
        if self.num_envs < 1:
            raise ValueError("BatchedParallelEnv: game_fns is empty; expected at least one game factory")
        if not isinstance(workers, int) or not 1 <= workers <= self.num_envs:
            raise ValueError(f"BatchedParallelEnv: workers={workers!r}; expected an integer in [1, {self.num_envs}]")
        self._pool = _Workers(game_fns, workers, _GameSlice, _joint_observation_space, context,
                              spin=resolve_spin("BatchedParallelEnv", spin, workers))
        first = self._pool.local.envs[0]
        self.possible_agents = list(first.possible_agents)
        self.metadata = dict(first.metadata)
        self._observation_spaces = {a: first.observation_space(a) for a in self.possible_agents}
        self._action_spaces = {a: first.action_space(a) for a in self.possible_agents}
        self.active = {a: np.ones(self.num_envs, dtype=np.bool_) for a in self.possible_agents}

    def observation_space(self, agent: str) -> spaces.Space:
        """One game's observation space of ``agent`` (each returned array has a leading game axis)."""
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    def reset(self, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None):
        """Reset every game: (observations, the games' info dicts in game order)."""
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"BatchedParallelEnv.reset: {len(seeds)} seeds given; expected {self.num_envs}")
        replies = self._pool.run("reset", [(seeds[lo:hi], options) for lo, hi in self._pool.slices])
        infos = []
        for (lo, _), (game_infos, active) in zip(self._pool.slices, replies):
            infos += game_infos
            self._set_active(lo, active)
        return _copy(self._pool.observations), infos

    def step(self, actions: dict[str, np.ndarray]):
        """Step every game with row ``i`` of each agent's actions: (observations, rewards, terminations,
        truncations, infos), the first four dicts of per-agent arrays, infos the games' own info dicts."""
        rows = [{a: actions[a][i] for a in actions} for i in range(self.num_envs)]
        replies = self._pool.run("step", [rows[lo:hi] for lo, hi in self._pool.slices])
        rewards = {a: np.zeros(self.num_envs) for a in self.possible_agents}
        terminations = {a: np.zeros(self.num_envs, dtype=np.bool_) for a in self.possible_agents}
        truncations = {a: np.zeros(self.num_envs, dtype=np.bool_) for a in self.possible_agents}
        infos = []
        for (lo, _), (r, te, tr, game_infos, active) in zip(self._pool.slices, replies):
            for k, (game_r, game_te, game_tr) in enumerate(zip(r, te, tr)):
                for agent, value in game_r.items():
                    rewards[agent][lo + k] = value
                for agent, value in game_te.items():
                    terminations[agent][lo + k] = value
                for agent, value in game_tr.items():
                    truncations[agent][lo + k] = value
            infos += game_infos
            self._set_active(lo, active)
        return _copy(self._pool.observations), rewards, terminations, truncations, infos

    def close(self) -> None:
        self._pool.close()

    def _set_active(self, lo: int, active: list[list[str]]) -> None:
        for k, agents in enumerate(active):
            for agent in self.possible_agents:
                self.active[agent][lo + k] = agent in agents


class _GameSlice(_Slice):
    """A worker's games: PettingZoo parallel steps with NEXT_STEP autoreset; which agents act next is
    reported back with every reply (a game that ended counts as fully active: it resets first)."""

    def __init__(self, envs: list[Any], offset: int, views: Any) -> None:
        super().__init__(envs, offset, views, autoreset_mode=None)
        self._zeros = {a: np.zeros_like(v[0]) for a, v in views.items()}

    def _write(self, k: int, obs: dict[str, Any]) -> None:
        for agent, view in self.views.items():
            view[self.offset + k] = obs.get(agent, self._zeros[agent])

    def _active(self) -> list[list[str]]:
        return [list(game.agents) if game.agents else list(game.possible_agents) for game in self.envs]

    def _step(self, actions):
        rewards, terminations, truncations, infos = [], [], [], []
        for k, (game, joint) in enumerate(zip(self.envs, actions)):
            if not game.agents:
                obs, info = game.reset()
                reward, terminated, truncated = {}, {}, {}
            else:
                obs, reward, terminated, truncated, info = game.step({a: joint[a] for a in game.agents})
            self._write(k, obs)
            rewards.append(reward)
            terminations.append(terminated)
            truncations.append(truncated)
            infos.append(info)
        return rewards, terminations, truncations, infos, self._active()

    def _reset(self, data):
        seeds, options = data
        infos = []
        for k, (game, seed) in enumerate(zip(self.envs, seeds)):
            obs, info = game.reset(seed=seed, options=options)
            self._write(k, obs)
            infos.append(info)
        return infos, self._active()


def _joint_observation_space(game: Any) -> spaces.Dict:
    return spaces.Dict({a: game.observation_space(a) for a in game.possible_agents})


def make_batched_parallel(env_id: str, num_envs: int, workers: int = 2, context: str | None = "spawn",
                          spin: float | None = None, **kwargs: Any) -> BatchedParallelEnv:
    """``num_envs`` copies of ``palaestra.make_parallel(env_id, **kwargs)`` in a :class:`BatchedParallelEnv`."""
    return BatchedParallelEnv([functools.partial(_make_parallel, env_id, kwargs) for _ in range(num_envs)],
                              workers=workers, context=context, spin=spin)


def _make_parallel(env_id: str, kwargs: dict[str, Any]) -> Any:
    import palaestra

    return palaestra.make_parallel(env_id, **kwargs)
