"""The checkable models of docs/results.md: every model its table lists is there, they fit the size limit, and each
listed `palaestra evaluate` command loads its model and plays."""

import re
from pathlib import Path

import pytest

from palaestra.baselines.report import MODELS_LIMIT_MB
from palaestra.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "docs" / "results" / "models"
COMMANDS = re.findall(r"`palaestra evaluate (\S+) --model (\S+)`", (ROOT / "docs" / "results.md").read_text())


def test_the_page_lists_every_copied_model_and_they_fit_the_limit():
    listed = sorted(path for _, path in COMMANDS)
    present = sorted(str(p.relative_to(ROOT)) for p in MODELS.glob("*/model.pt"))
    assert listed and listed == present
    assert all((ROOT / path).with_name("config.yaml").is_file() for path in listed)
    assert sum(p.stat().st_size for p in MODELS.rglob("*") if p.is_file()) <= MODELS_LIMIT_MB * 2**20


@pytest.mark.parametrize(("env_id", "path"), COMMANDS, ids=[Path(path).parent.name for _, path in COMMANDS])
def test_each_listed_command_loads_its_model_and_plays(env_id, path, capsys):
    assert cli(["evaluate", env_id, "--model", str(ROOT / path), "--episodes", "2"]) == 0
    assert env_id in capsys.readouterr().out
