"""Simple Negotiation (``palaestra/SimpleNegotiation-v0``): free-text bargaining with trade offers, as SPIRAL
(arXiv 2506.24119) plays it on TextArena.

Both players hold 10 Wood and 10 Gold. Player 0 values Wood at 5 and Gold at 15 per unit, player 1 the other
way round; each sees only its own values. For ``max_turns`` turns (10) they alternate; a turn is a free-text
message that may carry one action: ``[Offer: 3 Wood -> 2 Gold]`` (give what is left of the arrow, ask what is
right), ``[Accept]`` the other's standing offer, or ``[Deny]`` it. A trade moves the items at once. After the
last turn the player whose inventory value rose more wins (+1, the other -1; equal rises draw).

Differences from SPIRAL's environment, chosen so that every answer maps to one discrete action:
- one action per turn (SPIRAL lets a turn accept and then offer); two actions in one answer are malformed;
- an offer stands for one reply only: a reply without [Accept] denies it (SPIRAL leaves it pending);
- an offer gives and asks at most 10 of each resource (SPIRAL: any amount the proposer holds).
As in SPIRAL, a message without an action is a legal turn, an offer of items the proposer lacks is illegal,
and accepting needs the asked items.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.turn_based import IllegalMoveError, TurnBasedEnv, text_options
from palaestra.checks import check_positive_int

ENV_ID = "palaestra/SimpleNegotiation-v0"
RESOURCES = ("Wood", "Gold")
START = 10
VALUES = ((5, 15), (15, 5))  # player 0, player 1: per unit of Wood, Gold
MAX_TRADE = 10
PASS, ACCEPT = 0, 1
_SIDES = [(w, g) for w in range(MAX_TRADE + 1) for g in range(MAX_TRADE + 1) if w or g]
OFFERS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = tuple(itertools.product(_SIDES, _SIDES))
_OFFER_INDEX = {offer: 2 + i for i, offer in enumerate(OFFERS)}
_GIVE = np.array([give for give, _ in OFFERS], np.int64)  # (n, 2), to test a holding against every offer at once
_TOKEN = re.compile(r"\[\s*(accept|deny|offer)\b[^\[\]]*\]", re.IGNORECASE)
_OFFER = re.compile(r"\[\s*offer\s*:?\s*([^\[\]]*?)\s*->\s*([^\[\]]*?)\s*\]", re.IGNORECASE)
_ITEM = re.compile(r"^(\d+)\s+(wood|gold)s?$", re.IGNORECASE)


@cache
def _offers_within(wood: int, gold: int) -> np.ndarray:
    """The legal-action mask of a player holding ``wood`` and ``gold``, accept left unset (cached: 441 kinds)."""
    mask = np.zeros(2 + len(OFFERS), bool)
    mask[PASS] = True
    mask[2:] = (_GIVE <= (wood, gold)).all(axis=1)
    mask.flags.writeable = False
    return mask


def offer_action(give: tuple[int, int], ask: tuple[int, int]) -> int:
    """The action offering ``give`` (Wood, Gold) for ``ask``."""
    return _OFFER_INDEX[(tuple(give), tuple(ask))]  # type: ignore[index]


def items_text(amounts: tuple[int, int]) -> str:
    return ", ".join(f"{n} {name}" for n, name in zip(amounts, RESOURCES) if n) or "nothing"


def _side(text: str) -> tuple[int, int] | None:
    """``(wood, gold)`` of ``"3 Wood, 2 Gold"`` (``and`` also separates); ``None`` if it does not read so."""
    amounts = [0, 0]
    for part in re.split(r",|\band\b", text):
        part = part.strip()
        if not part:
            continue
        match = _ITEM.match(part)
        if match is None:
            return None
        amounts[RESOURCES.index(match.group(2).title())] += int(match.group(1))
    return (amounts[0], amounts[1]) if any(amounts) else None


class SimpleNegotiation:
    """Rules of Simple Negotiation; ``scores`` are +1/-1/0 by the larger rise in inventory value at the end."""

    env_id = ENV_ID
    num_actions = 2 + len(OFFERS)
    features_space = spaces.Box(0.0, 1.0, (11,), np.float32)
    free_text = True

    def __init__(self, max_turns: int) -> None:
        self.max_turns = max_turns

    def new(self, rng: np.random.Generator) -> None:
        self.holdings = [[START, START], [START, START]]
        self.turn = 0
        self.to_move = 0
        self.over = False
        self.offer: tuple[tuple[int, int], tuple[int, int]] | None = None  # (proposer gives, proposer asks)
        self.trades = 0
        self.scores = [0.0, 0.0]

    def value(self, player: int) -> int:
        return sum(n * v for n, v in zip(self.holdings[player], VALUES[player]))

    def rise(self, player: int) -> int:
        return self.value(player) - START * sum(VALUES[player])

    def _can_accept(self) -> bool:
        return self.offer is not None and all(h >= n for h, n in zip(self.holdings[self.to_move], self.offer[1]))

    def legal_mask(self) -> np.ndarray:
        mask = _offers_within(*self.holdings[self.to_move]).copy()
        mask[ACCEPT] = self._can_accept()
        return mask

    def legal(self) -> list[int]:
        return np.flatnonzero(self.legal_mask()).tolist()

    def play(self, action: int) -> None:
        mover, other = self.to_move, 1 - self.to_move
        if action == ACCEPT:
            assert self.offer is not None
            give, ask = self.offer  # what the proposer (the other player) gives and asks
            for r in range(2):
                self.holdings[other][r] += ask[r] - give[r]
                self.holdings[mover][r] += give[r] - ask[r]
            self.trades += 1
            self.offer = None
        elif action == PASS:
            self.offer = None
        else:
            self.offer = OFFERS[action - 2]
        self.turn += 1
        self.to_move = other
        if self.turn == self.max_turns:
            self.over = True
            self.offer = None
            rises = (self.rise(0), self.rise(1))
            self.scores = [float(np.sign(rises[p] - rises[1 - p])) for p in (0, 1)]

    def features(self, player: int) -> np.ndarray:
        """Own Wood and Gold / 20, own values / 20, the standing offer to the observer (it would get, give) / 10
        with a flag, turns left / ``max_turns`` and whether this is the last turn."""
        offer = self.offer if self.offer is not None and player == self.to_move else ((0, 0), (0, 0))
        left = self.max_turns - self.turn
        return np.array(
            [*(h / (2 * START) for h in self.holdings[player]), *(v / 20 for v in VALUES[player]),
             *(n / MAX_TRADE for n in offer[0]), *(n / MAX_TRADE for n in offer[1]),
             float(self.offer is not None and player == self.to_move), left / self.max_turns, float(left == 1)],
            np.float32,
        )

    def move_text(self, action: int) -> str:
        if action == ACCEPT:
            return "[Accept]"
        if action == PASS:
            return "[Deny]"
        give, ask = OFFERS[action - 2]
        return f"[Offer: {items_text(give)} -> {items_text(ask)}]"

    def answer_example(self) -> str:
        return "Offer: 1 Wood -> 1 Gold"

    def text(self, player: int) -> str:
        values = ", ".join(f"{name} {v}" for name, v in zip(RESOURCES, VALUES[player]))
        holding = items_text(tuple(self.holdings[player]))  # type: ignore[arg-type]
        lines = [
            f"Simple Negotiation, turn {min(self.turn + 1, self.max_turns)} of {self.max_turns}. You are "
            f"player_{player}. Both players started with {START} Wood and {START} Gold. Each turn, write a message "
            "to the other player with at most one action in it: [Offer: 3 Wood -> 2 Gold] offers to give the items "
            "left of the arrow for those on the right; [Accept] takes the other's standing offer; [Deny] or no "
            "action turns it down. After the last turn, the player whose inventory value rose more wins (+1), the "
            "other loses (-1); equal rises draw.",
            f"Your values per unit: {values} (the other player's values are private). You hold {holding}, "
            f"worth {self.value(player)} (a change of {self.rise(player):+d}).",
        ]
        if self.over:
            return "\n".join([*lines, f"The game is over after {self.trades} trades."])
        if player != self.to_move:
            return "\n".join([*lines, f"Waiting for player_{self.to_move}."])
        if self.offer is not None:
            give, ask = self.offer
            lines.append(f"player_{1 - player} offers you {items_text(give)} for your {items_text(ask)}.")
        moves = ["[Offer: N Wood, N Gold -> N Wood, N Gold] (give -> ask, at most 10 of each, from what you hold)"]
        moves += ["[Accept]", "[Deny]"] if self._can_accept() else ["[Deny]"]
        return "\n".join([*lines, f"Legal moves: {'; '.join(moves)}"])

    def parse(self, player: int, text: str) -> int:
        legal = ["[Offer: N Wood, N Gold -> N Wood, N Gold]", "[Accept]", "[Deny]", "a message without action"]
        tokens = [t.lower() for t in _TOKEN.findall(text)]
        actions = [t for t in tokens if t != "deny"]
        if len(actions) > 1:
            raise IllegalMoveError(self.env_id, text, legal, "one action per turn: [Accept] or one [Offer: ...]")
        if not actions:
            return PASS
        if actions[0] == "accept":
            if self.offer is None:
                raise IllegalMoveError(self.env_id, text, legal, "there is no offer to accept", well_formed=True)
            if not self._can_accept():
                raise IllegalMoveError(self.env_id, text, legal, "you lack the items asked", well_formed=True)
            return ACCEPT
        match = _OFFER.search(text)
        give, ask = (_side(match.group(1)), _side(match.group(2))) if match else (None, None)
        if give is None or ask is None:
            raise IllegalMoveError(self.env_id, text, legal, "write an offer as [Offer: 3 Wood -> 2 Gold]")
        if max(*give, *ask) > MAX_TRADE:
            raise IllegalMoveError(self.env_id, text, legal, f"at most {MAX_TRADE} of each resource", well_formed=True)
        if any(n > h for n, h in zip(give, self.holdings[player])):
            raise IllegalMoveError(self.env_id, text, legal, "you cannot give more than you hold", well_formed=True)
        return offer_action(give, ask)


class SimpleNegotiationEnv(TurnBasedEnv):
    """Simple Negotiation for ``player_0`` (values Wood 5, Gold 15) and ``player_1`` (Wood 15, Gold 5), both
    starting with 10 of each, over ``max_turns`` alternating turns.

    Observation: ``observation`` is 11 floats (own holdings / 20, own values / 20, the standing offer to the
    observer: what it would get and give / 10 and a flag, turns left / ``max_turns``, last turn);
    ``action_mask``: deny, accept (when an offer stands that the observer can pay), and the offers it can make.
    Actions: ``Discrete(14402)``: 0 deny or no action, 1 accept, then ``offer_action(give, ask)``; in text
    mode the answer is a free-text message, shown to the other player, with at most one action token.
    Reward: at the end, +1 to the player whose inventory value rose more, -1 to the other, 0 each on a tie.
    """

    metadata: ClassVar[dict[str, Any]] = {**TurnBasedEnv.metadata, "name": "simple_negotiation_v0"}

    def __init__(self, max_turns: int = 10, render_mode: str | None = None, **text_options: Any) -> None:
        super().__init__(SimpleNegotiation(check_positive_int(ENV_ID, "max_turns", max_turns)), render_mode, **text_options)


def env(max_turns: int = 10, render_mode: str | None = None, **kwargs: Any) -> SimpleNegotiationEnv:
    """Simple Negotiation (AEC): trade Wood and Gold by offers for ``max_turns`` turns; the larger rise in
    own inventory value wins. Observation: holdings, values, standing offer, clock (11 floats) plus an action
    mask, or a prompt string with ``obs_mode="text"``. Reward: +1 / -1 / 0 at the end."""
    return SimpleNegotiationEnv(max_turns, render_mode, **text_options(ENV_ID, kwargs, ("max_turns", "render_mode")))


def _decode(observation: Any) -> tuple[tuple[int, int], tuple[int, int], tuple[tuple[int, int], tuple[int, int]] | None]:
    """``(own holdings, own values, standing offer to the observer as (it gets, it gives) or None)``."""
    f = np.asarray(observation["observation"], np.float64)
    holdings = (round(f[0] * 2 * START), round(f[1] * 2 * START))
    values = (round(f[2] * 20), round(f[3] * 20))
    get = (round(f[4] * MAX_TRADE), round(f[5] * MAX_TRADE))
    give = (round(f[6] * MAX_TRADE), round(f[7] * MAX_TRADE))
    return holdings, values, ((get, give) if f[8] > 0.5 else None)


class StubbornPolicy(Policy):
    """Never trades: denies every offer and makes none, so the game draws unless the other gives gifts."""

    name = "stubborn"

    def act(self, observation: Any, agent: str) -> int:
        return PASS


class ShrewdPolicy(Policy):
    """Takes the other's values to mirror its own (what it prizes they do not): accepts an offer that raises
    its value more than the other's, and offers 1 of its cheap resource for 2 of its dear one."""

    name = "shrewd"

    def act(self, observation: Any, agent: str) -> int:
        holdings, values, offer = _decode(observation)
        theirs = values[::-1]
        if offer is not None:
            get, give = offer
            mine = sum(v * (g - p) for v, g, p in zip(values, get, give))
            other = sum(v * (p - g) for v, g, p in zip(theirs, get, give))
            if mine > other and holdings[0] >= give[0] and holdings[1] >= give[1]:
                return ACCEPT
        cheap = int(np.argmin(values))
        if holdings[cheap] < 1:
            return PASS
        give_items, ask_items = [0, 0], [0, 0]
        give_items[cheap], ask_items[1 - cheap] = 1, 2
        return offer_action(tuple(give_items), tuple(ask_items))  # type: ignore[arg-type]


OPPONENTS = {"random": RandomPolicy, "stubborn": StubbornPolicy, "shrewd": ShrewdPolicy}
