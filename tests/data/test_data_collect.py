"""Play collection: a readable Minari dataset with states and metadata, seeded, interruptible, versioned."""

from __future__ import annotations

import json
import os
import signal

import minari
import numpy as np
import pytest
from data_helpers import EPISODES, STEPS

import palaestra
from palaestra.data import FORMAT, DatasetVersionError, SmoothRandomAgent, collect_play, load_play_dataset
from palaestra.data.annotate import annotate
from palaestra.data.collect import agent_by_name, collect_demos
from palaestra.envs.play import oracle
from palaestra.envs.play.state import VECTOR_DIM, PlayState


def test_collection_writes_a_minari_dataset_with_observations_actions_and_states(tiny):
    data = minari.MinariDataset(tiny.path)  # Minari itself reads it, without palaestra's reader
    assert (data.total_episodes, data.total_steps) == (EPISODES, EPISODES * STEPS)
    for episode in data.iterate_episodes():
        assert episode.observations.shape == (STEPS + 1, VECTOR_DIM)
        assert episode.actions.shape == (STEPS, 4)
        assert episode.infos["state"].shape == (STEPS + 1, VECTOR_DIM)
        # In state mode the observation is the PlayState vector, stored in float32.
        np.testing.assert_array_equal(episode.observations, episode.infos["state"].astype(np.float32))
        assert episode.truncations.tolist() == [False] * (STEPS - 1) + [True]
        assert not episode.terminations.any()
    assert data.spec.env_spec.id == "palaestra/Playroom-v0"


def test_metadata_names_version_format_env_seed_and_agent(tiny):
    meta = tiny.metadata
    assert meta["play_format"] == FORMAT and meta["palaestra_version"] == palaestra.__version__
    assert meta["env_id"] == "palaestra/Playroom-v0" and meta["env_kwargs"] == {"obs_mode": "state"}
    assert meta["seed"] == 3 and meta["agent"].endswith("SmoothRandomAgent") and meta["source"] == "play"
    assert meta["complete"] and not meta["interrupted"]
    assert meta["annotation"]["min_steps"] <= meta["annotation"]["max_steps"]


def test_an_episode_replays_from_its_recorded_seed(tiny):
    episode = next(iter(tiny.minari.iterate_episodes([1])))
    assert episode.id == 1
    env = palaestra.make("palaestra/Playroom-v0")
    obs, _ = env.reset(seed=tiny.metadata["seed"] + 1)
    replayed = [obs] + [env.step(a)[0] for a in episode.actions]
    env.close()
    np.testing.assert_array_equal(np.array(replayed), episode.observations)


def test_stored_annotations_are_the_seeded_hindsight_labels_of_the_stored_states(tiny):
    for i, windows in enumerate(tiny.annotations):
        states = [PlayState.from_vector(v) for v in tiny.states(i)]
        assert windows == annotate(states, np.random.default_rng((tiny.metadata["seed"], i)))


class _InterruptedAgent(SmoothRandomAgent):
    """Smooth random play that presses Ctrl-C in the middle of the third episode."""

    built = 0

    def __init__(self, env, rng) -> None:
        super().__init__(env, rng)
        type(self).built += 1
        self.steps = 0

    def act(self, obs):
        self.steps += 1
        if type(self).built == 3 and self.steps == 10:
            raise KeyboardInterrupt
        return super().act(obs)


def test_an_interrupted_collection_keeps_every_finished_episode(tmp_path):
    data = collect_play(5, tmp_path / "cut", steps_per_episode=30, agent=_InterruptedAgent, progress=False)
    assert len(data) == 2 and data.total_steps == 60
    assert data.metadata["interrupted"] and not data.metadata["complete"]
    reopened = load_play_dataset(tmp_path / "cut")
    assert [len(e.actions) for e in reopened.episodes()] == [30, 30] and len(reopened.annotations) == 2


