"""The task oracle: each of the 35 tasks is reported alone for a scripted change in the real scene."""

from __future__ import annotations

import numpy as np
import pytest
from play_arrange import DESK, H, arrange

from palaestra import instructions
from palaestra.envs.play import oracle
from palaestra.envs.play.goal import SceneGoal, target_state
from palaestra.envs.play.layout import BLOCKS, LAYOUT
from palaestra.envs.play.scene import PlayScene

OTHER = {"red": "green", "green": "blue", "blue": "red"}
SHELF = (LAYOUT.shelf.center[0], LAYOUT.shelf.center[1], LAYOUT.shelf.top + H)


def _up(position, dx=0.0, dy=0.0, dz=0.0):
    return (position[0] + dx, position[1] + dy, position[2] + dz)


def _press(scene: PlayScene) -> None:
    """Push the button past its press depth and let it spring back, as a finger would."""
    scene.set_button(0.025)
    scene.read_state()
    scene.set_button(0.0)


def _cases() -> dict[str, tuple[dict, dict]]:
    """Task name -> (start arrangement, end arrangement) for :func:`arrange`; ``press`` presses the button."""
    cases = {
        "open_drawer": ({"drawer": 0.01}, {"drawer": 0.15}),
        "close_drawer": ({"drawer": 0.15}, {"drawer": 0.01}),
        "move_door_left": ({"door": -0.05}, {"door": 0.05}),
        "move_door_right": ({"door": 0.05}, {"door": -0.05}),
        "turn_on_lamp": ({"lamp": False}, {"lamp": False, "press": True}),
        "turn_off_lamp": ({"lamp": True}, {"lamp": True, "press": True}),
        "turn_on_bulb": ({"lever": -0.4}, {"lever": 0.4}),
        "turn_off_bulb": ({"lever": 0.4}, {"lever": -0.4}),
        "unstack_blocks": ({"blocks": {"red": _up(DESK["green"], dz=2 * H)}}, {"blocks": {"red": DESK["red"]}}),
        "take_block_out_of_drawer": ({"blocks": {"red": LAYOUT.drawer_spot(0.15)}}, {"blocks": {"red": DESK["red"]}}),
        "take_block_off_shelf": ({"blocks": {"red": SHELF}}, {"blocks": {"red": DESK["red"]}}),
    }
    for b in BLOCKS:
        p = DESK[b]
        cases |= {
            f"lift_{b}_block": ({}, {"blocks": {b: _up(p, dz=0.1)}}),
            f"push_{b}_block_left": ({}, {"blocks": {b: _up(p, dy=0.12)}}),
            f"push_{b}_block_right": ({}, {"blocks": {b: _up(p, dy=-0.12)}}),
            f"rotate_{b}_block_left": ({}, {"yaws": {b: 0.8}}),
            f"rotate_{b}_block_right": ({}, {"yaws": {b: -0.8}}),
            f"place_{b}_block_in_drawer": ({}, {"blocks": {b: LAYOUT.drawer_spot(0.15)}}),
            f"place_{b}_block_on_shelf": ({}, {"blocks": {b: SHELF}}),
            f"stack_{b}_block": ({}, {"blocks": {b: _up(DESK[OTHER[b]], dz=2 * H)}}),
        }
    return cases


CASES = _cases()


def _states(scene, task):
    start_kwargs, end_kwargs = CASES[task]
    start = arrange(scene, **start_kwargs)
    end_kwargs = dict(end_kwargs)
    press = end_kwargs.pop("press", False)
    arrange(scene, **{**start_kwargs, **end_kwargs})
    if press:
        _press(scene)
    return start, scene.read_state()


def test_there_are_at_least_34_tasks_and_a_case_for_each():
    assert len(oracle.TASKS) >= 34
    assert set(CASES) == set(oracle.TASKS)


@pytest.mark.parametrize("task", list(CASES))
def test_a_scripted_change_completes_exactly_its_task(scene, task):
    start, end = _states(scene, task)
    assert task in oracle.feasible(start), f"{task} should be feasible from its scripted start"
    assert oracle.completed(start, end) == {task}
    assert oracle.completed(end, end) == set()  # nothing happens without a change


@pytest.mark.parametrize("task", list(CASES))
def test_goal_targets_are_what_the_oracle_calls_done(scene, task):
    start, _ = _states(scene, task)
    rng = np.random.default_rng(0)
    for _ in range(5):
        desired, name = SceneGoal().sample(start, rng, [task])
        assert name == task and oracle.TASKS[task].check(start, target_state(start, desired))


def test_every_task_has_train_and_heldout_phrasings():
    table = instructions.load("play")
    assert set(table) == set(oracle.TASKS)
    for task in oracle.TASKS:
        assert len(table[task].train) >= 6 and len(table[task].heldout) >= 2, task


def test_per_block_phrasings_name_their_block_and_only_it():
    for name, task in oracle.TASKS.items():
        if task.block is None:
            continue
        for text in instructions.phrasings("play", name).all:
            words = set(instructions.words(text))
            assert task.block in words and not (set(BLOCKS) - {task.block}) & words, text


def test_thresholds_are_respected(scene):
    start = arrange(scene)
    small = arrange(scene, blocks={"red": _up(DESK["red"], dy=0.08)}, yaws={"green": 0.4})
    assert oracle.completed(start, small) == set()  # 8 cm push and 23 degrees of turn are not enough
    ajar = arrange(scene, drawer=0.08)
    assert "open_drawer" not in oracle.completed(arrange(scene, drawer=0.01), ajar)


def test_a_block_in_the_drawer_or_on_the_shelf_cannot_be_asked_to_turn(scene):
    # Turning is done by pushing beside the block; drawer walls and the door leave the hand no room there.
    for place in (LAYOUT.drawer_spot(0.15), SHELF):
        start = arrange(scene, blocks={"red": place})
        assert not {"rotate_red_block_left", "rotate_red_block_right"} & set(oracle.feasible(start))
        assert "lift_red_block" in oracle.feasible(start)  # still free to grasp
    stacked = arrange(scene, blocks={"red": _up(DESK["green"], dz=2 * H)})
    assert {"rotate_red_block_left", "rotate_red_block_right"} <= set(oracle.feasible(stacked))
