"""Keyboard play: the pure key-to-action mapping and a headless session recorded into the play format."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from palaestra.data import load_play_dataset
from palaestra.data.human import action_for_keys, play_keyboard


def test_keys_move_along_screen_directions_and_opposites_cancel():
    np.testing.assert_array_equal(action_for_keys(set(), gripper_closed=False), [0, 0, 0, 1])
    np.testing.assert_array_equal(action_for_keys({"up", "right", "r"}, gripper_closed=True), [-1, 1, 1, -1])
    np.testing.assert_array_equal(action_for_keys({"s", "a", "f", "x"}, gripper_closed=False), [1, -1, -1, 1])
    np.testing.assert_array_equal(action_for_keys({"w", "s", "a", "d"}, gripper_closed=False), [0, 0, 0, 1])


def _key(kind, key):
    return pygame.event.Event(kind, key=key)


def test_injected_keys_drive_the_arm_and_the_session_is_recorded(tmp_path):
    hold = 12
    events = ([[_key(pygame.KEYDOWN, pygame.K_d)]] + [[]] * (hold - 1)  # screen right: +y
              + [[_key(pygame.KEYUP, pygame.K_d), _key(pygame.KEYDOWN, pygame.K_r), _key(pygame.KEYDOWN, pygame.K_SPACE)]]
              + [[]] * (hold - 1)  # up, gripper closing
              + [[_key(pygame.KEYUP, pygame.K_r), _key(pygame.KEYDOWN, pygame.K_n)]]  # a new episode
              + [[_key(pygame.KEYUP, pygame.K_n), _key(pygame.KEYDOWN, pygame.K_UP)]] + [[]] * (hold - 1)
              + [[_key(pygame.KEYDOWN, pygame.K_ESCAPE)]])
    result = play_keyboard(out=tmp_path / "human", events=events, seed=4)
    assert (result["episodes"], result["steps"]) == (2, 3 * hold)
    ee = np.array(result["ee"])
    assert ee[hold - 1, 1] - ee[0, 1] > 0.1 and abs(ee[hold - 1, 0] - ee[0, 0]) < 0.03
    assert ee[2 * hold - 1, 2] - ee[hold - 1, 2] > 0.1
    assert ee[-1, 0] - ee[2 * hold, 0] < -0.1  # screen up: away from the viewer, -x
    data = load_play_dataset(tmp_path / "human")
    assert data.metadata["source"] == "human" and data.metadata["complete"]
    first, second = data.episodes()
    assert (len(first.actions), len(second.actions)) == (2 * hold, hold)
    np.testing.assert_array_equal(first.actions[0], [0, 1, 0, 1])
    np.testing.assert_array_equal(first.actions[-1], [0, 0, 1, -1])
    assert first.infos["state"][-1, 6] < first.infos["state"][0, 6]  # the fingers closed


def test_only_the_free_playroom_can_be_played():
    with pytest.raises(ValueError, match="expected palaestra/Playroom-v0"):
        play_keyboard("palaestra/PlayroomGoal-v0", events=[])
