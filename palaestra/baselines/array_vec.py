"""Self-play over an array core as one stable-baselines3 VecEnv: many matches, one process.

Slot ``i`` of an :class:`ArraySelfPlayVecEnv` is what ``make_vec_env`` builds from
:class:`~palaestra.wrappers.selfplay.SelfPlayEnv` (a ``DummyVecEnv`` of monitored self-play envs) seeded
``seed + i``, step for step and bit for bit: the same side and opponent drawn at each reset from the same
generator, the same match seed, the same observations, rewards, dones and infos (``side``, ``opponent``,
``outcome``, ``terminal_observation``, ``TimeLimit.truncated``, ``episode``, all but the wall-clock
``episode["t"]``). Opponents act by kind: a game's batched scripted levels for all their matches in one call,
a frozen snapshot of the learner in one batched forward pass (registered with ``OpponentPool.add_snapshot``;
batched matrix products may round differently from one-row ones, so only snapshot matches can differ from
the one-match env), the random level from one generator per match drawn :data:`RANDOM_BLOCK` steps ahead,
and any other opponent as one policy object per match. A subclass binds a game: its array core and its
batched levels (see :mod:`~palaestra.baselines.volley_vec` and :mod:`~palaestra.baselines.field_vec`);
:func:`array_selfplay` picks the subclass of a registered game.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

from palaestra.extras import require

require("stable_baselines3", "palaestra.baselines.array_vec")
from stable_baselines3.common.vec_env import VecEnv  # noqa: E402  (after the check that names the extra)

from palaestra.competitive.match import build_policy, opponent_table  # noqa: E402
from palaestra.competitive.policy import RandomPolicy  # noqa: E402
from palaestra.competitive.side import Side, SidePolicy  # noqa: E402
from palaestra.wrappers.selfplay import OpponentPool  # noqa: E402

RANDOM_BLOCK = 256  # steps of the random level's actions drawn at once per match
Batched = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (agents' observations, their columns) -> actions


def array_selfplay(game: str, n_envs: int = 64, opponents: OpponentPool | Sequence[str] | str = "random",
                   seed: int | None = None, side: str | None = None,
                   env_kwargs: Mapping[str, Any] | None = None) -> ArraySelfPlayVecEnv:
    """The self-play arrays of the registered ``game`` (one of
    :data:`~palaestra.baselines.games.ARRAY_GAMES`); arguments as the class's."""
    import importlib

    from palaestra import registry
    from palaestra.baselines.games import ARRAY_GAMES

    env_id = registry.get(game).id
    if env_id not in ARRAY_GAMES:
        raise ValueError(f"{env_id}: no array core; games with one: {list(ARRAY_GAMES)}")
    module, name = ARRAY_GAMES[env_id].split(":")
    cls = getattr(importlib.import_module(f"palaestra.baselines.{module}"), name)
    return cls(env_id, n_envs, opponents, seed=seed, side=side, env_kwargs=env_kwargs)


