"""What the wheel ships: every file the package reads at run time is package data, and the licence is declared.

The wheel itself is built, installed in a fresh venv and driven from outside the checkout by .ci/installed-wheel;
this cheap check catches a new data file left out of ``package-data`` before that runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11 reads TOML itself

ROOT = Path(__file__).parents[1]


def test_every_non_python_file_in_the_package_is_package_data():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package = ROOT / "palaestra"
    shipped = {
        path for pattern in pyproject["tool"]["setuptools"]["package-data"]["palaestra"]
        for path in package.glob(pattern) if path.is_file()
    }
    data = {
        path for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    assert data, "the package has data files (instruction assets, baseline configs)"
    assert sorted(map(str, data - shipped)) == []
    assert any(p.parent.name == "configs" and p.suffix == ".yaml" for p in shipped)


def test_the_licence_is_an_spdx_expression_with_its_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "urls" not in project or all("invalid" not in url for url in project["urls"].values())
