"""Conformance of every registered single-agent environment: API checkers, determinism, goals, bad input."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

import palaestra
from palaestra.testing import rollout_fingerprint

GOLDEN = Path(__file__).resolve().parents[1] / "golden_rollouts.json"


def _rollout(env, seed: int, steps: int = 25):
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    trace = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trace.append((obs, reward, terminated, truncated, info.get("is_success")))
        if terminated or truncated:
            break
    return trace


def _same(a, b) -> bool:
    """Exactly equal, nested structures included (bit for bit for arrays)."""
    return data_equivalence(a, b, exact=True)


def test_gymnasium_check_env(env_id, make_env, monkeypatch):
    # Gymnasium's defaults, on the env as gym.make returns it: check_env also builds a render_mode="human" copy,
    # which without a display runs headless and warns (human mode degrades rather than failing).
    monkeypatch.delenv("DISPLAY", raising=False)
    env = make_env(env_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    if hasattr(env.unwrapped, "world"):  # a PyBullet env says that its human copy runs headless
        assert any("cannot open a PyBullet window: there is no display" in str(w.message) for w in caught)


def test_same_seed_same_trajectory_bit_for_bit(env_id, make_env):
    first = _rollout(make_env(env_id), seed=7)
    second_env = make_env(env_id)
    _rollout(second_env, seed=99)  # an unrelated episode first: reset must leave nothing behind
    assert _same(first, _rollout(second_env, seed=7))


def test_different_seeds_differ(env_id, make_env):
    env = make_env(env_id)
    a, _ = env.reset(seed=1)
    b, _ = env.reset(seed=2)
    assert not _same(a, b)


def test_golden_rollout_fingerprint(env_id):
    table = json.loads(GOLDEN.read_text())
    assert env_id in table, (
        f"{env_id} has no golden fingerprint: run `python -m palaestra.testing --update {GOLDEN.name}` in tests/"
    )
    assert rollout_fingerprint(env_id) == table[env_id], (
        f"{env_id}: a seeded rollout changed. If dynamics, reward or observations changed on purpose, bump the "
        "ID's version and regenerate the fingerprints; otherwise this is a determinism regression."
    )


def test_goal_dict_and_vectorised_goal_api(goal_env_id, make_env):
    env, twin = make_env(goal_env_id), make_env(goal_env_id)
    obs, _ = env.reset(seed=3)
    twin.reset(seed=3)
    assert set(obs) == {"observation", "achieved_goal", "desired_goal"}
    base = env.unwrapped
    batch = 16
    rng = np.random.default_rng(0)
    goal_dim = obs["achieved_goal"].shape[0]
    achieved = (np.repeat(obs["achieved_goal"][None], batch, axis=0) + rng.normal(0, 0.05, (batch, goal_dim))).astype(
        obs["achieved_goal"].dtype
    )
    desired = np.repeat(obs["desired_goal"][None], batch, axis=0)
    achieved[0] = desired[0]  # one certain success
    infos = [{}] * batch
    rewards = base.compute_reward(achieved, desired, infos)
    terminated = base.compute_terminated(achieved, desired, infos)
    truncated = base.compute_truncated(achieved, desired, infos)
    assert rewards.shape == terminated.shape == truncated.shape == (batch,)
    assert terminated[0] and rewards[0] == rewards.max()
    if palaestra.get(goal_env_id).family == "manipulation":
        assert rewards[0] == 0.0  # Gymnasium-Robotics' sparse convention: 0 on success, -1 otherwise
    singles = [base.compute_reward(achieved[i], desired[i], {}) for i in range(batch)]
    np.testing.assert_array_equal(rewards, np.array(singles, dtype=rewards.dtype))
    # Pure: relabelling leaves the simulation untouched, so both envs step on identically.
    action = env.action_space.sample()
    assert _same(env.step(action)[0], twin.step(action)[0])


def test_dense_reward_is_minus_distance(manipulation_env_id, make_env):
    env = make_env(manipulation_env_id, reward_type="dense")
    obs, _ = env.reset(seed=4)
    obs, reward, *_ = env.step(np.zeros(env.action_space.shape))
    distance = env.unwrapped.task.goal_distance(obs["achieved_goal"], obs["desired_goal"])
    assert reward == pytest.approx(-float(distance), abs=1e-6)
    assert reward < 0


def test_joint_control_moves_the_arm(actuated_env_id, make_env):
    manipulation_env_id = actuated_env_id
    env = make_env(manipulation_env_id, control="joints")
    assert env.action_space.shape == (8,)
    env.reset(seed=0)
    before = env.unwrapped.robot.state().joints
    for _ in range(3):
        env.step(np.array([1.0, -1.0, 0, 0, 0, 0, 0, 0], dtype=np.float32))
    after = env.unwrapped.robot.state().joints
    assert after[0] - before[0] > 0.05 and before[1] - after[1] > 0.05


def test_rgb_array_frames_and_pixel_observations(manipulation_env_id, make_env):
    env = make_env(manipulation_env_id, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (84, 84, 3) and frame.dtype == np.uint8
    assert frame.std() > 5  # a real image, not a blank buffer
    pixels = make_env(manipulation_env_id, obs_mode="pixels")
    obs, _ = pixels.reset(seed=0)
    assert pixels.observation_space["observation"].contains(obs["observation"])


def test_nan_and_wrong_shape_actions_raise_naming_the_env(env_id, make_env):
    env = make_env(env_id)
    env.reset(seed=0)
    shape = env.action_space.shape
    with pytest.raises(ValueError, match=f"{env_id}.*NaN"):
        env.step(np.full(shape, np.nan))
    with pytest.raises(ValueError, match=f"{env_id}.*inf"):
        env.step(np.full(shape, np.inf))
    with pytest.raises(ValueError, match=rf"{env_id}.*shape \(3,\).*expected \({shape[0]},\)"):
        env.step(np.zeros(3))


def test_out_of_range_actions_are_clipped(manipulation_env_id, make_env):
    clipped, big = make_env(manipulation_env_id), make_env(manipulation_env_id)
    clipped.reset(seed=5)
    big.reset(seed=5)
    action = np.array([1.0, -1.0, 1.0] + [1.0] * (clipped.action_space.shape[0] - 3))
    a = clipped.step(action)[0]
    b = big.step(action * 50)[0]
    assert _same(a, b)


def test_unknown_kwargs_fail_clearly(env_id):
    with pytest.raises(TypeError, match=f"{env_id} got an unexpected keyword argument 'bogus'; accepted"):
        gym.make(env_id, bogus=1)


def test_bad_option_values_name_the_choices(manipulation_env_id):
    with pytest.raises(ValueError, match=f"{manipulation_env_id}: reward_type='shaped'.*'sparse', 'dense'"):
        gym.make(manipulation_env_id, reward_type="shaped")


def test_info_dicts_are_fresh_each_step(env_id, make_env):
    env = make_env(env_id)
    _, info0 = env.reset(seed=0)
    info1 = env.step(env.action_space.sample())[-1]
    snapshot = dict(info1)
    info2 = env.step(env.action_space.sample())[-1]
    assert info1 is not info2 and info0 is not info1
    assert info1 == snapshot


def test_unknown_id_lists_close_matches():
    with pytest.raises(palaestra.UnknownEnvironmentError, match="Did you mean: palaestra/Push-v0"):
        palaestra.make("palaestra/Pushh-v0")


def test_bare_names_resolve_to_newest_version():
    assert palaestra.get("Push").id == "palaestra/Push-v0"
    assert palaestra.get("palaestra/Push").id == "palaestra/Push-v0"


def test_closing_frees_the_physics_client():
    import resource  # noqa: F401  (POSIX only, like PyBullet's DIRECT mode tests here)

    def rss_mb() -> float:
        with open(f"/proc/{os.getpid()}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def cycle(n: int) -> None:
        for _ in range(n):
            env = gym.make("palaestra/Push-v0")
            env.reset(seed=0)
            env.close()

    cycle(50)  # warm-up: allocator pools, imports
    start = rss_mb()
    cycle(150)
    grown = rss_mb() - start
    # An unclosed Panda scene holds ~85 MB; 150 leaked ones would add over 10 GB.
    assert grown < 50, f"memory grew {grown:.0f} MB over 150 make/close cycles"
