"""Soccer 2v2: the shared disc physics, goals and kickoff, match outcomes, mirrored observations, opponents."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palaestra.competitive import RandomPolicy
from palaestra.competitive.match import play_match
from palaestra.envs.competitive import soccer
from palaestra.envs.competitive.soccer import BALL, HALF_LENGTH, HALF_WIDTH, MOUTH, OPPONENTS
from palaestra.envs.competitive.topdown import Arena, Disc

STILL = np.zeros(2, dtype=np.float32)


def _game(**kwargs):
    env = soccer.parallel_env(**kwargs)
    env.reset(seed=0)
    return env


def _still(env):
    return {a: STILL for a in env.agents}


def _park_players(env):
    """Players out of the ball's way, along the side walls."""
    for i, disc in enumerate(env.arena.discs[:4]):
        disc.place(-0.6 + 0.4 * i, 0.55)


def _free_disc(**kwargs):
    return Disc(**{"radius": 0.05, "mass": 1.0, "accel": 0.0, "max_speed": 3.0, "drag": 0.0, **kwargs})


def test_collisions_conserve_momentum_and_never_add_energy():
    a, b = _free_disc(mass=1.0, x=-0.3, vx=1.0, vy=0.2), _free_disc(mass=0.3, x=0.3, y=0.03, vx=-1.5)
    arena = Arena([a, b], half_length=5.0, half_width=5.0)

    def totals():
        momentum = (a.mass * a.vx + b.mass * b.vx, a.mass * a.vy + b.mass * b.vy)
        return momentum, 0.5 * (a.mass * (a.vx**2 + a.vy**2) + b.mass * (b.vx**2 + b.vy**2))

    momentum, energy = totals()
    touched = set()
    for _ in range(6):
        touched |= arena.step()
    assert touched == {(0, 1)}
    after, energy_after = totals()
    assert after == pytest.approx(momentum, abs=1e-12)
    assert energy_after < energy  # restitution < 1 loses energy; it must never create any
    assert (b.x - a.x) * (b.vx - a.vx) + (b.y - a.y) * (b.vy - a.vy) > 0  # they move apart
    assert a.x < b.x  # and bounced: at top closing speed they cannot pass through each other


def test_contact_resolution_does_not_favour_either_side():
    """Two players squeezing the ball from both sides: a mirror-image push must stay a mirror image."""
    env = _game()
    left, right, ball = env.arena.discs[0], env.arena.discs[2], env.ball
    _park_players(env)
    left.place(-0.1, 0.0)
    right.place(0.1, 0.0)
    ball.place(0.0, 0.0)
    for _ in range(10):
        env.step({**_still(env), "left_0": np.array([1.0, 0.0], np.float32), "right_0": np.array([1.0, 0.0], np.float32)})
    assert ball.x == 0.0 and ball.y == 0.0
    assert left.x == -right.x and left.vx == -right.vx


@pytest.mark.parametrize("seed", [0, 1])
def test_random_play_keeps_everything_on_the_pitch(seed):
    env = soccer.parallel_env(max_cycles=1500, goals_to_win=50)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    reach = HALF_LENGTH + HALF_WIDTH - soccer.CORNER
    while env.agents:
        env.step({a: rng.choice([-1.0, 1.0], size=2).astype(np.float32) for a in env.agents})
        for disc in env.arena.discs:
            r = disc.radius - 1e-9
            assert abs(disc.y) <= HALF_WIDTH - r
            assert abs(disc.x) + abs(disc.y) <= reach - r * math.sqrt(2.0)
            if not disc.through_mouth:
                assert abs(disc.x) <= HALF_LENGTH - r
            else:  # the ball is only ever beyond the end wall inside a goal mouth, and then it has scored
                assert abs(disc.x) <= HALF_LENGTH - r or abs(disc.y) < MOUTH


