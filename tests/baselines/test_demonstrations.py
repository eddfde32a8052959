"""Scripted-expert episodes put in an off-policy learner's (HER) replay buffer before training."""

import numpy as np
import pytest

from palaestra.baselines.train import TrainConfig, add_demonstrations, build_model, load_config


def _config(**overrides):
    return load_config("palaestra/Push-v0", timesteps=100, **overrides,
                       hyperparams={"buffer_size": 2000, "batch_size": 32, "policy_kwargs": {"net_arch": [8]}})


def test_expert_episodes_fill_the_her_buffer_with_whole_successful_episodes():
    config = _config(demo_episodes=3)
    model = build_model(config, seed=0)
    added = add_demonstrations(model, config, 3)
    buffer = model.replay_buffer
    assert added == buffer.pos > 0
    assert model.num_timesteps == 0  # demonstrations do not count towards the training budget
    lengths = buffer.ep_length[:added, 0]
    starts = buffer.ep_start[:added, 0]
    assert len(set(starts)) == 3 and set(lengths) == set(np.diff([*sorted(set(starts)), added]))
    # The expert succeeds: the last transition of each episode earns the success reward (0 under sparse).
    ends = sorted(set(starts + lengths - 1))
    assert np.all(buffer.rewards[ends, 0] == 0.0) and np.all(buffer.rewards[:added, 0] <= 0.0)
    assert np.all(np.abs(buffer.actions[:added]) <= 1.0)
    sample = buffer.sample(64)  # HER relabelling works on the demonstrations
    assert sample.observations["desired_goal"].shape == (64, 3)


def test_demonstrations_need_an_off_policy_learner():
    with pytest.raises(ValueError, match="Push-v0.*demo_episodes"):
        TrainConfig(env_id="palaestra/Push-v0", algo="ppo", timesteps=100, demo_episodes=2)
    with pytest.raises(ValueError, match="demo_episodes must be >= 0"):
        _config(demo_episodes=-1)
