"""Instruction templates and the fixed vocabulary that turns them into token arrays.

Language is data, not code: every task's phrasings live in ``palaestra/assets/instructions/<family>.json``::

    {"format": 1,
     "tasks": {"open_drawer": {"train": ["open the drawer", ...], "heldout": ["pull the drawer out", ...]}}}

``train`` phrasings are for training; ``heldout`` ones are never shown in training and measure generalisation
to new wordings. The vocabulary (``vocab.txt``, one word per line) is committed and append-only, so a token id
means the same word in every release: new words go at the end (``python -m palaestra.instructions
--update-vocab``), and the test suite fails when a template uses a word the vocabulary lacks.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np

FORMAT = 1
PAD, UNK = "<pad>", "<unk>"
Split = Literal["train", "heldout"]
SPLITS: tuple[str, ...] = ("train", "heldout")
_WORD = re.compile(r"[a-z0-9]+")


class InstructionFormatError(ValueError):
    """An instruction asset file that this version of palaestra cannot read."""


@dataclass(frozen=True)
class Phrasings:
    """The phrasings of one task, split into training and held-out sets."""

    task: str
    train: tuple[str, ...]
    heldout: tuple[str, ...]

    def split(self, split: Split) -> tuple[str, ...]:
        if split not in SPLITS:
            raise ValueError(f"unknown instruction split {split!r}; expected one of {list(SPLITS)}")
        return self.train if split == "train" else self.heldout

    @property
    def all(self) -> tuple[str, ...]:
        return self.train + self.heldout

    def draw(self, split: Split, rng: np.random.Generator) -> str:
        """One phrasing of ``split``, drawn uniformly by ``rng`` (one ``integers`` draw)."""
        choices = self.split(split)
        return choices[int(rng.integers(len(choices)))]


def _asset(name: str) -> str:
    return resources.files("palaestra").joinpath("assets", "instructions", name).read_text(encoding="utf-8")


def families() -> list[str]:
    """Families with an instruction file (``manipulation``, ``play``...)."""
    folder = resources.files("palaestra").joinpath("assets", "instructions")
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=None)
def load(family: str) -> dict[str, Phrasings]:
    """Every task's phrasings for ``family``; raises :class:`InstructionFormatError` on a foreign format."""
    try:
        raw = json.loads(_asset(f"{family}.json"))
    except FileNotFoundError:
        raise ValueError(f"no instruction file for family {family!r}; available: {families()}") from None
    if raw.get("format") != FORMAT:
        raise InstructionFormatError(
            f"instructions/{family}.json has format {raw.get('format')!r}; this palaestra reads format {FORMAT}"
        )
    table = {}
    for task, entry in raw["tasks"].items():
        train, heldout = tuple(entry["train"]), tuple(entry["heldout"])
        if not train or not heldout or set(train) & set(heldout):
            raise InstructionFormatError(
                f"instructions/{family}.json: task {task!r} needs non-empty, disjoint train and heldout phrasings"
            )
        table[task] = Phrasings(task, train, heldout)
    return table


def phrasings(family: str, task: str) -> Phrasings:
    """The phrasings of one task, with an error listing the family's tasks for an unknown one."""
    table = load(family)
    if task not in table:
        raise KeyError(f"no instructions for {family} task {task!r}; known tasks: {sorted(table)}")
    return table[task]


def words(text: str) -> list[str]:
    """Lower-cased alphanumeric words of ``text`` (punctuation is dropped)."""
    return _WORD.findall(text.lower())


class Vocabulary:
    """The fixed word list: id 0 is padding, id 1 unknown words, then the committed words in file order."""

    def __init__(self, tokens: list[str]) -> None:
        if tokens[:2] != [PAD, UNK]:
            raise InstructionFormatError(f"vocabulary must start with {PAD} and {UNK}")
        self.tokens = tuple(tokens)
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, length: int) -> np.ndarray:
        """``length`` int64 token ids of ``text``: padded with 0, unknown words 1, truncated beyond ``length``."""
        out = np.zeros(length, dtype=np.int64)
        ids = [self.ids.get(w, 1) for w in words(text)][:length]
        out[: len(ids)] = ids
        return out

    def decode(self, ids: np.ndarray) -> str:
        return " ".join(self.tokens[int(i)] for i in ids if int(i) != 0)


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    """The committed vocabulary (``assets/instructions/vocab.txt``)."""
    return Vocabulary(_asset("vocab.txt").split())


def missing_words() -> list[str]:
    """Words used by some template but absent from the vocabulary, in first-use order."""
    known, missing = set(vocabulary().tokens), []
    for family in families():
        for entry in load(family).values():
            for text in entry.all:
                for word in words(text):
                    if word not in known:
                        known.add(word)
                        missing.append(word)
    return missing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update-vocab", action="store_true", help="append the templates' new words to vocab.txt")
    args = parser.parse_args(argv)
    missing = missing_words()
    if args.update_vocab and missing:
        path = resources.files("palaestra").joinpath("assets", "instructions", "vocab.txt")
        with resources.as_file(path) as file, open(file, "a", encoding="utf-8") as out:
            out.write("".join(f"{w}\n" for w in missing))
        vocabulary.cache_clear()
    print(f"{len(vocabulary())} words in the vocabulary; {len(missing)} {'added' if args.update_vocab else 'missing'}")


if __name__ == "__main__":
    main()
