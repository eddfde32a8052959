"""Volleyball rules (scoring, touch faults, set and clock), mirrored observations, rendering and opponents."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra import registry
from palaestra.competitive.match import play_match
from palaestra.envs.competitive import volleyball
from palaestra.envs.competitive.volley_core import (
    ACTIONS,
    DT,
    FLOOR,
    HIT_RADIUS,
    PLAYER_RADIUS,
    PLAYER_SPEED,
    Court,
    landing,
)

NOOP, BACK, FORWARD = 0, 1, 2
IDS = {1: "palaestra/Volleyball-v0", 2: "palaestra/TeamVolleyball2v2-v0", 3: "palaestra/TeamVolleyball3v3-v0"}


def _game(team_size=1, **kwargs):
    env = volleyball.parallel_env(team_size=team_size, **kwargs)
    env.reset(seed=0)
    return env


def _idle(env):
    return {a: NOOP for a in env.agents}


def _place_ball(env, x, y, vx=0.0, vy=0.0):
    c = env.court
    c.bx, c.by, c.bvx, c.bvy = x, y, vx, vy


def _drop_on(env, index, touches=0, last_touch=-1):
    """Ball falling straight onto player ``index`` one tick before contact, with the given touch state."""
    c = env.court
    p = c.players[index]
    _place_ball(env, p.x, HIT_RADIUS + 0.3, 0.0, -10.0)
    side = p.side
    c.touches = [touches, 0] if side == 0 else [0, touches]
    c.last_touch = last_touch


def _step_until_point(env, limit=60):
    for _ in range(limit):
        _obs, rewards, terms, truncs, infos = env.step(_idle(env))
        if any(rewards.values()):
            return rewards, terms, truncs, infos
    raise AssertionError("no point was scored")


@pytest.mark.parametrize("side, winner", [(-1.0, "right"), (1.0, "left")])
def test_ball_on_a_side_floor_scores_for_the_other_side(side, winner):
    env = _game(team_size=2)
    _place_ball(env, side * 20.0, 0.6, 0.0, -5.0)
    rewards, terms, _, infos = _step_until_point(env, limit=2)
    loser = "left" if winner == "right" else "right"
    for agent in env.teams[winner]:
        assert rewards[agent] == 1.0 and infos[agent]["point_won"] and infos[agent]["point"] == FLOOR
    for agent in env.teams[loser]:
        assert rewards[agent] == -1.0 and not infos[agent]["point_won"]
    assert infos[env.teams[winner][0]]["score"] == (1, 0) and not any(terms.values())
    # The winner serves: the new rally's ball hangs over the winner's half.
    assert (env.court.bx > 0) == (winner == "right")


def test_a_fourth_touch_is_a_fault():
    env = _game(team_size=2)
    _drop_on(env, index=0, touches=3, last_touch=1)
    rewards, _, _, infos = _step_until_point(env, limit=3)
    assert infos["left_0"]["point"] == "four-touches"
    assert rewards["right_0"] == rewards["right_1"] == 1.0 and rewards["left_0"] == -1.0


def test_a_third_touch_by_a_teammate_is_legal():
    env = _game(team_size=2)
    _drop_on(env, index=0, touches=2, last_touch=1)
    for _ in range(4):
        _, rewards, _, _, _ = env.step(_idle(env))
        assert not any(rewards.values())
    assert env.court.touches[0] == 3 and env.court.last_touch == 0


def test_touching_twice_in_a_row_is_a_fault():
    env = _game(team_size=3)
    _drop_on(env, index=4, touches=1, last_touch=4)
    rewards, _, _, infos = _step_until_point(env, limit=3)
    assert infos["right_1"]["point"] == "double-touch"
    assert all(rewards[a] == 1.0 for a in env.teams["left"])


def test_one_touch_lasts_while_the_ball_rests_on_the_player():
    c = Court(2, touch_rules=True)
    c.serve(0, 0.0, 0.0, 0.0)
    p = c.players[0]
    c.bx, c.by, c.bvx, c.bvy = p.x, HIT_RADIUS + 0.05, 0.0, 0.0
    c.touches, c.last_touch, c.in_contact[0] = [1, 0], 0, True
    assert c.step([ACTIONS[NOOP]] * 4) is None  # still the same touch, no double-touch call


def test_one_player_may_touch_as_often_as_it_likes():
    env = _game(team_size=1)
    _drop_on(env, index=0, touches=5, last_touch=-1)
    for _ in range(4):
        _, rewards, _, _, _ = env.step(_idle(env))
        assert not any(rewards.values())


def test_crossing_the_net_resets_the_touch_count():
    c = Court(2, touch_rules=True)
    c.serve(0, 0.0, 0.0, 0.0)
    c.bx, c.by, c.bvx, c.bvy = -0.3, 8.0, 12.0, 0.0
    c.touches, c.last_touch = [3, 0], 1
    c.step([ACTIONS[NOOP]] * 4)
    assert c.bx > 0 and c.touches == [0, 0] and c.last_touch == -1


def test_the_set_ends_at_points_to_win_with_outcomes():
    env = _game(team_size=2, points_to_win=3)
    env.court.score = [2, 1]
    _place_ball(env, 22.0, 0.6, 0.0, -5.0)
    _, _rewards, terms, truncs, infos = env.step(_idle(env))
    assert all(terms.values()) and not any(truncs.values()) and env.agents == []
    assert infos["left_0"]["outcome"] == infos["left_1"]["outcome"] == 1
    assert infos["right_0"]["outcome"] == infos["right_1"]["outcome"] == -1
    assert infos["right_1"]["score"] == (1, 3)


@pytest.mark.parametrize("score, left_outcome", [((0, 0), 0), ((2, 2), 0), ((1, 0), 1), ((0, 2), -1)])
def test_the_clock_decides_by_score_and_a_tie_is_a_draw(score, left_outcome):
    env = _game(max_cycles=5)
    env.court.score = list(score)
    for step in range(5):
        assert env.agents, f"ended early at step {step}"
        _, _, terms, truncs, infos = env.step(_idle(env))
    assert all(truncs.values()) and not any(terms.values()) and env.agents == []
    assert infos["left_0"]["outcome"] == left_outcome and infos["right_0"]["outcome"] == -left_outcome


def _mirror(env):
    """Swap the two sides of the court in place: positions and velocities reflected, teams exchanged."""
    c = env.court
    n = c.team_size
    states = [(-p.x, p.y, -p.vx, p.vy) for p in c.players]
    for i, p in enumerate(c.players):
        p.x, p.y, p.vx, p.vy = states[(i + n) % (2 * n)]
    c.bx, c.bvx = -c.bx, -c.bvx
    c.touches = c.touches[::-1]
    c.score = c.score[::-1]
    if c.last_touch >= 0:
        c.last_touch = (c.last_touch + n) % (2 * n)


@pytest.mark.parametrize("team_size", [1, 3])
def test_mirrored_state_gives_the_other_side_the_same_observation(team_size):
    env = _game(team_size=team_size)
    rng = np.random.default_rng(4)
    for _ in range(15):
        env.step({a: int(rng.integers(6)) for a in env.agents})
    env.court.touches = [2, 0]
    env.court.last_touch = 0
    before = env._observations()
    _mirror(env)
    after = env._observations()
    for i in range(team_size):
        np.testing.assert_array_equal(after[f"right_{i}"], before[f"left_{i}"])
        np.testing.assert_array_equal(after[f"left_{i}"], before[f"right_{i}"])
    assert before["left_0"][4] == 1.0 and before["left_0"][-2] == pytest.approx(2 / 3)


def test_forward_means_towards_the_net_for_both_sides():
    env = _game()
    left, right = env.court.players
    x_left, x_right = left.x, right.x
    env.step({"left_0": FORWARD, "right_0": FORWARD})
    assert left.x == pytest.approx(x_left + PLAYER_SPEED * DT)
    assert right.x == pytest.approx(x_right - PLAYER_SPEED * DT)


def test_teammates_separate_but_a_runner_can_pass():
    c = Court(2, touch_rules=True)
    c.serve(1, 0.0, 0.0, 0.0)
    a, b = c.players[0], c.players[1]
    a.x = b.x = -10.0
    for _ in range(30):
        c.step([ACTIONS[NOOP]] * 4)
    assert abs(a.x - b.x) >= 2 * PLAYER_RADIUS - 1e-9
    start = a.x
    for _ in range(15):  # a runs forward through b
        c.step([ACTIONS[FORWARD], ACTIONS[NOOP], ACTIONS[NOOP], ACTIONS[NOOP]])
    assert a.x > b.x and a.x - start > 5.0


def test_landing_prediction_matches_the_simulated_flight():
    c = Court(1, touch_rules=False)
    for p in c.players:
        p.y = -100.0  # out of the ball's way
    c.bx, c.by, c.bvx, c.bvy = -20.0, 5.0, -15.0, 6.0  # bounces off the left wall first
    x, t, vx = landing(c.bx, c.by, c.bvx, c.bvy, HIT_RADIUS)
    ticks = 0
    while c.by > HIT_RADIUS:
        c.step([ACTIONS[NOOP]] * 2)
        ticks += 1
    assert abs(c.bx - x) < 0.6 and abs(ticks * DT - t) < 2 * DT and vx > 0


def test_rgb_array_render_is_a_picture_of_the_court():
    env = _game(team_size=2, render_mode="rgb_array")
    first = env.render()
    assert first.shape == (320, 640, 3) and first.dtype == np.uint8
    colours = {tuple(c) for c in first.reshape(-1, 3)[::7]}
    assert len(colours) > 5
    for colour in ((230, 110, 60), (60, 110, 220), (250, 220, 40)):  # both teams and the ball are drawn
        assert np.any(np.all(first == colour, axis=-1)), colour
    for _ in range(5):
        env.step(_idle(env))
    assert not np.array_equal(first, env.render())


def test_pixel_observations_show_the_ball_falling():
    env = volleyball.parallel_env(obs_mode="pixels")
    obs, _ = env.reset(seed=1)
    assert env.observation_space("left_0").contains(obs["left_0"])
    np.testing.assert_array_equal(obs["left_0"], obs["right_0"])
    assert obs["left_0"] is not obs["right_0"]
    ball = np.argwhere(np.all(obs["left_0"] == (250, 220, 40), axis=-1))
    for _ in range(30):
        obs, *_ = env.step(_idle(env))
    later = np.argwhere(np.all(obs["left_0"] == (250, 220, 40), axis=-1))
    assert len(ball) and len(later) and later[:, 0].mean() > ball[:, 0].mean()


@pytest.mark.parametrize(
    "kwargs, error",
    [({"team_size": 4}, ValueError), ({"obs_mode": "rgb"}, ValueError), ({"points_to_win": 0}, ValueError),
     ({"render_mode": "ansi"}, ValueError), ({"court": 3}, TypeError)],
)
def test_bad_options_are_refused(kwargs, error):
    with pytest.raises(error, match="Volleyball"):
        volleyball.parallel_env(**kwargs)


@pytest.mark.parametrize("team_size", [1, 2, 3])
def test_registry_records_match_the_game(team_size):
    record = registry.get(IDS[team_size])
    env = volleyball.parallel_env(**record.kwargs)
    assert env.env_id == record.id and env.team_size == team_size
    assert record.max_episode_steps == env.max_cycles
    assert f"first side to {env.points_to_win} points" in record.success
    assert list(registry.load(record.opponents)) == ["random", "heuristic", "strong"]


def _score(team_size, first, second, seeds):
    """Mean score (win 1, draw 1/2) of level ``first`` against ``second``, ``first`` on the left on even seeds."""
    env = volleyball.parallel_env(team_size=team_size)
    levels = volleyball.OPPONENTS
    total = 0.0
    for seed in seeds:
        sides = ("left", "right") if seed % 2 == 0 else ("right", "left")
        result = play_match(env, {sides[0]: levels[first](env), sides[1]: levels[second](env)}, seed=seed)
        total += (result.outcome[sides[0]] + 1) / 2
    return total / len(seeds)


@pytest.mark.parametrize("team_size, seeds", [(1, range(6)), (2, range(2)), (3, range(2))])
def test_strong_beats_random_from_either_side(team_size, seeds):
    assert _score(team_size, "strong", "random", list(seeds)) == 1.0


def test_strong_respects_the_touch_rules():
    env = volleyball.parallel_env(team_size=2)
    strong = volleyball.OPPONENTS["strong"](env)
    strong.reset(0)
    observations, _ = env.reset(seed=3)
    faults = touches = 0
    for _ in range(1500):
        actions = {a: strong(observations[a], a) for a in env.teams["left"]}
        actions.update({a: NOOP for a in env.teams["right"]})
        before = env.court.touches[0]
        observations, _, _, _, infos = env.step(actions)
        touches = max(touches, before)
        info = infos["left_0"]
        faults += info.get("point") in ("four-touches", "double-touch") and not info["point_won"]
        if not env.agents:
            break
    assert faults == 0
    assert touches >= 2  # it passes and sets rather than sending every ball straight back
