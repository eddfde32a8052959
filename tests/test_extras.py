"""A missing optional dependency is reported with the extra that installs it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.extras import OPTIONAL, MissingExtraError, explain, require

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11 reads TOML itself


def test_every_named_extra_is_declared_in_pyproject():
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    declared = pyproject["project"]["optional-dependencies"]
    assert {extra for _, extra in OPTIONAL.values()} <= set(declared)


def test_require_names_the_extra_and_lets_other_errors_through(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(MissingExtraError, match=r'reading configs needs pyyaml: pip install "palaestra\[baselines\]"'):
        require("yaml", "reading configs")
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        require("no_such_module", "nothing")
    assert explain(ModuleNotFoundError("No module named 'ray'", name="ray")).endswith('pip install "palaestra[distributed]"')
    assert explain(ModuleNotFoundError("No module named 'foo'", name="foo")) == "No module named 'foo'"


def test_loading_a_config_from_python_without_pyyaml_names_the_extra(monkeypatch):
    from palaestra.baselines.train import load_config

    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(MissingExtraError, match=r'training config needs pyyaml: pip install "palaestra\[baselines\]"'):
        load_config("palaestra/Reach-v0")


@pytest.mark.parametrize("argv", [["train", "Reach"], ["evaluate", "Reach", "--model", "model.zip"]])
def test_commands_without_the_baselines_extra_say_what_to_install(monkeypatch, tmp_path, capsys, argv):
    monkeypatch.setitem(sys.modules, "yaml", None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.zip").write_bytes(b"")
    (tmp_path / "config.yaml").write_text("env_id: palaestra/Reach-v0\n")
    assert main(argv) == 2
    assert 'pip install "palaestra[baselines]"' in capsys.readouterr().err
