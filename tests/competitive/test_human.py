"""Keyboard play: the key-to-action mapping and a headless match driven by injected key events."""

from __future__ import annotations

import pygame
import pytest

from palaestra.competitive.human import action_for_keys, play
from palaestra.envs.competitive.volley_core import ACTIONS


@pytest.mark.parametrize("side", ["left", "right"])
def test_keys_name_screen_directions_for_either_side(side):
    towards_screen_right = 1 if side == "left" else -1  # in the agent's own frame (+1: towards the net)
    assert ACTIONS[action_for_keys(False, False, False, side)] == (0, False)
    assert ACTIONS[action_for_keys(False, True, False, side)] == (towards_screen_right, False)
    assert ACTIONS[action_for_keys(True, False, True, side)] == (-towards_screen_right, True)
    assert ACTIONS[action_for_keys(True, True, True, side)] == (0, True)  # opposite keys cancel


def test_an_unknown_side_is_refused():
    with pytest.raises(ValueError, match="side"):
        action_for_keys(False, True, False, "top")


def _key(kind, key):
    return pygame.event.Event(kind, key=key)


@pytest.mark.parametrize(
    "env_id, side, right_key, left_key",
    [("palaestra/Volleyball-v0", "left", pygame.K_RIGHT, pygame.K_LEFT),
     ("palaestra/TeamVolleyball2v2-v0", "right", pygame.K_d, pygame.K_a)],
)
def test_injected_keys_move_the_controlled_player(env_id, side, right_key, left_key):
    hold = 100
    events = ([[_key(pygame.KEYDOWN, right_key)]] + [[]] * (hold - 1)
              + [[_key(pygame.KEYUP, right_key), _key(pygame.KEYDOWN, left_key)]] + [[]] * (hold - 1))
    result = play(env_id, opponent="heuristic", side=side, max_frames=2 * hold, events=events, seed=0)
    track = result["track"]
    assert result["frames"] == 2 * hold == len(track)
    # Held right: the player runs right on screen until its half ends; held left: it runs back.
    assert track[hold // 2] > track[0] + 5.0
    assert track[-1] < track[hold - 1] - 5.0
    assert result["outcome"] is None  # stopped at max_frames, not decided


def test_escape_ends_the_match_early():
    events = [[]] * 10 + [[_key(pygame.KEYDOWN, pygame.K_ESCAPE)]]
    result = play(opponent="random", events=events, seed=1)
    assert result["frames"] == 10 and result["outcome"] is None


def test_an_unknown_opponent_level_is_refused():
    with pytest.raises(ValueError, match="expert"):
        play(opponent="expert", events=[], max_frames=1)


def test_other_games_are_refused():
    with pytest.raises(ValueError, match="volleyball games only"):
        play("palaestra/Sumo-v0", events=[], max_frames=1)
