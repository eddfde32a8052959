"""The instruction extractor: a bag of learned word embeddings beside the flattened scene, named from a config."""

import numpy as np
import pytest
import torch
from gymnasium import spaces

import palaestra
from palaestra.baselines.features import InstructionExtractor, SentenceInstructionExtractor, resolve_policy_kwargs
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


def test_the_language_baseline_reads_its_instruction_through_a_frozen_sentence_model():
    config = load_config("palaestra/PlayroomLanguage-v0")
    model = build_model(config, seed=0)
    try:
        extractor = model.policy.features_extractor
        assert isinstance(extractor, SentenceInstructionExtractor)
        env = palaestra.make(config.env_id, **config.env_kwargs)
        obs, _ = env.reset(seed=0)
        env.close()
        assert extractor.snap == "play" and extractor.normalise  # the committed config's choices
        weights = model.policy.state_dict()
        extractor_keys = {name.split(".", 1)[1] for name in weights
                          if name.startswith(("features_extractor", "pi_features", "vf_features"))}
        assert extractor_keys == {"scene_shift", "scene_scale"}  # the normalisation only: the encoder stays out
        action, _ = model.predict(obs, deterministic=True)
        assert env.action_space.contains(action)
    finally:
        model.get_env().close()


def test_instruction_following_is_also_evaluated_on_heldout_phrasings_and_in_chains():
    from palaestra import instructions
    from palaestra.baselines.experts.play import PlayroomExpert
    from palaestra.baselines.train import language_figures

    tasks = ["turn_on_lamp", "turn_off_lamp"]
    config = load_config("palaestra/PlayroomLanguage-v0", env_kwargs={"tasks": tasks})
    seen = []
    vocabulary = instructions.vocabulary()

    def still(obs):
        seen.append(vocabulary.decode(obs["instruction"]))
        return np.zeros(4, dtype=np.float32)

    figures = language_figures(still, config, range(10_000, 10_003))
    assert figures == {"heldout_success_rate": 0.0, "chain_length": 0.0}
    heldout = {text for task in tasks for text in instructions.phrasings("play", task).heldout}
    assert seen and seen[0] in heldout  # the first episode's instruction is a held-out phrasing
    expert = language_figures(PlayroomExpert, config, range(10_000, 10_003), factory=True)
    assert expert["heldout_success_rate"] == 1.0 and expert["chain_length"] >= 2.0
    assert language_figures(still, load_config("palaestra/Push-v0"), range(3)) == {}  # not an instruction task


def test_a_normalising_extractor_standardises_the_scene_by_fitted_statistics_and_saves_them():
    torch.manual_seed(0)
    plain = InstructionExtractor(SPACE, embedding_dim=4)
    assert not any("scene_" in name for name in plain.state_dict())  # older model files keep their keys
    plain.fit_normalisation({"observation": np.zeros((3, 5))})  # a no-op without normalise
    extractor = InstructionExtractor(SPACE, embedding_dim=4, normalise=True)
    scene = [0.5, -1.0, 2.0, 0.0, 3.0]
    ids = [3, 7, 0, 0, 0, 0]
    np.testing.assert_allclose(extractor(_batch(scene, ids))[0, :5].detach(), scene)  # identity until fitted
    rng = np.random.default_rng(0)
    demos = rng.normal([1.0, -2.0, 0.0, 5.0, 0.3], [0.03, 2.0, 1.0, 0.5, 0.0], size=(400, 5))
    extractor.fit_normalisation({"observation": demos, "instruction": np.zeros((400, 6))})
    batch = {"observation": torch.as_tensor(demos, dtype=torch.float32),
             "instruction": torch.tensor([ids] * 400, dtype=torch.float32)}
    features = extractor(batch).detach().numpy()
    np.testing.assert_allclose(features[:, :4].mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(features[:, :4].std(0, ddof=1), 1.0, rtol=1e-3)
    # A feature constant in the demonstrations is divided by the floor, not by zero.
    assert np.isfinite(features[:, 4]).all() and float(extractor.scene_scale[4]) == pytest.approx(extractor.MIN_SCALE)
    # The words are not scaled.
    table = extractor.embedding.weight.detach()
    np.testing.assert_allclose(features[0, 5:], (table[3] + table[7]) / 2, rtol=1e-6)
    # The statistics travel with the weights.
    loaded = InstructionExtractor(SPACE, embedding_dim=4, normalise=True)
    loaded.load_state_dict(extractor.state_dict())
    torch.testing.assert_close(loaded(batch), extractor(batch))
    with pytest.raises(ValueError, match="InstructionExtractor: fitting the normalisation needs at least 2"):
        extractor.fit_normalisation({"observation": demos[:1]})


def test_the_mask_free_extractor_reads_every_key_but_the_action_mask():
    from palaestra.baselines.features import MaskFreeExtractor

    space = spaces.Dict({"observation": spaces.Box(0.0, 1.0, (3,), np.float32),
                         "action_mask": spaces.Box(0, 1, (500,), np.int8)})
    extractor = MaskFreeExtractor(space)
    assert extractor.features_dim == 3
    obs = {"observation": torch.tensor([[0.1, 0.2, 0.3]]), "action_mask": torch.ones(1, 500)}
    torch.testing.assert_close(extractor(obs), torch.tensor([[0.1, 0.2, 0.3]]))
    with pytest.raises(ValueError, match="MaskFreeExtractor needs a Dict observation with an 'action_mask'"):
        MaskFreeExtractor(spaces.Dict({"observation": space["observation"]}))
    with pytest.raises(ValueError, match="nothing but its 'action_mask'"):
        MaskFreeExtractor(spaces.Dict({"action_mask": space["action_mask"]}))


def test_simple_negotiations_policy_depends_on_the_state_not_on_its_mask():
    config = load_config("palaestra/SimpleNegotiation-v0")
    model = build_model(config, seed=0)
    try:
        env = model.get_env().envs[0]
        first, _ = env.reset(seed=1)
        for seed in range(2, 40):  # a first observation of the other seat
            other, _ = env.reset(seed=seed)
            if not np.array_equal(other["observation"], first["observation"]):
                break
        policy = model.policy
        with torch.no_grad():
            features = [policy.extract_features(policy.obs_to_tensor(o)[0], policy.pi_features_extractor)
                        for o in (first, other)]
        assert features[0].shape == (1, 11)  # the 14,402 mask bits are not an input
        assert not torch.equal(*features)
    finally:
        model.get_env().close()
