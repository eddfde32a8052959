"""The Play-LMP-style goal-image suite (palaestra.evaluation.goal_images): its 18 tasks, the per-task report, determinism and refused inputs."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.baselines.experts.play_goal import PlayroomGoalExpert
from palaestra.envs.play import oracle
from palaestra.envs.play.env import PlayroomEnv
from palaestra.evaluation.goal_images import PLAY_LMP_TASKS, evaluate_goal_tasks, feasible_seeds, random_policy


def test_the_suite_names_18_distinct_oracle_tasks_of_18_kinds():
    assert len(PLAY_LMP_TASKS) == len(set(PLAY_LMP_TASKS)) == 18
    assert set(PLAY_LMP_TASKS) <= set(oracle.TASKS)
    assert len({oracle.TASKS[t].kind for t in PLAY_LMP_TASKS}) == 18


def test_feasible_seeds_start_where_the_task_can_be_asked():
    seeds = feasible_seeds("take_block_off_shelf", 3, seed=7)
    assert len(seeds) == 3 and seeds == sorted(seeds) and seeds[0] >= 7
    env = PlayroomEnv()
    for seed in seeds:
        env.reset(seed=seed)
        assert oracle.TASKS["take_block_off_shelf"].feasible(env.start_state)
    env.close()


def test_the_report_has_one_row_per_task_in_order_and_repeats_exactly():
    tasks = ["turn_on_lamp", "open_drawer", "push_green_block_left"]
    result = evaluate_goal_tasks(PlayroomGoalExpert, tasks=tasks, episodes=2, seed=3)
    assert [row.task for row in result.rows] == tasks
    assert all(row.episodes == 2 and len(row.successes) == 2 for row in result.rows)
    assert result.goal_images and result.policy == "PlayroomGoalExpert" and result.steps > 0
    assert result.success_rate == np.mean([row.success_rate for row in result.rows])
    lines = result.markdown().splitlines()
    assert len(lines) == 2 + len(tasks) + 1 and lines[2].startswith("| turn_on_lamp | ")
    assert lines[-1].startswith("| **mean over 3 tasks** |")
    again = evaluate_goal_tasks(PlayroomGoalExpert, tasks=tasks, episodes=2, seed=3)
    assert again.rows == result.rows


def test_a_random_policy_gets_a_goal_image_and_a_row_per_task():
    seen = []

    def factory(env):
        act = random_policy(env)

        def policy(obs):
            seen.append(obs["desired_goal"].shape)
            return act(obs)
        return policy

    result = evaluate_goal_tasks(factory, tasks=["turn_off_bulb"], episodes=1)
    assert [row.task for row in result.rows] == ["turn_off_bulb"] and seen and set(seen) == {(84, 84, 3)}
    plain = evaluate_goal_tasks(random_policy, tasks=["turn_off_bulb"], episodes=1, goal_images=False)
    assert not plain.goal_images and plain.rows[0].seeds == result.rows[0].seeds


@pytest.mark.parametrize("bad, match", [
    ({"tasks": ["fly_away"]}, r"PlayroomGoal-v0: unknown or no tasks \['fly_away'\]"),
    ({"tasks": "open_drawer"}, r"PlayroomGoal-v0: tasks='open_drawer'; expected None or a non-empty list"),
    ({"tasks": []}, r"PlayroomGoal-v0: tasks=\[\]; expected None or a non-empty list"),
    ({"episodes": 0}, r"PlayroomGoal-v0: episodes=0; expected a positive integer"),
    ({"seed": -1}, r"PlayroomGoal-v0: seed=-1; expected None or a non-negative integer"),
    ({"seed": None}, r"PlayroomGoal-v0 goal suite: tasks=.*seed=None; expected"),
    ({"env_kwargs": {"tasks": ["open_drawer"]}}, r"PlayroomGoal-v0 goal suite: env_kwargs may not hold 'tasks'"),
    ({"env_kwargs": {"colour": "red"}}, r"PlayroomGoal-v0.*colour"),
])
def test_bad_inputs_are_refused_naming_the_env(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        evaluate_goal_tasks(random_policy, **{"tasks": ["open_drawer"], "episodes": 1, **bad})
