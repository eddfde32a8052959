"""Match evaluation between policies: win/draw/loss with intervals, round robins, cross-play and Elo.

>>> from palaestra.evaluation.matches import evaluate
>>> result = evaluate("random", "random", "palaestra/TicTacToe-v0", matches=4)
>>> result.matches
4

Every figure comes from seeded matches (seeds ``0 .. matches-1`` unless given) with the sides swapped on
every other match, so the first-mover or side advantage cancels out and the same call gives the same numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.competitive.match import PolicySpec, build_policy, play_match, teams_of
from palaestra.evaluation.episodes import wilson_interval
from palaestra.progress import episode_done

DEFAULT_MATCHES = 100


@dataclass(frozen=True)
class MatchupResult:
    """Outcome of :func:`evaluate` from the first policy's point of view.

    ``score`` counts a win 1 and a draw 1/2. Its 95 % interval is the Wilson interval of the score as a count
    of wins (averaged over the two whole counts beside a half-integer one): a match score lies in [0, 1], so
    its variance is at most that of a win/loss coin with the same mean and the interval is conservative. ``win_low``/``win_high`` bound the win rate alone.
    """

    env_id: str
    first: str
    second: str
    matches: int
    wins: int
    draws: int
    losses: int
    score: float
    ci_low: float
    ci_high: float
    win_low: float
    win_high: float
    mean_return: float
    mean_steps: float
    steps_per_second: float

    @property
    def win_rate(self) -> float:
        return self.wins / self.matches

    def __str__(self) -> str:
        return (
            f"{self.env_id}: {self.first} vs {self.second} over {self.matches} matches: "
            f"{self.wins} won, {self.draws} drawn, {self.losses} lost; "
            f"score {self.score:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}]"
        )


def _name(spec: PolicySpec, policy: Any) -> str:
    return spec if isinstance(spec, str) else getattr(policy, "name", type(policy).__name__)


def make_game(env_id: str | Callable[..., Any], env_kwargs: Mapping[str, Any] | None = None) -> Any:
    """The game of ``env_id`` with its preferred API: parallel where it has one, else AEC.

    ``env_id`` may also be a factory returning a PettingZoo env (a game outside the registry).
    """
    import palaestra

    if callable(env_id):
        return env_id(**dict(env_kwargs or {}))
    make = palaestra.make_parallel if palaestra.get(env_id).parallel else palaestra.make_aec
    return make(env_id, **dict(env_kwargs or {}))


def evaluate(
    first: PolicySpec,
    second: PolicySpec,
    env_id: str | Callable[..., Any],
    matches: int | None = None,
    seeds: Sequence[int] | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    swap_sides: bool = True,
) -> MatchupResult:
    """Play seeded matches of ``env_id`` between two policies and count the first one's wins, draws, losses.

    A policy is a :class:`~palaestra.competitive.Policy`, a factory ``env -> Policy`` or the name of one of
    the game's scripted levels (``"random"``, ``"strong"``...). The first policy plays the game's first team on
    even-indexed matches and the second team on odd ones (``swap_sides=False`` keeps it first).
    """
    seeds = _seeds(matches, seeds)
    env = make_game(env_id, env_kwargs)
    game = env_id if isinstance(env_id, str) else env.metadata.get("name", repr(env_id))
    try:
        a, b = build_policy(first, env, game), build_policy(second, env, game)
        teams = list(teams_of(env))
        if len(teams) != 2:
            raise ValueError(f"{game} has {len(teams)} teams; evaluate() plays two-sided games")
        counts = {1: 0, 0: 0, -1: 0}
        total_return, total_steps = 0.0, 0
        start = time.perf_counter()
        for index, seed in enumerate(seeds):
            mine, theirs = (teams[1], teams[0]) if swap_sides and index % 2 else (teams[0], teams[1])
            result = play_match(env, {mine: a, theirs: b}, int(seed))
            counts[result.outcome[mine]] += 1
            total_return += result.returns[mine]
            total_steps += result.steps
            episode_done()
        elapsed = time.perf_counter() - start
    finally:
        env.close()
    n = len(seeds)
    score = (counts[1] + 0.5 * counts[0]) / n
    low, high = _score_interval(score, n)
    win_low, win_high = wilson_interval(counts[1], n)
    return MatchupResult(
        env_id=game, first=_name(first, a), second=_name(second, b), matches=n,
        wins=counts[1], draws=counts[0], losses=counts[-1], score=score, ci_low=low, ci_high=high,
        win_low=win_low, win_high=win_high, mean_return=total_return / n, mean_steps=total_steps / n,
        steps_per_second=total_steps / elapsed if elapsed > 0 else math.inf,
    )


def _score_interval(score: float, n: int) -> tuple[float, float]:
    # A score with an odd number of draws is a half-integer count of wins: its interval is the mean of the
    # Wilson intervals of the two whole counts beside it.
    halves = round(2 * score * n)
    if halves % 2 == 0:
        return wilson_interval(halves // 2, n)
    low_a, high_a = wilson_interval((halves - 1) // 2, n)
    low_b, high_b = wilson_interval((halves + 1) // 2, n)
    return (low_a + low_b) / 2, (high_a + high_b) / 2


def _seeds(matches: int | None, seeds: Sequence[int] | None) -> list[int]:
    if seeds is not None:
        seeds = list(seeds)
        if not seeds or (matches is not None and matches != len(seeds)):
            raise ValueError(f"pass a non-empty seed list or matches=N, not both disagreeing (got {len(seeds)} seeds)")
        return seeds
    count = DEFAULT_MATCHES if matches is None else matches
    if count <= 0:
        raise ValueError(f"matches must be positive, got {count}")
    return list(range(count))


@dataclass(frozen=True)
class CrossPlay:
    """A round robin: ``score[i, j]`` is player i's mean score against player j (diagonal NaN), Elo per player."""

    env_id: str
    names: tuple[str, ...]
    score: np.ndarray
    matches: np.ndarray
    elo: Mapping[str, float]

    def table(self) -> str:
        """The cross-play matrix and ratings as aligned text."""
        width = max(8, *(len(n) for n in self.names)) + 1
        head = " " * width + "".join(f"{n[:width - 1]:>{width}}" for n in self.names) + f"{'Elo':>8}"
        rows = [head]
        for i, name in enumerate(self.names):
            cells = "".join(
                f"{'-':>{width}}" if i == j else f"{self.score[i, j]:>{width}.2f}" for j in range(len(self.names))
            )
            rows.append(f"{name:<{width}}{cells}{self.elo[name]:>8.0f}")
        return "\n".join(rows)


