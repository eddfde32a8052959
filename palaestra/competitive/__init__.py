"""Tools for competitive games: the policy interface, seeded matches, evaluation, cross-play and Elo.

>>> from palaestra.competitive import evaluate, round_robin
>>> evaluate("strong", "random", "palaestra/Volleyball-v0", matches=10)  # doctest: +SKIP
"""

from typing import Any

from palaestra.competitive.match import MatchResult, build_policy, play_match
from palaestra.competitive.policy import CallablePolicy, Policy, RandomPolicy
from palaestra.competitive.side import SidePolicy

# Match evaluation lives in palaestra.evaluation.matches, which imports this package's match module: offered here
# on first use, as importing it here would close that cycle.
_EVALUATION = ("CrossPlay", "MatchupResult", "elo_ratings", "evaluate", "round_robin")


def __getattr__(name: str) -> Any:
    if name in _EVALUATION:
        from palaestra.evaluation import matches

        return getattr(matches, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CallablePolicy",
    "CrossPlay",
    "MatchResult",
    "MatchupResult",
    "Policy",
    "RandomPolicy",
    "SidePolicy",
    "build_policy",
    "elo_ratings",
    "evaluate",
    "play_match",
    "round_robin",
]
