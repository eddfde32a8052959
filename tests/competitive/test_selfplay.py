"""The self-play adapter: a two-sided game as a Gymnasium env against a pool of opponents, SB3-ready."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.utils.conversions import parallel_to_aec

from palaestra.wrappers.selfplay import OpponentPool, SelfPlayEnv


def test_passes_gymnasium_check_env(high_card, constant):
    env = SelfPlayEnv(high_card, opponents={"one": constant(1)})
    check_env(env, skip_render_check=True)


def test_rewards_outcome_and_termination_follow_the_match(high_card, constant):
    env = SelfPlayEnv(high_card, opponents={"one": constant(1)}, side="a")
    obs, info = env.reset(seed=0)
    assert obs == 3 and info == {"side": "a", "opponent": "one"}
    total, steps, done = 0.0, 0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(2)
        total, steps, done = total + reward, steps + 1, terminated or truncated
        assert obs == 1  # the opponent's last pick
    assert (total, steps, terminated, info["outcome"]) == (3.0, 3, True, 1)


def test_sides_and_opponents_are_drawn_from_the_seed(high_card, constant):
    pool = OpponentPool({"zero": constant(0), "one": constant(1), "two": constant(2)})
    env = SelfPlayEnv(high_card, opponents=pool)
    draws = [env.reset(seed=s)[1] for s in range(30)]
    again = [env.reset(seed=s)[1] for s in range(30)]
    assert draws == again
    assert {d["side"] for d in draws} == {"a", "b"}
    assert {d["opponent"] for d in draws} == {"zero", "one", "two"}


def test_weights_and_snapshots(high_card, constant):
    pool = OpponentPool({"one": constant(1)}, weights={"one": 0.0})
    name = pool.add_snapshot(lambda obs: 2)
    env = SelfPlayEnv(high_card, opponents=pool, side="a")
    env.reset(seed=1)
    assert env.opponent_name == name == "snapshot-0"
    *_, info = env.step(2)
    *_, info = env.step(2)
    _, _, terminated, _, info = env.step(2)
    assert terminated and info["outcome"] == 0  # a snapshot playing 2 draws every round with the learner


def test_snapshots_share_their_weight_so_the_levels_keep_their_share(constant):
    pool = OpponentPool({"one": constant(1), "two": constant(2)}, weights={"two": 3.0}, snapshot_share=4.0)
    for _ in range(8):
        pool.add_snapshot(lambda obs: 0)
    assert pool.weights["snapshot-7"] == pytest.approx(0.5) and pool.weights["two"] == 3.0
    rng = np.random.default_rng(0)
    draws = [pool.sample(rng) for _ in range(4000)]
    shares = {name: draws.count(name) / len(draws) for name in ("one", "two")}
    assert shares["one"] == pytest.approx(1 / 8, abs=0.03) and shares["two"] == pytest.approx(3 / 8, abs=0.03)
    unweighted = OpponentPool({"one": constant(1)})
    for _ in range(9):
        unweighted.add_snapshot(lambda obs: 0)
    assert sum(unweighted.sample(rng) == "one" for _ in range(1000)) < 200  # one of ten members
    for bad in (0.0, float("inf"), "2"):
        with pytest.raises(ValueError, match="snapshot_share must be a positive number"):
            OpponentPool(["random"], snapshot_share=bad)


def test_a_snapshot_plays_a_whole_team_from_its_joined_observation():
    seen = []

    def predict(observation):
        seen.append(np.shape(observation))
        return np.array([1, 2])

    pool = OpponentPool(["random"], weights={"random": 0.0})
    pool.add_snapshot(predict)
    env = SelfPlayEnv("palaestra/TeamVolleyball2v2-v0", opponents=pool)
    obs, _ = env.reset(seed=0)
    env.step(env.action_space.sample())
    assert seen == [obs.shape] == [(52,)]  # once per step, on the side's joined observation


def test_turn_based_games_through_the_aec_api(high_card, constant):
    def aec():
        env = parallel_to_aec(high_card())
        env.teams = {"a": ("a_0",), "b": ("b_0",)}
        return env

    env = SelfPlayEnv(aec, opponents={"zero": constant(0)}, side="b")
    env.reset(seed=0)
    results = [env.step(1) for _ in range(3)]
    assert [r[1] for r in results] == [1.0, 1.0, 1.0]
    assert results[-1][2] and results[-1][4]["outcome"] == 1
    with pytest.raises(RuntimeError, match="over"):
        env.step(1)


def test_unknown_side_and_one_sided_games_are_refused(high_card):
    with pytest.raises(ValueError, match="unknown side 'c'"):
        SelfPlayEnv(high_card, side="c")


def test_stable_baselines3_trains_on_it_without_supersuit(high_card, constant):
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    vec = make_vec_env(lambda: SelfPlayEnv(high_card, opponents={"one": constant(1)}), n_envs=2, seed=0)
    model = PPO("MlpPolicy", vec, n_steps=64, batch_size=64, n_epochs=2, seed=0, device="cpu")
    model.learn(256)
    action, _ = model.predict(np.int64(3), deterministic=True)
    assert gym.spaces.Discrete(3).contains(np.int64(action))
