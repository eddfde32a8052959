"""The referee's rules, without physics, and the match env's record of them."""

import numpy as np
import palaestra
import pytest

from palaestra.competitive.match import play_match
from palaestra.envs.drones.rules import Referee
from palaestra.envs.drones.teams import OPPONENTS
from palaestra.sim.drones.court import COURT_3V3

TEAMS = {"red": ("red_0", "red_1", "red_2"), "blue": ("blue_0", "blue_1", "blue_2")}


@pytest.fixture
def referee():
    ref = Referee(TEAMS, COURT_3V3)
    ref.reset("red")
    return ref


def test_three_touches_a_side_then_the_fourth_is_a_fault(referee):
    assert referee.touch("red_2", 1) is None  # the serve
    for step, agent in enumerate(("blue_0", "blue_1", "blue_2"), start=2):
        assert referee.touch(agent, step) is None
    point = referee.touch("blue_0", 9)
    assert point.winner == "red" and point.reason == "four touches" and point.culprit == "blue_0"
    assert point.touches == ("red_2", "blue_0", "blue_1", "blue_2", "blue_0")


def test_no_drone_touches_twice_in_a_row(referee):
    referee.touch("red_2", 1)
    referee.touch("blue_1", 2)
    assert not referee.may_hit("blue_1") and referee.may_hit("blue_0")
    point = referee.touch("blue_1", 3)
    assert point.winner == "red" and point.reason == "double touch"


def test_a_serve_must_cross_the_net(referee):
    referee.touch("red_2", 1)
    assert not referee.may_hit("red_0")
    assert referee.touch("red_0", 2).reason == "serve not over the net"


def test_landing_in_scores_against_that_half_and_out_against_the_last_toucher(referee):
    referee.touch("red_2", 1)
    assert referee.landed(0.5, 0.2, 2).winner == "red"  # in the blue half
    referee.new_rally("red")
    referee.touch("red_2", 3)
    referee.touch("blue_0", 4)
    assert referee.landed(-3.0, 0.0, 5).winner == "red"  # out, blue touched last
    referee.new_rally("red")
    referee.touch("red_2", 6)
    assert referee.landed(-0.5, 0.0, 7).winner == "blue"  # the serve fell on its own side
    assert [p.number for p in referee.record] == [1, 2, 3] and referee.score == {"red": 2, "blue": 1}


def test_a_match_records_every_point_and_ends_at_the_target_score():
    env = palaestra.make_parallel("palaestra/DroneVolleyball1v1-v0")
    result = play_match(env, {"red": OPPONENTS["bumper"](env), "blue": OPPONENTS["hover"](env)}, seed=0,
                        max_steps=5000)
    assert result.outcome == {"red": 1, "blue": -1}
    record = env.referee.record
    assert len(record) == 3 and all(p.winner == "red" for p in record)
    assert [p.number for p in record] == [1, 2, 3]
    assert env.referee.score == {"red": 3, "blue": 0}
    env.close()


def test_a_drone_that_falls_loses_the_point_for_its_side():
    env = palaestra.make_parallel("palaestra/DroneVolleyball1v1-v0")
    env.reset(seed=0)
    off = np.array([-1.0, 0.0, 0.0, 0.0], dtype=np.float32)  # no collective thrust
    hover = np.array([-0.111, 0.0, 0.0, 0.0], dtype=np.float32)
    for _ in range(60):
        _, rewards, *_, infos = env.step({"red_0": off, "blue_0": hover})
        if rewards["red_0"]:
            break
    point = infos["red_0"]["points"][-1]
    assert rewards == {"red_0": -1.0, "blue_0": 1.0}
    assert point.reason == "drone crashed" and point.culprit == "red_0" and point.winner == "blue"
    env.close()


def test_each_side_sees_itself_on_the_near_half():
    env = palaestra.make_parallel("palaestra/DroneVolleyball3v3-v0")
    obs, _ = env.reset(seed=1)
    for agent in env.possible_agents:
        assert obs[agent][0] < 0.0  # own x
    np.testing.assert_allclose(obs["red_0"][:3], obs["blue_0"][:3], atol=1e-6)  # mirror-image homes
    env.close()