def test_goal_scores_for_the_attacker_and_restarts_from_kickoff_spots():
    env = _game()
    _park_players(env)
    env.ball.place(HALF_LENGTH - 0.1, 0.05)
    env.ball.vx = 1.5
    _obs, rewards, terms, truncs, infos = env.step(_still(env))
    assert rewards == {"left_0": 1.0, "left_1": 1.0, "right_0": -1.0, "right_1": -1.0}
    assert infos["left_0"]["score"] == (1, 0) and infos["right_1"]["score"] == (0, 1)
    assert not any(terms.values()) and not any(truncs.values()) and "outcome" not in infos["left_0"]
    # Kickoff: ball near the centre at rest, every player back in its own half, the conceding forward at the ball.
    assert abs(env.ball.x) < 1e-9 and abs(env.ball.y) <= soccer.JITTER and env.ball.vx == 0.0
    xs = [d.x for d in env.arena.discs[:4]]
    assert xs[0] < 0 and xs[1] < 0 and xs[2] > 0 and xs[3] > 0
    taker = env.arena.discs[2]
    assert math.hypot(taker.x - env.ball.x, taker.y - env.ball.y) < 0.25


def test_kickoff_is_randomised_by_the_seed_and_only_by_it():
    env = soccer.parallel_env()
    first, _ = env.reset(seed=4)
    again, _ = env.reset(seed=4)
    other, _ = env.reset(seed=5)
    assert all(np.array_equal(first[a], again[a]) for a in first)
    assert not np.array_equal(first["left_0"], other["left_0"])


def test_ball_outside_the_mouth_bounces_off_the_end_wall():
    env = _game()
    _park_players(env)
    env.ball.place(HALF_LENGTH - 0.1, MOUTH + 0.1)
    env.ball.vx = 1.5
    for _ in range(3):
        _obs, rewards, *_ = env.step(_still(env))
        assert not any(rewards.values())
    assert env.ball.vx < 0


def _score_into(env, side):
    """Roll the ball into ``side``'s goal; return the step tuple of the step it scores in."""
    _park_players(env)
    sign = -1.0 if side == "left" else 1.0
    env.ball.place(sign * (HALF_LENGTH - 0.1), 0.0)
    env.ball.vx = sign * 1.5
    return env.step(_still(env))


def test_first_side_to_goals_to_win_wins():
    env = _game(goals_to_win=2)
    _score_into(env, "left")
    _obs, _rewards, terms, truncs, infos = _score_into(env, "left")
    assert all(terms.values()) and not any(truncs.values()) and env.agents == []
    assert {a: i["outcome"] for a, i in infos.items()} == {"left_0": -1, "left_1": -1, "right_0": 1, "right_1": 1}


@pytest.mark.parametrize("goals, expected", [(0, 0), (1, 1)])
def test_time_out_is_decided_by_score(goals, expected):
    env = _game(max_cycles=5)
    for _ in range(goals):
        _score_into(env, "right")
    while env.agents:
        _obs, _rewards, terms, truncs, infos = env.step(_still(env))
    assert all(truncs.values()) and not any(terms.values())
    assert {a: i["outcome"] for a, i in infos.items()} == {
        "left_0": expected, "left_1": expected, "right_0": -expected, "right_1": -expected
    }


def _mirror(env):
    """Put the right side where the left one is, rotated by 180 degrees, and the ball on the centre line."""
    discs = env.arena.discs
    for i, (x, y, vx, vy) in enumerate([(-0.4, 0.2, 0.3, -0.1), (-0.7, -0.3, 0.0, 0.5)]):
        discs[i].place(x, y)
        discs[i].vx, discs[i].vy = vx, vy
        discs[i + 2].place(-x, -y)
        discs[i + 2].vx, discs[i + 2].vy = -vx, -vy
    env.ball.place(0.0, 0.0)


def test_both_sides_see_the_game_from_their_own_end():
    env = _game()
    _mirror(env)
    obs = env._observations(env.agents)
    assert np.array_equal(obs["left_0"], obs["right_0"]) and np.array_equal(obs["left_1"], obs["right_1"])
    _score_into(env, "right")  # left leads 1-0: the goal difference flips sign with the side
    _mirror(env)
    obs = env._observations(env.agents)
    assert obs["left_0"][soccer.GOAL_DIFF] == -obs["right_0"][soccer.GOAL_DIFF] > 0


