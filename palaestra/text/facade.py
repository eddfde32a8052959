"""TextArena's interface over palaestra's turn-based games, so code written for TextArena (SPIRAL's rollout
loops among it) runs unchanged::

    env = palaestra.text.make("palaestra/KuhnPoker-v0")
    env.reset(num_players=2, seed=0)
    done = False
    while not done:
        player_id, observation = env.get_observation()
        done, info = env.step(action=agents[player_id](observation))
    rewards = env.close()

Rewards follow TextArena: +1 to the winner, -1 to the loser, 0 each on a draw (the game's own returns, chips
for poker, are in ``game_info``). An invalid answer is re-prompted once, then loses, as TextArena's two-player
games do by default (``error_allowance=1``). ``close()`` returns the rewards, as TextArena did before 0.7;
``close_returns_info=True`` gives 0.7's ``(rewards, game_info)``.
"""

from __future__ import annotations

from typing import Any

from palaestra import registry

PLAYERS = ("player_0", "player_1")


def text_game_ids() -> list[str]:
    """The registered turn-based games, which all have a text mode."""
    return registry.ids(tag="turn-based")


class TextArenaEnv:
    """A palaestra turn-based game in text mode behind TextArena's ``reset``/``get_observation``/``step``/
    ``close``. Players are ``0`` and ``1`` (``player_0``/``player_1``); observations are the prompt strings,
    actions the model's answers."""

    def __init__(
        self,
        env_id: str,
        invalid_move: str = "reprompt",
        max_retries: int = 1,
        close_returns_info: bool = False,
        **env_kwargs: Any,
    ) -> None:
        record = registry.get(env_id)
        if "turn-based" not in record.tags:
            raise ValueError(
                f"{record.id} is not a turn-based text game; palaestra.text.make expects one of {text_game_ids()}"
            )
        import palaestra

        self.env_id = record.id
        self.env = palaestra.make_aec(
            record.id, obs_mode="text", invalid_move=invalid_move, max_retries=max_retries, **env_kwargs
        )
        self.close_returns_info = bool(close_returns_info)
        self._done = True
        self._started = False

    def reset(self, num_players: int = 2, seed: int | None = None) -> None:
        """Start a game; ``num_players`` must be 2 (every palaestra text game is two-player)."""
        if num_players != 2:
            raise ValueError(f"{self.env_id}: reset(num_players={num_players!r}); expected 2 (a two-player game)")
        self.env.reset(seed=seed)
        self._done = False
        self._started = True
        self._turns = [0, 0]

    def get_observation(self) -> tuple[int, str]:
        """``(player_id, prompt)`` of the player to move (of the last mover once the game is over)."""
        self._check_started("get_observation")
        agent = self.env.agent_selection
        return PLAYERS.index(agent), self.env.observe(agent)

    def step(self, action: str) -> tuple[bool, dict[str, Any]]:
        """Play ``action`` (the answer text) for the player to move; ``(done, info)`` with the answer's
        ``well_formed``/``legal`` flags (and the error, when invalid)."""
        self._check_started("step")
        if self._done:
            raise ValueError(f"{self.env_id}: step(action={action!r}) after the game ended; call reset() first")
        env = self.env
        agent = env.agent_selection
        env.step(action)
        info = dict(env.infos[agent])
        if info.get("legal"):
            self._turns[PLAYERS.index(agent)] += 1
        self._done = all(env.terminations.values()) or all(env.truncations.values())
        return self._done, info

    def close(self) -> dict[int, float] | tuple[dict[int, float], dict[int, dict[str, Any]]]:
        """The rewards ``{0: r0, 1: r1}`` (+1 win, -1 loss, 0 draw) of a finished game, all 0 before the end;
        with ``close_returns_info``, ``(rewards, game_info)`` as TextArena 0.7 returns."""
        self._check_started("close")
        env = self.env.unwrapped
        infos = self.env.infos
        rewards = {p: float(infos[a].get("outcome", 0)) if self._done else 0.0 for p, a in enumerate(PLAYERS)}
        if not self.close_returns_info:
            return rewards
        game_info = {
            p: {
                "role": f"Player {p}",
                "invalid_move": env.forfeited == agent,
                "turn_count": self._turns[p],
                "score": float(env.game.scores[p]),  # the game's own total (chips, deal value) before any forfeit
            }
            for p, agent in enumerate(PLAYERS)
        }
        return rewards, game_info

    def _check_started(self, method: str) -> None:
        if not self._started:
            raise RuntimeError(f"{self.env_id}: {method}() before reset(); call reset(num_players=2) first")


def make(env_id: str, **kwargs: Any) -> TextArenaEnv:
    """TextArena's ``ta.make`` for a palaestra turn-based game (``"palaestra/TicTacToe-v0"`` or ``"TicTacToe"``);
    ``kwargs`` go to :class:`TextArenaEnv` and the game (``invalid_move``, ``max_retries``, ``hands``...)."""
    return TextArenaEnv(env_id, **kwargs)
