"""Shared fixtures: the registry drives the parametrisation, so a new ID is tested as soon as it exists."""

import os
import warnings

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym  # noqa: E402
import pytest  # noqa: E402

from palaestra import registry  # noqa: E402  (importing palaestra registers its IDs with Gymnasium)

SINGLE_AGENT = [r.id for r in registry.RECORDS if not r.multi_agent]
# Goal-conditioned IDs (GoalEnv dict observations and vectorised compute_* methods).
GOAL = [r.id for r in registry.RECORDS if not r.multi_agent and "goal" in r.tags]
# Manipulation-suite IDs (Panda tasks with reward_type, control and obs_mode options).
MANIPULATION = [r.id for r in registry.RECORDS if r.family == "manipulation" and not r.multi_agent]
# Manipulation IDs whose actions reach the arm unaltered (perturbation presets delay and weaken them).
ACTUATED = [i for i in MANIPULATION if "perturbed" not in registry.get(i).tags]
MULTI_AGENT = [r.id for r in registry.RECORDS if r.multi_agent]


@pytest.fixture(params=SINGLE_AGENT)
def env_id(request):
    return request.param


@pytest.fixture(params=GOAL)
def goal_env_id(request):
    return request.param


@pytest.fixture(params=MANIPULATION)
def manipulation_env_id(request):
    return request.param


@pytest.fixture(params=ACTUATED)
def actuated_env_id(request):
    return request.param



@pytest.fixture
def make_env():
    """``make_env(id, **kwargs)``: gym.make whose environments are closed after the test."""
    made = []

    def make(env_id, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            env = gym.make(env_id, **kwargs)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()
