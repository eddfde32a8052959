"""The drone matches through palaestra's competitive tools: self-play adapter, cross-play and Elo, pixels."""

import warnings

import numpy as np
import palaestra
from gymnasium.utils.env_checker import check_env

from palaestra.competitive import round_robin
from palaestra.wrappers.selfplay import SelfPlayEnv

ONE = "palaestra/DroneVolleyball1v1-v0"


def test_self_play_adapter_gives_a_checked_gymnasium_env():
    env = SelfPlayEnv(ONE, opponents=["hover", "bumper"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    env.close()


def test_cross_play_ranks_the_scripted_levels_in_order():
    table = round_robin(["random", "hover", "bumper"], ONE, matches=2)
    elo = table.elo
    assert elo["random"] < elo["hover"] < elo["bumper"]


def test_pixel_observations_show_the_court():
    env = palaestra.make_parallel("palaestra/DroneVolleyball3v3-v0", obs_mode="pixels", image_size=48)
    obs, _ = env.reset(seed=0)
    assert set(obs) == set(env.possible_agents)
    frame = obs["red_0"]
    assert frame.shape == (48, 48, 3) and frame.dtype == np.uint8 and frame.std() > 5
    assert env.observation_space("red_0").contains(frame)
    env.close()


def test_bench_row_of_a_match_has_its_figures():
    from palaestra.bench.drones import measure

    row = measure(ONE, steps=20, resets=3)
    assert row.env_id == ONE
    assert row.steps_per_second > 0 and row.cpu_steps_per_second > 0 and row.reset_ms > 0


def test_validate_runs_a_cooperative_drill_by_its_expert(capsys):
    from palaestra.cli import main

    assert main(["validate", "--id", "DroneSetSpike", "--quick", "--episodes", "2", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "DroneSetSpike-v0" in out and "PASS" in out
