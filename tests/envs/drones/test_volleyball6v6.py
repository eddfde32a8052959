"""The 6v6 match: VolleyBots' six anchors on an indoor court's proportions, a serve that clears the net, and the
scripted levels playing six drones a side."""

import numpy as np
import palaestra

from palaestra.envs.drones.match import features
from palaestra.envs.drones.teams import OPPONENTS
from palaestra.sim.drones.court import COURT_6V6
from palaestra.competitive import evaluate

SIX = "palaestra/DroneVolleyball6v6-v0"


def test_six_drones_a_side_on_an_18_by_9_court_scaled():
    env = palaestra.make_parallel(SIX)
    obs, _ = env.reset(seed=0)
    assert len(env.possible_agents) == 12 and env.teams["red"] == tuple(f"red_{k}" for k in range(6))
    assert (COURT_6V6.length, COURT_6V6.width) == (3.6, 1.8)
    assert obs["red_0"].shape == (len(features(6)),) == (108,)
    # Every drone starts on its own half, mirror images of each other, and none within a guard's width of
    # another (the server steps into a gap of the front row, not onto a teammate).
    state = env.state
    assert np.all(state.position[:6, 0] < 0.0) and np.all(state.position[6:, 0] > 0.0)
    gaps = np.linalg.norm(state.position[:, None, :2] - state.position[None, :, :2], axis=-1)
    assert gaps[~np.eye(12, dtype=bool)].min() > 0.2
    np.testing.assert_allclose(obs["red_0"][:3], obs["blue_0"][:3], atol=1e-6)
    env.close()


def test_the_tacticians_serve_clears_the_net_and_lands_in():
    env = palaestra.make_parallel(SIX)
    tactician, hover = OPPONENTS["tactician"](env), OPPONENTS["hover"](env)
    for seed in range(2):
        obs, _ = env.reset(seed=seed)
        server = env.referee.server
        rewards = {}
        while not any(rewards.values()):
            actions = {a: (tactician if a.startswith(server) else hover).act(obs[a], a) for a in env.agents}
            obs, rewards, *_, infos = env.step(actions)
        point = infos["red_0"]["points"][-1]
        assert point.reason == "ball landed in" and point.winner == server
        assert point.touches == (f"{server}_5",)  # the back drone served, nobody touched it after
    env.close()


def test_the_strongest_level_beats_the_weakest_with_six_a_side():
    result = evaluate("tactician", "random", SIX, matches=2)
    assert result.score == 1.0
