"""Iterated symmetric matrix games: ``palaestra/RockPaperScissors-v0`` and ``palaestra/FarmRaidGuard-v0``.

Both players pick one of three actions at once, ``rounds`` times; a player's payoff in a round is
``payoff[own action][other's action]``. Farm-Raid-Guard adds a cooperative part to a cyclic zero-sum game:
raiding beats farming (+2), guarding beats raiding (+1), farming beats guarding (+1), and each player also
earns a trade bonus of 1 whenever the *other* farms. The bonus depends only on the other's action, so best
responses, hence equilibria, are those of the zero-sum part (unique Nash: farm 1/4, raid 1/4, guard 1/2,
worth 1/4 to each), while mutual farming would give both 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.common import (
    CheckedAEC,
    SeededSpaces,
    check_agent,
    check_parallel_actions,
    check_render_mode,
    check_reset,
    outcome,
)
from palaestra.envs.competitive.turn_based import AGENTS, RENDER_MODES, IllegalMoveError, render_text
from palaestra.checks import Lifecycle, check_positive_int, reject_unknown_kwargs


@dataclass(frozen=True)
class MatrixGame:
    """A symmetric two-player game: ``payoff[a][b]`` is what playing ``a`` against ``b`` earns; ``nash`` is
    its (unique, symmetric) equilibrium strategy."""

    env_id: str
    actions: tuple[str, ...]
    payoff: tuple[tuple[int, ...], ...]
    nash: tuple[Fraction, ...]

    @property
    def column_payoff(self) -> tuple[tuple[int, ...], ...]:
        """The second player's payoffs indexed ``[row action][column action]`` (for bimatrix tools)."""
        n = len(self.actions)
        return tuple(tuple(self.payoff[j][i] for j in range(n)) for i in range(n))


GAMES = {
    "rps": MatrixGame(
        "palaestra/RockPaperScissors-v0", ("rock", "paper", "scissors"),
        ((0, -1, 1), (1, 0, -1), (-1, 1, 0)), (Fraction(1, 3),) * 3,
    ),
    "frg": MatrixGame(
        "palaestra/FarmRaidGuard-v0", ("farm", "raid", "guard"),
        # zero-sum part ((0, -2, 1), (2, 0, -1), (-1, 1, 0)) plus 1 in the column where the other farms
        ((1, -2, 1), (3, 0, -1), (0, 1, 0)), (Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)),
    ),
}


def best_responses(game: MatrixGame, belief: Sequence[float]) -> list[int]:
    """The actions maximising the expected payoff against an opponent playing the mixed strategy ``belief``."""
    values = [sum(p * q for p, q in zip(row, belief)) for row in game.payoff]
    top = max(values)
    return [a for a, v in enumerate(values) if v >= top - 1e-12]