def round_robin(
    players: Mapping[str, PolicySpec] | Sequence[str],
    env_id: str | Callable[..., Any],
    matches: int = 20,
    env_kwargs: Mapping[str, Any] | None = None,
) -> CrossPlay:
    """Every pair of ``players`` plays ``matches`` seeded matches; returns the cross-play matrix and Elo ratings.

    ``players`` maps names to policies, or lists level names of the game's scripted opponents.
    """
    if not isinstance(players, Mapping):
        players = {name: name for name in players}
    names = tuple(players)
    if len(names) < 2:
        raise ValueError("a round robin needs at least two players")
    k = len(names)
    score = np.full((k, k), np.nan)
    count = np.zeros((k, k), dtype=int)
    for i in range(k):
        for j in range(i + 1, k):
            result = evaluate(players[names[i]], players[names[j]], env_id, matches=matches, env_kwargs=env_kwargs)
            score[i, j], score[j, i] = result.score, 1.0 - result.score
            count[i, j] = count[j, i] = result.matches
    game = env_id if isinstance(env_id, str) else getattr(env_id, "__name__", repr(env_id))
    return CrossPlay(game, names, score, count, elo_ratings(names, score, count))


def elo_ratings(
    names: Sequence[str], score: np.ndarray, matches: np.ndarray, mean: float = 1500.0, prior: float = 1.0
) -> dict[str, float]:
    """Maximum-likelihood Bradley-Terry ratings on the Elo scale from pairwise mean scores.

    Unlike sequential Elo updates the result does not depend on match order. ``prior`` adds that many drawn
    virtual games between every pair so that a player who never loses gets a finite rating. Ratings are
    shifted to average ``mean``; a 400-point gap means a 10:1 expected score ratio.
    """
    k = len(names)
    off_diagonal = 1 - np.eye(k)
    wins = np.where(np.isnan(score), 0.0, score) * matches * off_diagonal + prior / 2 * off_diagonal
    games = (matches + prior) * off_diagonal
    strength = np.ones(k)
    for _ in range(10_000):  # Hunter's MM iteration: monotone, converges for a connected comparison graph
        denominator = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = wins.sum(axis=1) / denominator
        updated /= np.exp(np.log(updated).mean())
        if np.max(np.abs(np.log(updated) - np.log(strength))) < 1e-12:
            strength = updated
            break
        strength = updated
    ratings = 400.0 * np.log10(strength)
    ratings += mean - ratings.mean()
    return {name: float(r) for name, r in zip(names, ratings)}
