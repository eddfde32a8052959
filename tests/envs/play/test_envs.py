"""The playroom environments: free play, goal-state and language conditioning (chains: test_chain_env.py)."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra import instructions, registry
from palaestra.envs.play.goal import target_state
from palaestra.envs.play.language_env import MAX_TOKENS
from palaestra.envs.play.state import GOAL, GOAL_DIM

ZERO = np.zeros(4, dtype=np.float32)


BASE_IDS = ["palaestra/Playroom-v0", "palaestra/PlayroomGoal-v0", "palaestra/PlayroomLanguage-v0", "palaestra/PlayroomChain-v0"]


def test_the_family_is_registered_with_its_tags():
    scene_ids = [i.replace("-v0", f"-{s}-v0") for i in BASE_IDS for s in "BCD"]
    assert registry.ids(family="play") == BASE_IDS + scene_ids
    assert registry.ids(family="play", tag="scenes") == scene_ids
    assert registry.ids(family="play", tag="goal") == ["palaestra/PlayroomGoal-v0"] + scene_ids[3:6]
    assert registry.ids(family="play", tag="language") == BASE_IDS[2:] + scene_ids[6:]
    for i in scene_ids:
        assert registry.get(i).kwargs["scene"] == i.split("-")[-2]


def test_free_play_never_rewards_or_ends(make_env):
    env = make_env("palaestra/Playroom-v0")
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(30):
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert reward == 0.0 and not terminated and not truncated


def test_pixel_observations_are_two_camera_frames(make_env):
    env = make_env("palaestra/Playroom-v0", obs_mode="pixels", gripper_size=48)
    obs, _ = env.reset(seed=0)
    assert obs["static"].shape == (84, 84, 3) and obs["gripper"].shape == (48, 48, 3)
    assert env.observation_space.contains(obs) and obs["static"].std() > 5 and obs["gripper"].std() > 5
    for _ in range(4):
        moved, *_ = env.step(np.array([0.0, 0.0, -1.0, 0.0], dtype=np.float32))
    assert not np.array_equal(moved["gripper"], obs["gripper"])  # the hand camera moves with the hand


def test_language_episode_pays_once_the_oracle_sees_the_instruction_done(make_env):
    env = make_env("palaestra/PlayroomLanguage-v0", tasks=["open_drawer", "close_drawer"])
    obs, info = env.reset(seed=1)
    base = env.unwrapped
    assert info["task"] in ("open_drawer", "close_drawer") and info["instruction"] == base.instruction
    assert info["instruction"] in instructions.phrasings("play", info["task"]).train
    assert obs["instruction"].shape == (MAX_TOKENS,) and env.observation_space.contains(obs)
    assert instructions.vocabulary().decode(obs["instruction"]) == " ".join(instructions.words(base.instruction))
    _, reward, terminated, _, info = env.step(ZERO)
    assert reward == 0.0 and not terminated and not info["is_success"]
    base.scene.set_drawer(0.15 if info["task"] == "open_drawer" else 0.0)
    _, reward, terminated, _, info = env.step(ZERO)
    assert reward == 1.0 and terminated and info["is_success"]


def test_instruct_starts_a_new_instruction_from_the_current_state(make_env):
    env = make_env("palaestra/PlayroomLanguage-v0", split="heldout")
    env.reset(seed=2)
    base = env.unwrapped
    lamp = base.state.lamp
    task = "turn_off_lamp" if lamp else "turn_on_lamp"
    base.instruct(task)
    assert base.instruction in instructions.phrasings("play", task).heldout
    obs, reward, *_ = env.step(ZERO)
    assert reward == 0.0
    np.testing.assert_array_equal(obs["instruction"], base.vocabulary.encode(base.instruction, MAX_TOKENS))
    base.scene.set_button(0.025)
    base.scene.read_state()  # the scene sees the press (the spring lifts the cap during the next step)
    _, reward, terminated, _, info = env.step(ZERO)
    assert reward == 1.0 and terminated and info["task"] == task
    with pytest.raises(ValueError, match="PlayroomLanguage-v0: unknown task 'dance'"):
        base.instruct("dance")


def test_goal_episode_succeeds_at_its_target_scene(make_env):
    env = make_env("palaestra/PlayroomGoal-v0", tasks=["move_door_left", "move_door_right"])
    obs, info = env.reset(seed=4)
    base = env.unwrapped
    desired = obs["desired_goal"]
    mask = desired[GOAL_DIM:]
    assert mask[GOAL["door"]][0] == 1.0 and mask.sum() == 1.0  # only the door counts
    _, reward, terminated, _, _ = env.step(ZERO)
    assert reward == -1.0 and not terminated
    base.scene.set_door(target_state(base.start_state, desired).door)
    obs, reward, terminated, _, info = env.step(ZERO)
    assert reward == 0.0 and terminated and info["is_success"] and info["task"] in ("move_door_left", "move_door_right")
    # Hindsight: an achieved goal relabelled as the desired one is a success, in a batch as singly.
    batch = np.stack([obs["achieved_goal"], obs["desired_goal"]])
    np.testing.assert_array_equal(base.compute_reward(batch, batch[::-1].copy(), [{}, {}]), [0.0, 0.0])


def test_goal_success_ignores_unmasked_features_and_wraps_yaw(make_env):
    base = make_env("palaestra/PlayroomGoal-v0").unwrapped
    desired = np.zeros(2 * GOAL_DIM, dtype=np.float32)
    desired[GOAL_DIM + GOAL["red_yaw"].start] = 1.0
    desired[GOAL["red_yaw"]] = np.pi - 0.05
    achieved = np.tile(desired, (3, 1))
    achieved[0, GOAL["blue_position"]] = 5.0  # an unmasked feature far away
    achieved[1, GOAL["red_yaw"]] = -np.pi + 0.05  # 0.1 rad away across the wrap
    achieved[2, GOAL["red_yaw"]] = 0.0
    np.testing.assert_array_equal(base.compute_terminated(achieved, np.tile(desired, (3, 1)), None), [True, True, False])


@pytest.mark.parametrize(
    "env_id, kwargs, message",
    [
        ("palaestra/PlayroomLanguage-v0", {"split": "test"}, "split='test'.*'train', 'heldout'"),
        ("palaestra/PlayroomGoal-v0", {"tasks": ["fly"]}, r"unknown or no tasks \['fly'\]"),
        ("palaestra/Playroom-v0", {"obs_mode": "rgb"}, "obs_mode='rgb'.*'state', 'pixels'"),
    ],
)
def test_bad_options_name_the_environment_and_the_choices(make_env, env_id, kwargs, message):
    with pytest.raises(ValueError, match=f"{env_id}: {message}"):
        make_env(env_id, **kwargs)
