"""A policy shared by teammates: one VecEnv slot per teammate of the learner's side."""

import numpy as np
import pytest

from palaestra.baselines.team_vec import SharedTeamVecEnv

GAME = "palaestra/TeamVolleyball2v2-v0"


def test_slots_are_teammates_with_their_own_spaces_and_the_team_reward():
    vec = SharedTeamVecEnv(GAME, n_games=2, opponents=["random"])
    try:
        assert vec.num_envs == 4 and vec.team_size == 2
        obs = vec.reset()
        assert obs.shape == (4, *vec.observation_space.shape)
        assert not np.array_equal(obs[0], obs[1])  # each teammate sees the court from its own position
        for _ in range(200):
            obs, rewards, dones, _ = vec.step(np.array([vec.action_space.sample() for _ in range(4)]))
            assert rewards[0] == rewards[1] and rewards[2] == rewards[3] and list(dones[::2]) == list(dones[1::2])
        assert vec.get_attr("side", [0, 3])[0] in ("left", "right")
    finally:
        vec.close()


def test_same_seed_same_rollout():
    def rollout():
        vec = SharedTeamVecEnv(GAME, n_games=1, opponents=["heuristic"], seed=3)
        trace = [vec.reset()]
        rng = np.random.default_rng(0)
        for _ in range(100):
            trace.append(vec.step(rng.integers(0, vec.action_space.n, 2))[0])
        vec.close()
        return np.stack(trace)

    np.testing.assert_array_equal(rollout(), rollout())


def test_ppo_trains_one_network_for_all_teammates():
    from stable_baselines3 import PPO

    vec = SharedTeamVecEnv(GAME, n_games=1, opponents=["random"])
    model = PPO("MlpPolicy", vec, n_steps=64, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(256)
    assert model.num_timesteps >= 256
    vec.close()


def test_turn_based_games_are_refused():
    with pytest.raises(ValueError, match="simultaneous-move"):
        SharedTeamVecEnv("palaestra/TicTacToe-v0")
