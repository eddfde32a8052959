"""Goal wrappers: goal injection, samplers and splits, the curriculum, hindsight relabelling, goal images."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from palaestra import registry
from palaestra.baselines.experts.play_goal import PlayroomGoalExpert
from palaestra.testing import strip_make_wrappers
from palaestra.wrappers.goals import Curriculum, GoalImage, GoalSpace, GoalWrapper, Uniform, relabel

# The manipulation tasks themselves (registered variants such as perturbation presets share their tasks).
TASK_IDS = [r.id for r in registry.MANIPULATION]


def _make(env_id: str, **kwargs) -> gym.Env:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gym.make(env_id, **kwargs)


@pytest.mark.parametrize("env_id", TASK_IDS)
def test_each_split_injects_goals_from_its_own_region(env_id):
    for split, held_out in (("ood", True), ("iid", False)):
        env = GoalWrapper(_make(env_id), sampler="uniform", split=split)
        for seed in range(3):
            obs, info = env.reset(seed=seed)
            goal = obs["desired_goal"]
            assert info["goal_held_out"] is held_out
            assert env.space.held_out(env.space.unit(goal)) is held_out
            np.testing.assert_allclose(env.space.goal(env.space.unit(goal)), goal, atol=1e-5)
            # The task keeps its start away from an injected goal, as from its own: no episode starts solved.
            assert not info["is_success"], (env_id, seed)
            assert env.unwrapped.task.goal_problem(goal.astype(float)) is None
        env.close()


@pytest.mark.parametrize("env_id", ["palaestra/Push-v0", "palaestra/Stack-v0", "palaestra/Flip-v0", "palaestra/SlideDoor-v0"])
def test_goal_wrapper_passes_check_env_and_replays_bit_for_bit(env_id):
    env = GoalWrapper(strip_make_wrappers(_make(env_id)), sampler="curriculum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)

    def rollout(seed: int) -> list[np.ndarray]:
        obs, _ = env.reset(seed=seed)
        trace = [obs["desired_goal"], obs["observation"]]
        for _ in range(3):
            obs, *_ = env.step(np.full(env.action_space.shape, 0.5, dtype=np.float32))
            trace.append(obs["observation"])
        trace += [env.reset()[0]["desired_goal"] for _ in range(3)]  # unseeded resets continue the stream
        return trace

    first = rollout(5)
    rollout(6)
    again = rollout(5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], rollout(6)[0])
    env.close()


def test_an_explicit_goal_option_wins_and_a_bad_one_names_the_env_and_the_space():
    env = GoalWrapper(_make("palaestra/Push-v0"))
    goal = np.array([0.1, -0.1, 0.02])
    obs, info = env.reset(seed=0, options={"goal": goal})
    np.testing.assert_allclose(obs["desired_goal"], goal, atol=1e-6)
    assert info["goal_held_out"] is False
    with pytest.raises(ValueError, match=r"palaestra/Push-v0: options\['goal'\].*outside the goal space"):
        env.reset(options={"goal": [0.5, 0.0, 0.02]})
    with pytest.raises(ValueError, match=r"palaestra/Push-v0: options\['goal'\] has shape \(2,\), expected \(3,\)"):
        env.reset(options={"goal": [0.0, 0.0]})
    flip, stack = _make("palaestra/Flip-v0"), _make("palaestra/Stack-v0")
    with pytest.raises(ValueError, match="palaestra/Flip-v0.*not start with a horizontal unit vector"):
        flip.reset(options={"goal": [0.5, 0.5, 0.0, 1.0]})
    with pytest.raises(ValueError, match="palaestra/Stack-v0.*one cube height above"):
        stack.reset(options={"goal": [0.0, 0.0, 0.02, 0.1, 0.0, 0.06, 1.0]})
    for e in (env, flip, stack):
        e.close()


def test_unknown_sampler_and_split_and_non_goal_envs_fail_clearly():
    with pytest.raises(ValueError, match="Reach-v0: unknown goal sampler 'hard'.*'uniform', 'curriculum'"):
        GoalWrapper(_make("palaestra/Reach-v0"), sampler="hard")
    with pytest.raises(ValueError, match="Reach-v0: unknown goal split 'test'.*'all', 'iid', 'ood'"):
        GoalWrapper(_make("palaestra/Reach-v0"), split="test")
    with pytest.raises(TypeError, match="CartPole-v1: goal wrappers need a goal-conditioned"):
        GoalWrapper(gym.make("CartPole-v1"))


def _space(env_id: str) -> GoalSpace:
    env = _make(env_id)
    space = GoalSpace.of(env)
    env.close()
    return space


@pytest.mark.parametrize("env_id", ["palaestra/Reach-v0", "palaestra/Flip-v0"])
def test_a_quarter_of_goal_space_is_held_out(env_id):
    space, rng = _space(env_id), np.random.default_rng(0)
    held = np.mean([space.held_out(Uniform().sample(space, "all", rng)) for _ in range(2000)])
    assert 0.22 < held < 0.28
    assert not any(space.held_out(Uniform().sample(space, "iid", rng)) for _ in range(200))


def test_curriculum_samples_bins_of_intermediate_success_most_and_restores_its_state():
    space, curriculum = _space("palaestra/OpenDrawer-v0"), Curriculum(eps=0.02)
    solved, hopeless, halfway = np.array([0.05]), np.array([0.3]), np.array([0.55])
    for i in range(40):
        curriculum.update(space, solved, True)
        curriculum.update(space, hopeless, False)
        curriculum.update(space, halfway, i % 2 == 0)
    rng = np.random.default_rng(1)
    bins = np.array([int(curriculum.sample(space, "all", rng)[0] * 8) for _ in range(3000)])
    counts = np.bincount(bins, minlength=8)
    assert counts[4] > 2 * counts[0] and counts[4] > 2 * counts[2]
    # Unseen bins (success unknown) are sampled more than the solved and hopeless ones.
    assert counts[1] > counts[0] and counts[1] > counts[2]
    assert counts[6:].sum() > 0  # the held-out bins are in the "all" split
    iid = [curriculum.sample(space, "iid", rng) for _ in range(300)]
    assert not any(space.held_out(u) for u in iid)

    restored = Curriculum(eps=0.02)
    restored.load_state_dict(curriculum.state_dict())
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    assert all(np.array_equal(curriculum.sample(space, "all", a), restored.sample(space, "all", b)) for _ in range(20))


def test_the_wrapper_feeds_each_episode_outcome_to_the_curriculum_once():
    env = GoalWrapper(_make("palaestra/Reach-v0"), sampler="curriculum")
    for seed in range(2):
        env.reset(seed=seed)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step(np.zeros(4, dtype=np.float32))
            done = terminated or truncated
        env.step(np.zeros(4, dtype=np.float32))  # stepping past the end records nothing more
    assert env.sampler.attempts.sum() == 2
    env.close()


def _episode(env: gym.Env, seed: int, steps: int = 12) -> dict:
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    observations, actions, rewards = [obs], [], []
    for _ in range(steps):
        action = (0.4 * rng.uniform(-1, 1, env.action_space.shape)).astype(np.float32)
        obs, reward, *_ = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(reward)
    stacked = {key: np.stack([o[key] for o in observations]) for key in observations[0]}
    return {"observations": stacked, "actions": np.array(actions), "rewards": np.array(rewards)}


@pytest.mark.parametrize("reward_type", ["dense", "sparse"])
def test_relabelled_rewards_are_the_rewards_the_env_gives_for_the_new_goal(reward_type):
    # Reach's dynamics do not depend on its goal, so replaying the actions with the relabelled goal injected
    # gives the env's own rewards for that goal.
    env = _make("palaestra/Reach-v0", reward_type=reward_type)
    episode = _episode(env, seed=3)
    final = relabel(episode, env, strategy="final")
    goal = episode["observations"]["achieved_goal"][-1]
    assert (final["observations"]["desired_goal"] == goal).all()
    env.reset(seed=3, options={"goal": goal})
    replay = [env.step(a)[1] for a in episode["actions"]]
    np.testing.assert_allclose(final["rewards"], replay, atol=1e-6)
    assert final["terminations"][-1] and final["rewards"][-1] == 0.0
    env.close()


@pytest.mark.parametrize("strategy", ["future", "episode"])
def test_relabelled_goals_come_from_the_right_steps(strategy):
    env = _make("palaestra/Push-v0")
    episode = _episode(env, seed=1)
    steps = len(episode["actions"])
    out = relabel(episode, env, strategy=strategy, k=4, rng=np.random.default_rng(0))
    achieved = episode["observations"]["achieved_goal"]
    assert out["actions"].shape == (steps * 4, 4) and out["rewards"].shape == (steps * 4,)
    t = np.repeat(np.arange(steps), 4)
    for i, goal in enumerate(out["observations"]["desired_goal"]):
        sources = np.flatnonzero((achieved == goal).all(axis=1))
        first = t[i] + 1 if strategy == "future" else 1
        assert (sources >= first).any()
    np.testing.assert_array_equal(out["observations"]["observation"], episode["observations"]["observation"][t])
    np.testing.assert_array_equal(out["next_observations"]["achieved_goal"], achieved[t + 1])
    expected = env.unwrapped.compute_reward(achieved[t + 1], out["observations"]["desired_goal"], {})
    np.testing.assert_array_equal(out["rewards"], expected)
    again = relabel(episode, env, strategy=strategy, k=4, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(again["observations"]["desired_goal"], out["observations"]["desired_goal"])
    with pytest.raises(ValueError, match="Push-v0: unknown relabelling strategy 'past'"):
        relabel(episode, env, strategy="past")
    env.close()


@pytest.mark.parametrize("env_id", ["palaestra/Reach-v0", "palaestra/Push-v0", "palaestra/Stack-v0", "palaestra/Flip-v0", "palaestra/OpenDrawer-v0"])
def test_goal_images_leave_the_episode_untouched(env_id):
    plain, imaged = _make(env_id, render_mode="rgb_array"), GoalImage(_make(env_id, render_mode="rgb_array"))
    a, _ = plain.reset(seed=2)
    b, info = imaged.reset(seed=2)
    assert imaged.observation_space.contains(b)
    np.testing.assert_array_equal(info["goal"], a["desired_goal"])
    image = b["desired_goal"]
    assert image.std() > 5
    assert np.abs(image.astype(int) - plain.render().astype(int)).sum() > 0  # the goal state is not the start
    for step in range(8):
        action = np.full(plain.action_space.shape, 0.7 if step % 2 else -0.4, dtype=np.float32)
        a, ra, ta, _, _ = plain.step(action)
        b, rb, tb, _, _ = imaged.step(action)
        assert np.array_equal(a["observation"], b["observation"]) and (ra, ta) == (rb, tb)
        np.testing.assert_array_equal(a["achieved_goal"], b["achieved_goal"])
        np.testing.assert_array_equal(b["desired_goal"], image)
    other, _ = imaged.reset(seed=3)
    assert not np.array_equal(other["desired_goal"], image)
    plain.close()
    imaged.close()


@pytest.mark.parametrize("env_id", ["palaestra/PickAndPlace-v0", "palaestra/PlayroomGoal-v0"])
def test_goal_image_wrapper_passes_check_env(env_id):
    env = GoalImage(strip_make_wrappers(_make(env_id)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    env.close()


@pytest.mark.parametrize("obs_mode", ["state", "pixels"])
def test_playroom_goal_images_leave_the_episode_bit_identical(obs_mode):
    plain = _make("palaestra/PlayroomGoal-v0", obs_mode=obs_mode, render_mode="rgb_array")
    imaged = GoalImage(_make("palaestra/PlayroomGoal-v0", obs_mode=obs_mode, render_mode="rgb_array"))
    images = []
    for seed in (0, 1):  # a block task and the drawer: the goal scene differs from the start
        a, info_a = plain.reset(seed=seed)
        b, info = imaged.reset(seed=seed)
        assert imaged.observation_space.contains(b) and info["task"] == info_a["task"]
        np.testing.assert_array_equal(info["goal"], a["desired_goal"])
        image = b["desired_goal"]
        assert np.abs(image.astype(int) - plain.render().astype(int)).sum() > 0  # the goal scene, not the start
        images.append(image)
        # The experts touch things (contacts are where a restore could leave a trace); each drives its own copy.
        expert_a, expert_b = PlayroomGoalExpert(plain), PlayroomGoalExpert(imaged)
        for step in range(40):
            if step % 5 == 1:  # rendering the goal mid-episode changes nothing either
                imaged.unwrapped.render_goal()
            action = expert_a(a)
            np.testing.assert_array_equal(action, expert_b(b))
            a, ra, ta, _, ia = plain.step(action)
            b, rb, tb, _, ib = imaged.step(action)
            if ta:
                break
            for key in ("observation", "achieved_goal"):
                if obs_mode == "pixels" and key == "observation":
                    for view in a[key]:
                        np.testing.assert_array_equal(a[key][view], b[key][view])
                else:
                    np.testing.assert_array_equal(a[key], b[key])
            assert (ra, ta, ia["is_success"]) == (rb, tb, ib["is_success"])
            np.testing.assert_array_equal(b["desired_goal"], image)
        np.testing.assert_array_equal(plain.render(), imaged.render())
    assert not np.array_equal(images[0], images[1])
    again = GoalImage(_make("palaestra/PlayroomGoal-v0", obs_mode=obs_mode))
    np.testing.assert_array_equal(again.reset(seed=1)[0]["desired_goal"], images[1])
    for env in (plain, imaged, again):
        env.close()


def test_playroom_goal_image_before_reset_and_goal_wrapper_are_refused_naming_the_env():
    env = _make("palaestra/PlayroomGoal-v0")
    with pytest.raises(RuntimeError, match="PlayroomGoal-v0: render_goal\\(\\) needs a goal: call reset\\(\\) first"):
        env.unwrapped.render_goal()
    with pytest.raises(TypeError, match="PlayroomGoal-v0: goal wrappers need .* choose them with its tasks= argument"):
        GoalWrapper(env)
    with pytest.raises(TypeError, match="PlayroomLanguage-v0: GoalImage needs a goal env that can show its goal"):
        GoalImage(_make("palaestra/PlayroomLanguage-v0"))
    env.close()