def test_pixel_observations_are_rotated_for_the_right_side():
    env = _game(obs_mode="pixels")
    _mirror(env)
    obs = env._observations(env.agents)
    assert obs["left_0"].shape == env.observation_space("left_0").shape and obs["left_0"].dtype == np.uint8
    assert np.array_equal(obs["left_0"], obs["left_1"])
    assert np.array_equal(obs["right_0"], obs["left_0"][::-1, ::-1])


def test_the_same_command_drives_each_side_toward_the_goal_it_attacks():
    env = _game()
    x_left, x_right = env.arena.discs[0].x, env.arena.discs[2].x
    forward = np.array([1.0, 0.0], np.float32)
    for _ in range(3):
        env.step({**_still(env), "left_0": forward, "right_0": forward})
    assert env.arena.discs[0].x > x_left and env.arena.discs[2].x < x_right


def test_commands_are_clipped_to_unit_length():
    env = _game()
    env.step({**_still(env), "left_0": np.array([5.0, 5.0], np.float32)})
    disc = env.arena.discs[0]
    assert disc.ax == pytest.approx(disc.ay) == pytest.approx(math.sqrt(0.5))


def test_shaping_pays_ball_progress_zero_sum():
    env = _game(shaping=0.5)
    _park_players(env)
    env.ball.place(0.0, 0.0)
    env.ball.vx = -1.0
    _obs, rewards, *_ = env.step(_still(env))
    assert rewards["right_0"] == rewards["right_1"] == -rewards["left_0"] > 0
    assert not any(_game().step(_still(_game()))[1].values())


@pytest.mark.parametrize(
    "kwargs, match",
    [({"obs_mode": "rgb"}, "state.*pixels"), ({"goals_to_win": 0}, "positive"), ({"max_cycles": 2.5}, "positive"),
     ({"render_mode": "ansi"}, "human")],
)
def test_bad_options_name_the_game_and_the_choices(kwargs, match):
    with pytest.raises(ValueError, match=f"{soccer.ENV_ID}.*{match}"):
        soccer.parallel_env(**kwargs)


def test_rgb_array_shows_the_pitch_both_teams_and_the_ball():
    env = _game(render_mode="rgb_array")
    frame = env.render()
    assert frame.shape == (312, 480, 3) and frame.dtype == np.uint8
    colours = {tuple(c) for c in frame.reshape(-1, 3)}
    assert {(46, 125, 50), (220, 60, 60), (60, 90, 220), (250, 250, 250)} <= colours


def test_human_mode_draws_every_step_in_a_window():
    env = _game(render_mode="human")
    window = env.renderer._window
    assert window is not None and window.get_size() == (480, 312)
    env.step(_still(env))
    assert env.render() is None
    env.close()
    assert env.renderer._window is None


def _score(env, level, other, seeds):
    """Mean score (win 1, draw 1/2) of ``level`` against ``other``, alternating sides."""
    total = 0.0
    for seed in seeds:
        side, opponent = ("left", "right") if seed % 2 == 0 else ("right", "left")
        result = play_match(env, {side: OPPONENTS[level](env), opponent: OPPONENTS[other](env)}, seed=seed)
        total += (result.outcome[side] + 1) / 2
    return total / len(seeds)


def test_levels_are_ordered_on_seeded_matches():
    env = soccer.parallel_env()
    assert list(OPPONENTS) == ["random", "chaser", "strong"] and OPPONENTS["random"] is RandomPolicy
    assert _score(env, "strong", "random", range(10)) >= 0.9
    assert _score(env, "chaser", "random", range(10)) >= 0.75
    assert _score(env, "strong", "chaser", range(16)) > 0.6


def test_scripted_players_need_state_observations():
    with pytest.raises(ValueError, match=f"{soccer.ENV_ID}.*state"):
        OPPONENTS["strong"](soccer.parallel_env(obs_mode="pixels"))


def test_scripted_players_read_the_ball_from_their_own_frame():
    env = _game()
    _mirror(env)
    obs = env._observations(env.agents)
    player = OPPONENTS["chaser"](env)
    assert np.array_equal(player.act(obs["left_0"], "left_0"), player.act(obs["right_0"], "right_0"))
    assert obs["left_0"][BALL][0] == 0.0
