"""Feature extractors for the learned baselines' policies (extra ``baselines``).

:class:`InstructionExtractor` reads a language-conditioned observation (``Dict(observation, instruction)``
with the instruction as token ids, as ``palaestra/PlayroomLanguage-v0`` gives it): a learned embedding per
word, averaged over the instruction's words (padding, id 0, left out), concatenated with every other key
flattened. A bag of words is the simplest encoder that lets a paraphrase share its words' meaning, where raw
token ids fed to an MLP as numbers would not. A config names it by its import path (one of those
:mod:`palaestra.baselines.imports` allows)::

    policy_kwargs: {features_extractor_class: palaestra.baselines.features.InstructionExtractor,
                    features_extractor_kwargs: {embedding_dim: 32}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

INSTRUCTION_KEY = "instruction"


class InstructionExtractor(BaseFeaturesExtractor):
    """Mean of learned word embeddings for ``instruction``, concatenated with the other keys flattened."""

    def __init__(self, observation_space: spaces.Dict, embedding_dim: int = 32) -> None:
        if not isinstance(observation_space, spaces.Dict) or INSTRUCTION_KEY not in observation_space.spaces:
            raise ValueError(f"InstructionExtractor needs a Dict observation with an {INSTRUCTION_KEY!r} key; "
                             f"got {observation_space}")
        tokens = observation_space[INSTRUCTION_KEY]
        if not isinstance(tokens, spaces.Box) or not np.issubdtype(tokens.dtype, np.integer):
            raise ValueError(f"InstructionExtractor: {INSTRUCTION_KEY!r} must be a Box of integer token ids; got {tokens}")
        self.others = [key for key in observation_space.spaces if key != INSTRUCTION_KEY]
        flat = sum(spaces.flatdim(observation_space[key]) for key in self.others)
        super().__init__(observation_space, features_dim=flat + embedding_dim)
        self.vocabulary_size = int(tokens.high.max()) + 1
        self.embedding = torch.nn.Embedding(self.vocabulary_size, embedding_dim, padding_idx=0)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        ids = observations[INSTRUCTION_KEY].long().clamp(0, self.vocabulary_size - 1)
        words = (ids != 0).float().unsqueeze(-1)
        # SB3 hands integer Boxes over as floats; ids are small integers, exact in float32.
        text = (self.embedding(ids) * words).sum(dim=1) / words.sum(dim=1).clamp(min=1.0)
        parts = [observations[key].flatten(start_dim=1).float() for key in self.others]
        return torch.cat([*parts, text], dim=1)


def resolve_policy_kwargs(env_id: str, policy_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``policy_kwargs`` with allowed import paths replaced by the classes they name (see
    :mod:`palaestra.baselines.imports`: only listed paths are imported)."""
    from palaestra.baselines.imports import resolve_policy_kwargs as resolve

    return resolve(env_id, policy_kwargs, "sb3")
