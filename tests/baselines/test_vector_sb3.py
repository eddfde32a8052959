"""The SB3 adapter of BatchedVectorEnv: the same results as SB3's DummyVecEnv over the same environments."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

import palaestra  # noqa: F401  (registers the IDs)
from palaestra.baselines.vector import SB3VectorEnv, make_sb3_vec_env
from palaestra.vector import make_batched


def test_sb3_adapter_matches_dummy_vec_env_bit_for_bit():
    ours = make_sb3_vec_env("palaestra/Reach-v0", num_envs=3, workers=2, max_episode_steps=4)
    theirs = DummyVecEnv([lambda: gym.make("palaestra/Reach-v0", max_episode_steps=4) for _ in range(3)])
    try:
        traces = []
        for venv in (ours, theirs):
            venv.seed(4)
            rng = np.random.default_rng(0)
            trace = [venv.reset(), list(venv.reset_infos)]
            for _ in range(9):
                trace.append(venv.step(rng.uniform(-1, 1, size=(3, 4)).astype(np.float32)))
                trace.append(list(venv.reset_infos))
            traces.append(trace)
        assert any(step[2].any() for step in traces[0][2::2])  # episodes ended and were reset
        assert data_equivalence(_plain(traces[0]), _plain(traces[1]), exact=True)
        assert ours.get_attr("env_id", indices=[1]) == ["palaestra/Reach-v0"]
        assert ours.env_is_wrapped(Monitor) == [False, False, False]
    finally:
        ours.close()
        theirs.close()


def _plain(value):
    """DummyVecEnv hands out OrderedDicts; compare contents, not the mapping type."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def test_sb3_adapter_refuses_next_step_autoreset():
    batched = make_batched("palaestra/Reach-v0", num_envs=1, workers=1)
    try:
        with pytest.raises(ValueError, match="expected SAME_STEP"):
            SB3VectorEnv(batched)
    finally:
        batched.close()