class ArraySelfPlayVecEnv(VecEnv):
    """``n_envs`` self-play matches of the game whose array core is ``batch``, against ``opponents``.

    Spaces are the learner side's (one agent's, or a team's joined), as in ``SelfPlayEnv``; ``side`` fixes the
    learner's side (default: drawn per match). The reward is the sum of the learner side's rewards. A subclass
    sets :attr:`batched_levels` (scripted policy class -> its batched form) and implements :meth:`_step_batch`
    and :meth:`_outcome` when its core's step differs from the field games' (see :meth:`_step_batch`).
    """

    batched_levels: Mapping[type, Batched] = {}

    def __init__(self, batch: Any, opponents: OpponentPool | Sequence[str] | str = "random",
                 seed: int | None = None, side: str | None = None) -> None:
        self.batch = batch
        self.game_id = batch.env_id
        template = self.template = batch.template
        self.teams = dict(template.teams)
        self._team_names = list(self.teams)
        if side is not None and side not in self.teams:
            raise ValueError(f"{self.game_id}: unknown side {side!r}; sides: {list(self.teams)}")
        if isinstance(opponents, str):
            opponents = [opponents]
        self.pool = opponents if isinstance(opponents, OpponentPool) else OpponentPool(opponents)
        first = Side.of(template, *next(iter(self.teams.items())))
        n_envs = batch.n
        super().__init__(n_envs, first.observation_space, first.action_space)
        self.fixed_side = side
        self._sides = [Side(team, agents, first.observation_space, first.action_space)
                       for team, agents in self.teams.items()]
        agents = list(template.possible_agents)
        self._columns = np.array([[agents.index(a) for a in team] for team in self.teams.values()])
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
        self._obs = np.zeros((n_envs, len(agents), batch.obs_dim), dtype=np.float32)  # each agent's latest
        self._live = np.ones((n_envs, len(agents)), dtype=np.bool_)
        self._levels = opponent_table(self.game_id)
        self._agent_space = template.action_space(agents[0])
        self._action_shape = self._agent_space.shape
        self._action_dtype = np.int64 if isinstance(self._agent_space, spaces.Discrete) else self._agent_space.dtype
        # The random level's draws, RANDOM_BLOCK steps ahead per match: numpy draws size=m as m single draws
        # would, so each match keeps RandomPolicy.act's sequence (one draw per agent in play, in team order).
        self._random: list[np.random.Generator | None] = [None] * n_envs
        block = RANDOM_BLOCK * len(first.agents)
        self._draws = np.zeros((n_envs, block, *self._action_shape), dtype=self._action_dtype)
        self._drawn = np.zeros(n_envs, dtype=np.int64)  # draws used of each match's block
        if seed is not None:
            self.seed(seed)

    # -- VecEnv -----------------------------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        self._start(range(self.num_envs), self._seeds)
        self._reset_seeds()
        self._reset_options()
        return self._learner_observations()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        n, k = self.num_envs, self._columns.shape[1]
        learner = self._columns[self.side]
        opponent = self._columns[1 - self.side]
        joint = np.zeros((n, 2 * k, *self._action_shape), dtype=self._action_dtype)
        joint[self._rows, learner] = self._actions.reshape(n, k, *self._action_shape)
        joint[self._rows, opponent] = self._opponent_actions(opponent)
        obs, rewards, terminated, stepped, live = self._step_batch(joint)
        self._obs = np.where(stepped[..., None], obs, self._obs)
        self._live = np.array(live)  # a copy: the core updates its own in place
        reward = rewards[self._rows, learner].sum(axis=1)
        self._returns += reward
        self._lengths += 1
        dones = ~live[self._rows, learner].any(axis=1)
        names = self._team_names
        infos = [{"side": names[s], "opponent": o, "TimeLimit.truncated": False}
                 for s, o in zip(self.side.tolist(), self.opponent_names)]
        mine = self._learner_observations()
        ended = np.flatnonzero(dones)
        for row in ended.tolist():
            info, side = infos[row], int(self.side[row])
            info["outcome"] = self._outcome(row, side)
            info["TimeLimit.truncated"] = not bool(terminated[row, learner[row]].any())
            info["terminal_observation"] = mine[row].copy()
            info["episode"] = {"r": round(float(self._returns[row]), 6), "l": int(self._lengths[row]),
                               "t": round(time.time() - self._started, 6)}
        if ended.size:
            self._start(ended.tolist(), [None] * ended.size)
            mine = self._learner_observations()
        return mine, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.template.close()

    # -- the game's part ------------------------------------------------------------------------------------
    def _step_batch(self, joint: np.ndarray) -> tuple[np.ndarray, ...]:
        """Step every match with the joint actions: observations, rewards and terminations per agent, the
        agents that took part in the step (their observations are new) and those still in their match."""
        obs, rewards, terminated, _ = self.batch.step(joint)
        return obs, rewards, terminated, self.batch.stepped, self.batch.live

    def _outcome(self, row: int, side: int) -> int:
        """The learner's ``info["outcome"]`` in the ended match ``row`` where it played ``side``."""
        return int(self.batch.outcome(row)[self._columns[side][0]])

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
                self._drawn[row] = self._draws.shape[1]
                self._refill(row)
            elif kind == "scalar":
                self._policy(row, name).reset(self._opponent_seeds[row])
            self._returns[row] = 0.0
            self._lengths[row] = 0
        obs = self.batch.reset(game_seeds, rows=list(rows))
        self._obs[list(rows)] = obs[list(rows)]
        self._live[list(rows)] = True

    def _refill(self, row: int) -> None:
        """Keep the unused draws of ``row`` first and continue its sequence behind them."""
        used = int(self._drawn[row])
        fresh = self._sample(self._random[row], used)
        self._draws[row] = np.concatenate((self._draws[row, used:], fresh))
        self._drawn[row] = 0

    def _sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` of RandomPolicy.act's draws for one agent each, from its generator ``rng``."""
        space = self._agent_space
        if isinstance(space, spaces.Discrete):
            return space.start + rng.integers(space.n, size=count)
        return rng.uniform(space.low, space.high, size=(count, *space.shape)).astype(space.dtype)

    def _kind(self, name: str) -> str:
        """How opponent ``name`` acts: ``batched`` (a scripted level with a batched form), ``snapshot`` (a frozen
        learner, batched), ``random`` (one generator per match) or ``scalar`` (a policy object per match)."""
        if name in self.pool.batched:
            return "snapshot"
        spec = self.pool.members[name]
        policy = self._levels.get(spec) if isinstance(spec, str) else spec
        if policy in self.batched_levels:
            return "batched"
        return "random" if policy is RandomPolicy else "scalar"

    def _policy(self, row: int, name: str) -> Any:
        key = (row, name)
        if key not in self._policies:
            self._policies[key] = build_policy(self.pool.members[name], self.template, self.game_id)
        return self._policies[key]

    def _learner_observations(self) -> np.ndarray:
        mine = self._obs[self._rows, self._columns[self.side]]
        return mine.reshape(self.num_envs, -1)

    def _opponent_actions(self, columns: np.ndarray) -> np.ndarray:
        """Each match's opponent side's actions ``(n_envs, team_size, ...)``; ``columns`` are its agents."""
        theirs, live = self._obs[self._rows, columns], self._live[self._rows, columns]
        actions = np.zeros((*columns.shape, *self._action_shape), dtype=self._action_dtype)
        for name, code in self._code.items():
            rows = np.flatnonzero(self._opponent_codes == code)
            if not rows.size:
                continue
            kind = self._kind(name)
            if kind == "batched":
                spec = self.pool.members[name]
                act = self.batched_levels[self._levels.get(spec) if isinstance(spec, str) else spec]
                flat = act(theirs[rows].reshape(-1, theirs.shape[2]), columns[rows].ravel())
                actions[rows] = np.asarray(flat).reshape(len(rows), *actions.shape[1:])
            elif kind == "random":  # RandomPolicy.act's draws, one per agent in play, in team order
                actions[rows] = self._random_actions(rows, live[rows])
            elif kind == "snapshot":
                joined = theirs[rows].reshape(len(rows), -1)
                actions[rows] = np.asarray(self.pool.batched[name](joined)).reshape(len(rows), *actions.shape[1:])
            else:
                for row in rows.tolist():
                    actions[row] = self._scalar_actions(row, name, theirs[row], live[row])
        return actions

    def _random_actions(self, rows: np.ndarray, live: np.ndarray) -> np.ndarray:
        block = self._draws.shape[1]
        for row in rows[self._drawn[rows] + live.shape[1] > block].tolist():
            self._refill(row)
        used = self._drawn[rows]
        index = used[:, None] + np.cumsum(live, axis=1) - 1
        drawn = self._draws[rows[:, None], np.maximum(index, 0)]
        self._drawn[rows] = used + live.sum(axis=1)
        return np.where(live.reshape(live.shape + (1,) * len(self._action_shape)), drawn, 0)

    def _scalar_actions(self, row: int, name: str, theirs: np.ndarray, live: np.ndarray) -> list[Any]:
        policy = self._policy(row, name)
        side = self._sides[1 - int(self.side[row])]
        playing = [a for a, up in zip(side.agents, live) if up]
        zero = np.zeros(self._action_shape, dtype=self._action_dtype)
        if isinstance(policy, SidePolicy):
            joined = side.observation(dict(zip(side.agents, theirs)))
            split = side.actions(policy.act(joined, side.name), playing)
        else:
            split = {a: policy.act(obs, a) for a, obs in zip(side.agents, theirs) if a in playing}
        return [split.get(a, zero) for a in side.agents]

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
