"""Keyboard play of a drone match: keys in screen directions, a headless match driven by injected key events,
the recorded clip and the command line."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from palaestra.envs.drones.keyboard import HIT_WINDOW, play, screen_to_own

ONE = "palaestra/DroneVolleyball1v1-v0"


def _key(kind, key):
    return pygame.event.Event(kind, key=key)


def _hold(key, frames):
    return [[_key(pygame.KEYDOWN, key)]] + [[]] * (frames - 2) + [[_key(pygame.KEYUP, key)]]


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")


def test_screen_directions_are_mirrored_for_the_far_side():
    # The camera is behind red's baseline: up is towards the net for red and away from it for blue;
    # right is world -y, which is +y in blue's half-turned frame.
    assert screen_to_own(1.0, 0.0, "red").tolist() == [1.0, 0.0]
    assert screen_to_own(1.0, 0.0, "blue").tolist() == [-1.0, 0.0]
    assert screen_to_own(0.0, 1.0, "red").tolist() == [0.0, -1.0]
    assert screen_to_own(0.0, 1.0, "blue").tolist() == [-0.0, 1.0]
    with pytest.raises(ValueError, match="side"):
        screen_to_own(1.0, 0.0, "left")


@pytest.mark.parametrize("side, seed", [("red", 0), ("blue", 1)])
def test_held_arrows_move_the_drone_that_way_on_screen(side, seed):
    # The seed makes the other side serve; its hover drone lets the serve bounce on it twice, which ends the
    # first point after 35 steps: both moves fit in it.
    events = _hold(pygame.K_RIGHT, 16) + _hold(pygame.K_DOWN, 16)
    result = play(ONE, opponent="hover", side=side, max_frames=32, events=events, seed=seed)
    track = np.array(result["track"])
    assert result["frames"] == 32 == len(track) and result["outcome"] is None
    # Screen right is world -y; screen down is world -x, whichever side the drone plays.
    assert track[15, 1] < track[0, 1] - 0.03
    assert track[31, 0] < track[16, 0] - 0.03


def test_space_hits_the_ball_over_the_net():
    # seed 1: red serves; the ball drops onto red's drone from above. Space sends it over instead of letting
    # it bounce around: the point is won by a ball landing in blue's half after one touch by the person.
    hit = [[_key(pygame.KEYDOWN, pygame.K_SPACE)], [_key(pygame.KEYUP, pygame.K_SPACE)]]
    result = play(ONE, opponent="hover", side="red", max_frames=60, events=hit, seed=1)  # the first point only
    assert result["touches"] == 1
    assert tuple(result["score"]) == (1, 0)  # the serve landed in blue's half (hover never returns it)
    idle = play(ONE, opponent="hover", side="red", max_frames=60, events=[[]], seed=1)
    assert tuple(idle["score"]) == (0, 1)  # without Space the ball bounces off the drone and the point is lost


def test_a_hit_is_tried_for_a_limited_window():
    from palaestra.envs.drones import keyboard

    assert 0.3 <= HIT_WINDOW <= 1.5  # long enough to reach a falling ball, short enough to be a decision
    assert keyboard.SETPOINT_SPEED > 0.5  # crosses a 1v1 half (0.6 m) in about a second


def test_escape_stops_and_a_clip_of_the_window_is_written(tmp_path):
    events = [[]] * 10 + [[_key(pygame.KEYDOWN, pygame.K_ESCAPE)]]
    result = play(ONE, events=events, seed=0, out=tmp_path / "match.gif")
    assert result["frames"] == 10 and result["outcome"] is None
    import imageio.v2 as imageio

    frames = imageio.mimread(result["clip"])
    assert len(frames) == 10 and min(frames[0].shape[:2]) >= 256


def test_bad_arguments_are_refused_naming_the_env():
    with pytest.raises(ValueError, match="DroneVolleyball1v1-v0: opponent='expert'"):
        play(ONE, opponent="expert", events=[], max_frames=1)
    with pytest.raises(ValueError, match="side='left'"):
        play(ONE, side="left", events=[], max_frames=1)
    with pytest.raises(ValueError, match="drone volleyball matches only"):
        play("palaestra/DroneJuggle-v0", events=[], max_frames=1)
    with pytest.raises(ValueError, match=r"\.mp4 or \.gif"):
        play(ONE, out="match.avi", events=[], max_frames=1)


def test_the_play_command_runs_a_drone_match(monkeypatch, capsys):
    from palaestra.cli import main
    from palaestra.envs.drones import keyboard

    real = keyboard.play
    monkeypatch.setattr(keyboard, "play", lambda *a, **k: real(*a, **k, max_frames=10, events=[[]] * 10, seed=0))
    assert main(["play", "DroneVolleyball1v1", "--opponent", "tactician"]) == 0
    assert "DroneVolleyball1v1-v0: match stopped" in capsys.readouterr().out
    assert main(["play", "DroneVolleyball1v1", "--opponent", "grandmaster"]) == 2
