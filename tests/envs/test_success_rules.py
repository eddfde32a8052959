"""Honest success rules of the Panda tasks: no success while the robot still holds the result, and an object
that leaves the workspace ends the episode instead of falling forever."""

from __future__ import annotations

import numpy as np

from palaestra.envs.manipulation.env import ManipulationEnv


def test_stack_is_not_a_success_while_the_upper_cube_is_carried():
    env = ManipulationEnv("stack")
    env.reset(seed=0)
    task = env.task
    # Both cubes exactly on target, resting: success.
    task.place_at_goal()
    obs, _, terminated, _, info = env.step(np.zeros(4, np.float32))
    assert info["is_success"] and terminated and obs["achieved_goal"][6] == 1.0
    # The upper cube lifted 4 cm above its target (carried): no longer a success, though within 5 cm.
    env.world.set_pose(task.cubes[1], task.goal[3:6] + (0.0, 0.0, 0.04))
    env.world.client.performCollisionDetection()
    achieved = task.achieved_goal()
    assert achieved[6] == 0.0
    assert not task.is_success(achieved, task.goal)
    # The vectorised reward agrees with the flag, one row per goal.
    rewards = env.compute_reward(np.stack([achieved, task.goal]), np.stack([task.goal, task.goal]), {})
    np.testing.assert_array_equal(rewards, [-1.0, 0.0])
    env.close()


def test_flip_needs_the_block_lying_on_the_table_by_itself():
    env = ManipulationEnv("flip")
    env.reset(seed=0)
    task = env.task
    task.place_at_goal()
    env.step(np.zeros(4, np.float32))
    assert task.achieved_goal()[3] == 1.0 and task.is_success(task.achieved_goal(), task.goal)
    # The same pose 10 cm up in the air (as if held sideways): the axis matches, the flag does not.
    position, orientation = env.world.pose(task.object)
    env.world.set_pose(task.object, position + (0.0, 0.0, 0.1), orientation)
    env.world.client.performCollisionDetection()
    achieved = task.achieved_goal()
    assert np.linalg.norm(achieved[:3] - task.goal[:3]) < 0.05 and achieved[3] == 0.0
    assert not task.is_success(achieved, task.goal)
    env.close()


def test_an_object_leaving_the_workspace_truncates_the_episode():
    env = ManipulationEnv("push")
    env.reset(seed=0)
    env.world.set_pose(env.task.object, (0.3, 0.6, 0.02))  # past the table's edge (|y| <= 0.45): it falls
    for _ in range(20):
        _, _, terminated, truncated, info = env.step(np.zeros(4, np.float32))
        if truncated:
            break
    assert truncated and not terminated
    assert info["truncation_reason"] == "an object left the workspace"
    env.close()
