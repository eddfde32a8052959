"""One seat of a text game as a single-agent Gymnasium env, for trainers that expect ``reset``/``step``.

The observation is the prompt, the action the model's answer; the other seat is played by one of the game's
scripted levels or by any text policy ``policy(prompts) -> answers`` (a frozen copy of the model, say), and
its turns happen inside :meth:`TextGameEnv.step`. The reward is the learner's reward from its answer to its
next turn (the final outcome in the +1/-1 games); ``info`` carries the answer's ``well_formed`` and ``legal``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from palaestra.text.facade import PLAYERS, text_game_ids
from palaestra.text.rollout import scripted_answer

ROLES = (*PLAYERS, "random")


class TextGameEnv(gym.Env):
    """A turn-based palaestra game in text mode from one player's seat (``role``: a player or ``"random"``,
    drawn at each reset), against ``opponent`` (a scripted level's name or a text policy).

    Observation: ``Text`` prompt. Action: ``Text`` answer. Reward: the learner's rewards over its turn and
    the opponent's reply. Terminated when the match ends (``info["outcome"]``: 1 win, 0 draw, -1 loss).
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        env_id: str,
        opponent: str | Callable[[list[str]], list[str]] = "random",
        role: str = "random",
        invalid_move: str = "lose",
        max_retries: int = 0,
        **env_kwargs: Any,
    ) -> None:
        import palaestra
        from palaestra.competitive.match import opponent_table

        self.env_id = palaestra.get(env_id).id
        if self.env_id not in text_game_ids():
            raise ValueError(f"TextGameEnv: {self.env_id} is not a text game; expected one of {text_game_ids()}")
        if role not in ROLES:
            raise ValueError(f"{self.env_id}: role={role!r}; expected one of {list(ROLES)}")
        self.game = palaestra.make_aec(
            self.env_id, obs_mode="text", invalid_move=invalid_move, max_retries=max_retries, **env_kwargs
        )
        self.role = role
        if isinstance(opponent, str):
            table = opponent_table(self.env_id)
            if opponent not in table:
                raise ValueError(f"{self.env_id}: opponent={opponent!r}; expected a text policy or one of {list(table)}")
            self._level = table[opponent](palaestra.make_aec(self.env_id, **env_kwargs))
            self._policy = None
        elif callable(opponent):
            self._level, self._policy = None, opponent
        else:
            raise ValueError(f"{self.env_id}: opponent={opponent!r}; expected a text policy or a level name")
        self.observation_space = self.game.observation_space(PLAYERS[0])
        self.action_space = self.game.action_space(PLAYERS[0])
        self.learner = PLAYERS[0]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        rng = self.np_random
        self.learner = PLAYERS[int(rng.integers(2))] if self.role == "random" else self.role
        self.game.reset(seed=int(rng.integers(2**31)))
        if self._level is not None:
            self._level.reset(int(rng.integers(2**31)))
        reward = self._opponent_turns()
        return self.game.observe(self.learner), {"role": self.learner, "reward_before_first_turn": reward}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        game = self.game
        if any(game.terminations.values()):
            raise ValueError(f"{self.env_id}: step(action={action!r}) after the match ended; call reset() first")
        game.step(action)
        info = dict(game.infos[self.learner])
        reward = float(game.rewards[self.learner]) + self._opponent_turns()
        terminated = all(game.terminations.values())
        if terminated:
            info["outcome"] = game.infos[self.learner]["outcome"]
        return game.observe(self.learner), reward, terminated, False, info

    def _opponent_turns(self) -> float:
        """Let the opponent answer until the learner is to move or the match ends; the learner's rewards."""
        game = self.game
        reward = 0.0
        while not any(game.terminations.values()) and game.agent_selection != self.learner:
            agent = game.agent_selection
            if self._level is not None:
                answer = scripted_answer(self._level, game, agent)
            else:
                answer = self._policy([game.observe(agent)])[0]  # type: ignore[misc]
            game.step(answer)
            reward += float(game.rewards[self.learner])
        return reward
