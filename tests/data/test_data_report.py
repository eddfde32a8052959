"""Dataset report: task counts from the annotations and the discretised state-action coverage."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import EPISODES, STEPS, StillAgent
from rich.console import Console

from palaestra.data import collect_play
from palaestra.data.annotate import occurrences
from palaestra.data.report import cells, compare, coverage, print_report, report


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


def test_report_counts_steps_tasks_and_coverage(tiny):
    rep = report(tiny.path.parent)
    assert (rep.episodes, rep.steps, rep.source) == (EPISODES, EPISODES * STEPS, "play")
    assert rep.cells == coverage(tiny)[0] and 0 < rep.cells <= rep.steps
    assert rep.coverage == pytest.approx(rep.cells / rep.steps)
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


def test_moving_play_covers_more_than_standing_still_for_the_same_budget(tiny, tmp_path):
    still = collect_play(1, tmp_path / "still", steps_per_episode=STEPS, agent=StillAgent, progress=False)
    comparison = compare(tiny, still)
    assert comparison.steps == STEPS
    assert comparison.cells[1] <= 3 and comparison.ratio > 5
    assert compare(tiny, tiny, STEPS).ratio == 1.0
    with pytest.raises(ValueError, match="need 200 steps"):
        compare(tiny, still, 200)
