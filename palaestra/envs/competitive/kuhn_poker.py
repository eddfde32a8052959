"""Kuhn poker (``palaestra/KuhnPoker-v0``): the three-card game of Kuhn (1950), its AEC shell and opponents.

Information sets are named by the acting player's card and the betting so far: ``"K"`` (first to act with
the king), ``"Qp"`` (second to act after a pass), ``"Jpb"`` (first player facing a bet after passing)...
The 12 of them are :data:`INFO_SETS`; :mod:`palaestra.competitive.exploitability` scores policies over them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.turn_based import IllegalMoveError, TurnBasedEnv, text_options
from palaestra.checks import check_positive_int

ENV_ID = "palaestra/KuhnPoker-v0"
CARDS = "JQK"
PASS, BET = 0, 1
# Betting histories at which someone acts, and those that end the hand.
DECISIONS = ("", "p", "b", "pb")
TERMINALS = ("pp", "bp", "bb", "pbp", "pbb")
INFO_SETS = tuple(card + history for history in DECISIONS for card in CARDS)
_WORDS = {"pass": PASS, "check": PASS, "fold": PASS, "bet": BET, "call": BET}


def showdown_payoff(history: str, first_card: int, second_card: int) -> int:
    """Chips won by the player who acted first in the hand (the other wins the negative) at a terminal history."""
    if history == "bp":
        return 1
    if history == "pbp":
        return -1
    stake = 1 if history == "pp" else 2
    return stake if first_card > second_card else -stake


def facing_bet(history: str) -> bool:
    return history.endswith("b")


def info_set_features(card: int, history: str) -> np.ndarray:
    """The ``observation`` part seen holding ``card`` (0 J, 1 Q, 2 K) after ``history``: card one-hot (3), then
    one (pass, bet) one-hot per betting slot (3 x 2, zeros for slots not yet played)."""
    features = np.zeros(9, np.float32)
    features[card] = 1.0
    for slot, move in enumerate(history):
        features[3 + 2 * slot + (move == "b")] = 1.0
    return features


def decode(observation: Any) -> tuple[int, str]:
    """``(card, history)`` from an observation (the dict or its ``observation`` part)."""
    features = np.asarray(observation["observation"] if isinstance(observation, dict) else observation)
    card = int(np.argmax(features[:3]))
    history = "".join("pb"[int(features[4 + 2 * slot])] for slot in range(3) if features[3 + 2 * slot:5 + 2 * slot].any())
    return card, history


class KuhnPoker:
    """Rules of Kuhn poker over ``hands`` hands: cards J < Q < K, ante 1, one bet of 1, pass or bet.

    The first player to act alternates between hands (player 0 in the first); ``scores`` are chip totals.
    """

    num_actions = 2
    features_space = spaces.Box(0.0, 1.0, (9,), np.float32)
    free_text = False

    def __init__(self, hands: int, env_id: str = ENV_ID) -> None:
        self.hands = hands
        self.env_id = env_id

    def new(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.scores = [0.0, 0.0]
        self.hand = 0
        self.over = False
        self.last_hand = ""
        self._deal()

    def _deal(self) -> None:
        self.cards = [int(c) for c in self.rng.permutation(3)[:2]]
        self.first = self.hand % 2
        self.history = ""
        self.to_move = self.first

    def legal(self) -> list[int]:
        return [PASS, BET]

    def play(self, action: int) -> None:
        self.history += "pb"[action]
        if self.history not in TERMINALS:
            self.to_move = 1 - self.to_move
            return
        first, second = self.first, 1 - self.first
        won = showdown_payoff(self.history, self.cards[first], self.cards[second])
        self.scores[first] += won
        self.scores[second] -= won
        self.last_hand = (
            f"Last hand: player_0 held {CARDS[self.cards[0]]}, player_1 held {CARDS[self.cards[1]]}, "
            f"betting {self._betting(self.history)}; player_{first if won > 0 else second} won {abs(won)}."
        )
        self.hand += 1
        if self.hand == self.hands:
            self.over = True
        else:
            self._deal()

    def features(self, player: int) -> np.ndarray:
        return info_set_features(self.cards[player], self.history)

    def move_text(self, action: int) -> str:
        if facing_bet(self.history):
            return ("fold", "call")[action]
        return ("check", "bet")[action]

    def _betting(self, history: str) -> str:
        order = (self.first, 1 - self.first)
        words = []
        for i, move in enumerate(history):
            facing = "b" in history[:i]
            words.append(f"player_{order[i % 2]} " + (("folds", "calls") if facing else ("checks", "bets"))[move == "b"])
        return ", ".join(words) or "none yet"

    def text(self, player: int) -> str:
        lines = [
            (
                f"Kuhn poker, hand {min(self.hand + 1, self.hands)} of {self.hands}. You are player_{player}. "
                "Cards rank J < Q < K; each player antes 1 chip and a bet or call costs 1 more."
            ),
            f"Your chips so far: {self.scores[player]:+g}.",
        ]
        if self.last_hand:
            lines.append(self.last_hand)
        if self.over:
            return "\n".join([*lines, "The match is over."])
        order = "first" if player == self.first else "second"
        lines += [
            f"Your card: {CARDS[self.cards[player]]}. You act {order} this hand.",
            f"Betting so far: {self._betting(self.history)}.",
        ]
        if player != self.to_move:
            return "\n".join([*lines, f"Waiting for player_{self.to_move}."])
        return "\n".join([*lines, f"Legal moves: {'; '.join(self._legal_words())}"])

    def _legal_words(self) -> list[str]:
        if facing_bet(self.history):
            return ["fold (or pass)", "call (or bet)"]
        return ["check (or pass)", "bet"]

    def answer_example(self) -> str:
        return "call" if facing_bet(self.history) else "check"

    def parse(self, player: int, text: str) -> int:
        words = [w for w in re.findall(r"[a-z]+", text.lower()) if w in _WORDS]
        if len(set(words)) != 1:
            raise IllegalMoveError(self.env_id, text, self._legal_words(), "expected one of the moves")
        word = words[0]
        facing = facing_bet(self.history)
        if (word == "call" and not facing) or (word == "check" and facing) or (word == "fold" and not facing):
            why = "there is a bet to call or fold" if facing else "there is no bet to call or fold"
            raise IllegalMoveError(self.env_id, text, self._legal_words(), why, well_formed=True)
        return _WORDS[word]


class KuhnPokerEnv(TurnBasedEnv):
    """Kuhn poker for ``player_0`` and ``player_1``; a match is ``hands`` hands (first to act alternates).

    Observation: ``observation`` is 9 floats, the own card one-hot (J, Q, K) then one (pass, bet) one-hot per
    betting slot of the current hand; ``action_mask`` is ``[1, 1]`` for the player to move.
    Actions: 0 pass (check or fold), 1 bet (bet or call); as text ``"check"``, ``"bet"``, ``"call"``, ``"fold"``.
    Reward: chips won or lost, paid when a hand ends. The outcome of a match is the sign of the chip total.
    """

    metadata: ClassVar[dict[str, Any]] = {**TurnBasedEnv.metadata, "name": "kuhn_poker_v0"}

    def __init__(
        self, hands: int = 1, render_mode: str | None = None, env_id: str = ENV_ID, **text_options: Any,
    ) -> None:
        super().__init__(KuhnPoker(check_positive_int(env_id, "hands", hands), env_id), render_mode, **text_options)


def env(hands: int = 1, render_mode: str | None = None, **kwargs: Any) -> KuhnPokerEnv:
    """Kuhn poker (AEC); a match is ``hands`` hands, won by the player with more chips.

    Observation: own card one-hot and the betting of the current hand (9 floats), plus an action mask
    (``obs_mode="text"``: a prompt string, and the answer string as action).
    Reward: chips won or lost when each hand ends (+-1 or +-2 per hand).
    """
    return KuhnPokerEnv(hands, render_mode, **text_options(ENV_ID, kwargs, ("hands", "render_mode")))



class TabularKuhnPolicy(Policy):
    """Bets with a fixed probability at each of the 12 information sets (``bet``: info set -> probability);
    :meth:`action_probabilities` gives them exactly, for :mod:`palaestra.competitive.exploitability`."""

    name = "tabular"

    def __init__(self, env: Any, bet: Mapping[str, float]) -> None:
        super().__init__(env)
        missing = set(INFO_SETS) - set(bet)
        if missing:
            raise ValueError(f"{ENV_ID}: tabular policy lacks information sets {sorted(missing)}")
        self.bet = dict(bet)

    def action_probabilities(self, observation: Any, agent: str) -> np.ndarray:
        card, history = decode(observation)
        p = self.bet[CARDS[card] + history]
        return np.array([1.0 - p, p])

    def act(self, observation: Any, agent: str) -> int:
        return int(self.rng.random() < self.action_probabilities(observation, agent)[BET])


# Plays its cards straight: bets and calls with Q or K, passes and folds with J. Betting Q is a beginner's
# mistake (only a worse card calls it), which Nash play punishes.
HEURISTIC = {key: float(key[0] != "J") for key in INFO_SETS}


class HeuristicPolicy(TabularKuhnPolicy):
    """Straightforward play (:data:`HEURISTIC`): bet or call with Q or K, pass or fold with J; no bluffs."""

    name = "heuristic"

    def __init__(self, env: Any) -> None:
        super().__init__(env, HEURISTIC)


def nash_policy(alpha: float | Fraction = 1 / 6) -> dict[str, Any]:
    """Betting probabilities of Kuhn's equilibrium family, ``alpha`` in [0, 1/3] (first player's J bluff rate).

    First player: bet J with ``alpha``, K with ``3 alpha``, never Q; after check-bet call with Q at
    ``alpha + 1/3`` and with K always, fold J. Second player: after a check bet K, bluff J at 1/3, check Q;
    facing a bet call K, call Q at 1/3, fold J. The first player's value is -1/18 for every ``alpha``.
    """
    if not 0 <= alpha <= Fraction(1, 3):
        raise ValueError(f"{ENV_ID}: nash alpha={alpha!r}; expected a value in [0, 1/3]")
    # A Fraction alpha gives an exact table (for exact exploitability and game values).
    third = Fraction(1, 3) if isinstance(alpha, Fraction) else 1 / 3
    return {
        "J": alpha, "Q": 0, "K": 3 * alpha,
        "Jp": third, "Qp": 0, "Kp": 1,
        "Jb": 0, "Qb": third, "Kb": 1,
        "Jpb": 0, "Qpb": alpha + third, "Kpb": 1,
    }


class NashPolicy(TabularKuhnPolicy):
    """A member of Kuhn's equilibrium family (``alpha`` = 1/6 by default): unexploitable, value -1/18 first."""

    name = "nash"

    def __init__(self, env: Any, alpha: float = 1 / 6) -> None:
        super().__init__(env, nash_policy(alpha))


OPPONENTS = {"random": RandomPolicy, "heuristic": HeuristicPolicy, "nash": NashPolicy}
