"""The PettingZoo shell shared by the turn-based text games (tic-tac-toe, Kuhn poker, negotiation, Liar's Dice).

Each game is a pure rules core (:class:`TurnBasedGame`): it knows whose turn it is, the legal moves, the
scores, and how to show a position as numbers and as text. :class:`TurnBasedEnv` wraps any such core into an
AEC environment with action masks, text observations and a text-move parser for language-model self-play.

Two observation modes: ``"state"`` (numbers and an action mask, integer actions) and ``"text"`` (a prompt
string with the rules, the history and the legal moves; the answer string is the action, parsed by the game).
In state mode an illegal action raises ``ValueError`` naming the game and the legal actions, so a bug in a
learner is never mistaken for a lost match. In text mode a bad answer is part of the game, as it is for a
language model: ``invalid_move="lose"`` forfeits the match (-1 to the offender, +1 to the other), and
``"reprompt"`` asks again, with the error in the prompt, up to ``max_retries`` times before forfeiting.
Every text step's ``info`` says whether the answer was well-formed (it named a move of the game) and legal.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

from palaestra.envs.competitive.common import SeededSpaces, check_agent, check_discrete, check_reset, outcome
from palaestra.checks import Lifecycle, reject_unknown_kwargs

AGENTS = ("player_0", "player_1")
RENDER_MODES = ("ansi", "human", "rgb_array")
OBS_MODES = ("state", "text")
INVALID_MOVES = ("lose", "reprompt")
# Prompts and answers are plain ASCII; a language model's answer may hold any character and is still parsed.
TEXT_CHARSET = frozenset(string.printable)
MAX_PROMPT_CHARS = 16_384
MAX_ANSWER_CHARS = 4_096
MESSAGE_CHARS = 400  # of a free-text message, shown in the other player's history
HISTORY_SHOWN = 16  # moves of the history a prompt shows (a 100-hand match would otherwise grow without bound)
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")


def extract_answer(text: str) -> str:
    """The move inside an answer: the last ``\\boxed{...}``, else the last ``[...]``, else the whole text.

    So a model may reason at length and end with its move in brackets (TextArena's convention) or boxed
    (the math-RL convention) without the reasoning being parsed as moves.
    """
    found = _BOXED.findall(text) or _BRACKETED.findall(text)
    return found[-1] if found else text


class IllegalMoveError(ValueError):
    """A text move that does not parse or is not legal now; the message names the game, the move and the
    legal alternatives. ``well_formed`` is true when the text named a move of the game that the rules forbid
    now (a taken cell), false when it named no move at all."""

    def __init__(
        self, env_id: str, move: str, legal: Sequence[str], reason: str = "", well_formed: bool = False,
    ) -> None:
        self.env_id, self.move, self.legal, self.well_formed = env_id, move, tuple(legal), well_formed
        self.reason = reason or "not a legal move"
        why = f" ({reason})" if reason else ""
        super().__init__(f"{env_id}: illegal move {move!r}{why}; legal moves: {'; '.join(self.legal)}")


class TurnBasedGame(Protocol):
    """The rules core of a two-player turn-based game, players numbered 0 and 1.

    ``scores`` are the players' cumulative rewards; the shell pays their changes as rewards and decides the
    outcome by comparing them when ``over`` becomes true. ``text`` ends with a ``Legal moves:`` line whose
    items are separated by ``"; "``; ``answer_example`` is a legal answer to show in a prompt.
    ``free_text`` games (negotiation with messages) read the whole answer, others only the extracted move.
    A game with thousands of actions may also define ``legal_mask() -> bool array`` for speed.
    """

    env_id: str
    num_actions: int
    features_space: spaces.Box
    to_move: int
    over: bool
    scores: list[float]
    free_text: bool

    def new(self, rng: np.random.Generator) -> None: ...
    def legal(self) -> list[int]: ...
    def play(self, action: int) -> None: ...
    def features(self, player: int) -> np.ndarray: ...
    def text(self, player: int) -> str: ...
    def move_text(self, action: int) -> str: ...
    def parse(self, player: int, text: str) -> int: ...


class TurnBasedEnv(SeededSpaces, AECEnv):
    """AEC environment around a :class:`TurnBasedGame`: agents ``player_0`` and ``player_1``, one team each.

    Observation (``obs_mode="state"``): ``{"observation": the game's features for that player,
    "action_mask": int8 legal moves}``; the mask is all zeros for the player not to move. Action: an int.
    Observation (``obs_mode="text"``): the prompt string (``Text`` space): rules, position, recent history,
    legal moves and the answer format; action: the answer string. Rewards are the changes of the game's
    scores; when the match ends every agent's info carries ``"outcome"`` (1 win, 0 draw, -1 loss).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": list(RENDER_MODES), "render_fps": 1, "is_parallelizable": False}

    def __init__(
        self,
        game: TurnBasedGame,
        render_mode: str | None = None,
        obs_mode: str = "state",
        invalid_move: str = "lose",
        max_retries: int = 1,
    ) -> None:
        super().__init__()
        env_id = game.env_id
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(f"{env_id}: render_mode={render_mode!r}; expected one of {list(RENDER_MODES)} or None")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"{env_id}: obs_mode={obs_mode!r}; expected one of {list(OBS_MODES)}")
        if invalid_move not in INVALID_MOVES:
            raise ValueError(f"{env_id}: invalid_move={invalid_move!r}; expected one of {list(INVALID_MOVES)}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, (int, np.integer)) or max_retries < 0:
            raise ValueError(f"{env_id}: max_retries={max_retries!r}; expected an integer >= 0")
        self.game = game
        self.render_mode = render_mode
        self.obs_mode = obs_mode
        self.invalid_move = invalid_move
        self.max_retries = int(max_retries) if invalid_move == "reprompt" else 0
        self.possible_agents = list(AGENTS)
        self.teams = {agent: (agent,) for agent in AGENTS}
        self._text = obs_mode == "text"
        if self._text:
            self._observation_spaces, self._action_spaces = {}, {}  # built on first use: see _text_spaces
        else:
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
        self._discrete = spaces.Discrete(game.num_actions)
        self._mask = np.zeros(game.num_actions, np.int8)
        self._mask_stale = False
        self._started = False
        self._life = Lifecycle()

    @property
    def env_id(self) -> str:
        return self.game.env_id

    def observation_space(self, agent: str) -> spaces.Space:
        return (self._observation_spaces or self._text_spaces()[0])[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return (self._action_spaces or self._text_spaces()[1])[agent]

    def _text_spaces(self) -> tuple[dict[str, spaces.Space], dict[str, spaces.Space]]:
        """Text mode's spaces, made when first asked for: building a Text space costs more than a game of
        tic-tac-toe, and batched rollouts make hundreds of envs that never ask."""
        self._observation_spaces = {a: spaces.Text(MAX_PROMPT_CHARS, charset=TEXT_CHARSET) for a in AGENTS}
        self._action_spaces = {a: spaces.Text(MAX_ANSWER_CHARS, min_length=0, charset=TEXT_CHARSET) for a in AGENTS}
        return self._observation_spaces, self._action_spaces

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.game.new(self.np_random)
        self._started = True
        self._forfeit: str | None = None
        self._retries = [0, 0]
        self._error = ""
        self.history: list[str] = []
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

    @property
    def forfeited(self) -> str | None:
        """The agent that lost the match by an invalid answer, if one did."""
        return self._forfeit if self._started else None

    def state_observation(self, agent: str) -> dict[str, np.ndarray]:
        """``agent``'s state-mode observation (features and action mask) in either mode, for scripted policies
        playing a text-mode game."""
        self._check_started("state_observation")
        player = AGENTS.index(agent)
        if self._mask_stale:
            self._update_mask()
        mask = self._mask.copy() if player == self.game.to_move and not self.over else np.zeros_like(self._mask)
        return {"observation": self.game.features(player), "action_mask": mask}

    @property
    def over(self) -> bool:
        """Whether the match has ended (by the rules or by a forfeit)."""
        return self.game.over or self._forfeit is not None

    def observe(self, agent: str) -> Any:
        player = AGENTS.index(agent)
        if self._text:
            return self.prompt(player)
        return self.state_observation(agent)

    def prompt(self, player: int) -> str:
        """What ``player`` is shown in text mode: the game's text, the recent moves, any error of its last
        answer and the answer format."""
        game = self.game
        view, legal_line, legal = game.text(player).rpartition("\nLegal moves:")
        parts = [view] if legal_line else [legal]
        if self.history:
            shown = self.history[-HISTORY_SHOWN:]
            earlier = len(self.history) - len(shown)
            head = f"History ({earlier} earlier moves not shown): " if earlier else "History: "
            parts.append(head + " | ".join(shown))
        if legal_line:
            parts.append("Legal moves:" + legal)
        if self.over:
            if self._forfeit is not None:
                parts.append(f"{self._forfeit} forfeited the match with an invalid move.")
            return "\n".join(parts)
        if player == game.to_move:
            if self._error:
                left = self.max_retries - self._retries[player]
                then = f"{left} more invalid answers lose" if left else "another invalid answer loses"
                parts.append(f"Your previous answer was invalid: {self._error}. Try again; {then} the match.")
            parts.append(f"Answer with one legal move in square brackets, for example [{game.answer_example()}].")
        return "\n".join(parts)

    def step(self, action: Any) -> None:
        if not self._life.running:  # before the first reset, or after close()
            raise self._life.refusal(self.env_id, "match")
        if not self.agents:
            raise ValueError(
                f"{self.env_id}: step(action={action!r}) after the match ended; call reset() to start another"
            )
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            if action is not None:
                raise ValueError(f"{self.env_id}: agent {agent!r} has finished this match; its only valid action is None")
            self._was_dead_step(action)
            return
        if self._text:
            self._step_text(agent, action)
            return
        # Plain ints skip the generic check: this is the hot path of every self-play loop.
        if type(action) is int or type(action) is np.int64:
            value = int(action)
        else:
            value = self._check_int(agent, action)
        if not 0 <= value < self.game.num_actions or not self._mask[value]:
            raise ValueError(
                f"{self.env_id}: {agent} cannot play action {value} now; legal actions: {self._legal_listing()}"
            )
        self._apply(agent, value, {})

    def _check_int(self, agent: str, action: Any) -> int:
        hint = " (text answers need obs_mode='text')" if isinstance(action, str) else ""
        try:
            return check_discrete(self.env_id, agent, action, self._discrete)
        except (OverflowError, ValueError):
            # int() of inf and space checks of integers beyond int64 overflow instead of failing cleanly.
            raise ValueError(
                f"{self.env_id}: agent {agent!r} sent action {action!r}; expected an integer in "
                f"{self._discrete}{hint}"
            ) from None

    def _step_text(self, agent: str, answer: Any) -> None:
        if not isinstance(answer, str):
            raise ValueError(
                f"{self.env_id}: agent {agent!r} sent action {answer!r} ({type(answer).__name__}); "
                "expected the answer as a str (obs_mode='text')"
            )
        game = self.game
        player = AGENTS.index(agent)
        try:
            value = game.parse(player, answer if game.free_text else extract_answer(answer))
        except IllegalMoveError as err:
            self._invalid(agent, player, answer, err)
            return
        # A parser bug must never let an illegal move through: the rules' legal moves have the last word.
        legal_mask = getattr(game, "legal_mask", None)
        if not (legal_mask()[value] if legal_mask else value in game.legal()):
            raise AssertionError(f"{self.env_id}: parser accepted illegal action {value} from {answer!r}")
        move = game.move_text(value)
        # A free-text game shows the other player the message itself, with the move it was read as.
        said = f"{answer.strip()[:MESSAGE_CHARS]} (read as {move})" if game.free_text else move
        self.history.append(f"player_{player}: {said}")
        self._retries[player] = 0
        self._error = ""
        self._apply(agent, value, {"well_formed": True, "legal": True, "move": move})

    def _invalid(self, agent: str, player: int, answer: str, err: IllegalMoveError) -> None:
        info = {"well_formed": err.well_formed, "legal": False, "error": str(err)}
        self._cumulative_rewards[agent] = 0.0
        if self._retries[player] < self.max_retries:
            self._retries[player] += 1
            self._error = f"{answer.strip()[:80]!r}: {err.reason}"
            self.rewards = {a: 0.0 for a in AGENTS}
            self.infos = {a: {} for a in AGENTS}
            self.infos[agent] = {**info, "retries_left": self.max_retries - self._retries[player]}
        else:
            other = AGENTS[1 - player]
            self._forfeit = agent
            self.history.append(f"player_{player}: (invalid) {answer.strip()[:200]}")
            self.rewards = {agent: -1.0, other: 1.0}
            self.terminations = {a: True for a in AGENTS}
            end = {"forfeit": agent}
            self.infos = {agent: {**info, **end, "outcome": -1}, other: {**end, "outcome": 1}}
            self.agent_selection = other
        self._accumulate_rewards()
        self._render_human()

    def _apply(self, agent: str, value: int, info: dict[str, Any]) -> None:
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
            # Text mode needs no mask to step: it is built only if a state observation is asked for.
            if self._text:
                self._mask_stale = True
            else:
                self._update_mask()
            self.agent_selection = AGENTS[game.to_move]
        if info:
            self.infos[agent] = {**self.infos[agent], **info}
        self._accumulate_rewards()
        self._render_human()

    def observe_text(self, agent: str) -> str:
        """What ``agent`` sees, as text, ending with its legal moves in the form :meth:`parse_action` reads."""
        check_agent(self.env_id, agent, AGENTS, AGENTS)
        self._check_started("observe_text")
        return self.game.text(AGENTS.index(agent))

    def parse_action(self, agent: str, text: str) -> int:
        """The action id of the text move ``text`` by ``agent``; :class:`IllegalMoveError` if illegal now."""
        self._check_started("parse_action")
        check_agent(self.env_id, agent, self.agents, AGENTS)
        if not isinstance(text, str):
            raise ValueError(f"{self.env_id}: parse_action(text={text!r}); expected a str")
        player = AGENTS.index(agent)
        if self.over or player != self.game.to_move:
            raise IllegalMoveError(self.env_id, text, ["none"], f"it is not {agent}'s turn", well_formed=True)
        return self.game.parse(player, text if self.game.free_text else extract_answer(text))

    def legal_moves(self) -> list[str]:
        """The text of every legal move of the player to move (empty once the match is over)."""
        self._check_started("legal_moves")
        return [] if self.over else [self.game.move_text(a) for a in self.game.legal()]

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            return None
        return render_text(self.render_mode, self.observe_text(AGENTS[self.game.to_move]))

    def close(self) -> None:
        self._life.close()

    def _check_started(self, method: str) -> None:
        if not self._started:
            raise RuntimeError(f"{self.env_id}: {method}() before reset(); call reset() first")

    def _update_mask(self) -> None:
        legal_mask = getattr(self.game, "legal_mask", None)
        if legal_mask is not None:  # games with thousands of actions give the mask as an array
            self._mask[:] = legal_mask()
        else:
            self._mask[:] = 0
            self._mask[self.game.legal()] = 1
        self._mask_stale = False

    def _legal_listing(self) -> str:
        return ", ".join(f"{a} ({self.game.move_text(a)})" for a in np.flatnonzero(self._mask))

    def _render_human(self) -> None:
        if self.render_mode == "human":
            self.render()


TEXT_OPTIONS = ("obs_mode", "invalid_move", "max_retries")


def text_options(env_id: str, kwargs: dict[str, Any], accepted: Sequence[str]) -> dict[str, Any]:
    """The text-mode keyword arguments in ``kwargs``; ``TypeError`` naming ``env_id`` for any unknown one."""
    reject_unknown_kwargs(env_id, {k: v for k, v in kwargs.items() if k not in TEXT_OPTIONS}, (*accepted, *TEXT_OPTIONS))
    return {k: v for k, v in kwargs.items() if k in TEXT_OPTIONS}


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
