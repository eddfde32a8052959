"""The instruction extractor: a bag of learned word embeddings beside the flattened scene, named from a config."""

import numpy as np
import pytest
import torch
from gymnasium import spaces

import palaestra
from palaestra.baselines.features import InstructionExtractor, resolve_policy_kwargs
from palaestra.baselines.train import build_model, load_config

SPACE = spaces.Dict({
    "observation": spaces.Box(-np.inf, np.inf, shape=(5,), dtype=np.float32),
    "instruction": spaces.Box(0, 9, shape=(6,), dtype=np.int64),
})


def _batch(scene, ids):
    return {"observation": torch.tensor([scene], dtype=torch.float32),
            "instruction": torch.tensor([ids], dtype=torch.float32)}  # SB3 hands integer Boxes over as floats


def test_features_are_the_scene_then_the_mean_word_embedding_without_padding():
    torch.manual_seed(0)
    extractor = InstructionExtractor(SPACE, embedding_dim=4)
    assert extractor.features_dim == 5 + 4 and extractor.vocabulary_size == 10
    scene = [0.5, -1.0, 2.0, 0.0, 3.0]
    features = extractor(_batch(scene, [3, 7, 0, 0, 0, 0]))[0]
    table = extractor.embedding.weight.detach()
    np.testing.assert_allclose(features[:5].detach(), scene)
    np.testing.assert_allclose(features[5:].detach(), (table[3] + table[7]) / 2, rtol=1e-6)
    # Word order and padding length do not matter to a bag of words; a different word does.
    shuffled = extractor(_batch(scene, [0, 7, 0, 3, 0, 0]))[0]
    torch.testing.assert_close(shuffled, features)
    other = extractor(_batch(scene, [3, 8, 0, 0, 0, 0]))[0]
    assert not torch.allclose(other[5:], features[5:])
    empty = extractor(_batch(scene, [0] * 6))[0]
    np.testing.assert_array_equal(empty[5:].detach(), np.zeros(4))


def test_the_extractor_refuses_observations_without_integer_tokens():
    with pytest.raises(ValueError, match="'instruction' key"):
        InstructionExtractor(spaces.Dict({"observation": SPACE["observation"]}))
    floats = spaces.Dict({"instruction": spaces.Box(0, 9, shape=(6,), dtype=np.float32)})
    with pytest.raises(ValueError, match="integer token ids"):
        InstructionExtractor(floats)


def test_a_config_names_the_extractor_by_its_import_path():
    kwargs = resolve_policy_kwargs("palaestra/X-v0", {
        "features_extractor_class": "palaestra.baselines.features.InstructionExtractor", "net_arch": [8]})
    assert kwargs == {"features_extractor_class": InstructionExtractor, "net_arch": [8]}
    with pytest.raises(ValueError, match="X-v0: policy_kwargs features_extractor_class: 'no.such.Class' is not an allowed"):
        resolve_policy_kwargs("palaestra/X-v0", {"features_extractor_class": "no.such.Class"})


def test_the_language_baseline_reads_its_instruction_through_word_embeddings():
    config = load_config("palaestra/PlayroomLanguage-v0")
    model = build_model(config, seed=0)
    try:
        extractor = model.policy.features_extractor
        assert isinstance(extractor, InstructionExtractor)
        env = palaestra.make(config.env_id, **config.env_kwargs)
        obs, _ = env.reset(seed=0)
        env.close()
        assert extractor.vocabulary_size == int(env.observation_space["instruction"].high.max()) + 1
        action, _ = model.predict(obs, deterministic=True)
        assert env.action_space.contains(action)
    finally:
        model.get_env().close()
