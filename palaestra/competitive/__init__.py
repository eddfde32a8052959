"""Tools for competitive games: the policy interface, seeded matches, evaluation, cross-play and Elo.

>>> from palaestra.competitive import evaluate, round_robin
>>> evaluate("strong", "random", "palaestra/Volleyball-v0", matches=10)  # doctest: +SKIP
"""

from palaestra.competitive.evaluate import CrossPlay, MatchupResult, elo_ratings, evaluate, round_robin
from palaestra.competitive.match import MatchResult, build_policy, play_match
from palaestra.competitive.policy import CallablePolicy, Policy, RandomPolicy
from palaestra.competitive.side import SidePolicy

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
