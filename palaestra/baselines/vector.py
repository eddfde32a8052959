"""A :class:`~palaestra.vector.BatchedVectorEnv` as a stable-baselines3 ``VecEnv``.

>>> from palaestra.baselines.vector import make_sb3_vec_env
>>> venv = make_sb3_vec_env("palaestra/Push-v0", num_envs=8, workers=2)  # doctest: +SKIP
>>> model = SAC("MultiInputPolicy", venv)  # doctest: +SKIP

Results are those of SB3's ``DummyVecEnv`` over the same environments, bit for bit: an environment whose
episode ends resets in the same step, its last observation is ``infos[i]["terminal_observation"]``,
``infos[i]["TimeLimit.truncated"]`` says whether the end was a truncation, and the reset's info goes to
``reset_infos[i]``. Seeds and options set with ``seed()`` / ``set_options()`` apply to the next ``reset()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.vec_env import VecEnv

from palaestra.vector import BatchedVectorEnv, make_batched


class SB3VectorEnv(VecEnv):
    """SB3's ``VecEnv`` interface over a ``BatchedVectorEnv`` built with ``autoreset_mode=SAME_STEP``."""

    def __init__(self, batched: BatchedVectorEnv) -> None:
        if batched.autoreset_mode is not AutoresetMode.SAME_STEP:
            raise ValueError(
                f"SB3VectorEnv: the BatchedVectorEnv has autoreset_mode={batched.autoreset_mode.value}; expected "
                "SAME_STEP (SB3 resets an environment in the step that ends its episode)"
            )
        self.batched = batched
        super().__init__(batched.num_envs, batched.single_observation_space, batched.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self):
        obs, self.reset_infos = self.batched.reset_each(list(self._seeds), [o or None for o in self._options])
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self):
        obs, rewards, terminations, truncations, infos = self.batched.step(self._actions)
        dones = terminations | truncations
        per_env = []
        for i in range(self.num_envs):
            if dones[i]:
                info = _pick(infos["final_info"], i, skip=())
                info["TimeLimit.truncated"] = bool(truncations[i] and not terminations[i])
                info["terminal_observation"] = _row(infos["final_obs"], i)
                self.reset_infos[i] = _pick(infos, i, skip=("final_obs", "final_info"))
            else:
                info = _pick(infos, i, skip=("final_obs", "final_info"))
                info["TimeLimit.truncated"] = False
            per_env.append(info)
        return obs, rewards.astype(np.float32), dones, per_env

    def close(self) -> None:
        self.batched.close()

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        values = self.batched.get_attr(attr_name)
        return [values[i] for i in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        chosen = set(self._get_indices(indices))
        current = self.batched.get_attr(attr_name) if len(chosen) < self.num_envs else [None] * self.num_envs
        self.batched.set_attr(attr_name, [value if i in chosen else current[i] for i in range(self.num_envs)])

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        values = self.batched.call(method_name, *method_args, **method_kwargs)
        return [values[i] for i in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        values = self.batched.env_is_wrapped(wrapper_class)
        return [values[i] for i in self._get_indices(indices)]


def make_sb3_vec_env(env_id: str, num_envs: int, workers: int = 2, **kwargs: Any) -> SB3VectorEnv:
    """``num_envs`` copies of ``gym.make(env_id, **kwargs)`` on ``workers`` processes, as an SB3 ``VecEnv``."""
    return SB3VectorEnv(make_batched(env_id, num_envs, workers, autoreset_mode=AutoresetMode.SAME_STEP, **kwargs))


def _row(batch: Any, i: int) -> Any:
    """Environment ``i``'s entry of a Gymnasium info batch (an object array, or a dict of them)."""
    if isinstance(batch, dict):
        return {key: _row(value, i) for key, value in batch.items() if not key.startswith("_")}
    return batch[i]


def _pick(infos: dict[str, Any], i: int, skip: Sequence[str]) -> dict[str, Any]:
    """Environment ``i``'s own info from Gymnasium's batched infos (keys whose ``_key`` mask is set)."""
    picked = {}
    for key, value in infos.items():
        if key.startswith("_") or key in skip or not infos[f"_{key}"][i]:
            continue
        picked[key] = _pick(value, i, skip=()) if isinstance(value, dict) else _item(value[i])
    return picked


def _item(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
