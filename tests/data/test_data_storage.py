"""Nothing recorded is lost: relative folders, damaged metadata rebuilt from the HDF5 file, clear refusals."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from palaestra.cli import main
from palaestra.data import SmoothRandomAgent, collect_play, load_play_dataset
from palaestra.data.dataset import PlayDatasetWriter
from palaestra.data.storage import DamagedDatasetError, repair


def _collect(out, episodes=3, steps=6):
    return collect_play(episodes, out, steps_per_episode=steps, seed=5, agent=SmoothRandomAgent, progress=False)


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a.episodes(), b.episodes()):
        np.testing.assert_array_equal(x.actions, y.actions)
        np.testing.assert_array_equal(x.infos["state"], y.infos["state"])
    assert a.annotations == b.annotations


def test_a_relative_folder_records_like_an_absolute_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    relative = _collect("play-data")
    assert relative.path == tmp_path / "play-data" / "data"
    _same(relative, _collect(tmp_path / "absolute"))
    assert main(["collect", "play", "--episodes", "1", "--steps", "5", "--agent", "random", "--out", "relplay"]) == 0
    assert str(tmp_path / "relplay") in capsys.readouterr().out
    assert main(["data", "report", "relplay"]) == 0
    assert len(load_play_dataset("relplay")) == 1


@pytest.fixture
def dataset(tmp_path):
    _collect(tmp_path / "d")
    return tmp_path / "d"


def test_emptied_metadata_is_rebuilt_from_the_hdf5_file_by_data_report(dataset, tmp_path, capsys):
    (dataset / "data" / "metadata.json").write_text("")  # what Minari's in-place rewrite leaves after a kill
    with pytest.raises(DamagedDatasetError, match=r"d/data/metadata.json is missing or damaged.*data report"):
        load_play_dataset(dataset)
    assert main(["data", "report", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert f"repaired: rebuilt {dataset}/data/metadata.json from main_data.hdf5" in out and "(interrupted)" in out
    rebuilt = load_play_dataset(dataset)
    _same(rebuilt, _collect(tmp_path / "again"))
    assert rebuilt.metadata["interrupted"] and rebuilt.minari.recover_environment().spec.id == "palaestra/Playroom-v0"
    assert repair(dataset) == []  # whole again: nothing more to do


def test_an_episode_written_before_its_metadata_update_is_added(dataset):
    path = dataset / "data" / "metadata.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "total_episodes": 2, "total_steps": 12}))  # killed between the two writes
    assert len(load_play_dataset(dataset)) == 2
    assert repair(dataset) == ["added 1 finished episode(s) to metadata.json"]
    assert len(load_play_dataset(dataset)) == 3 and load_play_dataset(dataset).total_steps == 18


def test_a_damaged_link_file_is_rebuilt_from_the_episode_files(dataset):
    folder = dataset / "data"
    (folder / "main_data.hdf5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))  # a kill during a link append
    (folder / "episodes" / ".episode_3.hdf5.abc.tmp").write_bytes(b"half")  # the episode then being written
    assert repair(dataset) == [f"rebuilt {folder}/main_data.hdf5 from 3 episode file(s)"]
    assert not list((folder / "episodes").glob(".*"))
    assert len(load_play_dataset(dataset)) == 3


def _old_single_file_dataset(root, main_bytes=None):
    """A dataset as palaestra wrote it before episode files: every episode inside main_data.hdf5, no copy of
    the metadata in it, and metadata.json emptied by a kill."""
    (root / "data").mkdir(parents=True)
    if main_bytes is None:
        with h5py.File(root / "data" / "main_data.hdf5", "w") as file:
            file.create_group("episode_0").create_dataset("actions", data=np.zeros((4, 4)))
    else:
        (root / "data" / "main_data.hdf5").write_bytes(main_bytes)
    (root / "data" / "metadata.json").write_text("")


@pytest.mark.parametrize("damage", ["zero-byte hdf5", "partial folder", "no header", "not hdf5", "no episode file"])
def test_unrecoverable_datasets_are_explained_in_one_line_naming_the_file(tmp_path, capsys, damage):
    root = tmp_path / "d"
    if damage == "partial folder":  # killed while the data folder was created
        (root / ".partial-data-x1").mkdir(parents=True)
        expected = "stopped while creating the dataset"
    elif damage == "zero-byte hdf5":  # what Minari leaves when killed before the first episode
        _old_single_file_dataset(root, b"")
        expected = "main_data.hdf5 is empty (0 bytes): the collection stopped before its first episode"
    elif damage == "no header":
        _old_single_file_dataset(root)
        expected = "metadata.json is missing or damaged and main_data.hdf5 holds no copy of it"
    elif damage == "not hdf5":
        _old_single_file_dataset(root, b"not an hdf5 file")
        expected = "main_data.hdf5 cannot be read as HDF5"
    else:
        _collect(root, episodes=1)
        (root / "data" / "episodes" / "episode_0.hdf5").unlink()
        (root / "data" / "main_data.hdf5").write_bytes(b"")
        expected = "main_data.hdf5 cannot be read and no episode file was finished"
    assert main(["data", "report", str(root)]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(root) in err and err.count("\n") == 1


def test_an_empty_dataset_and_one_being_written_are_reported_as_such(tmp_path, capsys):
    import palaestra

    env = palaestra.make("palaestra/Playroom-v0")
    writer = PlayDatasetWriter(tmp_path / "open", env, {"seed": 0, "source": "play"})
    with pytest.raises(DamagedDatasetError, match="being written by a running collection"):
        repair(tmp_path / "open")  # never under a live writer: it could remove the episode being written
    writer.finish()
    env.close()
    assert main(["data", "report", str(tmp_path / "open")]) == 2
    assert "holds no finished episode" in capsys.readouterr().err
