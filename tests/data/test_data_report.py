"""Dataset report: task counts from the annotations and the discretised state-action coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from data_helpers import EPISODES, STEPS, StillAgent
from rich.console import Console

from palaestra.data import collect_play
from palaestra.data.annotate import occurrences
from palaestra.data.report import (
    FACTORS,
    NEAR,
    cells,
    compare,
    coverage,
    factor_cells,
    factor_coverage,
    print_report,
    report,
)
from palaestra.envs.play.state import VECTOR


def test_cells_discretise_positions_on_a_grid_and_actions_by_sign(tiny):
    states = np.repeat(tiny.states(0)[:1], 6, axis=0)
    actions = np.zeros((5, 4), dtype=np.float32)
    actions[1, 0] = 0.1  # inside the dead band: same cell
    states[2, 0] += 0.001  # a millimetre: same cell (unless on a grid line, which seed 3's start is not)
    actions[3, 2] = -0.9  # moving down: a new cell
    states[4, 13:16] += 0.2  # the red block moved 20 cm along every axis: a new cell
    found = cells(states, actions)
    assert found.shape[0] == 5
    assert len(np.unique(found, axis=0)) == 3
    assert (found[[0, 1, 2]] == found[0]).all()


def test_factor_cells_count_a_block_only_while_the_arm_is_near_it(tiny):
    states = np.repeat(tiny.states(0)[:1], 5, axis=0)
    actions = np.zeros((4, 4), dtype=np.float32)
    red = VECTOR["red_position"]
    ee = states[0, VECTOR["ee_position"]]
    states[:, red] = ee + [0.5, 0.0, 0.0]  # far from the gripper at first ...
    for name in ("green_position", "blue_position"):
        states[:, VECTOR[name]] = ee + [0.0, 0.6, 0.0]  # ... and the other blocks far away throughout
    states[2, red] = states[3, red] = ee + [0.0, 0.0, 0.5 * NEAR]  # steps 2 and 3: the red block at the fingers
    states[3, red] += 0.2  # step 3: the block is 20 cm off again, in a new cell
    found = factor_cells(states, actions)
    assert set(found) == set(FACTORS)
    assert len(found["arm"]) == len(found["fixtures"]) == 4
    assert len(np.unique(found["arm"], axis=0)) == 1  # the arm stood still with the same action
    assert len(found["blocks"]) == 1 and found["blocks"][0, 0] == 0  # red (block 0) near the arm once
    far = states.copy()
    far[:, red] = ee + [0.5, 0.0, 0.0]
    assert len(factor_cells(far, actions)["blocks"]) == 0  # blocks nowhere near add no cell
    moved = far.copy()
    moved[:, red] += 0.2  # a far block moving changes the joint cell, not the interaction factors
    assert len(np.unique(np.concatenate([cells(far, actions), cells(moved, actions)]), axis=0)) == 2
    assert all(np.array_equal(factor_cells(far, actions)[n], factor_cells(moved, actions)[n]) for n in FACTORS)


def test_report_counts_steps_tasks_and_coverage(tiny):
    rep = report(tiny.path.parent)
    assert (rep.episodes, rep.steps, rep.source) == (EPISODES, EPISODES * STEPS, "play")
    assert rep.cells == coverage(tiny)[0] and 0 < rep.cells <= rep.steps
    assert rep.coverage == pytest.approx(rep.cells / rep.steps)
    assert rep.factors == factor_coverage(tiny) and set(rep.factors) == set(FACTORS)
    assert 0 < rep.factors["arm"] <= rep.steps and 0 < rep.factors["fixtures"] <= rep.steps
    expected: dict[str, int] = {}
    for episode in tiny.annotations:
        for task, n in occurrences(episode).items():
            expected[task] = expected.get(task, 0) + n
    assert rep.occurrences == expected
    assert rep.windows == {t: sum(w.task == t for e in tiny.annotations for w in e) for t in expected}


def test_printed_report_lists_every_task_and_the_coverage_figure(tiny):
    console = Console(record=True, width=200)
    print_report(report(tiny), console)
    text = console.export_text()
    assert "open_drawer" in text and "take_block_off_shelf" in text
    assert f"{EPISODES * STEPS} steps" in text and "state-action coverage" in text
    assert "interaction cells: arm " in text


def test_moving_play_covers_more_than_standing_still_for_the_same_budget(tiny, tmp_path):
    still = collect_play(1, tmp_path / "still", steps_per_episode=STEPS, agent=StillAgent, progress=False)
    comparison = compare(tiny, still)
    assert comparison.steps == STEPS
    assert comparison.cells[1] <= 3 and comparison.ratio > 5
    assert comparison.factors["arm"][1] <= 3 and comparison.factor_ratio("arm") > 5
    assert comparison.factors["blocks"][1] == 0  # standing still, the arm is near no block
    blocks = comparison.factor_ratio("blocks")
    assert blocks == math.inf if comparison.factors["blocks"][0] else math.isnan(blocks)  # no ratio to nothing
    assert compare(tiny, tiny, STEPS).ratio == 1.0
    with pytest.raises(ValueError, match="need 200 steps"):
        compare(tiny, still, 200)
