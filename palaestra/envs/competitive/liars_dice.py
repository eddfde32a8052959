"""Liar's Dice (``palaestra/LiarsDice-v0``): one round of bidding on hidden dice, OpenSpiel's rules.

Each player rolls ``dice`` six-sided dice seen only by itself. Player 0 bids first; a bid "Q x F" claims that at
least Q of all the dice show face F, and 6s are wild (they count as any face; a bid on 6s counts only 6s).
Each turn either raises the bid (a higher quantity, or the same quantity and a higher face) or calls "liar":
the dice are shown, and the bidder wins if the bid holds, else the caller wins. This is OpenSpiel's
``liars_dice`` (``reset-face`` bidding, highest face wild), action for action. SPIRAL's and TextArena's version
plays many rounds, the loser of each losing a die; one round is the unit both are built from.
"""

from __future__ import annotations

import re
from functools import cache
from math import comb
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.turn_based import IllegalMoveError, TurnBasedEnv, text_options
from palaestra.checks import check_positive_int

ENV_ID = "palaestra/LiarsDice-v0"
FACES = 6
WILD = FACES
_LIAR = re.compile(r"\b(liar|challenge)\b")
_BID = re.compile(r"(\d+)\s*(?:x|\*|times|of|\s)\s*(\d+)s?\b")


def bid_action(quantity: int, face: int) -> int:
    """The action bidding ``quantity`` dice of ``face`` (1-6), as OpenSpiel numbers it."""
    return (quantity - 1) * FACES + face - 1


def bid_of(action: int) -> tuple[int, int]:
    """``(quantity, face)`` of a bid action (inverse of :func:`bid_action`)."""
    return action // FACES + 1, action % FACES + 1


def bid_text(action: int) -> str:
    quantity, face = bid_of(action)
    return f"{quantity} x {face}"


def count_for(dice: list[int], face: int) -> int:
    """How many of ``dice`` count for a bid on ``face`` (wild 6s included)."""
    return sum(d == face or (d == WILD and face != WILD) for d in dice)


@cache
def at_least_probability(needed: int, hidden: int, face: int) -> float:
    """Probability that at least ``needed`` of ``hidden`` unseen dice count for ``face``."""
    if needed <= 0:
        return 1.0
    p = (1 if face == WILD else 2) / FACES
    return sum(comb(hidden, k) * p**k * (1 - p) ** (hidden - k) for k in range(needed, hidden + 1))


class LiarsDice:
    """Rules of one round of two-player Liar's Dice with ``dice`` dice each; scores +1/-1 at the end."""

    features_space = spaces.Box(0.0, 1.0, (15,), np.float32)
    free_text = False
    env_id = ENV_ID

    def __init__(self, dice: int) -> None:
        self.dice = dice
        self.num_bids = 2 * dice * FACES
        self.liar = self.num_bids
        self.num_actions = self.num_bids + 1

    def new(self, rng: np.random.Generator) -> None:
        self.rolls = [sorted(int(d) for d in rng.integers(1, FACES + 1, self.dice)) for _ in range(2)]
        self.to_move = 0
        self.bid = -1  # the standing bid's action, -1 before the first
        self.bidder = -1
        self.over = False
        self.caller = -1
        self.scores = [0.0, 0.0]

    def legal(self) -> list[int]:
        bids = list(range(self.bid + 1, self.num_bids))
        return bids + [self.liar] if self.bid >= 0 else bids

    def play(self, action: int) -> None:
        if action == self.liar:
            quantity, face = bid_of(self.bid)
            holds = count_for(self.rolls[0] + self.rolls[1], face) >= quantity
            winner = self.bidder if holds else self.to_move
            self.caller = self.to_move
            self.scores = [1.0 if p == winner else -1.0 for p in (0, 1)]
            self.over = True
            return
        self.bid, self.bidder = action, self.to_move
        self.to_move = 1 - self.to_move

    def features(self, player: int) -> np.ndarray:
        """Own dice per face / dice (6), the standing bid's quantity / all dice (1) and face one-hot (6),
        whether a bid stands (1) and whether it is the observer's own (1)."""
        f = np.zeros(15, np.float32)
        for d in self.rolls[player]:
            f[d - 1] += 1.0 / self.dice
        if self.bid >= 0:
            quantity, face = bid_of(self.bid)
            f[6] = quantity / (2 * self.dice)
            f[6 + face] = 1.0
            f[13] = 1.0
            f[14] = float(self.bidder == player)
        return f

    def move_text(self, action: int) -> str:
        return "liar" if action == self.liar else f"bid {bid_text(action)}"

    def answer_example(self) -> str:
        return self.move_text(self.legal()[0])

    def text(self, player: int) -> str:
        total = 2 * self.dice
        lines = [
            f"Liar's Dice. You are player_{player}. Each player rolled {self.dice} six-sided dice, hidden from the "
            f"other. A bid 'Q x F' claims that at least Q of all {total} dice show face F; 6s are wild and count "
            "as any face (a bid on 6s counts only 6s). On your turn raise the bid (a higher quantity, or the same "
            "quantity and a higher face) or call 'liar': then the dice are shown and the bidder wins if the bid "
            "holds, the caller otherwise. Win +1, loss -1.",
            f"Your dice: {' '.join(map(str, self.rolls[player]))}.",
            f"Standing bid: {bid_text(self.bid)} by player_{self.bidder}." if self.bid >= 0 else "No bid yet.",
        ]
        if self.over:
            quantity, face = bid_of(self.bid)
            shown = " | ".join(f"player_{p}: {' '.join(map(str, self.rolls[p]))}" for p in (0, 1))
            count = count_for(self.rolls[0] + self.rolls[1], face)
            winner = 0 if self.scores[0] > 0 else 1
            return "\n".join([*lines, f"player_{self.caller} called liar. Dice: {shown}; {count} count for "
                              f"{face}s, so player_{winner} wins."])
        if player != self.to_move:
            return "\n".join([*lines, f"Waiting for player_{self.to_move}."])
        return "\n".join([*lines, f"Legal moves: {'; '.join(self.move_text(a) for a in self.legal())}"])

    def parse(self, player: int, text: str) -> int:
        lowered = text.lower()
        legal = [self.move_text(a) for a in self.legal()]
        calls, bids = _LIAR.findall(lowered), _BID.findall(lowered)
        if bool(calls) == bool(bids) or len(bids) > 1:
            raise IllegalMoveError(self.env_id, text, legal, "expected one bid such as 'bid 2 x 5', or 'liar'")
        if calls:
            if self.bid < 0:
                raise IllegalMoveError(self.env_id, text, legal, "there is no bid to call yet", well_formed=True)
            return self.liar
        quantity, face = (int(n) for n in bids[0])
        if not (1 <= quantity <= 2 * self.dice and 1 <= face <= FACES):
            raise IllegalMoveError(
                self.env_id, text, legal, f"a bid is 1..{2 * self.dice} dice of a face 1..{FACES}", well_formed=True
            )
        action = bid_action(quantity, face)
        if action <= self.bid:
            raise IllegalMoveError(
                self.env_id, text, legal, f"the bid must beat {bid_text(self.bid)}", well_formed=True
            )
        return action


