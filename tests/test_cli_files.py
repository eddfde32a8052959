"""A file or folder named on the ``palaestra`` command line that is missing or unusable: one line naming its
path on stderr, exit status 2, no traceback (``train``/``evaluate`` files: tests/baselines)."""

from __future__ import annotations

import pytest

from palaestra.cli import main


def _one_line(capsys, path) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("palaestra: ") and str(path) in err, err
    return err


@pytest.mark.parametrize("make_path", [
    lambda tmp: tmp / "missing" / "rows.json",  # a folder that does not exist
    lambda tmp: tmp,  # a folder, not a file
])
def test_validate_refuses_an_unwritable_json_path_before_running(tmp_path, capsys, make_path):
    path = make_path(tmp_path)
    assert main(["validate", "--id", "Reach", "--episodes", "1", "--json", str(path)]) == 2
    assert "folder" in _one_line(capsys, path)
    assert not (tmp_path / "missing").exists()


def test_a_file_system_error_during_a_command_is_one_line_naming_the_path(tmp_path, capsys):
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "dataset"
    assert main(["collect", "play", "--episodes", "1", "--steps", "1", "--out", str(out)]) == 2
    _one_line(capsys, out)


def test_a_missing_dataset_is_one_line_naming_the_path(tmp_path, capsys):
    assert main(["data", "report", str(tmp_path / "nothing")]) == 2
    _one_line(capsys, tmp_path / "nothing")
