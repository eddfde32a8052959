"""Appearance and instruction perturbations, and the registered perturbed IDs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import palaestra
from palaestra import registry
from palaestra.wrappers import CameraJitter, ColorJitter, Distractors, InstructionSwitch, LightingJitter, Perturb


def _pixels(spec):
    return Perturb(gym.make("palaestra/Push-v0", obs_mode="pixels", render_mode="rgb_array").unwrapped, spec)


def test_each_visual_perturbation_changes_the_frame_but_not_the_physics():
    clean = _pixels([])
    reference, _ = clean.reset(seed=0)
    state = clean.unwrapped.task.observation()
    for spec in (ColorJitter(0.3), LightingJitter(0.8), CameraJitter(1.0), Distractors(1.0, count=3)):
        env = _pixels(spec)
        obs, info = env.reset(seed=0)
        assert obs["observation"].shape == reference["observation"].shape and obs["observation"].dtype == np.uint8
        assert np.mean(obs["observation"] != reference["observation"]) > 0.01, spec
        np.testing.assert_array_equal(env.unwrapped.task.observation(), state)
        assert info["perturbations"][0]["kind"] == spec.kind
        frame = env.step(np.zeros(4))[0]["observation"]
        np.testing.assert_array_equal(env.render(), frame)  # what a viewer sees is what the agent sees
        env.close()


def test_visual_changes_are_undone_at_reset():
    env = _pixels([ColorJitter(0.5), Distractors(1.0, count=2)])
    clean = _pixels([])
    env.reset(seed=0)
    plain, _ = env.reset(seed=0, options={"perturbation": []})
    np.testing.assert_array_equal(plain["observation"], clean.reset(seed=0)[0]["observation"])


class Instructed(gym.Wrapper):
    """A minimal stand-in for the language wrapper's instruction interface."""

    def __init__(self, env):
        super().__init__(env)
        self.instructions = ("push the cube left", "push the cube right", "leave the cube")
        self.instruction = self.instructions[0]

    def set_instruction(self, text):
        self.instruction = text


def test_instruction_switch_uses_the_language_interface_and_logs_it():
    inner = Instructed(gym.make("palaestra/Push-v0").unwrapped)
    env = Perturb(inner, InstructionSwitch(1.0, rate=1.0, start=2, limit=1))
    env.reset(seed=0)
    events = [e for _ in range(4) for e in env.step(np.zeros(4))[-1]["perturbations"]]
    assert len(events) == 1 and events[0]["step"] == 2 and events[0]["kind"] == "instruction"
    assert inner.instruction == events[0]["target"] != events[0]["previous"] == "push the cube left"
    bare = Perturb(gym.make("palaestra/Push-v0").unwrapped, InstructionSwitch(1.0))
    bare.reset(seed=0)
    with pytest.raises(TypeError, match="InstructionSwitch needs .*instructions"):
        bare.step(np.zeros(4))


def test_registered_presets_build_their_base_task_and_name_themselves_in_errors():
    perturbed = registry.ids(tag="perturbed")
    assert {registry.get(i).name for i in perturbed} >= {
        f"{task}-Perturbed-{level}" for task in ("Reach", "Push", "PickAndPlace") for level in ("Easy", "Medium", "Hard")
    }
    env_id = "palaestra/Push-Perturbed-Medium-v0"
    env = palaestra.make(env_id, reward_type="dense")
    assert env.unwrapped.task.name == "push" and env.unwrapped.reward_type.value == "dense"
    assert env.spec.max_episode_steps == registry.get("palaestra/Push-v0").max_episode_steps
    with pytest.raises(ValueError, match=f"{env_id}: reward_type='shaped'"):
        palaestra.make(env_id, reward_type="shaped")
    with pytest.raises(TypeError, match=f"{env_id} got an unexpected keyword argument 'bogus'; accepted"):
        palaestra.make(env_id, bogus=1)
    env.close()


@pytest.mark.parametrize("task", ["Reach", "Push", "PickAndPlace"])
def test_presets_share_the_base_expert_and_thresholds_do_not_rise_with_difficulty(task):
    records = [registry.get(f"palaestra/{task}-Perturbed-{level}-v0") for level in ("Easy", "Medium", "Hard")]
    assert {r.expert for r in records} == {registry.get(f"palaestra/{task}-v0").expert}
    thresholds = [r.expert_threshold for r in records]
    assert thresholds == sorted(thresholds, reverse=True)
