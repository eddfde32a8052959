"""Pretrained sentence embeddings offline: the packaged all-MiniLM-L6-v2, unpacked once and safely, and the
frozen instruction encoder of the language baselines built on it."""

import numpy as np
import torch
from gymnasium import spaces

from palaestra import instructions, sentences
from palaestra.baselines.features import SentenceInstructionExtractor


def test_the_packaged_model_is_unpacked_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PALAESTRA_CACHE", str(tmp_path))
    path = sentences.packaged_path(sentences.DEFAULT_MODEL)
    assert path == tmp_path / "sentence-models" / "all-MiniLM-L6-v2" and (path / "model.safetensors").is_file()
    stamp = (path / "modules.json").stat().st_mtime_ns
    assert sentences.packaged_path(sentences.DEFAULT_MODEL) == path  # found, not unpacked again
    assert (path / "modules.json").stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir()] == ["all-MiniLM-L6-v2"]  # no staging folder left behind
    assert sentences.packaged_path("some-other-model") is None  # left to Hugging Face's offline cache


def test_the_frozen_encoder_puts_a_heldout_phrasing_next_to_its_own_task():
    space = spaces.Dict({"observation": spaces.Box(-1, 1, shape=(3,)),
                         "instruction": spaces.Box(0, 500, shape=(16,), dtype=np.int64)})
    extractor = SentenceInstructionExtractor(space)
    assert extractor.features_dim == 3 + 384
    assert not any("encoder" in name for name in extractor.state_dict())  # model files keep the policy only
    vocabulary = instructions.vocabulary()
    drawer, lamp = instructions.phrasings("play", "open_drawer"), instructions.phrasings("play", "turn_on_lamp")
    texts = [drawer.train[0], lamp.train[0], drawer.heldout[0], lamp.heldout[0]]
    ids = torch.as_tensor(np.stack([vocabulary.encode(t, 16) for t in texts]), dtype=torch.float32)
    features = extractor({"observation": torch.zeros(4, 3), "instruction": ids})
    assert features.shape == (4, 387) and len(extractor._cache) == 4
    text = torch.nn.functional.normalize(features[:, 3:], dim=1)
    similarity = text @ text.T
    assert similarity[2, 0] > similarity[2, 1] + 0.2  # held-out drawer phrasing: nearer "open the drawer"
    assert similarity[3, 1] > similarity[3, 0] + 0.2  # held-out lamp phrasing: nearer the lamp
    again = extractor({"observation": torch.ones(4, 3), "instruction": ids.flip(0)})
    torch.testing.assert_close(again[:, 3:], features.flip(0)[:, 3:])  # served from the cache, same rows


def test_snapping_maps_each_instruction_to_its_nearest_training_phrasing():
    import pytest

    space = spaces.Dict({"observation": spaces.Box(-1, 1, shape=(2,)),
                         "instruction": spaces.Box(0, 500, shape=(16,), dtype=np.int64)})
    plain, snapped = SentenceInstructionExtractor(space), SentenceInstructionExtractor(space, snap="play")
    vocabulary = instructions.vocabulary()
    drawer, lamp = instructions.phrasings("play", "open_drawer"), instructions.phrasings("play", "turn_on_lamp")
    texts = [drawer.train[2], lamp.train[1], drawer.heldout[1], lamp.heldout[0]]
    ids = np.stack([vocabulary.encode(t, 16) for t in texts])
    raw, snap = plain.embed(ids), snapped.embed(ids)
    torch.testing.assert_close(snap[:2], raw[:2])  # a training phrasing is its own nearest
    anchors = plain.embed(np.stack([vocabulary.encode(t, 16) for t in drawer.train + lamp.train]))
    for row, own in ((2, slice(0, len(drawer.train))), (3, slice(len(drawer.train), None))):
        assert not any(torch.allclose(raw[row], a, atol=1e-4) for a in anchors)  # held out: a new embedding
        nearest = int((anchors @ raw[row]).argmax())  # MiniLM's embeddings are unit vectors
        torch.testing.assert_close(snap[row], anchors[nearest], atol=1e-5, rtol=0)
        assert nearest in range(len(anchors))[own]  # ...and these two land on their own task's phrasings
    with pytest.raises(ValueError, match=r"snap='games' is not an instruction family; expected one of \['"):
        SentenceInstructionExtractor(space, snap="games")


def test_without_the_language_extra_the_error_names_the_env_and_the_extra(monkeypatch):
    import sys

    import pytest

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed: import raises
    with pytest.raises(sentences.LanguageExtraMissing, match=r'PlayroomLanguage-v0: .*pip install "palaestra\[language\]"'):
        sentences.load_model("palaestra/PlayroomLanguage-v0")
