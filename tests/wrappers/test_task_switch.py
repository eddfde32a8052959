"""TaskSwitch: the instructed task itself changes mid-episode, with success, reward and tokens following it."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import palaestra
from palaestra.baselines.experts.play import PlayroomExpert
from palaestra.envs.play import oracle
from palaestra.wrappers import Perturb, TaskSwitch

gym.register_envs(palaestra)


def _switched(env_id: str, seed: int = 1, start: int = 3):
    env = Perturb(gym.make(env_id), TaskSwitch(1.0, rate=1.0, start=start, limit=1))
    obs, info = env.reset(seed=seed)
    return env, obs, info


@pytest.mark.parametrize("env_id", ["palaestra/PlayroomLanguage-v0", "palaestra/PlayroomChain-v0"])
def test_the_task_changes_to_another_feasible_one_and_is_logged(env_id):
    env, obs, info = _switched(env_id)
    first, tokens = info["task"], obs["instruction"].copy()
    events = []
    for _ in range(6):
        before = env.unwrapped.state
        obs, _, _, _, info = env.step(np.zeros(4, dtype=np.float32))
        if info["perturbations"]:
            (event,) = info["perturbations"]
            events.append(event)
            assert oracle.TASKS[event["target"]].feasible(before)
            assert env.unwrapped.instruction_start is not None
    (event,) = events
    assert event["kind"] == "task_switch" and event["previous"] == first != event["target"] == info["task"]
    assert (obs["instruction"] != tokens).any() and env.unwrapped.instruction == event["text"]
    if env_id.endswith("Chain-v0"):
        assert env.unwrapped.asked[-1] == event["target"]
    env.close()


def test_success_and_reward_follow_the_new_task():
    env, obs, info = _switched("palaestra/PlayroomLanguage-v0", seed=2, start=1)
    obs, reward, terminated, truncated, info = env.step(np.zeros(4, dtype=np.float32))
    (event,) = info["perturbations"]
    expert = PlayroomExpert(env)  # an operator who reads the new instruction from here on
    steps = 0
    while not (terminated or truncated) and steps < 150:
        obs, reward, terminated, truncated, info = env.step(expert(obs))
        steps += 1
    assert info["task"] == event["target"] != event["previous"]
    assert terminated and info["is_success"] and reward == 1.0
    env.close()


def test_an_environment_without_instructions_is_refused_by_name():
    env = Perturb(gym.make("palaestra/Push-v0"), TaskSwitch(1.0))
    env.reset(seed=0)
    with pytest.raises(TypeError, match="Push-v0: TaskSwitch needs an instructed playroom"):
        env.step(np.zeros(4, dtype=np.float32))
    env.close()
