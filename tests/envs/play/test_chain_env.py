"""PlayroomChain-v0: one episode is a chain of instructions, each judged by the oracle from where the last ended."""

import numpy as np
import pytest

import palaestra


def test_instructions_follow_each_other_without_reset_and_the_chain_ends_at_its_length():
    env = palaestra.make("palaestra/PlayroomChain-v0", length=2, tasks=["open_drawer", "close_drawer"]).unwrapped
    try:
        obs, info = env.reset(seed=4)
        tokens, still = obs["instruction"], np.zeros(env.action_space.shape)
        for done_so_far in (1, 2):
            # Do the instructed task through the scene: open the drawer fully, or close it.
            env.scene.set_drawer(0.15 if info["task"] == "open_drawer" else 0.0)
            asked = info["task"]
            obs, reward, terminated, _, info = env.step(still)
            assert (reward, info["chain_completed"]) == (1.0, done_so_far)
            if done_so_far == 1:
                # The next instruction is the other drawer task, asked from the state the first one left.
                assert not terminated and info["task"] != asked and not info["is_success"]
                assert not np.array_equal(obs["instruction"], tokens)
        assert terminated and info["is_success"]
        assert set(env.asked) == {"open_drawer", "close_drawer"}
    finally:
        env.close()


def test_an_instruction_not_done_in_its_budget_ends_the_chain():
    env = palaestra.make("palaestra/PlayroomChain-v0", steps_per_instruction=3)
    try:
        env.reset(seed=0)
        flags = [env.step(np.zeros(env.action_space.shape))[2] for _ in range(3)]
        assert flags == [False, False, True]
    finally:
        env.close()


def test_bad_chain_options_name_the_environment():
    with pytest.raises(ValueError, match="PlayroomChain-v0: length"):
        palaestra.make("palaestra/PlayroomChain-v0", length=0)
