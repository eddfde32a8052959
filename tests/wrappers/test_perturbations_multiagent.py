"""Perturbations on PettingZoo envs (per agent) and the adversarial two-player game."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.test import parallel_api_test

import palaestra
from palaestra.wrappers import ActionNoise, AdversarialEnv, ObservationNoise, PerturbParallel

_OBSERVATION = spaces.Box(-10.0, 10.0, shape=(2,), dtype=np.float64)
_ACTION = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float64)


class Echo(ParallelEnv):
    """Two agents on a line: each observes its position, moves by its action; 6 steps per episode."""

    def __init__(self):
        self.metadata = {"name": "echo_v0"}
        self.possible_agents = ["a", "b"]
        self.agents = []
        self.received = []

    def observation_space(self, agent):
        return _OBSERVATION

    def action_space(self, agent):
        return _ACTION

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.position = {a: np.zeros(2) for a in self.agents}
        self.t = 0
        return {a: self.position[a].copy() for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions):
        self.t += 1
        self.received.append({a: np.array(v) for a, v in actions.items()})
        for a, v in actions.items():
            self.position[a] = self.position[a] + v
        done = self.t >= 6
        obs = {a: self.position[a].copy() for a in self.agents}
        out = (obs, {a: 0.0 for a in self.agents}, {a: False for a in self.agents}, {a: done for a in self.agents},
               {a: {} for a in self.agents})
        if done:
            self.agents = []
        return out


def _play(env, seed, steps=6):
    observations, _ = env.reset(seed=seed)
    trace = [observations]
    for t in range(steps):
        observations, *_ = env.step({a: np.full(2, 0.1 * t) for a in env.agents})
        trace.append(observations)
    return np.array([[o[a] for a in sorted(o)] for o in trace])


def test_each_agent_gets_its_own_perturbation_stream():
    env = PerturbParallel(Echo(), [ObservationNoise(0.5), ActionNoise(0.2)])
    first = _play(env, seed=1)
    np.testing.assert_array_equal(first, _play(env, seed=1))
    assert not np.array_equal(first, _play(env, seed=2))
    # Both agents see identical clean observations in Echo, so any difference is their own noise.
    assert not np.array_equal(first[:, 0], first[:, 1])


def test_only_the_chosen_agents_are_perturbed():
    inner = Echo()
    env = PerturbParallel(inner, [ObservationNoise(0.5), ActionNoise(0.2)], agents=["b"])
    trace = _play(env, seed=0)
    clean = _play(Echo(), seed=0)
    np.testing.assert_array_equal(trace[:, 0], clean[:, 0])
    assert not np.array_equal(trace[:, 1], clean[:, 1])
    sent = inner.received[-1]
    np.testing.assert_array_equal(sent["a"], np.full(2, 0.5))
    assert np.all(np.abs(sent["b"]) <= 1.0) and not np.array_equal(sent["b"], np.full(2, 0.5))
    with pytest.raises(ValueError, match=r"agents \['c'\] are not among"):
        PerturbParallel(Echo(), "easy", agents=["c"])


def test_per_episode_choice_and_api_conformance():
    env = PerturbParallel(Echo(), ObservationNoise(0.5))
    observations, infos = env.reset(seed=0, options={"perturbation": []})
    assert all(np.array_equal(o, np.zeros(2)) for o in observations.values())
    assert infos == {"a": {"perturbations": []}, "b": {"perturbations": []}}
    parallel_api_test(PerturbParallel(Echo(), [ObservationNoise(0.1), ActionNoise(0.1)]), num_cycles=20)


def test_perturb_parallel_on_registered_competitive_games():
    games = [i for i in palaestra.ids(family="competitive") if _has_box_spaces(i)]
    assert "palaestra/Soccer2v2-v0" in games and "palaestra/Sumo-v0" in games
    for env_id in ("palaestra/Soccer2v2-v0", "palaestra/Sumo-v0"):
        env = PerturbParallel(palaestra.make_parallel(env_id), [ObservationNoise(0.01), ActionNoise(0.05)])
        parallel_api_test(env, num_cycles=30)
        env.close()


def _has_box_spaces(env_id):
    try:
        env = palaestra.make_parallel(env_id)
    except ValueError:  # AEC-only
        return False
    agent = env.possible_agents[0]
    ok = isinstance(env.observation_space(agent), spaces.Box) and isinstance(env.action_space(agent), spaces.Box)
    env.close()
    return ok


def test_adversary_passes_the_parallel_api_test_and_is_zero_sum():
    env = AdversarialEnv(gym.make("palaestra/Push-v0"), step_budget=0.05, episode_budget=0.2)
    parallel_api_test(env, num_cycles=60)
    env.reset(seed=0)
    _, rewards, *_, infos = env.step({"protagonist_0": np.zeros(4), "adversary_0": np.ones(3)})
    assert rewards["protagonist_0"] == -rewards["adversary_0"]
    assert infos["adversary_0"]["perturbations"][0]["magnitude"] == pytest.approx(0.05)
    env.close()


def test_adversary_budget_bounds_what_it_can_do():
    env = AdversarialEnv(gym.make("palaestra/Push-v0"), step_budget=0.05, episode_budget=0.12, mode="displacement")
    cube = env.scene.objects[0]
    env.reset(seed=0)
    start = env.scene.world.pose(cube)[0]
    sizes = []
    for _ in range(4):
        obs, _, _, _, infos = env.step({"protagonist_0": np.zeros(4), "adversary_0": np.array([1.0, 0.0, 0.0])})
        sizes += [e["magnitude"] for e in infos["adversary_0"]["perturbations"]]
    assert sizes == pytest.approx([0.05, 0.05, 0.02])
    assert obs["adversary_0"]["budget"][0] == 0.0
    moved = env.scene.world.pose(cube)[0] - start
    assert moved[0] == pytest.approx(0.12, abs=0.01)
    with pytest.raises(ValueError, match="Reach-v0.*no free object"):
        AdversarialEnv(gym.make("palaestra/Reach-v0"))
    env.close()
