"""Each library that consumes palaestra environments, driven the way its users drive it (one test per consumer):
stable-baselines3's checker and HER buffer, PettingZoo's render test, TorchRL's wrappers, SuperSuit's vector
conversion. Gymnasium's check_env with its defaults runs on every ID in test_conformance.py. Consumers outside
the core dependencies come with the ``consumers`` extra (part of ``test``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest

import palaestra
from palaestra.wrappers import FixedRoster, GoalWrapper, Instruction, Perturb

MULTI_AGENT = [i for i in palaestra.ids() if palaestra.get(i).multi_agent]
# PettingZoo's render test on every game (AEC, as render_test drives it); run in-process and in a fresh process.
RENDER_TEST_ALL_GAMES = """
import palaestra
from pettingzoo.test import render_test
for env_id in palaestra.ids():
    if palaestra.get(env_id).multi_agent:
        render_test(lambda **kwargs: palaestra.make_aec(env_id, **kwargs))
print("rendered")
"""


def test_pettingzoo_render_test_passes_for_every_game_headless(monkeypatch):
    # render_test keeps one human env open while it opens another: PyBullet games (Sumo, Boxing) fall back to
    # headless for the second, and with no display at all every human mode runs headless.
    monkeypatch.delenv("DISPLAY", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(RENDER_TEST_ALL_GAMES, {})


def test_pettingzoo_render_test_passes_for_every_game_in_a_real_window():
    if os.environ.get("DISPLAY"):
        command = [sys.executable]
    elif shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", sys.executable]
    else:
        pytest.skip("no display: DISPLAY is not set and xvfb-run is not installed (apt-get install xvfb)")
    # A fresh process: PyBullet allows one window per process, and real (not dummy) SDL video.
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    done = subprocess.run([*command, "-c", RENDER_TEST_ALL_GAMES], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and "rendered" in done.stdout, done.stderr[-3000:]


def test_torchrl_gym_env_by_id():
    torchrl_envs = pytest.importorskip("torchrl.envs")
    from torchrl.envs.utils import check_env_specs

    gym.register_envs(palaestra)
    # GymEnv passes frameskip=1 and drops it only on Python's "unexpected keyword argument" wording.
    env = torchrl_envs.GymEnv("palaestra/Reach-v0")
    check_env_specs(env)
    # Seeded, and not cut short: unseeded, a random rollout now and then reached the goal at step 2 and stopped
    # there (CI, 2026-12-03).
    env.set_seed(0)
    assert env.rollout(5, break_when_any_done=False)["next", "desired_goal"].shape == (5, 3)
    env.close()


@pytest.mark.parametrize("env_id", MULTI_AGENT)
def test_torchrl_pettingzoo_wrapper_by_id(env_id):
    torch = pytest.importorskip("torch")
    torchrl_envs = pytest.importorskip("torchrl.envs")
    from torchrl.envs.utils import check_env_specs

    torch.manual_seed(0)  # TorchRL's random actions draw from torch's global generator
    game = palaestra.make_parallel(env_id) if palaestra.get(env_id).parallel else palaestra.make_aec(env_id)
    env = torchrl_envs.PettingZooWrapper(game, use_mask=True, seed=0)
    # Not check_env_specs' default ("both"): after its rollout that stops at the first done, it draws a random
    # action on the terminal state, where a game over in under 3 moves (one-hand Kuhn, Liar's Dice) has no legal
    # move left, and its masked sampling fails.
    check_env_specs(env, break_when_any_done=False)
    env.rollout(40, break_when_any_done=False)  # past a match end in the short games
    env.close()


def test_stable_baselines3_check_env_and_her_through_palaestra_wrappers():
    pytest.importorskip("stable_baselines3")
    from stable_baselines3 import SAC, HerReplayBuffer
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    def wrapped():
        return Instruction(Perturb(GoalWrapper(palaestra.make("palaestra/Push-v0")), "hard"))

    for env in (Perturb(palaestra.make("palaestra/Push-v0"), "push-hard"), wrapped()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sb3_check_env(env)
        obs, _ = env.reset(seed=0)
        batch = np.stack([obs["achieved_goal"]] * 3)
        assert env.compute_reward(batch, batch, [{}] * 3).shape == (3,)
        assert env.compute_terminated(batch, batch, [{}] * 3).all()
    assert not hasattr(Perturb(palaestra.make("palaestra/Playroom-v0"), "medium"), "compute_reward")
    model = SAC("MultiInputPolicy", wrapped(), replay_buffer_class=HerReplayBuffer, learning_starts=60,
                batch_size=16, buffer_size=500, policy_kwargs={"net_arch": [8]}, device="cpu", seed=0)
    model.learn(80)  # HER relabels through the wrapper chain
    assert model.replay_buffer.size() > 0


def test_supersuit_vector_conversion_of_tag_through_fixed_roster():
    supersuit = pytest.importorskip("supersuit")
    game = palaestra.make_parallel("palaestra/Tag-v0", max_cycles=40)
    vec = supersuit.pettingzoo_env_to_vec_env_v1(FixedRoster(game))
    assert vec.num_envs == 4
    vec.reset(seed=0)
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(100):  # two and a half matches of at most 40 cycles: the vector env resets between them
        actions = rng.uniform(-1, 1, size=(4, *vec.action_space.shape)).astype(np.float32)
        observations, rewards, terminated, truncated, infos = vec.step(actions)
        assert observations.shape == (4, *vec.observation_space.shape)
        assert len(set((terminated | truncated).tolist())) == 1  # the roster ends a match for all at once
        ended += int(terminated.any() or truncated.any())
        for info, observation in zip(infos, observations):
            if not info["active"] and not (terminated.any() or truncated.any()):
                assert not observation.any()  # a caught prey sees zeros until the match ends
    assert ended >= 2
