"""The PettingZoo shell shared by the turn-based text games (tic-tac-toe, Kuhn poker, negotiation).

Each game is a pure rules core (:class:`TurnBasedGame`): it knows whose turn it is, the legal moves, the
scores, and how to show a position as numbers and as text. :class:`TurnBasedEnv` wraps any such core into an
AEC environment with action masks, text observations and a text-move parser for language-model self-play.

Unlike PettingZoo's classic games, an illegal action does not silently end the game: it raises ``ValueError``
naming the game and the legal actions, so a bug in a learner or a prompt is never mistaken for a lost match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

from palaestra.envs.competitive.common import SeededSpaces, check_agent, check_discrete, outcome

AGENTS = ("player_0", "player_1")
RENDER_MODES = ("ansi", "human", "rgb_array")


class IllegalMoveError(ValueError):
    """A text move that does not parse or is not legal now; the message names the game, the move and the
    legal alternatives."""

    def __init__(self, env_id: str, move: str, legal: Sequence[str], reason: str = "") -> None:
        self.env_id, self.move, self.legal = env_id, move, tuple(legal)
        why = f" ({reason})" if reason else ""
        super().__init__(f"{env_id}: illegal move {move!r}{why}; legal moves: {'; '.join(self.legal)}")


class TurnBasedGame(Protocol):
    """The rules core of a two-player turn-based game, players numbered 0 and 1.

    ``scores`` are the players' cumulative rewards; the shell pays their changes as rewards and decides the
    outcome by comparing them when ``over`` becomes true.
    """

    env_id: str
    num_actions: int
    features_space: spaces.Box
    to_move: int
    over: bool
    scores: list[float]

    def new(self, rng: np.random.Generator) -> None: ...
    def legal(self) -> list[int]: ...
    def play(self, action: int) -> None: ...
    def features(self, player: int) -> np.ndarray: ...
    def text(self, player: int) -> str: ...
    def move_text(self, action: int) -> str: ...
    def parse(self, player: int, text: str) -> int: ...


class TurnBasedEnv(SeededSpaces, AECEnv):
    """AEC environment around a :class:`TurnBasedGame`: agents ``player_0`` and ``player_1``, one team each.

    Observation: ``{"observation": the game's features for that player, "action_mask": int8 legal moves}``;
    the mask is all zeros for the player not to move. Rewards are the changes of the game's scores; when the
    match ends every agent's info carries ``"outcome"`` (1 win, 0 draw, -1 loss) from comparing the scores.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": list(RENDER_MODES), "render_fps": 1, "is_parallelizable": False}

    def __init__(self, game: TurnBasedGame, render_mode: str | None = None) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(f"{game.env_id}: render_mode={render_mode!r}; expected one of {list(RENDER_MODES)} or None")
        self.game = game
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.teams = {agent: (agent,) for agent in AGENTS}
        self._observation_spaces = {
            agent: spaces.Dict(
                {
                    "observation": game.features_space,
                    "action_mask": spaces.Box(0, 1, (game.num_actions,), np.int8),
                }
            )
            for agent in AGENTS
        }
        self._action_spaces = {agent: spaces.Discrete(game.num_actions) for agent in AGENTS}
        self._mask = np.zeros(game.num_actions, np.int8)

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self._seed(seed)
        self.game.new(self.np_random)
        self.agents = list(AGENTS)
        self.rewards = {agent: 0.0 for agent in AGENTS}
        self._cumulative_rewards = {agent: 0.0 for agent in AGENTS}
        self.terminations = {agent: False for agent in AGENTS}
        self.truncations = {agent: False for agent in AGENTS}
        self.infos = {agent: {} for agent in AGENTS}
        self._paid = list(self.game.scores)
        self._update_mask()
        self.agent_selection = AGENTS[self.game.to_move]
        self._render_human()

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        player = AGENTS.index(agent)
        mask = self._mask.copy() if player == self.game.to_move and not self.game.over else np.zeros_like(self._mask)
        return {"observation": self.game.features(player), "action_mask": mask}

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        env_id = self.game.env_id
        if self.terminations[agent] or self.truncations[agent]:
            if action is not None:
                raise ValueError(f"{env_id}: agent {agent!r} has finished this match; its only valid action is None")
            self._was_dead_step(action)
            return
        # Plain ints skip the generic check: this is the hot path of every self-play loop.
        if type(action) is int or type(action) is np.int64:
            value = int(action)
        else:
            value = check_discrete(env_id, agent, action, self._action_spaces[agent])
        if not 0 <= value < self.game.num_actions or not self._mask[value]:
            raise ValueError(
                f"{env_id}: {agent} cannot play action {value} now; legal actions: {self._legal_listing()}"
            )
        self._cumulative_rewards[agent] = 0.0
        game = self.game
        game.play(value)
        scores = game.scores
        self.rewards = {a: scores[i] - self._paid[i] for i, a in enumerate(AGENTS)}
        self._paid = list(scores)
        if game.over:
            self.terminations = {a: True for a in AGENTS}
            self.infos = {a: {"outcome": outcome(scores[i], scores[1 - i])} for i, a in enumerate(AGENTS)}
            self.agent_selection = AGENTS[1 - AGENTS.index(agent)]
        else:
            self.infos = {a: {} for a in AGENTS}
            self._update_mask()
            self.agent_selection = AGENTS[game.to_move]
        self._accumulate_rewards()
        self._render_human()

    def observe_text(self, agent: str) -> str:
        """What ``agent`` sees, as text, ending with its legal moves in the form :meth:`parse_action` reads."""
        check_agent(self.game.env_id, agent, AGENTS, AGENTS)
        return self.game.text(AGENTS.index(agent))

    def parse_action(self, agent: str, text: str) -> int:
        """The action id of the text move ``text`` by ``agent``; :class:`IllegalMoveError` if illegal now."""
        check_agent(self.game.env_id, agent, self.agents, AGENTS)
        player = AGENTS.index(agent)
        if self.game.over or player != self.game.to_move:
            raise IllegalMoveError(self.game.env_id, text, ["none"], f"it is not {agent}'s turn")
        return self.game.parse(player, text)

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            return None
        return render_text(self.render_mode, self.observe_text(AGENTS[self.game.to_move]))

    def close(self) -> None:
        pass

    def _update_mask(self) -> None:
        self._mask[:] = 0
        self._mask[self.game.legal()] = 1

    def _legal_listing(self) -> str:
        return ", ".join(f"{a} ({self.game.move_text(a)})" for a in np.flatnonzero(self._mask))

    def _render_human(self) -> None:
        if self.render_mode == "human":
            self.render()


def render_text(mode: str, text: str) -> str | np.ndarray | None:
    """``text`` as the render ``mode`` wants it: returned (ansi), printed (human) or drawn (rgb_array)."""
    if mode == "rgb_array":
        return text_image(text)
    if mode == "human":
        print(text)
        return None
    return text


def text_image(text: str, font_size: int = 18) -> np.ndarray:
    """``text`` drawn black on white as an ``(H, W, 3)`` uint8 array (pygame's bundled font, no display)."""
    import pygame

    pygame.font.init()
    font = pygame.font.Font(None, font_size)
    lines = [font.render(line or " ", True, (0, 0, 0), (255, 255, 255)) for line in text.splitlines() or [" "]]
    margin = 8
    width = max(s.get_width() for s in lines) + 2 * margin
    height = sum(s.get_height() for s in lines) + 2 * margin
    canvas = pygame.Surface((width, height))
    canvas.fill((255, 255, 255))
    y = margin
    for surface in lines:
        canvas.blit(surface, (margin, y))
        y += surface.get_height()
    return np.ascontiguousarray(np.transpose(pygame.surfarray.array3d(canvas), (1, 0, 2)))
