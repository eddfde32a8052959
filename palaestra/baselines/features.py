"""Feature extractors for the learned baselines' policies (extra ``baselines``).

:class:`InstructionExtractor` reads a language-conditioned observation (``Dict(observation, instruction)``
with the instruction as token ids, as ``palaestra/PlayroomLanguage-v0`` gives it): a learned embedding per
word, averaged over the instruction's words (padding, id 0, left out), concatenated with every other key
flattened. A bag of words is the simplest encoder that lets a paraphrase share its words' meaning, where raw
token ids fed to an MLP as numbers would not. A config names it by its import path (one of those
:mod:`palaestra.baselines.imports` allows)::

    policy_kwargs: {features_extractor_class: palaestra.baselines.features.InstructionExtractor,
                    features_extractor_kwargs: {embedding_dim: 32}}

Both extractors take ``normalise: true``: the scene's features are then shifted and scaled by the mean and
standard deviation of the demonstrations that behaviour cloning fits
(:func:`palaestra.baselines.train.clone_demonstrations` calls :meth:`_InstructionFeatures.fit_normalisation`).
The playroom's state mixes scales (block positions vary by about 3 cm, quaternions and flags by about 0.5), and
a multi-task policy fitted on raw values resolves the small ones poorly. The statistics are buffers of the
policy, saved and loaded with its weights and left alone by PPO.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

INSTRUCTION_KEY = "instruction"


def _instruction_space(observation_space: spaces.Space, name: str) -> spaces.Box:
    if not isinstance(observation_space, spaces.Dict) or INSTRUCTION_KEY not in observation_space.spaces:
        raise ValueError(f"{name} needs a Dict observation with an {INSTRUCTION_KEY!r} key; got {observation_space}")
    tokens = observation_space[INSTRUCTION_KEY]
    if not isinstance(tokens, spaces.Box) or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"{name}: {INSTRUCTION_KEY!r} must be a Box of integer token ids; got {tokens}")
    return tokens


class _AllKeysBut(BaseFeaturesExtractor):
    """Every key of a Dict observation but ``left_out``, flattened in order (:attr:`others`, :attr:`flat`
    floats), then ``extra_dim`` features a subclass adds."""

    def __init__(self, observation_space: spaces.Dict, left_out: str, extra_dim: int = 0) -> None:
        others = [key for key in observation_space.spaces if key != left_out]
        self.flat = sum(spaces.flatdim(observation_space[key]) for key in others)
        super().__init__(observation_space, features_dim=self.flat + extra_dim)
        self.others = others

    def _parts(self, observations: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        return [observations[key].flatten(start_dim=1).float() for key in self.others]


class _InstructionFeatures(_AllKeysBut):
    """Every key but ``instruction`` flattened, followed by ``text_dim`` features of the instruction that a
    subclass computes (its space checked with :func:`_instruction_space` first); with ``normalise``, the
    scene's features are standardised by statistics :meth:`fit_normalisation` sets (identity until then)."""

    #: the smallest standard deviation a feature is divided by (a flag that barely varies in the
    #: demonstrations is not blown up into a large input)
    MIN_SCALE = 0.01

    def __init__(self, observation_space: spaces.Dict, text_dim: int, normalise: bool = False) -> None:
        super().__init__(observation_space, INSTRUCTION_KEY, text_dim)
        self.normalise = bool(normalise)
        if self.normalise:  # only then: models saved without normalisation keep their state_dict's keys
            self.register_buffer("scene_shift", torch.zeros(self.flat))
            self.register_buffer("scene_scale", torch.ones(self.flat))

    def fit_normalisation(self, observations: Mapping[str, Any]) -> None:
        """Set the scene's shift and scale to the mean and standard deviation (at least :attr:`MIN_SCALE`) of
        a batch of observations (a dict of arrays, one row per step); a no-op unless built with ``normalise``."""
        if not self.normalise:
            return
        rows = [torch.as_tensor(np.asarray(observations[key]), dtype=torch.float32).flatten(start_dim=1)
                for key in self.others]
        scene = torch.cat(rows, dim=1)
        if scene.shape[0] < 2:
            raise ValueError(f"{type(self).__name__}: fitting the normalisation needs at least 2 observations, "
                             f"got {scene.shape[0]}")
        self.scene_shift.copy_(scene.mean(dim=0))
        self.scene_scale.copy_(scene.std(dim=0).clamp(min=self.MIN_SCALE))

    def _with_scene(self, observations: dict[str, torch.Tensor], text: torch.Tensor) -> torch.Tensor:
        parts = self._parts(observations)
        if parts and self.normalise:
            scene = (torch.cat(parts, dim=1) - self.scene_shift) / self.scene_scale
            parts = [scene]
        return torch.cat([*parts, text.to(parts[0].device) if parts else text], dim=1)


class InstructionExtractor(_InstructionFeatures):
    """Mean of learned word embeddings for ``instruction``, concatenated with the other keys flattened."""

    def __init__(self, observation_space: spaces.Dict, embedding_dim: int = 32, normalise: bool = False) -> None:
        tokens = _instruction_space(observation_space, "InstructionExtractor")
        super().__init__(observation_space, embedding_dim, normalise)
        self.vocabulary_size = int(tokens.high.max()) + 1
        self.embedding = torch.nn.Embedding(self.vocabulary_size, embedding_dim, padding_idx=0)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        ids = observations[INSTRUCTION_KEY].long().clamp(0, self.vocabulary_size - 1)
        words = (ids != 0).float().unsqueeze(-1)
        # SB3 hands integer Boxes over as floats; ids are small integers, exact in float32.
        text = (self.embedding(ids) * words).sum(dim=1) / words.sum(dim=1).clamp(min=1.0)
        return self._with_scene(observations, text)


