"""Offline datasets for the manipulation tasks: policies, goal splits per episode, Minari round trip, crash safety."""

from __future__ import annotations

import minari
import numpy as np
import pytest

import palaestra
from palaestra.cli import main
from palaestra.data.offline import GOAL_SPLITS, collect_offline, episode_metadata, goal_split, load_offline_dataset
from palaestra.registry import MANIPULATION


def test_every_manipulation_task_has_a_goal_split_inside_its_goal_space():
    for record in MANIPULATION:
        env = palaestra.make(record.id)
        task, split = env.unwrapped.task, goal_split(env)
        assert task.goal_low[split.axis] < split.threshold <= task.goal_high[split.axis], record.id
        env.close()
    assert len(GOAL_SPLITS) == len(MANIPULATION)


def test_an_expert_dataset_is_minari_loadable_with_its_environment_and_goal_splits(tmp_path):
    data = collect_offline("Push", "expert", 4, tmp_path / "push", seed=3, progress=False)
    reopened = minari.MinariDataset(tmp_path / "push" / "data")  # Minari alone reads it
    assert reopened.total_episodes == 4 and reopened.total_steps == data.total_steps
    env = reopened.recover_environment()
    assert env.spec.id == "palaestra/Push-v0"
    meta = episode_metadata(load_offline_dataset(tmp_path / "push"))
    split = goal_split(env)
    for i, (episode, info) in enumerate(zip(reopened.iterate_episodes(), meta)):
        assert info["seed"] == 3 + i and info["policy"] == "expert" and info["resets"] == 1
        assert info["goal_split"] == split(episode.observations["desired_goal"][0])
        assert info["success"] == bool(episode.terminations[-1])  # the expert succeeds and the episode ends there
        # The stored actions replay to the stored observations: the dataset is the environment's own trajectory.
        obs, _ = env.reset(seed=info["seed"])
        for action in episode.actions:
            obs, *_ = env.step(action)
        np.testing.assert_allclose(obs["achieved_goal"], episode.observations["achieved_goal"][-1], atol=1e-6)
    assert all(m["success"] for m in meta)


@pytest.mark.parametrize("goals", ["iid", "ood"])
def test_requested_goal_splits_are_the_only_ones_recorded(tmp_path, goals):
    data = collect_offline("Reach", "random", 5, tmp_path / goals, goals=goals, progress=False)
    assert {m["goal_split"] for m in episode_metadata(data)} == {goals}
    assert data.storage.metadata["dataset_id"] == f"palaestra/reach/random-{goals}-v0"


def test_mixed_draws_a_policy_per_episode_and_the_same_seed_gives_the_same_dataset(tmp_path):
    a, b = (collect_offline("Reach", "mixed", 9, tmp_path / n, seed=1, progress=False) for n in ("a", "b"))
    assert len({m["policy"] for m in episode_metadata(a)}) > 1
    for x, y in zip(a.iterate_episodes(), b.iterate_episodes()):
        np.testing.assert_array_equal(x.actions, y.actions)


def test_bad_requests_are_refused_naming_the_task(tmp_path):
    with pytest.raises(ValueError, match="Push-v0: unknown policy 'medium'; expected one of expert, noisy"):
        collect_offline("Push", "medium", 1, tmp_path / "x")
    with pytest.raises(ValueError, match="Playroom-v0: offline datasets are collected for manipulation tasks"):
        collect_offline("palaestra/Playroom-v0", "expert", 1, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_the_collect_command_takes_a_task_name_or_id_and_a_relative_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["collect", "OpenDrawer", "--policy", "noisy", "--episodes", "2", "--out", "od"]) == 0
    assert f"in {tmp_path / 'od'}" in capsys.readouterr().out
    assert main(["collect", "palaestra/Reach-v0", "--policy", "random", "--episodes", "1", "--out", "od"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert load_offline_dataset("od").total_episodes == 2


def test_the_reference_suite_is_one_deterministic_command(tmp_path, monkeypatch):
    from palaestra import registry
    from palaestra.data import offline

    monkeypatch.setattr(registry, "MANIPULATION", MANIPULATION[:2])  # Reach and Push stand for all ten here
    made = offline.collect_suite(tmp_path / "suite", 1, seed=4, progress=False)
    assert len(made) == 2 * len(offline.SUITE)
    assert {p.name for p in made} == {"expert-iid", "noisy-iid", "random-iid", "mixed-iid", "expert-ood"}
    ood = load_offline_dataset(tmp_path / "suite" / "Push" / "expert-ood")
    assert episode_metadata(ood)[0]["goal_split"] == "ood" and ood.storage.metadata["seed"] == 4
