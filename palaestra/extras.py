"""Optional dependencies and the extra of ``palaestra`` that installs each, so a missing one is reported with
the command that fixes it (``pip install "palaestra[baselines]"``) instead of a bare ``No module named 'yaml'``.

>>> print(install_hint("yaml"))
pip install "palaestra[baselines]"
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Top-level module -> (the distribution pip installs, the extra that brings it). torch comes with
# stable-baselines3, so the baselines extra brings it too (pin torch==2.13.0 first for the CPU build).
OPTIONAL: dict[str, tuple[str, str]] = {
    "stable_baselines3": ("stable-baselines3", "baselines"),
    "sb3_contrib": ("sb3-contrib", "baselines"),
    "sbx": ("sbx-rl", "baselines"),
    "jax": ("sbx-rl", "baselines"),
    "torch": ("torch", "baselines"),
    "yaml": ("pyyaml", "baselines"),
    "matplotlib": ("matplotlib", "baselines"),
    "tqdm": ("tqdm", "baselines"),
    "minari": ("minari", "data"),
    "h5py": ("h5py", "data"),
    "PIL": ("pillow", "data"),
    "ray": ("ray", "distributed"),
    "imageio": ("imageio", "video"),
    "imageio_ffmpeg": ("imageio-ffmpeg", "video"),
    "textarena": ("textarena", "text-peers"),
    "pyspiel": ("open-spiel", "text-peers"),
    "sentence_transformers": ("sentence-transformers", "language"),
}


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def install_hint(module: str) -> str | None:
    """The pip command that installs the top-level ``module``, or ``None`` for a module no extra provides."""
    entry = OPTIONAL.get(module.split(".")[0])
    return None if entry is None else f'pip install "palaestra[{entry[1]}]"'


def explain(error: ImportError) -> str:
    """``error``'s message, with the extra to install when the missing module is an optional dependency."""
    text = str(error)
    hint = install_hint(getattr(error, "name", None) or "")
    if hint is None or hint in text:
        return text
    package = OPTIONAL[error.name.split(".")[0]][0]
    return f"{text}: {package} is an optional dependency; {hint}"


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` (an optional dependency) for ``purpose`` (what needs it, as the user knows it), or raise
    :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        hint = install_hint(module)
        # Only the optional package itself being absent is ours to explain; a module missing inside it is not.
        if hint is None or (error.name or "").split(".")[0] != module.split(".")[0]:
            raise
        raise MissingExtraError(f"{purpose} needs {OPTIONAL[module.split('.')[0]][0]}: {hint}", name=error.name) from None