def test_ctrl_c_while_an_episode_is_written_lets_the_write_finish(tmp_path, monkeypatch):
    from palaestra.data.storage import AtomicHDF5Storage

    write = AtomicHDF5Storage.update_episodes

    def interrupted_write(self, episodes):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives as the first episode starts to be written
        write(self, episodes)

    monkeypatch.setattr(AtomicHDF5Storage, "update_episodes", interrupted_write)
    data = collect_play(3, tmp_path / "cut", steps_per_episode=10, agent=SmoothRandomAgent, progress=False)
    assert len(data) == 1 and data.total_steps == 10 and data.metadata["interrupted"]


def test_a_reader_refuses_another_play_data_format(tmp_path):
    collect_play(1, tmp_path / "old", steps_per_episode=20, agent=SmoothRandomAgent, progress=False)
    path = tmp_path / "old" / "data" / "metadata.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "play_format": FORMAT + 1, "palaestra_version": "9.9.9"}))
    with pytest.raises(DatasetVersionError, match=rf"format {FORMAT + 1} \(palaestra 9.9.9\).*reads format {FORMAT}"):
        load_play_dataset(tmp_path / "old")
    del meta["play_format"]
    path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="not a palaestra play dataset"):
        load_play_dataset(tmp_path / "old")


def test_collection_refuses_a_non_empty_folder_and_bad_sizes(tmp_path, tiny):
    with pytest.raises(FileExistsError, match="not empty"):
        collect_play(1, tiny.path.parent, steps_per_episode=5, agent=SmoothRandomAgent, progress=False)
    with pytest.raises(ValueError, match="episodes >= 1"):
        collect_play(0, tmp_path / "none", agent=SmoothRandomAgent, progress=False)
    with pytest.raises(ValueError, match="holds no play dataset"):
        load_play_dataset(tmp_path)


def test_the_same_seed_records_the_same_dataset_bit_for_bit(tmp_path):
    a, b = (collect_play(2, tmp_path / name, steps_per_episode=25, seed=7, agent=SmoothRandomAgent, progress=False)
            for name in ("a", "b"))
    for x, y in zip(a.episodes(), b.episodes()):
        np.testing.assert_array_equal(x.actions, y.actions)
        np.testing.assert_array_equal(x.infos["state"], y.infos["state"])
    assert a.annotations == b.annotations


def test_scripted_demonstrations_fill_the_step_budget_one_task_per_episode(tmp_path):
    demos = collect_demos(120, tmp_path / "demos", steps_per_episode=60, progress=False)
    assert demos.total_steps == 120 and demos.metadata["source"] == "scripted"
    assert demos.metadata["env_id"] == "palaestra/PlayroomLanguage-v0"
    for episode in demos.episodes():
        (task,) = set(episode.infos["agent_task"].tolist())
        start, end = (PlayState.from_vector(episode.infos["state"][i]) for i in (0, -1))
        done = oracle.TASKS[task.decode()].check(start, end)
        assert episode.terminations[-1] == done == (episode.rewards[-1] == 1.0)
        assert episode.truncations[-1] != episode.terminations[-1]


def test_agents_by_name():
    assert agent_by_name("random") is SmoothRandomAgent
    with pytest.raises(ValueError, match="expected 'play' or 'random'"):
        agent_by_name("chaos")


def test_the_default_play_agent_records_annotated_play(tmp_path):
    data = collect_play(1, tmp_path / "play", steps_per_episode=400, progress=False)
    episode = next(iter(data.episodes()))
    assert any(episode.infos["agent_task"])  # the agent says what it pursues
    assert data.annotations[0], "400 steps of scripted play should complete at least one task"


def test_a_play_style_is_passed_to_the_agent_and_named_in_the_metadata(tmp_path):
    styled = agent_by_name("play", style=0.5)
    data = collect_play(1, tmp_path / "styled", steps_per_episode=20, agent=styled, progress=False)
    assert data.metadata["agent"] == "palaestra.baselines.play_agent.PlayAgent(style=0.5)"
    with pytest.raises(ValueError, match=r"play style must be in \[0, 1\], got 2"):
        agent_by_name("play", style=2)
