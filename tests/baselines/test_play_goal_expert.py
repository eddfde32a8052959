"""The scripted expert of PlayroomGoal-v0: registered, goal-directed on every suite task, and refusing other envs."""

from __future__ import annotations

import gymnasium as gym
import pytest

from palaestra import registry
from palaestra.baselines.experts.play_goal import PlayroomGoalExpert
from palaestra.evaluation.goal_images import PLAY_LMP_TASKS, feasible_seeds
from palaestra.evaluation import evaluate

GOAL = "palaestra/PlayroomGoal-v0"
EPISODES = 3
# Rotations push the block from its sides, which shifts it: the goal's 5 cm / 15 degree target is missed about
# one time in three (docs/results/goal-images-expert.md); every other suite task is reached 19 or 20 times in 20.
LEAST = {task: (1 if task.startswith("rotate") else EPISODES) for task in PLAY_LMP_TASKS}


def test_the_goal_expert_is_registered_on_the_goal_env():
    record = registry.get(GOAL)
    assert record.load_expert() is PlayroomGoalExpert
    assert record.expert_threshold >= 0.9


@pytest.mark.parametrize("task", PLAY_LMP_TASKS)
def test_the_goal_expert_reaches_each_suite_task_from_seeded_feasible_starts(task):
    seeds = feasible_seeds(task, EPISODES, seed=500)  # apart from validate's seeds 0-99 and the suite's 0 on
    result = evaluate(PlayroomGoalExpert, GOAL, seeds=seeds, env_kwargs={"tasks": [task]})
    assert result.successes >= LEAST[task], f"{task}: {result.successes}/{EPISODES} on seeds {seeds}"


def test_the_goal_expert_refuses_an_env_without_a_goal_state_naming_it():
    env = gym.make("palaestra/PlayroomLanguage-v0")
    with pytest.raises(TypeError, match="PlayroomLanguage-v0: PlayroomGoalExpert needs palaestra/PlayroomGoal-v0"):
        PlayroomGoalExpert(env)
    env.close()
