"""Hindsight annotations: exactly the grid windows the oracle labels, with seeded train phrasings and tokens."""

from __future__ import annotations

import numpy as np
import pytest

import palaestra
from palaestra import instructions
from palaestra.data.annotate import Annotation, WindowGrid, annotate, completions, occurrences
from palaestra.envs.play import oracle
from palaestra.envs.play.language_env import MAX_TOKENS


@pytest.fixture(scope="module")
def story():
    """121 states: the drawer opens over steps 10-40, the lamp goes on at step 90, nothing else happens."""
    env = palaestra.make("palaestra/Playroom-v0")
    env.reset(seed=0)
    start = env.unwrapped.state.moved(drawer=0.0, lamp=False)
    env.close()
    return [start.moved(drawer=float(np.clip((t - 10) / 30, 0, 1) * 0.15), lamp=t >= 90) for t in range(121)]


def test_windows_are_exactly_the_grid_windows_the_oracle_labels(story):
    grid = WindowGrid(min_steps=16, max_steps=64, stride=4)
    found = {(w.task, w.t0, w.t1) for w in annotate(story, np.random.default_rng(0), grid)}
    expected = {(task, t0, t1) for t0, t1 in grid.windows(len(story) - 1)
                for task in oracle.completed(story[t0], story[t1])}
    assert found == expected == set(completions(story, grid))
    assert {task for task, _, _ in found} == {"open_drawer", "turn_on_lamp"}
    assert all(16 <= t1 - t0 <= 64 and t0 % 4 == 0 and (t1 - t0) % 4 == 0 for _, t0, t1 in found)
    lamp = [(t0, t1) for task, t0, t1 in found if task == "turn_on_lamp"]
    assert all(t0 < 90 <= t1 for t0, t1 in lamp)


def test_each_window_gets_a_train_phrasing_and_its_tokens(story):
    vocabulary = instructions.vocabulary()
    windows = annotate(story, np.random.default_rng(1))
    for w in windows:
        assert w.text in instructions.phrasings("play", w.task).train
        assert w.tokens == tuple(vocabulary.encode(w.text, MAX_TOKENS))
    heldout = annotate(story, np.random.default_rng(1), split="heldout")
    assert all(w.text in instructions.phrasings("play", w.task).heldout for w in heldout)


def test_phrasings_are_drawn_from_the_seed(story):
    texts = [[w.text for w in annotate(story, np.random.default_rng(seed))] for seed in (5, 5, 6)]
    assert texts[0] == texts[1] != texts[2]


def test_overlapping_windows_of_one_task_count_as_one_occurrence(story):
    assert occurrences(annotate(story, np.random.default_rng(0))) == {"open_drawer": 1, "turn_on_lamp": 1}
    twice = [Annotation("turn_on_bulb", t0, t1, "", ()) for t0, t1 in ((0, 20), (8, 24), (40, 60))]
    assert occurrences(twice) == {"turn_on_bulb": 2}


def test_a_window_grid_must_make_sense():
    with pytest.raises(ValueError, match="min_steps <= max_steps"):
        WindowGrid(min_steps=32, max_steps=16)
    assert WindowGrid(4, 8, 4).windows(10) == [(0, 4), (0, 8), (4, 8)]