class SentenceInstructionExtractor(_InstructionFeatures):
    """A frozen pretrained sentence embedding of ``instruction`` (all-MiniLM-L6-v2, 384 floats, extra
    ``language``), concatenated with the other keys flattened.

    The token ids are decoded back to text with palaestra's vocabulary and embedded by the sentence model
    (:func:`palaestra.sentences.load_model`), once per distinct instruction (cached). The model is not trained
    and not part of the policy's weights, so a model file stays small; loading one rebuilds the extractor,
    which loads the sentence model again. A paraphrase never seen in training lands near the phrasings it
    means, which is what learned embeddings of unseen words cannot give.

    ``snap`` (an instruction family, such as ``"play"``): every instruction is replaced by the nearest of that
    family's training phrasings (cosine similarity of the sentence embeddings), so the policy only ever sees
    the embeddings it was trained on and an unseen paraphrase acts as the training phrasing closest in meaning.
    A head fitted on the 210 training phrasings of the playroom's 35 tasks acts erratically on raw held-out
    embeddings, which sit at cosine 0.70 from their nearest training phrasing where training phrasings sit at
    0.93 from each other; snapped, 56 of the 70 held-out phrasings land on a phrasing of their own task
    (docs/training.md has the measurements). Training is unchanged: a training phrasing snaps to itself.
    """

    def __init__(self, observation_space: spaces.Dict, model: str = "all-MiniLM-L6-v2",
                 normalise: bool = False, snap: str | None = None) -> None:
        from palaestra import instructions, sentences

        _instruction_space(observation_space, "SentenceInstructionExtractor")
        encoder = sentences.load_model("SentenceInstructionExtractor", model)
        super().__init__(observation_space, sentences.dimension(encoder), normalise)
        self._encoder = (encoder,)  # a tuple: kept out of the module's parameters and state_dict
        self._vocabulary = instructions.vocabulary()
        self._cache: dict[bytes, torch.Tensor] = {}
        self.snap = snap
        self._anchors: tuple[np.ndarray, np.ndarray] | None = None
        if snap is not None:
            if snap not in instructions.families():
                raise ValueError(f"SentenceInstructionExtractor: snap={snap!r} is not an instruction family; "
                                 f"expected one of {instructions.families()}")
            texts = sorted({text for phrasings in instructions.load(snap).values() for text in phrasings.train})
            vectors = np.asarray(encoder.encode(texts, convert_to_numpy=True), dtype=np.float32)
            self._anchors = (vectors, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))

    def _snapped(self, vectors: np.ndarray) -> np.ndarray:
        """Each row replaced by the embedding of its nearest training phrasing (``snap``), or unchanged."""
        if self._anchors is None:
            return vectors
        anchors, unit = self._anchors
        rows = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return anchors[(rows @ unit.T).argmax(axis=1)]

    def embed(self, ids: np.ndarray) -> torch.Tensor:
        """The sentence embeddings (float32, one row per row of token ids) of a batch of instructions."""
        keys = [row.tobytes() for row in ids]
        missing = {key: row for key, row in zip(keys, ids) if key not in self._cache}
        if missing:
            texts = [self._vocabulary.decode(row) for row in missing.values()]
            vectors = self._snapped(np.asarray(self._encoder[0].encode(texts, convert_to_numpy=True), dtype=np.float32))
            for key, vector in zip(missing, vectors):
                self._cache[key] = torch.as_tensor(np.asarray(vector, dtype=np.float32))
        return torch.stack([self._cache[key] for key in keys])

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        # SB3 hands integer Boxes over as floats; ids are small integers, exact in float32.
        ids = observations[INSTRUCTION_KEY].detach().cpu().numpy().round().astype(np.int64)
        return self._with_scene(observations, self.embed(ids))


MASK_KEY = "action_mask"


class MaskFreeExtractor(_AllKeysBut):
    """A turn-based game's observation without its ``action_mask``: every other key flattened.

    SB3's default extractor feeds the mask to the network as input. With many moves that swamps the rest: in
    ``palaestra/SimpleNegotiation-v0`` 14,402 mask bits (all but a few set) sit beside 11 features. Cloning the
    ``shrewd`` level (300 episodes, 60 epochs, 64x64 layers) learned only its marginal, one move for both seats
    (loss 0.95, 0.51 against random), with the mask as input under tanh or ReLU, and without it under tanh
    (whose units saturated); without the mask and with ReLU it reached loss 0.09 and 0.875 against random. The
    mask says which moves are legal, which the game's other features already determine; legality is applied
    when the policy moves (:func:`palaestra.baselines.games.predict`) or by ``illegal_action: lose`` in training.
    """

    def __init__(self, observation_space: spaces.Dict) -> None:
        if not isinstance(observation_space, spaces.Dict) or MASK_KEY not in observation_space.spaces:
            raise ValueError(f"MaskFreeExtractor needs a Dict observation with an {MASK_KEY!r} key; "
                             f"got {observation_space}")
        if len(observation_space.spaces) == 1:
            raise ValueError(f"MaskFreeExtractor: the observation has nothing but its {MASK_KEY!r}")
        super().__init__(observation_space, MASK_KEY)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.cat(self._parts(observations), dim=1)


def resolve_policy_kwargs(env_id: str, policy_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``policy_kwargs`` with allowed import paths replaced by the classes they name (see
    :mod:`palaestra.baselines.imports`: only listed paths are imported)."""
    from palaestra.baselines.imports import resolve_policy_kwargs as resolve

    return resolve(env_id, policy_kwargs, "sb3")
