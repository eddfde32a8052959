"""stable-baselines3's HerReplayBuffer works unchanged on palaestra goal environments (wiring, not learning)."""

import gymnasium as gym
import numpy as np
import pytest
import stable_baselines3 as sb3

import palaestra  # noqa: F401


@pytest.mark.parametrize("env_id", ["palaestra/Reach-v0", "palaestra/Push-v0"])
def test_sac_with_her_trains_and_relabels_with_compute_reward(env_id):
    env = gym.make(env_id)
    model = sb3.SAC(
        "MultiInputPolicy",
        env,
        replay_buffer_class=sb3.HerReplayBuffer,
        replay_buffer_kwargs={"n_sampled_goal": 4, "goal_selection_strategy": "future"},
        learning_starts=100,
        batch_size=64,
        policy_kwargs={"net_arch": [32, 32]},
        seed=0,
        verbose=0,
    )
    model.learn(300)
    buffer = model.replay_buffer
    assert buffer.size() * buffer.n_envs >= 300 - env.spec.max_episode_steps  # unfinished episode may be held back
    batch = buffer.sample(256)
    next_achieved = batch.next_observations["achieved_goal"].cpu().numpy()
    desired = batch.observations["desired_goal"].cpu().numpy()
    rewards = batch.rewards.cpu().numpy().ravel()
    # Relabelled rewards are exactly the env's vectorised compute_reward on the relabelled goals...
    np.testing.assert_allclose(rewards, env.unwrapped.compute_reward(next_achieved, desired, {}), atol=1e-6)
    # ...and relabelling turned some failures into successes (the untrained policy almost never succeeds).
    assert set(np.unique(rewards)) <= {-1.0, 0.0} and (rewards == 0.0).mean() > 0.05
    env.close()
