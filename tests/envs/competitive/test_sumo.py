"""Sumo rules (ring-out, falls, draws), its opponents, and the fighting shell it shares with boxing."""

from __future__ import annotations

import math

import numpy as np
import pybullet as p
import pytest

from palaestra.competitive.match import play_match
from palaestra.envs.competitive import boxing, fighting, sumo
from palaestra.envs.competitive.fighting import INDEX
from palaestra.envs.competitive.sumo import OPPONENTS

STILL = np.zeros(3, dtype=np.float32)


@pytest.fixture
def game():
    env = sumo.parallel_env()
    yield env
    env.close()


def _step(env, red=STILL, blue=STILL):
    return env.step({"red_0": red, "blue_0": blue})


def _until_over(env, red=STILL, blue=STILL, limit=200):
    for _ in range(limit):
        result = _step(env, red, blue)
        if not env.agents:
            return result
    raise AssertionError("the match did not end")


def _score(module, first, second, seeds) -> float:
    """Mean score (win 1, draw 1/2) of level ``first`` against ``second``, ``first`` red on even seeds."""
    env = module.parallel_env()
    total = 0.0
    for seed in seeds:
        teams = ("red", "blue") if seed % 2 == 0 else ("blue", "red")
        policies = {teams[0]: module.OPPONENTS[first](env), teams[1]: module.OPPONENTS[second](env)}
        total += {1: 1.0, 0: 0.5, -1: 0.0}[play_match(env, policies, seed=seed).outcome[teams[0]]]
    env.close()
    return total / len(seeds)


def test_pushing_a_passive_opponent_out_of_the_ring_wins(game):
    game.reset(seed=0)
    game.fighters["red_0"].place(0.3, 0.0, 0.0)
    game.fighters["blue_0"].place(1.0, 0.0, math.pi)
    _, rewards, terminations, truncations, infos = _until_over(game, red=np.array((1.0, 0.0, 0.0)))
    assert np.hypot(*game.states["blue_0"].position[:2]) > game.radius
    assert np.hypot(*game.states["red_0"].position[:2]) < game.radius
    assert infos["red_0"]["outcome"] == 1 and infos["blue_0"]["outcome"] == -1
    assert rewards == {"red_0": 1.0, "blue_0": -1.0}
    assert all(terminations.values()) and not any(truncations.values())


def test_a_toppled_fighter_loses_and_a_slight_lean_recovers(game):
    game.reset(seed=0)
    tilted = p.getQuaternionFromEuler((0.0, math.radians(12.0), 0.0))
    game.world.set_pose(game.fighters["blue_0"].body, (0.6, 0.0, 0.46), tilted)
    for _ in range(24):
        _step(game)
    assert game.agents and game.states["blue_0"].tilt < math.radians(3.0)
    toppled = p.getQuaternionFromEuler((0.0, math.radians(75.0), 0.0))
    game.world.set_pose(game.fighters["blue_0"].body, (0.6, 0.0, 0.5), toppled)
    _, _, _, _, infos = _until_over(game, limit=5)
    assert game.states["blue_0"].tilt > fighting.FALL_TILT
    assert infos["blue_0"]["outcome"] == -1 and infos["red_0"]["outcome"] == 1


def test_both_out_in_the_same_step_is_a_draw(game):
    game.reset(seed=0)
    game.fighters["red_0"].place(-game.radius - 0.1, 0.0, 0.0)
    game.fighters["blue_0"].place(game.radius + 0.1, 0.0, math.pi)
    _, rewards, terminations, _, infos = _step(game)
    assert all(terminations.values()) and not game.agents
    assert infos["red_0"]["outcome"] == infos["blue_0"]["outcome"] == 0
    assert rewards == {"red_0": 0.0, "blue_0": 0.0}


def test_time_running_out_is_a_draw_by_truncation():
    env = sumo.parallel_env(max_cycles=6)
    env.reset(seed=1)
    for _ in range(6):
        _, _, terminations, truncations, infos = _step(env)
    assert not env.agents and all(truncations.values()) and not any(terminations.values())
    assert {a: i["outcome"] for a, i in infos.items()} == {"red_0": 0, "blue_0": 0}
    env.close()


def test_dense_shaping_is_zero_sum_and_off_by_default(game):
    shaped = sumo.parallel_env(dense_reward=True)
    for env in (game, shaped):
        env.reset(seed=4)
    push = np.array((1.0, 0.0, 0.0))
    for _ in range(10):
        _, plain, *_ = _step(game, red=push)
        _, rewards, *_ = _step(shaped, red=push)
        assert plain == {"red_0": 0.0, "blue_0": 0.0}
        assert rewards["red_0"] == -rewards["blue_0"]
    assert rewards["red_0"] != 0.0
    shaped.close()


