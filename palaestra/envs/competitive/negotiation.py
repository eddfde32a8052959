"""Multi-issue negotiation (``palaestra/Negotiation-v0``): alternating offers over a pool of items.

Modelled on the deal-or-no-deal setting of Lewis et al. (2017): 5 to 7 items of three kinds, each player
privately values every kind so that the whole pool is worth 10 to it, and a deal needs both to agree.
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

ENV_ID = "palaestra/Negotiation-v0"
KINDS = ("book", "hat", "ball")
MAX_COUNT = 4
TOTAL_VALUE = 10
PROPOSALS = (MAX_COUNT + 1) ** 3
ACCEPT = PROPOSALS
_AMOUNT = re.compile(r"(\d+)\s*(book|hat|ball)")


def proposal_action(keep: tuple[int, int, int]) -> int:
    """The action proposing that the mover keeps ``keep`` items of each kind (the rest go to the other)."""
    return (keep[0] * (MAX_COUNT + 1) + keep[1]) * (MAX_COUNT + 1) + keep[2]


def proposal_of(action: int) -> tuple[int, int, int]:
    """Inverse of :func:`proposal_action`."""
    base = MAX_COUNT + 1
    return action // (base * base), action // base % base, action % base


def items_text(amounts: tuple[int, ...]) -> str:
    return " ".join(f"{n} {kind}{'s' if n != 1 else ''}" for n, kind in zip(amounts, KINDS))


@cache
def valuations(counts: tuple[int, int, int]) -> tuple[tuple[int, int, int], ...]:
    """Every non-negative integer value vector making ``counts`` worth exactly :data:`TOTAL_VALUE`."""
    return tuple(
        v for v in itertools.product(range(TOTAL_VALUE + 1), repeat=3) if sum(a * b for a, b in zip(v, counts)) == TOTAL_VALUE
    )


@cache
def proposals(counts: tuple[int, int, int]) -> tuple[int, ...]:
    """The proposal actions possible with ``counts`` items of each kind."""
    return tuple(proposal_action(keep) for keep in itertools.product(*(range(n + 1) for n in counts)))  # type: ignore[arg-type]


def utility(values: tuple[int, ...], amounts: tuple[int, ...]) -> int:
    return sum(v * n for v, n in zip(values, amounts))


class Negotiation:
    """Rules: player 0 proposes first, then the players alternate; a turn is either a proposal (what the mover
    keeps, the rest going to the other) or accepting the standing offer. ``max_turns`` turns without
    acceptance (a proposal on the last turn cannot be accepted) end the game with no deal.

    ``scores`` are the utilities of the deal divided by :data:`TOTAL_VALUE`, so each lies in [0, 1].
    """

    env_id = ENV_ID
    num_actions = PROPOSALS + 1
    features_space = spaces.Box(0.0, 1.0, (12,), np.float32)
    free_text = False

    def __init__(self, max_turns: int) -> None:
        self.max_turns = max_turns

    def new(self, rng: np.random.Generator) -> None:
        while True:
            counts = tuple(int(n) for n in rng.integers(1, MAX_COUNT + 1, 3))
            if 5 <= sum(counts) <= 7:
                break
        self.counts: tuple[int, int, int] = counts  # type: ignore[assignment]
        options = valuations(self.counts)
        while True:
            values = tuple(options[int(i)] for i in rng.integers(len(options), size=2))
            # Every kind is worth something to someone, and the players want different things.
            if values[0] != values[1] and all(a + b > 0 for a, b in zip(*values)):
                break
        self.values = values
        self.turn = 0
        self.to_move = 0
        self.over = False
        self.deal: tuple[tuple[int, ...], tuple[int, ...]] | None = None
        self.offer: tuple[int, ...] | None = None  # what the player to move would receive by accepting
        self.scores = [0.0, 0.0]

    def legal(self) -> list[int]:
        moves = list(proposals(self.counts))
        return moves + [ACCEPT] if self.offer is not None else moves

    def play(self, action: int) -> None:
        mover = self.to_move
        if action == ACCEPT:
            assert self.offer is not None
            rest = tuple(c - n for c, n in zip(self.counts, self.offer))
            self.deal = (self.offer, rest) if mover == 0 else (rest, self.offer)
            self.scores = [utility(self.values[p], self.deal[p]) / TOTAL_VALUE for p in (0, 1)]
            self.over = True
            return
        keep = proposal_of(action)
        self.offer = tuple(c - n for c, n in zip(self.counts, keep))
        self.turn += 1
        self.to_move = 1 - mover
        self.over = self.turn == self.max_turns

    def features(self, player: int) -> np.ndarray:
        offer = self.offer if self.offer is not None and player == self.to_move else (0, 0, 0)
        left = self.max_turns - self.turn
        return np.array(
            [*(n / MAX_COUNT for n in self.counts), *(v / TOTAL_VALUE for v in self.values[player]),
             *(n / MAX_COUNT for n in offer), float(self.offer is not None and player == self.to_move),
             left / self.max_turns, float(left == 1)],
            np.float32,
        )

    def move_text(self, action: int) -> str:
        return "accept" if action == ACCEPT else f"propose {items_text(proposal_of(action))}"

    def text(self, player: int) -> str:
        values = ", ".join(f"{kind} {v}" for kind, v in zip(KINDS, self.values[player]))
        lines = [
            f"Negotiation, turn {min(self.turn + 1, self.max_turns)} of {self.max_turns}. You are player_{player}.",
            f"Items on the table: {items_text(self.counts)}.",
            (
                f"Your values per item: {values}; all items together are worth {TOTAL_VALUE} to you. The other "
                f"player's values are private and also total {TOTAL_VALUE}. Without a deal after turn "
                f"{self.max_turns}, both get 0."
            ),
        ]
        if self.over:
            if self.deal is None:
                return "\n".join([*lines, "No deal: both players get 0."])
            mine = self.deal[player]
            return "\n".join([*lines, f"Deal: you get {items_text(mine)} (worth {utility(self.values[player], mine)})."])
        if player != self.to_move:
            return "\n".join([*lines, f"Waiting for player_{self.to_move}."])
        if self.offer is not None:
            lines.append(
                f"player_{1 - player} offers you {items_text(self.offer)} "
                f"(worth {utility(self.values[player], self.offer)} to you) and keeps the rest."
            )
        return "\n".join([*lines, f"Legal moves: {'; '.join(self._legal_words())}"])

    def _legal_words(self) -> list[str]:
        ranges = ", ".join(f"{kind}s 0..{n}" for kind, n in zip(KINDS, self.counts))
        words = [f"propose N books N hats N balls (the items you keep: {ranges})"]
        return ["accept", *words] if self.offer is not None else words

    def answer_example(self) -> str:
        return "accept" if self.offer is not None else f"propose {items_text(self.counts)}"

    def parse(self, player: int, text: str) -> int:
        lowered = text.lower()
        amounts = _AMOUNT.findall(lowered)
        if not amounts:
            if re.search(r"\baccept\b", lowered):
                if self.offer is None:
                    raise IllegalMoveError(
                        ENV_ID, text, self._legal_words(), "there is no offer to accept", well_formed=True
                    )
                return ACCEPT
            raise IllegalMoveError(ENV_ID, text, self._legal_words(), "expected 'accept' or a proposal")
        keep = [0, 0, 0]
        kinds = [kind for _, kind in amounts]
        if len(set(kinds)) != len(kinds):
            raise IllegalMoveError(ENV_ID, text, self._legal_words(), "each kind of item at most once")
        for number, kind in amounts:
            keep[KINDS.index(kind)] = int(number)
        if any(k > n for k, n in zip(keep, self.counts)):
            raise IllegalMoveError(
                ENV_ID, text, self._legal_words(), f"only {items_text(self.counts)} exist", well_formed=True
            )
        return proposal_action(tuple(keep))  # type: ignore[arg-type]


class NegotiationEnv(TurnBasedEnv):
    """Alternating-offers bargaining over 5-7 items of three kinds with private values, for ``max_turns`` turns.

    Observation: ``observation`` is 12 floats: item counts / 4 (3), own values / 10 (3), the standing offer to
    the observer / 4 (3, zeros when none), whether an offer stands (1), turns left / ``max_turns`` (1) and
    whether this is the last turn (1); ``action_mask`` marks the proposals within the counts and ``accept``.
    Actions: ``Discrete(126)``: ``proposal_action(keep)`` for ``keep`` items kept per kind, 125 accept; as
    text ``"propose 2 books 1 hat 0 balls"`` or ``"accept"``.
    Reward: on a deal, each player's value of what it gets divided by 10 (in [0, 1]); no deal gives 0.
    A deal beats no deal for both (cooperative), while the match is won by whoever gets more (competitive).
    """

    metadata: ClassVar[dict[str, Any]] = {**TurnBasedEnv.metadata, "name": "negotiation_v0"}

    def __init__(self, max_turns: int = 10, render_mode: str | None = None, **text_options: Any) -> None:
        if isinstance(max_turns, bool) or not isinstance(max_turns, (int, np.integer)) or max_turns < 2:
            raise ValueError(f"{ENV_ID}: max_turns={max_turns!r}; expected an integer >= 2 (one offer, one reply)")
        super().__init__(Negotiation(int(max_turns)), render_mode, **text_options)


def env(max_turns: int = 10, render_mode: str | None = None, **kwargs: Any) -> NegotiationEnv:
    """Negotiation (AEC): alternate proposals of how to split the items until one is accepted or time runs out.

    Observation: item counts, own values, the standing offer and the clock (12 floats), plus an action mask.
    Reward: own value of the agreed share / 10 at a deal, 0 without one; the higher share wins the match.
    """
    return NegotiationEnv(max_turns, render_mode, **text_options(ENV_ID, kwargs, ("max_turns", "render_mode")))


def _decode(observation: Any) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...] | None, float, bool]:
    """``(counts, own values, standing offer or None, fraction of turns used, last turn)``."""
    f = np.asarray(observation["observation"], np.float64)
    counts = tuple(round(x * MAX_COUNT) for x in f[0:3])
    values = tuple(round(x * TOTAL_VALUE) for x in f[3:6])
    offer = tuple(round(x * MAX_COUNT) for x in f[6:9]) if f[9] > 0.5 else None
    return counts, values, offer, 1.0 - float(f[10]), bool(f[11] > 0.5)


class GreedyPolicy(Policy):
    """Demands every item it values and concedes nothing; accepts an offer worth at least 7 to it, or any
    offer worth something on the last turn (a little beats no deal)."""

    name = "greedy"
    accept_at = 7

    def act(self, observation: Any, agent: str) -> int:
        counts, values, offer, _, last = _decode(observation)
        if offer is not None:
            worth = utility(values, offer)
            if worth >= self.accept_at or (last and worth > 0):
                return ACCEPT
        return proposal_action(tuple(n if v > 0 else 0 for n, v in zip(counts, values)))  # type: ignore[arg-type]


class FairConcessionPolicy(Policy):
    """Lowers its aspiration from 9 to 5 (out of 10) over the match; accepts an offer meeting it, and proposes
    the split that meets it while leaving the most to the other player, whose values it guesses from what
    the other keeps in its offers (kinds it keeps are taken to matter to it)."""

    name = "fair-concession"
    start, floor = 9.0, 5.0

    def act(self, observation: Any, agent: str) -> int:
        counts, values, offer, used, last = _decode(observation)
        target = self.start - (self.start - self.floor) * used
        if offer is not None and utility(values, offer) >= (self.floor if last else target):
            return ACCEPT
        kept = [0.5] * 3 if offer is None else [(c - o) / c for c, o in zip(counts, offer)]
        guess = [0.1 + k for k in kept]
        best, choices = -1.0, []
        for action in proposals(counts):  # type: ignore[arg-type]
            keep = proposal_of(action)
            if utility(values, keep) < target:
                continue
            theirs = sum(g * (c - k) for g, c, k in zip(guess, counts, keep))
            if theirs > best + 1e-9:
                best, choices = theirs, [action]
            elif abs(theirs - best) <= 1e-9:
                choices.append(action)
        if not choices:
            return proposal_action(counts)  # type: ignore[arg-type]
        return int(choices[int(self.rng.integers(len(choices)))])


OPPONENTS = {"random": RandomPolicy, "greedy": GreedyPolicy, "fair-concession": FairConcessionPolicy}
