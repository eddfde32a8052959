"""One hand of Kuhn poker as its own ID (``palaestra/KuhnPokerHand-v0``): the unit OpenSpiel and game theory
use, and a short episode for language-model self-play. The 100-hand match stays ``palaestra/KuhnPoker-v0``."""

from __future__ import annotations

from typing import Any

from palaestra.envs.competitive.kuhn_poker import OPPONENTS, KuhnPokerEnv
from palaestra.envs.competitive.turn_based import text_options

ENV_ID = "palaestra/KuhnPokerHand-v0"
__all__ = ["ENV_ID", "OPPONENTS", "env"]


def env(render_mode: str | None = None, **kwargs: Any) -> KuhnPokerEnv:
    """One hand of Kuhn poker (AEC): player_0 acts first; the hand is the match.

    Observation: own card one-hot and the betting so far (9 floats) plus an action mask, or with
    ``obs_mode="text"`` a prompt string. Reward: chips won or lost (+-1 or +-2), paid at the end.
    """
    return KuhnPokerEnv(1, render_mode, env_id=ENV_ID, **text_options(ENV_ID, kwargs, ("render_mode",)))
