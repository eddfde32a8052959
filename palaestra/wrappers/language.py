"""The language wrapper: each episode's instruction as text and as a fixed-vocabulary token array.

Phrasings come from the instruction assets (:mod:`palaestra.instructions`), split into ``train`` and
``heldout`` paraphrases; perturbations (synonyms, typos, distractor clauses) make a robustness axis; an
optional sentence embedding comes from an offline model when the ``language`` extra is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra import instructions, registry, sentences
from palaestra.sentences import LanguageExtraMissing  # noqa: F401 (re-exported)
from palaestra.checks import env_name
from palaestra.wrappers.goal_api import GoalAPIPassthrough

Perturbation = Literal["synonyms", "typos", "distractors"]
PERTURBATIONS: tuple[str, ...] = ("synonyms", "typos", "distractors")
_STREAM = 0x1A96  # keeps the wrapper's generator apart from the env's, seeded with the same number

# Word swaps that keep an instruction's meaning; most targets are themselves in the vocabulary.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "cube": ("block", "box"),
    "block": ("cube", "box"),
    "box": ("cube", "block"),
    "push": ("shove", "nudge"),
    "move": ("shift", "bring"),
    "put": ("place", "set"),
    "place": ("put", "set"),
    "pick": ("grab", "take"),
    "grasp": ("grab", "hold"),
    "lift": ("raise", "pick"),
    "target": ("goal", "marker"),
    "goal": ("target", "marker"),
    "gripper": ("hand", "end effector"),
    "close": ("shut",),
    "shut": ("close",),
    "pull": ("tug", "draw"),
    "press": ("push", "depress"),
    "slide": ("glide", "shift"),
    "flip": ("tip", "topple"),
    "stack": ("pile",),
}
# Clauses that add words but no information about the task.
DISTRACTORS: tuple[str, ...] = (
    "please",
    "if you can",
    "and do not touch the drawer",
    "while the red button stays up",
    "ignore the other objects on the table",
    "the blue cube is not important",
    "take your time",
    "and then hold still",
)


class Instruction(GoalAPIPassthrough, gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Adds the episode's natural-language instruction to the observation.

    Observation: a ``Dict`` of the env's observation(s) (a non-Dict one under ``"observation"``) plus
    ``"instruction"``, ``max_tokens`` int64 token ids of the fixed vocabulary in a ``Box`` (0 pads, 1 marks an
    unknown word), which stable-baselines3's ``MultiInputPolicy`` and Minari store as is; with ``embed=True``
    also ``"instruction_embedding"`` (float32). Actions and reward are the env's. The raw text is
    ``info["instruction"]`` and :attr:`instruction`; :attr:`instructions` lists the current task's phrasings
    of the split and :meth:`set_instruction` replaces the text mid-episode. Each episode's phrasing (and its
    perturbation) comes from the wrapper's generator, seeded by ``reset(seed=...)``. Envs that already carry
    an instruction (``info["instruction"]``, a play-language env) keep theirs: the wrapper then only perturbs,
    switches and embeds it, in the env's own token length.

    >>> import gymnasium as gym, palaestra
    >>> env = Instruction(gym.make("palaestra/OpenDrawer-v0"), split="heldout", max_tokens=12)
    >>> obs, info = env.reset(seed=0)
    >>> obs["instruction"].shape, info["instruction"] in env.instructions
    ((12,), True)
    """

    def __init__(
        self,
        env: gym.Env,
        split: instructions.Split = "train",
        max_tokens: int = 24,
        perturb: Perturbation | Sequence[Perturbation] | None = None,
        embed: bool = False,
        model: str = "all-MiniLM-L6-v2",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, split=split, max_tokens=max_tokens, perturb=perturb, embed=embed, model=model
        )
        super().__init__(env)
        self.env_id = env_name(env)
        if split not in instructions.SPLITS:
            raise ValueError(f"{self.env_id}: unknown instruction split {split!r}; expected one of {list(instructions.SPLITS)}")
        self.split = split
        self.perturb = _perturbations(self.env_id, perturb)
        self.vocabulary = instructions.vocabulary()
        base = env.observation_space
        fields = dict(base.spaces) if isinstance(base, spaces.Dict) else {"observation": base}
        # An env with its own token array keeps it (and its length); the wrapper re-encodes into that length.
        self._carried = "instruction" in fields
        if not self._carried:
            family, task = _family_task(env, self.env_id, {})
            if family is None:
                raise ValueError(
                    f"{self.env_id}: the Instruction wrapper needs a registered palaestra env, or one that carries its "
                    "own instruction (an 'instruction' observation entry and info['instruction'])"
                )
            if task is not None:
                instructions.phrasings(family, task)  # fail now, naming the family's tasks, on a task without any
            fields["instruction"] = spaces.Box(0, len(self.vocabulary) - 1, shape=(max_tokens,), dtype=np.int64)
        self.max_tokens = int(fields["instruction"].shape[0])
        self._embedder = sentences.load_model(self.env_id, model) if embed else None
        if self._embedder is not None:
            dim = sentences.dimension(self._embedder)
            fields["instruction_embedding"] = spaces.Box(-np.inf, np.inf, shape=(dim,), dtype=np.float32)
        self._dict_obs = isinstance(base, spaces.Dict)
        self.observation_space = spaces.Dict(fields)
        self._rng = np.random.default_rng()
        self._embeddings: dict[str, np.ndarray] = {}
        self._source: str | None = None  # the carrying env's last text, to follow its changes
        self.instruction = ""
        self.instructions: tuple[str, ...] = ()
        self._tokens = np.zeros(self.max_tokens, dtype=np.int64)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng([_STREAM, seed])
        obs, info = self.env.reset(seed=seed, options=options)
        self._source = None
        if self._carried:
            self._follow(info)
            self.instructions = self._phrasings(info, getattr(self.env.unwrapped, "split", self.split)) or (self._source,)
        else:
            self.instructions = self._phrasings(info, self.split)
            if self.instructions is None:
                raise ValueError(
                    f"{self.env_id}: this episode has no task to phrase; the Instruction wrapper needs "
                    "info['task'], env.unwrapped.task.name or a 'task' kwarg (free play has no instruction)"
                )
            self._choose(self.instructions[self._rng.integers(len(self.instructions))])
        return self._observation(obs), {**info, "instruction": self.instruction}

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self._carried:
            self._follow(info)
        return self._observation(obs), reward, terminated, truncated, {**info, "instruction": self.instruction}

    def set_instruction(self, text: str) -> None:
        """Replace the instruction from the next observation on (an operator changing the command)."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{self.env_id}: set_instruction expects a non-empty string, got {text!r}")
        self.instruction = text
        self._tokens = self.vocabulary.encode(text, self.max_tokens)

    def _phrasings(self, info: dict[str, Any], split: str) -> tuple[str, ...] | None:
        family, task = _family_task(self.env, self.env_id, info)
        return None if family is None or task is None else instructions.phrasings(family, task).split(split)

    def _follow(self, info: dict[str, Any]) -> None:
        text = info.get("instruction")
        if not isinstance(text, str):
            text = getattr(self.env.unwrapped, "instruction", None)
        if not isinstance(text, str):
            raise TypeError(
                f"{self.env_id}: its observation has an 'instruction' entry but neither info['instruction'] nor "
                "env.unwrapped.instruction gives the text"
            )
        if text != self._source:  # a new episode or a new instruction from the env itself
            self._source = text
            self._choose(text)

    def _choose(self, text: str) -> None:
        for kind in self.perturb:
            text = _PERTURB[kind](text, self._rng)
        self.set_instruction(text)

    def _observation(self, obs: Any) -> dict[str, Any]:
        out = dict(obs) if self._dict_obs else {"observation": obs}
        out["instruction"] = self._tokens.copy()
        if self._embedder is not None:
            if self.instruction not in self._embeddings:
                vector = self._embedder.encode([self.instruction], convert_to_numpy=True)[0]
                self._embeddings[self.instruction] = np.asarray(vector, dtype=np.float32)
            out["instruction_embedding"] = self._embeddings[self.instruction].copy()
        return out


def perturb_synonyms(text: str, rng: np.random.Generator) -> str:
    """Each word with synonyms swapped with probability 1/2 (at least one when any has synonyms)."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
    if not candidates:
        return text
    chosen = [i for i in candidates if rng.random() < 0.5] or [candidates[rng.integers(len(candidates))]]
    for i in chosen:
        options = SYNONYMS[words[i].lower()]
        words[i] = options[rng.integers(len(options))]
    return " ".join(words)


