"""A scripted stand-in for a language model, for tests and docs where no model can be loaded.

It reads only the prompt, as a model would: the last ``Legal moves:`` line gives the moves (``N`` marks a
number to choose), and it answers with some chatter and one move in brackets. With probability ``malformed``
the answer names no move, and with probability ``illegal`` a digit of the move is changed, so rollouts see the
invalid answers a young model writes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_NUMBER_SLOT = re.compile(r"\bN\b")
_DIGIT = re.compile(r"\d")
_CHATTER = ("Let me think.", "Considering the position,", "My move:", "I'll go with this.", "")
_NO_MOVE = ("I am not sure what to do here.", "Pass me the salt.", "[]", "???")


def legal_moves_of(prompt: str) -> list[str]:
    """The moves listed on the prompt's last ``Legal moves:`` line, parenthesised remarks removed."""
    line = next((ln for ln in reversed(prompt.splitlines()) if "Legal moves:" in ln), "")
    items = line.split("Legal moves:", 1)[-1].split("; ")
    return [m for m in (_PARENTHESES.sub("", item).strip() for item in items) if m]


class NoisyTextPolicy:
    """``policy(prompts) -> answers``: a legal move in brackets, sometimes malformed or illegal on purpose.

    ``numbers`` is the range ``N`` placeholders are drawn from; randomness comes from ``seed`` only.
    """

    def __init__(
        self, seed: int = 0, malformed: float = 0.1, illegal: float = 0.05, numbers: tuple[int, int] = (0, 4),
    ) -> None:
        for name, p in (("malformed", malformed), ("illegal", illegal)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"NoisyTextPolicy: {name}={p!r}; expected a probability in [0, 1]")
        self.rng = np.random.default_rng(seed)
        self.malformed, self.illegal, self.numbers = malformed, illegal, numbers

    def __call__(self, prompts: Sequence[str]) -> list[str]:
        return [self.answer(prompt) for prompt in prompts]

    def answer(self, prompt: str) -> str:
        rng = self.rng
        chatter = _CHATTER[int(rng.integers(len(_CHATTER)))]
        moves = legal_moves_of(prompt)
        if not moves or rng.random() < self.malformed:
            return _NO_MOVE[int(rng.integers(len(_NO_MOVE)))]
        low, high = self.numbers
        move = _NUMBER_SLOT.sub(lambda _: str(int(rng.integers(low, high))), moves[int(rng.integers(len(moves)))])
        if rng.random() < self.illegal:
            move = _DIGIT.sub(lambda d: str((int(d.group()) + 1 + int(rng.integers(8))) % 10), move, count=1)
        bracketed = move if move.startswith("[") else f"[{move}]"
        return f"{chatter} {bracketed}".strip()
