"""Configs and model files cannot run code: import paths are allowlisted, model files hold weights only, and an
SB3 zip (cloudpickled objects) loads only behind --unsafe-pickle. Bad files are refused in one line, exit 2."""

import base64
import io
import json
import pickle
import zipfile

import pytest
import torch

from palaestra.baselines.train import load_config, load_model
from palaestra.cli import main

CONFIG = ("env_id: palaestra/Reach-v0\nalgo: sac\nlibrary: sb3\ntrack: rl\ntimesteps: 100\n"
          "her: {goal_selection_strategy: future, n_sampled_goal: 4}\n")


class _WritesAFile:
    """Unpickling this object writes ``path``: what a crafted model file would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return exec, (f"open({self.path!r}, 'w').write('ran')",)


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.startswith("palaestra: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_a_config_naming_a_module_outside_the_allowlist_is_refused_before_anything_is_imported(tmp_path, capsys):
    marker = tmp_path / "ran"
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG + "hyperparams:\n  policy_kwargs:\n    features_extractor_class: pydoc.pipepager\n"
                   f"    features_extractor_kwargs: {{cmd: 'touch {marker}'}}\n")
    assert main(["train", "Reach", "--config", str(bad), "--out", str(tmp_path / "runs")]) == 2
    _one_line_error(capsys, "features_extractor_class: 'pydoc.pipepager' is not an allowed import path",
                    "palaestra.baselines.features.InstructionExtractor")
    assert not marker.exists() and not (tmp_path / "runs").exists()
    with pytest.raises(ValueError, match="activation_fn: 'os.system' is not an allowed"):
        load_config("palaestra/Reach-v0", hyperparams={"policy_kwargs": {"activation_fn": "os.system"}})
    with pytest.raises(ValueError, match="activation_fn: 'torch.nn.ReLU' is not an allowed import path for sbx"):
        load_config("palaestra/Reach-v0", library="sbx",
                    hyperparams={"policy_kwargs": {"activation_fn": "torch.nn.ReLU"}})
    allowed = load_config("palaestra/Reach-v0", library="sb3",
                          hyperparams={"policy_kwargs": {"activation_fn": "torch.nn.Tanh"}})
    from palaestra.baselines.imports import resolve_policy_kwargs

    assert resolve_policy_kwargs("x", allowed.hyperparams["policy_kwargs"]) == {"activation_fn": torch.nn.Tanh}


def _sb3_zip(path, payload):
    data = {"policy_class": {":type:": "<class 'abc.ABCMeta'>",
                             ":serialized:": base64.b64encode(pickle.dumps(payload)).decode()}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data", json.dumps(data))


def test_a_crafted_sb3_zip_runs_nothing_without_the_unsafe_pickle_flag(tmp_path, capsys):
    (tmp_path / "config.yaml").write_text(CONFIG)
    marker = tmp_path / "ran"
    _sb3_zip(tmp_path / "model.zip", _WritesAFile(marker))
    assert main(["evaluate", "Reach", "--model", str(tmp_path / "model.zip")]) == 2
    _one_line_error(capsys, str(tmp_path / "model.zip"), "--unsafe-pickle")
    assert not marker.exists()
    with pytest.raises(Exception):  # noqa: B017 - the old way unpickles, so the crafted object runs
        load_model(tmp_path / "model.zip", unsafe_pickle=True)
    assert marker.read_text() == "ran"  # proof that the file was dangerous


def test_a_model_file_is_read_as_weights_only(tmp_path, capsys):
    (tmp_path / "config.yaml").write_text(CONFIG)
    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    torch.save({"format": 1, "kind": "weights", "weights": _WritesAFile(marker)}, buffer)
    (tmp_path / "model.pt").write_bytes(buffer.getvalue())
    assert main(["evaluate", "Reach", "--model", str(tmp_path / "model.pt")]) == 2
    _one_line_error(capsys, str(tmp_path / "model.pt"), "not a palaestra model file")
    assert not marker.exists()
    (tmp_path / "model.pt").write_bytes(b"not a model")
    assert main(["evaluate", "Reach", "--model", str(tmp_path / "model.pt")]) == 2
    _one_line_error(capsys, str(tmp_path / "model.pt"))
    assert main(["evaluate", "Reach", "--model", str(tmp_path / "missing.pt")]) == 2
    _one_line_error(capsys, str(tmp_path / "missing.pt"), "no such model file")


@pytest.mark.parametrize("text, needle", [
    ("just a string\n", "this file holds str"),
    ("", "this file holds nothing"),
    ("env_id: [unclosed\n", "not valid YAML at line"),
    ("env_id: palaestra/Reach-v0\nalgo: sac\ntimesteps: lots\n", "wrong type"),
])
def test_a_malformed_config_is_refused_in_one_line_with_its_path(text, needle, tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    assert main(["train", "Reach", "--config", str(path), "--out", str(tmp_path / "runs")]) == 2
    _one_line_error(capsys, str(path), needle)
    assert main(["train", "Reach", "--config", str(tmp_path / "missing.yaml")]) == 2
    _one_line_error(capsys, str(tmp_path / "missing.yaml"), "no such config file")
