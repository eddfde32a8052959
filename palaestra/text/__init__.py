"""Text games for language-model self-play.

- :func:`make`: TextArena's interface (``reset``/``get_observation``/``step``/``close``) over any turn-based game.
- :func:`rollout`: N games at once with a batched ``policy(prompts) -> answers``, every turn recorded.
- :class:`NoisyTextPolicy`: a scripted stand-in for a model that sometimes answers badly.
- :class:`TextGameEnv`: one seat as a single-agent Gymnasium env against a scripted level or a text policy.

The games themselves are PettingZoo AEC envs with ``obs_mode="text"`` (``palaestra.make_aec``).
"""

from __future__ import annotations

from palaestra.text.facade import TextArenaEnv, make, text_game_ids
from palaestra.text.rollout import Turn, load_jsonl, rates, rollout, save_jsonl
from palaestra.text.single import TextGameEnv
from palaestra.text.standin import NoisyTextPolicy, legal_moves_of

__all__ = [
    "NoisyTextPolicy", "TextArenaEnv", "TextGameEnv", "Turn", "legal_moves_of", "load_jsonl", "make", "rates", "rollout",
    "save_jsonl", "text_game_ids",
]