class MatrixGameEnv(SeededSpaces, ParallelEnv):
    """An iterated symmetric matrix game for ``player_0`` and ``player_1``, ``rounds`` simultaneous rounds.

    Observation: ``4n + 3`` floats for ``n`` actions: the other's previous action one-hot with a last slot for
    "none yet" (n + 1), the own previous action likewise (n + 1), the other's action frequencies so far (n) and
    the fraction of rounds played (1). Actions: ``Discrete(n)``, or text naming the action.
    Reward: ``payoff[own][other]`` each round; the match ends after ``rounds`` rounds (a termination: the
    number of rounds is part of the game) and the higher total wins.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": list(RENDER_MODES), "render_fps": 2, "is_parallelizable": True}

    def __init__(self, game: MatrixGame, rounds: int = 20, render_mode: str | None = None) -> None:
        rounds = check_positive_int(game.env_id, "rounds", rounds)
        check_render_mode(game.env_id, render_mode, RENDER_MODES)
        self.game, self.rounds, self.render_mode = game, rounds, render_mode
        self.env_id = game.env_id
        self._life = Lifecycle()
        self.metadata = {**self.metadata, "name": game.env_id.split("/")[1].lower().replace("-", "_")}
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.teams = {agent: (agent,) for agent in AGENTS}
        n = len(game.actions)
        self._n = n
        self._observation_spaces = {a: spaces.Box(0.0, 1.0, (4 * n + 3,), np.float32) for a in AGENTS}
        self._action_spaces = {a: spaces.Discrete(n) for a in AGENTS}

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        # The rules are deterministic; the generator is seeded for the seeding contract and wrappers.
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.agents = list(AGENTS)
        self.round = 0
        self.previous: list[int | None] = [None, None]
        self.counts = np.zeros((2, self._n), np.int64)
        self.totals = [0, 0]
        return {a: self._observe(i) for i, a in enumerate(AGENTS)}, {a: {} for a in AGENTS}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        env_id = self.game.env_id
        if not self._life.running:
            raise self._life.refusal(env_id, "match")
        checked = check_parallel_actions(env_id, actions, self.agents, AGENTS, self.action_space)
        moves = [checked[a] for a in AGENTS]
        payoffs = [self.game.payoff[moves[i]][moves[1 - i]] for i in (0, 1)]
        for i in (0, 1):
            self.counts[i, moves[i]] += 1
            self.totals[i] += payoffs[i]
        self.previous = moves
        self.round += 1
        over = self.round == self.rounds
        observations = {a: self._observe(i) for i, a in enumerate(AGENTS)}
        rewards = {a: float(payoffs[i]) for i, a in enumerate(AGENTS)}
        terminations = {a: over for a in AGENTS}
        truncations = {a: False for a in AGENTS}
        if over:
            infos = {a: {"outcome": outcome(self.totals[i], self.totals[1 - i])} for i, a in enumerate(AGENTS)}
            self.agents = []
            self._life.end()
        else:
            infos = {a: {} for a in AGENTS}
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def _observe(self, player: int) -> np.ndarray:
        n = self._n
        obs = np.zeros(4 * n + 3, np.float32)
        other, own = self.previous[1 - player], self.previous[player]
        obs[n if other is None else other] = 1.0
        obs[n + 1 + (n if own is None else own)] = 1.0
        if self.round:
            obs[2 * n + 2:3 * n + 2] = self.counts[1 - player] / self.round
        obs[-1] = self.round / self.rounds
        return obs

    def observe_text(self, agent: str) -> str:
        """What ``agent`` knows, as text, ending with its legal moves in the form :meth:`parse_action` reads."""
        check_agent(self.game.env_id, agent, AGENTS, AGENTS)
        i = AGENTS.index(agent)
        names = self.game.actions
        table = "; ".join(
            f"{names[a]} vs {names[b]}: {self.game.payoff[a][b]:+d}" for a in range(self._n) for b in range(self._n)
        )
        lines = [
            (
                f"{self.game.env_id.split('/')[1]}, round {min(self.round + 1, self.rounds)} of {self.rounds}. "
                f"You are {agent}; both players choose at the same time."
            ),
            f"Your payoff per round (yours vs theirs): {table}.",
            f"Totals so far: you {self.totals[i]:+d}, the other {self.totals[1 - i]:+d}.",
        ]
        if self.previous[i] is not None:
            lines.append(f"Last round: you played {names[self.previous[i]]}, the other {names[self.previous[1 - i]]}.")
        if agent not in self.agents:
            return "\n".join([*lines, "The match is over."])
        return "\n".join([*lines, f"Legal moves: {', '.join(names)}"])

    def parse_action(self, agent: str, text: str) -> int:
        """The action named in ``text`` (case-insensitive); :class:`IllegalMoveError` unless exactly one is."""
        check_agent(self.game.env_id, agent, self.agents, AGENTS)
        named = {self.game.actions.index(w) for w in re.findall(r"[a-z]+", text.lower()) if w in self.game.actions}
        if len(named) != 1:
            raise IllegalMoveError(self.game.env_id, text, self.game.actions, "expected exactly one action name")
        return named.pop()

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            return None
        return render_text(self.render_mode, self.observe_text(AGENTS[0]))

    def close(self) -> None:
        self._life.close()


def parallel_env(game: str = "rps", rounds: int = 20, render_mode: str | None = None, **unknown: Any) -> MatrixGameEnv:
    """An iterated matrix game (parallel API): ``game`` is ``"rps"`` (rock-paper-scissors) or ``"frg"``
    (Farm-Raid-Guard).

    Observation: the other's and the own previous action, the other's action frequencies and the clock.
    Reward: the round's payoff (RPS: +1 win, -1 loss, 0 tie; FRG: raid beats farm by 2, guard beats raid by 1,
    farm beats guard by 1, plus 1 when the other farmed); the higher total after ``rounds`` rounds wins.
    """
    if not isinstance(game, str) or game not in GAMES:
        raise ValueError(f"palaestra matrix games: game={game!r}; expected one of {sorted(GAMES)}")
    reject_unknown_kwargs(GAMES[game].env_id, unknown, ("game", "rounds", "render_mode"))
    return MatrixGameEnv(GAMES[game], rounds, render_mode)


def env(game: str = "rps", rounds: int = 20, render_mode: str | None = None, **unknown: Any) -> Any:
    """The AEC version of :func:`parallel_env` (players act in turn, rewards arrive after both have)."""
    return CheckedAEC(parallel_env(game, rounds, render_mode, **unknown))


def _decode(observation: Any, n: int) -> tuple[int | None, int | None, np.ndarray, bool]:
    """``(other's previous action, own previous action, other's frequencies, first round)``."""
    obs = np.asarray(observation)
    other, own = int(np.argmax(obs[:n + 1])), int(np.argmax(obs[n + 1:2 * n + 2]))
    return (None if other == n else other), (None if own == n else own), obs[2 * n + 2:3 * n + 2], obs[-1] == 0


class _BestResponder(Policy):
    def _respond(self, belief: Sequence[float]) -> int:
        choices = best_responses(self.env.unwrapped.game, belief)
        return int(choices[int(self.rng.integers(len(choices)))])


class FictitiousPolicy(_BestResponder):
    """Fictitious play: a best response to the other's empirical action frequencies (uniform at first)."""

    name = "fictitious"

    def act(self, observation: Any, agent: str) -> int:
        n = len(self.env.unwrapped.game.actions)
        _, _, frequencies, first = _decode(observation, n)
        return self._respond(np.full(n, 1.0 / n) if first else frequencies)


class AdaptivePolicy(_BestResponder):
    """Models the other's next action given its own previous one (counts of what the other played after each
    of its actions, starting from the other's overall frequencies) and best-responds. Beats players that
    react to its moves, such as fictitious or best-response learners; no one beats uniform random."""

    name = "adaptive"

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._forget()

    def _forget(self) -> None:
        n = len(self.env.unwrapped.game.actions)
        self.table = np.zeros((n, n))
        self.before: int | None = None

    def act(self, observation: Any, agent: str) -> int:
        n = len(self.env.unwrapped.game.actions)
        other, own, frequencies, first = _decode(observation, n)
        if first or not hasattr(self, "table"):
            self._forget()
        if self.before is not None and other is not None:
            self.table[self.before, other] += 1
        self.before = own
        if own is None:
            return self._respond(np.full(n, 1.0 / n))
        belief = self.table[own] + (1 + 2 * self.table.sum() / n) * frequencies
        return self._respond(belief / belief.sum())


OPPONENTS = {"random": RandomPolicy, "fictitious": FictitiousPolicy, "adaptive": AdaptivePolicy}
