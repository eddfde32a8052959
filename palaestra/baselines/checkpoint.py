"""Model and training-state files that hold numbers only, written atomically.

A trained model is rebuilt from its ``config.yaml`` and only its weights are read from the file, so loading a
file cannot run code:

- weights and training state (optimisers, entropy coefficient, step counters, random-generator states, the
  curve's rows, the opponent pool's snapshots) go through ``torch.save`` and come back through
  ``torch.load(weights_only=True)``, torch's unpickler restricted to tensors and plain containers; JAX arrays
  (``sbx``) are stored as tensors and turned back into JAX arrays;
- a replay buffer is an ``.npz`` of its arrays read with ``allow_pickle=False``; HER's per-transition info
  dicts are stored as JSON text.

Every file is written to a temporary name and renamed into place, so a kill leaves the previous file whole.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 1
_SBX_POLICY_STATES = ("actor_state", "qf_state", "vf_state")
_SBX_MODEL_STATES = ("ent_coef_state",)


class ModelFileError(ValueError):
    """A model or checkpoint file that is missing, damaged, or not what its config says."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` for a temporary file beside ``path``, then rename it to ``path``.

    The temporary name is unique to the call, so processes writing the same file at once (seeds sharing a
    task folder's ``reference.json``) each rename a whole file of their own; the last rename wins.
    """
    import uuid

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")  # the umask's permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save(payload: Mapping[str, Any], path: Path) -> None:
    """Write ``payload`` (tensors and plain containers) atomically with ``torch.save``."""
    import torch

    atomic_write(path, lambda tmp: torch.save(dict(payload), tmp))


def load(path: Path) -> dict[str, Any]:
    """A file written by :func:`save`, read with ``weights_only=True``; ``ModelFileError`` names the path."""
    import pickle
    import zipfile

    import torch

    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"{path}: not a palaestra model file ({reason[:160]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a palaestra model file (no format {FORMAT} header)")
    return payload


# -- weights and training state ---------------------------------------------------------------------------
def _to_torch(tree: Any) -> Any:
    import torch

    if isinstance(tree, Mapping):
        return {str(k): _to_torch(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_torch(v) for v in tree)
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        return torch.from_numpy(np.array(tree))
    return tree


def _to_jax(tree: Any) -> Any:
    import jax.numpy as jnp
    import torch

    if isinstance(tree, Mapping):
        return {k: _to_jax(v) for k, v in tree.items()}
    if isinstance(tree, torch.Tensor):
        return jnp.asarray(tree.numpy())
    return tree


def weights(model: Any, library: str) -> dict[str, Any]:
    """What acting needs: the SB3 policy's state dict, or the sbx policy's parameters (no optimiser state)."""
    if library == "sb3":
        return {"policy": model.policy.state_dict()}
    from flax import serialization

    return {name: _to_torch({k: v for k, v in serialization.to_state_dict(getattr(model.policy, name)).items()
                             if k != "opt_state"})
            for name in _SBX_POLICY_STATES if hasattr(model.policy, name)}


def set_weights(model: Any, state: Mapping[str, Any], library: str) -> None:
    """Put :func:`weights` (or the policy part of :func:`training_state`) into a freshly built ``model``."""
    if library == "sb3":
        model.policy.load_state_dict(state["policy"])
        return
    from flax import serialization

    for name, saved in state.items():
        current = getattr(model.policy, name)
        merged = {**serialization.to_state_dict(current), **_to_jax(saved)}
        setattr(model.policy, name, serialization.from_state_dict(current, merged))


def training_state(model: Any, library: str) -> dict[str, Any]:
    """Everything of ``model`` that learning changes, besides the replay buffer: weights, optimisers,
    entropy coefficient, counters and every random generator a run draws from."""
    state: dict[str, Any] = {
        "num_timesteps": model.num_timesteps, "n_updates": getattr(model, "_n_updates", 0),
        "episode_num": model._episode_num, "rng": _rng_state(model),
    }
    if library == "sb3":
        state["parameters"] = model.get_parameters()
        state["variables"] = {name: getattr(model, name).detach().clone()
                              for name in model._get_torch_save_params()[1] if getattr(model, name, None) is not None}
        return state
    from flax import serialization

    state["policy"] = {name: _to_torch(serialization.to_state_dict(getattr(model.policy, name)))
                       for name in _SBX_POLICY_STATES if hasattr(model.policy, name)}
    state["model"] = {name: _to_torch(serialization.to_state_dict(getattr(model, name)))
                      for name in _SBX_MODEL_STATES if hasattr(model, name)}
    state["keys"] = _to_torch({"model": model.key, "policy": model.policy.key, "noise": model.policy.noise_key})
    return state


def restore_training_state(model: Any, state: Mapping[str, Any], library: str) -> None:
    """Put :func:`training_state` back into a model built from the same config."""
    model.num_timesteps = int(state["num_timesteps"])
    model._n_updates = int(state["n_updates"])
    model._episode_num = int(state["episode_num"])
    if library == "sb3":
        model.set_parameters(state["parameters"], exact_match=True, device="cpu")
        for name, value in state["variables"].items():
            getattr(model, name).data.copy_(value)
    else:
        from flax import serialization

        for owner, states in ((model.policy, state["policy"]), (model, state["model"])):
            for name, saved in states.items():
                setattr(owner, name, serialization.from_state_dict(getattr(owner, name), _to_jax(saved)))
        keys = _to_jax(state["keys"])
        model.key, model.policy.key, model.policy.noise_key = keys["model"], keys["policy"], keys["noise"]
    _set_rng_state(model, state["rng"])


def _rng_state(model: Any) -> dict[str, Any]:
    import torch

    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return {"torch": torch.get_rng_state(), "python": random.getstate(),
            "numpy": (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
            "action_space": json.dumps(model.action_space.np_random.bit_generator.state)}


def _set_rng_state(model: Any, rng: Mapping[str, Any]) -> None:
    import torch

    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    name, keys, pos, has_gauss, gauss = rng["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    model.action_space.np_random.bit_generator.state = json.loads(rng["action_space"])


# -- replay buffers ---------------------------------------------------------------------------------------
def save_buffer(buffer: Any, path: Path) -> None:
    """Write a replay buffer's filled part (and that of a demonstration buffer inside it) as an ``.npz``."""
    arrays: dict[str, np.ndarray] = {}
    _collect(buffer, "", arrays)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:  # a file object: numpy would append .npz to a bare name
            np.savez(file, **arrays)

    atomic_write(path, write)


def load_buffer(buffer: Any, path: Path) -> None:
    """Fill a freshly built replay buffer (same config) from :func:`save_buffer`'s file."""
    if not path.is_file():
        raise ModelFileError(f"{path}: replay buffer file missing")
    with np.load(path, allow_pickle=False) as data:
        _restore(buffer, "", {key: data[key] for key in data.files})


def _filled(buffer: Any) -> int:
    return buffer.buffer_size if buffer.full else buffer.pos


def _collect(buffer: Any, prefix: str, arrays: dict[str, np.ndarray]) -> None:
    from stable_baselines3.common.buffers import BaseBuffer

    upper = _filled(buffer)
    for name, value in vars(buffer).items():
        key = prefix + name
        if isinstance(value, BaseBuffer):
            _collect(value, key + "/", arrays)
        elif isinstance(value, (bool, int, float, np.integer, np.floating)) and not isinstance(value, type):
            arrays["scalar:" + key] = np.asarray(value)
        elif isinstance(value, np.ndarray) and value.dtype == object:  # HER's info dicts
            text = json.dumps([[dict(i) for i in row] for row in value[:upper]], default=_plain)
            arrays["json:" + key] = np.frombuffer(text.encode(), dtype=np.uint8)
        elif isinstance(value, np.ndarray):
            arrays["array:" + key] = value[:upper] if len(value) == buffer.buffer_size else value
        elif isinstance(value, dict) and value and all(isinstance(v, np.ndarray) for v in value.values()):
            for part, array in value.items():
                arrays[f"dict:{key}:{part}"] = array[:upper]


def _restore(buffer: Any, prefix: str, arrays: Mapping[str, np.ndarray]) -> None:
    from stable_baselines3.common.buffers import BaseBuffer

    for name, value in vars(buffer).items():
        if isinstance(value, BaseBuffer):
            _restore(value, prefix + name + "/", arrays)
    for key, array in arrays.items():
        kind, _, rest = key.partition(":")
        name = rest.split(":")[0]
        if "/" in name[len(prefix):] or not name.startswith(prefix):
            continue
        attribute = name[len(prefix):]
        if kind == "scalar":
            setattr(buffer, attribute, array.item())
        elif kind == "json":
            rows = json.loads(array.tobytes().decode())
            target = getattr(buffer, attribute)
            for index, row in enumerate(rows):
                target[index] = np.array(row, dtype=object)
        elif kind == "array":
            getattr(buffer, attribute)[: len(array)] = array
        elif kind == "dict":
            getattr(buffer, attribute)[rest.split(":")[1]][: len(array)] = array


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