def perturb_typos(text: str, rng: np.random.Generator) -> str:
    """One typo per four words (at least one): a swap of neighbouring letters, a dropped or a doubled letter."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 3]
    if not long:
        return text
    for i in rng.choice(long, size=min(max(1, len(words) // 4), len(long)), replace=False):
        w, at = words[i], int(rng.integers(len(words[i]) - 1))
        kind = rng.integers(3)
        if kind == 0:
            words[i] = w[:at] + w[at + 1] + w[at] + w[at + 2 :]
        elif kind == 1:
            words[i] = w[:at] + w[at + 1 :]
        else:
            words[i] = w[: at + 1] + w[at] + w[at + 1 :]
    return " ".join(words)


def perturb_distractors(text: str, rng: np.random.Generator) -> str:
    """An uninformative clause before or after the instruction."""
    clause = DISTRACTORS[rng.integers(len(DISTRACTORS))]
    return f"{clause}, {text}" if rng.random() < 0.5 else f"{text} {clause}"


_PERTURB = {"synonyms": perturb_synonyms, "typos": perturb_typos, "distractors": perturb_distractors}


def _perturbations(env_id: str, perturb: Any) -> tuple[str, ...]:
    kinds = () if perturb is None else (perturb,) if isinstance(perturb, str) else tuple(perturb)
    unknown = [k for k in kinds if k not in PERTURBATIONS]
    if unknown:
        raise ValueError(f"{env_id}: unknown instruction perturbation(s) {unknown}; expected None or some of {list(PERTURBATIONS)}")
    return kinds


def _family_task(env: gym.Env, env_id: str, info: dict[str, Any]) -> tuple[str | None, str | None]:
    """The instruction family of ``env`` (its registry record's) and the task to phrase, ``None`` when unknown.

    The task is the episode's (``info["task"]``, as play envs name it), else the env's task object's name,
    else the registry record's ``task`` keyword.
    """
    try:
        record = registry.get(env_id)
    except registry.UnknownEnvironmentError:
        return None, None
    for task in (info.get("task"), getattr(getattr(env.unwrapped, "task", None), "name", None), record.kwargs.get("task")):
        if isinstance(task, str):
            return record.family, task
    return record.family, None
