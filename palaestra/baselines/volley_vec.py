"""Volleyball self-play as one stable-baselines3 VecEnv over the array core: many matches, one process.

>>> from palaestra.baselines.volley_vec import VolleySelfPlayVecEnv
>>> vec = VolleySelfPlayVecEnv("palaestra/Volleyball-v0", n_envs=64, opponents=["random", "heuristic"])  # doctest: +SKIP
>>> obs = vec.reset()  # doctest: +SKIP

Slot ``i`` is what ``make_vec_env`` builds from :class:`~palaestra.wrappers.selfplay.SelfPlayEnv` (a
``DummyVecEnv`` of monitored self-play envs) seeded ``seed + i``, step for step and bit for bit: the same
side and opponent drawn at each reset from the same generator, the same match seed, the same observations,
rewards, dones and infos (``side``, ``opponent``, ``outcome``, ``terminal_observation``,
``TimeLimit.truncated``, ``episode``, all but the wall-clock ``episode["t"]``). The matches run in a
:class:`~palaestra.envs.competitive.volley_batch.VolleyBatch`; the heuristic opponent acts for all its
matches in one :meth:`~palaestra.envs.competitive.volley_opponents.TrackerPolicy.act_batch` call, a frozen
snapshot of the learner in one batched forward pass (registered with ``OpponentPool.add_snapshot``; batched
matrix products may round differently from one-row ones, so only snapshot matches can differ from the
one-match env), and any other opponent as one policy object per match.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.utils import seeding

from palaestra.extras import require

require("stable_baselines3", "palaestra.baselines.volley_vec")
from stable_baselines3.common.vec_env import VecEnv  # noqa: E402  (after the check that names the extra)

from palaestra.competitive.match import build_policy  # noqa: E402
from palaestra.competitive.policy import RandomPolicy  # noqa: E402
from palaestra.competitive.side import Side, SidePolicy  # noqa: E402
from palaestra.envs.competitive.common import outcome  # noqa: E402
from palaestra.envs.competitive.volley_batch import batch_for  # noqa: E402
from palaestra.envs.competitive.volley_opponents import TrackerPolicy  # noqa: E402
from palaestra.wrappers.selfplay import OpponentPool  # noqa: E402


RANDOM_BLOCK = 256  # steps of the random level's actions drawn at once per match


class VolleySelfPlayVecEnv(VecEnv):
    """``n_envs`` self-play matches of a volleyball game (1v1, 2v2, 3v3) against ``opponents``.

    Spaces are the learner side's (one agent's observation and ``Discrete(6)`` in 1v1, a team's joined
    observations and ``MultiDiscrete`` in team games), as in ``SelfPlayEnv``; ``side`` fixes the learner's side
    (default: drawn per match). The reward is the sum of the learner side's rewards.
    """

    def __init__(self, game: str, n_envs: int = 64, opponents: OpponentPool | Sequence[str] | str = "random",
                 seed: int | None = None, side: str | None = None,
                 env_kwargs: Mapping[str, Any] | None = None) -> None:
        self.batch = batch_for(game, n_envs, **dict(env_kwargs or {}))
        self.game_id = self.batch.env_id
        template = self.template = self.batch.template
        self.teams = dict(template.teams)
        self._team_names = list(self.teams)
        if side is not None and side not in self.teams:
            raise ValueError(f"{self.game_id}: unknown side {side!r}; sides: {list(self.teams)}")
        if isinstance(opponents, str):
            opponents = [opponents]
        self.pool = opponents if isinstance(opponents, OpponentPool) else OpponentPool(opponents)
        first = Side.of(template, *next(iter(self.teams.items())))
        super().__init__(n_envs, first.observation_space, first.action_space)
        self.fixed_side = side
        self._sides = [Side(team, agents, first.observation_space, first.action_space)
                       for team, agents in self.teams.items()]
        k = self.batch.team_size
        self._columns = np.array([np.arange(k), np.arange(k, 2 * k)])  # the agents of each side
        self._rows = np.arange(n_envs)[:, None]
        self.rngs: list[np.random.Generator | None] = [None] * n_envs
        self.side = np.zeros(n_envs, dtype=np.int64)
        self.opponent_names: list[str] = [""] * n_envs
        self._code: dict[str, int] = {}  # opponent name -> a number, for grouping the matches by opponent
        self._opponent_codes = np.zeros(n_envs, dtype=np.int64)
        self._opponent_seeds = [0] * n_envs
        self._policies: dict[tuple[int, str], Any] = {}
        self._returns = np.zeros(n_envs)
        self._lengths = np.zeros(n_envs, dtype=np.int64)
        self._started = time.time()
        self._actions: np.ndarray | None = None
        self._obs = np.zeros((n_envs, 2 * k, self.batch.obs_dim), dtype=np.float32)
        from palaestra.competitive.match import opponent_table

        self._levels = opponent_table(self.game_id)
        # The random level's draws, RANDOM_BLOCK steps ahead per match: numpy's integers(n, size=m) gives the
        # same numbers as m calls of integers(n), so each match keeps RandomPolicy.act's sequence.
        self._random: list[np.random.Generator | None] = [None] * n_envs
        self._n_actions = int(template.action_space(template.possible_agents[0]).n)
        self._draws = np.zeros((n_envs, RANDOM_BLOCK * k), dtype=np.int64)
        self._drawn = np.zeros(n_envs, dtype=np.int64)  # draws used of each match's block
        if seed is not None:
            self.seed(seed)

    # -- VecEnv -----------------------------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        self._start(range(self.num_envs), self._seeds)
        self._reset_seeds()
        self._reset_options()
        self._obs = self.batch.observations()
        return self._learner_observations(self._obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        batch, k = self.batch, self.batch.team_size
        learner = self._columns[self.side]
        opponent = self._columns[1 - self.side]
        joint = np.empty((self.num_envs, 2 * k), dtype=np.int64)
        joint[self._rows, learner] = self._actions.reshape(self.num_envs, k)
        joint[self._rows, opponent] = self._opponent_actions(self._obs[self._rows, opponent])
        obs, rewards, over, timeout = batch.step(joint)
        reward = rewards[self._rows, learner].sum(axis=1)
        self._returns += reward
        self._lengths += 1
        dones = over | timeout
        names = self._team_names
        infos = [{"side": names[s], "opponent": o, "TimeLimit.truncated": False}
                 for s, o in zip(self.side.tolist(), self.opponent_names)]
        mine = self._learner_observations(obs)
        ended = np.flatnonzero(dones)
        for row in ended.tolist():
            info, side = infos[row], int(self.side[row])
            score = batch.score[row]
            info["outcome"] = int(outcome(score[side], score[1 - side]))
            info["TimeLimit.truncated"] = bool(timeout[row])
            info["terminal_observation"] = mine[row].copy()
            info["episode"] = {"r": round(float(self._returns[row]), 6), "l": int(self._lengths[row]),
                               "t": round(time.time() - self._started, 6)}
        if ended.size:
            self._start(ended.tolist(), [None] * ended.size)
            obs = batch.observations()
            mine = self._learner_observations(obs)
        self._obs = obs
        return mine, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.template.close()

    # -- matches ----------------------------------------------------------------------------------------
    def _start(self, rows: Sequence[int], seeds: Sequence[int | None]) -> None:
        """SelfPlayEnv.reset for each of ``rows``: side, opponent, match seed and opponent seed, in its order."""
        game_seeds = []
        for row, seed in zip(rows, seeds):
            if seed is not None or self.rngs[row] is None:
                self.rngs[row], _ = seeding.np_random(seed)
            rng = self.rngs[row]
            side = self.fixed_side or self._team_names[int(rng.integers(2))]
            self.side[row] = self._team_names.index(side)
            name = self.opponent_names[row] = self.pool.sample(rng)
            self._opponent_codes[row] = self._code.setdefault(name, len(self._code))
            game_seeds.append(int(rng.integers(2**31)))
            self._opponent_seeds[row] = int(rng.integers(2**31))
            kind = self._kind(name)
            if kind == "random":  # RandomPolicy.reset's generator, drawn from directly
                self._random[row] = np.random.default_rng(self._opponent_seeds[row])
                self._draw(row)
            elif kind == "scalar":
                self._policy(row, name).reset(self._opponent_seeds[row])
            self._returns[row] = 0.0
            self._lengths[row] = 0
        self.batch.reset(game_seeds, rows=list(rows))

    def _draw(self, row: int) -> None:
        self._draws[row] = self._random[row].integers(self._n_actions, size=self._draws.shape[1])
        self._drawn[row] = 0

    def _kind(self, name: str) -> str:
        """How opponent ``name`` acts: ``tracker`` (the heuristic level, batched), ``snapshot`` (a frozen
        learner, batched), ``random`` (one generator per match) or ``scalar`` (a policy object per match)."""
        if name in self.pool.batched:
            return "snapshot"
        spec = self.pool.members[name]
        policy = self._levels.get(spec) if isinstance(spec, str) else spec
        return {TrackerPolicy: "tracker", RandomPolicy: "random"}.get(policy, "scalar")

    def _policy(self, row: int, name: str) -> Any:
        key = (row, name)
        if key not in self._policies:
            self._policies[key] = build_policy(self.pool.members[name], self.template, self.game_id)
        return self._policies[key]

    def _learner_observations(self, obs: np.ndarray) -> np.ndarray:
        mine = obs[self._rows, self._columns[self.side]]
        return mine.reshape(self.num_envs, -1)

    def _opponent_actions(self, theirs: np.ndarray) -> np.ndarray:
        """Each match's opponent side's actions ``(n_envs, team_size)`` from its agents' observations."""
        actions = np.zeros(theirs.shape[:2], dtype=np.int64)
        for name, code in self._code.items():
            rows = np.flatnonzero(self._opponent_codes == code)
            if not rows.size:
                continue
            kind = self._kind(name)
            if kind == "tracker":
                actions[rows] = TrackerPolicy.act_batch(theirs[rows].reshape(-1, theirs.shape[2])).reshape(
                    len(rows), -1)
            elif kind == "random":  # RandomPolicy.act's draw, one agent after the other
                for row in rows[self._drawn[rows] == self._draws.shape[1]].tolist():
                    self._draw(row)
                used = self._drawn[rows]
                actions[rows] = self._draws[rows[:, None], used[:, None] + np.arange(actions.shape[1])]
                self._drawn[rows] = used + actions.shape[1]
            elif kind == "snapshot":
                joined = theirs[rows].reshape(len(rows), -1)
                actions[rows] = np.asarray(self.pool.batched[name](joined)).reshape(len(rows), -1)
            else:
                for row in rows.tolist():
                    actions[row] = self._scalar_actions(row, name, theirs[row])
        return actions

    def _scalar_actions(self, row: int, name: str, theirs: np.ndarray) -> list[int]:
        policy = self._policy(row, name)
        side = self._sides[1 - int(self.side[row])]
        if isinstance(policy, SidePolicy):
            joined = side.observation(dict(zip(side.agents, theirs)))
            split = side.actions(policy.act(joined, side.name), side.agents)
            return [int(split[a]) for a in side.agents]
        return [int(policy.act(obs, agent)) for agent, obs in zip(side.agents, theirs)]

    # -- VecEnv plumbing: the self-play attributes of each slot ---------------------------------------------
    def _indices(self, indices: Any) -> list[int]:
        return list(range(self.num_envs)) if indices is None else ([indices] if isinstance(indices, int) else list(indices))

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        slots = self._indices(indices)
        if attr_name == "side":
            return [self._team_names[int(self.side[i])] for i in slots]
        if attr_name == "opponent_name":
            return [self.opponent_names[i] for i in slots]
        shared = {"render_mode": None, "teams": self.teams, "game": self.template, "game_id": self.game_id,
                  "pool": self.pool}
        if attr_name in shared:
            return [shared[attr_name] for _ in slots]
        raise AttributeError(f"{self.game_id} self-play arrays: no per-slot attribute {attr_name!r}")

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        raise AttributeError(f"{self.game_id} self-play arrays: per-slot attributes are read-only")

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list[Any]:
        raise AttributeError(f"{self.game_id} self-play arrays: the slots have no methods to call")

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        # The episode statistics a Monitor would add are in the infos already.
        from stable_baselines3.common.monitor import Monitor

        return [wrapper_class is Monitor for _ in self._indices(indices)]