class LiarsDiceEnv(TurnBasedEnv):
    """One round of Liar's Dice for ``player_0`` (bids first) and ``player_1``, ``dice`` dice each, 6s wild.

    Observation: ``observation`` is 15 floats (own dice per face / dice, the standing bid's quantity / all dice
    and face one-hot, whether a bid stands and whether it is the observer's); ``action_mask`` the higher bids
    and, once a bid stands, liar. Actions: ``Discrete(12 * dice + 1)``: ``bid_action(q, f)`` as OpenSpiel
    numbers bids, the last one liar; as text ``"bid 2 x 5"`` or ``"liar"``.
    Reward: +1 to the winner of the call, -1 to the loser, at the end.
    """

    metadata: ClassVar[dict[str, Any]] = {**TurnBasedEnv.metadata, "name": "liars_dice_v0"}

    def __init__(self, dice: int = 2, render_mode: str | None = None, **text_options: Any) -> None:
        super().__init__(LiarsDice(check_positive_int(ENV_ID, "dice", dice)), render_mode, **text_options)


def env(dice: int = 2, render_mode: str | None = None, **kwargs: Any) -> LiarsDiceEnv:
    """Liar's Dice (AEC), one round, ``dice`` dice per player.

    Observation: own dice and the standing bid (15 floats) plus an action mask, or a prompt string with
    ``obs_mode="text"``. Reward: +1 / -1 to the winner / loser of the liar call.
    """
    return LiarsDiceEnv(dice, render_mode, **text_options(ENV_ID, kwargs, ("dice", "render_mode")))


def _decode(observation: Any) -> tuple[list[int], int, int, int]:
    """``(own face counts, standing bid action or -1, dice per player, number of bid actions)``."""
    f = np.asarray(observation["observation"], np.float64)
    mask = np.asarray(observation["action_mask"])
    dice = (mask.size - 1) // (2 * FACES)
    counts = [round(x * dice) for x in f[:6]]
    bid = bid_action(round(f[6] * 2 * dice), int(np.argmax(f[7:13])) + 1) if f[13] > 0.5 else -1
    return counts, bid, dice, mask.size - 1


class ExpectationPolicy(Policy):
    """Counts its own dice plus the expected number among the opponent's (a third of them per face, a sixth
    for 6s); calls liar on a bid above that, else raises to the smallest bid it believes."""

    name = "expectation"

    def believed(self, counts: list[int], dice: int, face: int) -> float:
        own = counts[face - 1] + (counts[WILD - 1] if face != WILD else 0)
        return own + dice * (1 if face == WILD else 2) / FACES

    def act(self, observation: Any, agent: str) -> int:
        counts, bid, dice, liar = _decode(observation)
        if bid >= 0 and bid_of(bid)[0] > self.believed(counts, dice, bid_of(bid)[1]):
            return liar
        for action in range(bid + 1, liar):
            quantity, face = bid_of(action)
            if quantity <= self.believed(counts, dice, face):
                return action
        return liar if bid >= 0 else 0


class ProbabilisticPolicy(Policy):
    """Exact odds from its own dice: calls liar when that wins more often than its likeliest raise would
    hold (the lowest such raise among ties), so it opens on its best face."""

    name = "probabilistic"

    def holds(self, counts: list[int], dice: int, action: int) -> float:
        quantity, face = bid_of(action)
        own = counts[face - 1] + (counts[WILD - 1] if face != WILD else 0)
        return at_least_probability(quantity - own, dice, face)

    def act(self, observation: Any, agent: str) -> int:
        counts, bid, dice, liar = _decode(observation)
        raises = [(self.holds(counts, dice, a), -a) for a in range(bid + 1, liar)]
        best, action = max(raises) if raises else (0.0, -liar)
        if bid >= 0 and 1.0 - self.holds(counts, dice, bid) > best:
            return liar
        return -action


OPPONENTS = {"random": RandomPolicy, "expectation": ExpectationPolicy, "probabilistic": ProbabilisticPolicy}