@pytest.mark.parametrize("module", [sumo, boxing])
def test_observations_are_from_each_fighters_own_frame(module):
    env = module.parallel_env()
    env.reset(seed=0)
    env.fighters["red_0"].place(-0.7, 0.2, 0.0)
    env.fighters["blue_0"].place(0.7, -0.2, math.pi)
    obs, *_ = env.step({a: np.zeros(env.action_space(a).shape) for a in env.agents})
    # A position mirrored through the centre: each fighter sees exactly what the other sees.
    np.testing.assert_allclose(obs["red_0"], obs["blue_0"], atol=5e-3)  # up to settling of the contacts
    assert obs["red_0"][INDEX["opp_x"]] == pytest.approx(1.4, abs=0.02)
    assert obs["red_0"][INDEX["opp_y"]] == pytest.approx(-0.4, abs=0.02)
    assert obs["red_0"][INDEX["opp_cos"]] == pytest.approx(-1.0, abs=1e-3)
    assert obs["red_0"] is not obs["blue_0"]
    env.close()


def test_long_seeded_scripted_match_is_bit_identical():
    def trace(env, seed):
        policies = {"red_0": OPPONENTS["tactician"](env), "blue_0": OPPONENTS["pusher"](env)}
        obs, _ = env.reset(seed=seed)
        out = [obs]
        while env.agents:
            obs, rewards, *_ = env.step({a: policies[a](obs[a], a) for a in env.agents})
            out.append((obs, rewards))
        return out

    first_env, second_env = sumo.parallel_env(max_cycles=300), sumo.parallel_env(max_cycles=300)
    first = trace(first_env, 7)
    trace(second_env, 8)  # a different match first: reset must leave nothing behind
    second = trace(second_env, 7)
    assert len(first) == len(second) > 30
    for a, b in zip(first, second):
        obs_a, obs_b = (a, b) if isinstance(a, dict) else (a[0], b[0])
        assert all(np.array_equal(obs_a[k], obs_b[k]) for k in obs_a)
    first_env.close()
    second_env.close()


@pytest.mark.parametrize("module", [sumo, boxing])
def test_scripted_levels_beat_random_on_seeded_matches(module):
    random, middle, strongest = module.OPPONENTS
    assert _score(module, strongest, random, range(6)) >= 0.9
    assert _score(module, middle, random, range(6)) >= 0.75


def test_tactician_beats_pusher_on_seeded_matches():
    assert _score(sumo, "tactician", "pusher", range(8)) > 0.6


@pytest.mark.parametrize("module", [sumo, boxing])
def test_rgb_array_shows_both_fighters(module):
    env = module.parallel_env(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    env.close()
    assert frame.shape == (fighting.RENDER_SIZE, fighting.RENDER_SIZE, 3) and frame.dtype == np.uint8
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    assert ((r > 150) & (g < 90) & (b < 90)).sum() > 30, "no red fighter in the frame"
    assert ((b > 150) & (r < 90) & (g < 120)).sum() > 30, "no blue fighter in the frame"


@pytest.mark.parametrize("module", [sumo, boxing])
def test_pixel_observations_are_fresh_frames_in_the_space(module):
    env = module.parallel_env(obs_mode="pixels", image_size=48)
    obs, _ = env.reset(seed=0)
    assert env.observation_space("red_0").contains(obs["red_0"]) and obs["red_0"].shape == (48, 48, 3)
    assert np.array_equal(obs["red_0"], obs["blue_0"]) and obs["red_0"] is not obs["blue_0"]
    assert obs["red_0"].std() > 5
    env.close()


@pytest.mark.parametrize("module", [sumo, boxing])
def test_closing_frees_the_physics_client(module):
    env = module.parallel_env()
    env.reset(seed=0)
    client = env.world.client._client
    assert p.getConnectionInfo(physicsClientId=client)["isConnected"]
    env.close()
    assert not p.getConnectionInfo(physicsClientId=client)["isConnected"]
    env.close()  # closing twice is harmless


@pytest.mark.parametrize("module", [sumo, boxing])
def test_bad_options_name_the_game_and_the_choices(module):
    env_id = module.parallel_env.__doc__.split("``")[3]
    with pytest.raises(ValueError, match=f"{env_id}: obs_mode='rgb'.*'state', 'pixels'"):
        module.parallel_env(obs_mode="rgb")
    with pytest.raises(ValueError, match=f"{env_id}: max_cycles=0"):
        module.parallel_env(max_cycles=0)
    with pytest.raises(ValueError, match=f"{env_id}: render_mode='ansi'"):
        module.parallel_env(render_mode="ansi")


def test_scripted_fighters_refuse_pixel_observations():
    env = sumo.parallel_env(obs_mode="pixels")
    with pytest.raises(ValueError, match="palaestra/Sumo-v0.*obs_mode='state'"):
        OPPONENTS["tactician"](env)
    env.close()
