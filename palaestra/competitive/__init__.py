"""Tools for competitive games: the policy interface, scripted opponents, match evaluation and ratings."""

from palaestra.competitive.policy import CallablePolicy, Policy, RandomPolicy

__all__ = ["Policy", "RandomPolicy", "CallablePolicy"]
