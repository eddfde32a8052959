"""One policy shared by all teammates: a team game as a stable-baselines3 VecEnv with a slot per teammate.

>>> from palaestra.baselines.team_vec import SharedTeamVecEnv
>>> vec = SharedTeamVecEnv("palaestra/TeamVolleyball2v2-v0", n_games=2, opponents=["heuristic"])  # doctest: +SKIP
>>> vec.num_envs  # doctest: +SKIP
4

Each of ``n_games`` games is a :class:`~palaestra.wrappers.selfplay.SelfPlayEnv` against the opponent pool. In
a team of ``k`` agents, each agent of the learner's side is one slot of the VecEnv: it sees its own
observation and sends its own action, so one network is trained on every teammate's experience (parameter
sharing). Every slot gets the team's reward. A game whose match ends resets automatically, as VecEnvs do;
each of its slots gets ``terminal_observation`` in its info.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from palaestra.extras import require

require("stable_baselines3", "palaestra.baselines.team_vec")
from stable_baselines3.common.vec_env import VecEnv  # noqa: E402  (after the check that names the extra)

from palaestra.wrappers.selfplay import OpponentPool, SelfPlayEnv  # noqa: E402


class SharedTeamVecEnv(VecEnv):
    """``n_games x team_size`` slots; spaces are one agent's own (not the joined team spaces)."""

    def __init__(
        self,
        game: str,
        n_games: int = 1,
        opponents: OpponentPool | Sequence[str] | str = "random",
        seed: int = 0,
        env_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.games = [SelfPlayEnv(game, opponents=opponents, env_kwargs=env_kwargs) for _ in range(n_games)]
        first = self.games[0]
        if not first.parallel:
            raise ValueError(f"{first.game_id}: a shared team policy needs a simultaneous-move (parallel) game")
        self.team_size = len(next(iter(first.teams.values())))
        agent = next(iter(first.teams.values()))[0]
        super().__init__(
            n_games * self.team_size, first.game.observation_space(agent), first.game.action_space(agent)
        )
        self._seed = seed
        self._actions: np.ndarray | None = None

    def _slots(self, game: SelfPlayEnv) -> list[Any]:
        return [np.asarray(obs) for obs in game.agent_observations()]

    def reset(self) -> np.ndarray:
        observations = []
        for index, game in enumerate(self.games):
            game.reset(seed=self._seed + index)
            observations += self._slots(game)
        self._seed += len(self.games)
        return np.stack(observations)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self):
        observations, rewards, dones, infos = [], [], [], []
        k = self.team_size
        for index, game in enumerate(self.games):
            part = self._actions[index * k:(index + 1) * k]
            joint = part[0] if k == 1 else (part.astype(int) if part.ndim == 1 else part.reshape(-1))
            _, reward, terminated, truncated, info = game.step(joint)
            slots = self._slots(game)
            done = terminated or truncated
            slot_infos = [dict(info) for _ in range(k)]
            if done:
                for slot_info, terminal in zip(slot_infos, slots):
                    slot_info["terminal_observation"] = terminal
                    slot_info["TimeLimit.truncated"] = truncated and not terminated
                game.reset(seed=self._seed)
                self._seed += 1
                slots = self._slots(game)
            observations += slots
            rewards += [reward] * k
            dones += [done] * k
            infos += slot_infos
        return np.stack(observations), np.array(rewards, dtype=np.float32), np.array(dones), infos

    def close(self) -> None:
        for game in self.games:
            game.close()

    # -- VecEnv plumbing: attributes and methods of the underlying self-play envs, one per slot ---------
    def _targets(self, indices: Any) -> list[SelfPlayEnv]:
        slots = range(self.num_envs) if indices is None else ([indices] if isinstance(indices, int) else indices)
        return [self.games[i // self.team_size] for i in slots]

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(game, attr_name) for game in self._targets(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        for game in self._targets(indices):
            setattr(game, attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list[Any]:
        return [getattr(game, method_name)(*args, **kwargs) for game in self._targets(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._targets(indices)]
