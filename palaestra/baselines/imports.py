"""The import paths a baseline config may name, and nothing else: a config is data, so it cannot run code.

A ``policy_kwargs`` entry that takes a class or function (``features_extractor_class``, ``activation_fn``) may
be written as a dotted import path, but only a path listed here is imported: palaestra's own feature
extractors, SB3's, and the usual activation functions (torch's for ``sb3``, flax's for ``sbx``). Any other
path is refused before anything is imported, since importing a module runs its code (``pydoc.pipepager``
with a ``cmd`` would run a shell command).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

_ACTIVATIONS = ("ReLU", "Tanh", "ELU", "LeakyReLU", "GELU", "SiLU")

ALLOWED: dict[str, dict[str, frozenset[str]]] = {
    "sb3": {
        "features_extractor_class": frozenset({
            "palaestra.baselines.features.InstructionExtractor",
            "palaestra.baselines.features.SentenceInstructionExtractor",
            "palaestra.baselines.features.MaskFreeExtractor",
            "stable_baselines3.common.torch_layers.FlattenExtractor",
            "stable_baselines3.common.torch_layers.CombinedExtractor",
            "stable_baselines3.common.torch_layers.NatureCNN",
        }),
        "activation_fn": frozenset(f"torch.nn.{name}" for name in _ACTIVATIONS),
    },
    "sbx": {
        "activation_fn": frozenset(f"flax.linen.{name.lower()}" for name in ("relu", "tanh", "elu", "gelu", "silu")),
    },
}


# Keys whose value SB3 or sbx calls: a string there is an import path, checked whatever it looks like.
CLASS_KEYS = ("features_extractor_class", "activation_fn", "optimizer_class")


def check_policy_kwargs(env_id: str, policy_kwargs: Mapping[str, Any], library: str = "sb3") -> None:
    """Refuse (``ValueError`` naming the env, the key and the paths allowed) any import path not listed,
    without importing anything."""
    if not isinstance(policy_kwargs, Mapping):
        raise ValueError(f"{env_id}: policy_kwargs must be a mapping, got {type(policy_kwargs).__name__}")
    allowed = ALLOWED[library]
    for key, value in policy_kwargs.items():
        names_code = key in CLASS_KEYS or "." in value if isinstance(value, str) else False
        if names_code and value not in allowed.get(key, ()):
            choices = sorted(allowed.get(key, ()))
            raise ValueError(
                f"{env_id}: policy_kwargs {key}: {value!r} is not an allowed import path for {library} "
                f"(configs may only name {choices or 'no import path for this key'}; see docs/training.md)")


def resolve_policy_kwargs(env_id: str, policy_kwargs: Mapping[str, Any], library: str = "sb3") -> dict[str, Any]:
    """``policy_kwargs`` with each allowed import path replaced by what it names; any other path is refused
    with a ``ValueError`` naming the env, the key and the paths allowed."""
    check_policy_kwargs(env_id, policy_kwargs, library)
    resolved = dict(policy_kwargs)
    for key, value in policy_kwargs.items():
        if not isinstance(value, str) or value not in ALLOWED[library].get(key, ()):
            continue
        module, _, attribute = value.rpartition(".")
        resolved[key] = getattr(importlib.import_module(module), attribute)
    return resolved
