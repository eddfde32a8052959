"""Copies by (cloud)pickle, as SuperSuit, Ray and multiprocessing make them: an independent env in the same state.

Parametrised by the registry, so every new environment is covered as soon as it is registered.
"""

from __future__ import annotations

import pickle

import cloudpickle
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence

import palaestra
from palaestra import registry

SINGLE = [r.id for r in registry.RECORDS if not r.multi_agent]
PARALLEL = [r.id for r in registry.RECORDS if r.parallel]


def _client_id(env) -> int | None:
    world = getattr(env.unwrapped, "world", None)
    return None if world is None else world.client._client


def _copy(env):
    return pickle.loads(cloudpickle.dumps(env))


def _single_steps(env, actions):
    trace = []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            trace.append(env.reset()[0])  # the unseeded reset continues the copied generator
    return trace


def _perturbed_pixels():
    from palaestra.wrappers import ColorJitter, Distractors, Dynamics, LightingJitter, Perturb, RandomWalk

    base = gym.make("palaestra/Push-v0", obs_mode="pixels", render_mode="rgb_array")
    spec = [ColorJitter(0.5), LightingJitter(0.5), Distractors(1.0, count=2),
            Dynamics(0.5, parameter="mass", schedule=RandomWalk(), resample_every=3), Dynamics(0.3, parameter="gravity")]
    return Perturb(base, spec)


@pytest.mark.parametrize("env_id", [*SINGLE, "pixels with colour, light, distractor and dynamics perturbations"])
def test_pickled_env_is_an_independent_copy_in_the_same_state(env_id):
    env = gym.make(env_id) if env_id in SINGLE else _perturbed_pixels()
    env.reset(seed=3)
    env.action_space.seed(3)
    for _ in range(5):
        env.step(env.action_space.sample())
    copy = _copy(env)
    if _client_id(env) is not None:
        assert _client_id(copy) != _client_id(env)
    actions = [env.action_space.sample() for _ in range(30)]
    # The copy steps first: had it shared the original's world, the original would continue from where the
    # copy left it, and the two traces would differ.
    from_copy = _single_steps(copy, actions)
    from_original = _single_steps(env, actions)
    assert data_equivalence(from_copy, from_original, exact=True)
    env.close()
    copy.step(actions[0])  # closing the original leaves the copy alive
    copy.close()


@pytest.mark.parametrize("env_id", PARALLEL)
def test_pickled_game_is_an_independent_copy_in_the_same_state(env_id):
    env = palaestra.make_parallel(env_id)
    env.reset(seed=3)
    spaces = {a: env.action_space(a) for a in env.possible_agents}
    for i, space in enumerate(spaces.values()):
        space.seed(i)

    def actions():
        return {a: spaces[a].sample() for a in env.agents}

    for _ in range(5):
        env.step(actions())
    copy = _copy(env)
    if _client_id(env) is not None:
        assert _client_id(copy) != _client_id(env)
    plan = [actions() for _ in range(30)]
    traces = []
    for game in (copy, env):
        trace = []
        for joint in plan:
            if not game.agents:
                break
            trace.append(game.step({a: joint[a] for a in game.agents}))
        traces.append(trace)
    assert data_equivalence(traces[0], traces[1], exact=True)
    env.close()
    copy.close()


class _Shipped:
    """An env factory for AsyncVectorEnv that hands over an existing env, pickled into the worker.

    AsyncVectorEnv also calls the factory once in the parent to read the spaces and then closes what it got,
    so the parent gets a fresh env of the same ID; only the unpickled factory in the worker holds the original.
    """

    def __init__(self, env, env_id: str) -> None:
        self.env, self.env_id, self.shipped = env, env_id, False

    def __getstate__(self):
        return {**self.__dict__, "shipped": True}

    def __call__(self):
        return self.env if self.shipped else gym.make(self.env_id)


@pytest.fixture(scope="module")
def forkserver():
    """Workers forked from a server that has imported palaestra once (a spawned worker takes seconds to start);
    the server holds no PyBullet client, so what a worker runs is only what was pickled to it."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["palaestra", "pybullet", "gymnasium"])
    return "forkserver"


@pytest.mark.parametrize("index, env_id", list(enumerate(SINGLE)))
def test_env_shipped_to_an_async_vector_env_worker_continues_the_original(index, env_id, forkserver):
    env = gym.make(env_id)
    env.reset(seed=5)
    env.action_space.seed(5)
    for _ in range(3):
        env.step(env.action_space.sample())
    shared_memory = index % 2 == 0  # both transfer modes, on alternate IDs
    vector = gym.vector.AsyncVectorEnv([_Shipped(env, env_id)], shared_memory=shared_memory, context=forkserver)
    try:
        for action in [env.action_space.sample() for _ in range(10)]:
            obs, reward, terminated, truncated, _ = vector.step(np.stack([action]))
            expected = env.step(action)
            assert data_equivalence(next(gym.vector.utils.iterate(vector.observation_space, obs)), expected[0], exact=True)
            assert (reward[0], terminated[0], truncated[0]) == expected[1:4]
            if expected[2] or expected[3]:
                break  # the vector env resets at its next step; a plain env does not
    finally:
        vector.close()
        env.close()


def test_a_world_that_a_replay_cannot_rebuild_refuses_to_be_copied():
    from palaestra.sim.world import World

    world = World()
    world.client.removeBody(world.add_box((0.02,) * 3, (0.0, 0.0, 0.02)))
    with pytest.raises(TypeError, match="removeBody"):
        cloudpickle.dumps(world)
    world.close()
    world = World()
    world.close()
    with pytest.raises(TypeError, match="closed"):
        cloudpickle.dumps(world)
