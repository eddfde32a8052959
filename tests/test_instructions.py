"""Instruction assets: enough phrasings per task, disjoint splits, and a vocabulary that covers every template."""

import json

import numpy as np
import pytest

from palaestra import instructions

FAMILIES = instructions.families()


def test_every_template_word_is_in_the_committed_vocabulary():
    assert instructions.missing_words() == [], "run `python -m palaestra.instructions --update-vocab`"


@pytest.mark.parametrize("family", FAMILIES)
def test_each_task_has_eight_phrasings_in_disjoint_splits(family):
    for task, entry in instructions.load(family).items():
        assert len(entry.all) >= 8 and len(set(entry.all)) == len(entry.all), task
        assert entry.train and entry.heldout and not set(entry.train) & set(entry.heldout), task


def test_encoding_pads_truncates_and_marks_unknown_words():
    vocab = instructions.Vocabulary(["<pad>", "<unk>", "open", "drawer"])
    ids = vocab.encode("OPEN the drawer!", 5)
    np.testing.assert_array_equal(ids, [2, 1, 3, 0, 0])
    assert vocab.decode(ids) == "open <unk> drawer"
    assert vocab.encode("open " * 9, 3).tolist() == [2, 2, 2]


def test_a_foreign_format_is_refused_with_the_versions(monkeypatch):
    monkeypatch.setattr(instructions, "_asset", lambda name: json.dumps({"format": 99, "tasks": {}}))
    instructions.load.cache_clear()
    try:
        with pytest.raises(instructions.InstructionFormatError, match="format 99.*reads format 1"):
            instructions.load("anything")
    finally:
        instructions.load.cache_clear()
