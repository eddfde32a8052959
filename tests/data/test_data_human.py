"""Keyboard play: the pure key-to-action mapping and a headless session recorded into the play format."""

from __future__ import annotations

import os
import signal

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


def _moving(steps, then=()):
    """Hold D for ``steps`` steps, then ``then``'s event lists."""
    yield [_key(pygame.KEYDOWN, pygame.K_d)]
    for _ in range(steps - 1):
        yield []
    yield from then


def _interrupt(signum):
    def send():
        os.kill(os.getpid(), signum)  # as Ctrl-C, `kill` or a closed terminal would
        raise AssertionError("the signal should have stopped the session")  # pragma: no cover
    return send


@pytest.mark.parametrize("ending", ["escape", "window closed", "SIGINT", "SIGTERM", "KeyboardInterrupt"])
def test_every_way_out_of_a_session_keeps_the_episode_under_way(tmp_path, monkeypatch, ending):
    monkeypatch.chdir(tmp_path)  # a relative folder, as the command's default is
    handler = signal.getsignal(signal.SIGTERM)
    stop = {
        "escape": [[_key(pygame.KEYDOWN, pygame.K_ESCAPE)]],
        "window closed": [[pygame.event.Event(pygame.QUIT)]],
        "SIGINT": [_interrupt(signal.SIGINT)],
        "SIGTERM": [_interrupt(signal.SIGTERM)],
        "KeyboardInterrupt": [lambda: (_ for _ in ()).throw(KeyboardInterrupt)],
    }[ending]
    first = [[_key(pygame.KEYDOWN, pygame.K_n)]]  # a finished first episode of 5 steps, then 7 steps under way
    events = list(_moving(5, first)) + list(_moving(7))
    result = play_keyboard(out="session", events=_chain(events, stop), seed=1)
    assert result["out"] == str(tmp_path / "session") and result["episodes"] == 2
    assert result["interrupted"] == ending.startswith(("SIG", "Keyboard"))
    data = load_play_dataset("session")
    assert [len(e.actions) for e in data.episodes()] == [5, 7]
    assert data.metadata["interrupted"] == result["interrupted"] and len(data.annotations) == 2
    assert signal.getsignal(signal.SIGTERM) is handler  # the session's handler is gone


def _chain(events, stop):
    yield from events
    for item in stop:
        if callable(item):
            item()
        yield item


def test_the_play_command_records_into_a_relative_default_folder(tmp_path, monkeypatch, capsys):
    from palaestra.cli import main
    from palaestra.data import human

    monkeypatch.chdir(tmp_path)
    real = human.play_keyboard
    events = list(_moving(6, [[_key(pygame.KEYDOWN, pygame.K_ESCAPE)]]))
    monkeypatch.setattr(human, "play_keyboard", lambda *a, **k: real(*a, **k, events=events))
    assert main(["play", "palaestra/Playroom-v0"]) == 0
    (folder,) = tmp_path.glob("human-play-*")
    assert str(folder) in capsys.readouterr().out.replace("\n", "")
    assert [len(e.actions) for e in load_play_dataset(folder).episodes()] == [6]
