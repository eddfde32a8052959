"""docs/guides/your-own-env.md done for real: its package written to disk and installed by an entry point,
then used from Python and from the ``palaestra`` command, as the page shows. Also ``palaestra.register``'s
refusals and ``palaestra.testing``'s conformance check on palaestra's own IDs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

import palaestra
from palaestra import registry, third_party
from palaestra.docs import code_blocks
from palaestra.testing import ConformanceError, check_conformance

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "guides" / "your-own-env.md"


def _page_blocks(language: str = "python") -> list[str]:
    return [block for _, block in code_blocks(PAGE.read_text(), language)]


@pytest.fixture
def acme_package(tmp_path):
    """The page's package on disk, with the entry point the page adds to pyproject.toml (as installed)."""
    package = tmp_path / "acme_envs"
    package.mkdir()
    (package / "__init__.py").write_text(_page_blocks()[0])
    info = tmp_path / "acme_envs-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-envs\nVersion: 0.1\n")
    (pyproject,) = _page_blocks("toml")
    points = tomllib.loads(pyproject)["project"]["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in names.items()) for group, names in points.items())
    )
    return tmp_path


def test_the_page_from_scratch_python_and_command_line(acme_package):
    # One fresh process, as a user's: the page's Python after importing the package, then the commands.
    script = textwrap.dedent(
        """
        import sys
        from acme_envs import *
        for block in sys.argv[1:]:
            exec(block)
        from palaestra.cli import main
        for command in (["list", "--family", "control"], ["info", "acme/Dot-v0"],
                        ["validate", "--id", "acme/Dot-v0", "Reach", "--quick", "--episodes", "5"],
                        ["record", "acme/Dot-v0", "--steps", "8", "--out", "dot.gif"]):
            print("exit", command[0], main(command), flush=True)
        from palaestra.docs import main as docs
        print("exit docs", docs(["--out", "docs", "--ids", "acme/Dot-v0"]))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(acme_package), str(ROOT)]), "COLUMNS": "250"}
    done = subprocess.run([sys.executable, "-c", script, *_page_blocks()[1:]], cwd=acme_package, env=env,
                          capture_output=True, text=True, timeout=300)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Move a point to a target in the unit square. True" in out
    assert "['check_env', 'determinism', 'bad input refused', 'rgb_array frames']" in out
    for command in ("list", "info", "validate", "record", "docs"):
        assert f"exit {command} 0" in out, out[-3000:]
    assert "acme/Dot-v0" in out and "DotExpert" in out and "minus the distance to the target" in out
    # Two IDs run in two spawned workers: the worker finds acme/Dot-v0 through the entry point.
    assert out.count("PASS") == 2
    assert (acme_package / "dot.gif").stat().st_size > 0
    page = (acme_package / "docs" / "envs" / "Dot.md").read_text()
    assert "| Success | point within 5 cm of the target |" in page and "minus the distance" in page


def test_a_broken_plugin_is_skipped_with_a_warning_naming_it(tmp_path, monkeypatch):
    from palaestra.third_party import load_plugins

    (tmp_path / "broken_envs.py").write_text("raise ImportError('needs acme-physics')\n")
    info = tmp_path / "broken_envs-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-envs\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[palaestra.envs]\nbroken = broken_envs\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    expected = "skipped the palaestra.envs entry point 'broken=broken_envs'.*acme-physics"
    with pytest.warns(RuntimeWarning, match=expected):
        assert "broken" not in load_plugins()
    assert "palaestra/Reach-v0" in registry.ids()


class _Tiny(gym.Env):
    """A one-step environment for the registration tests. Reward: 0."""

    observation_space = gym.spaces.Box(0, 1, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action):
        if not self.action_space.contains(action):
            raise ValueError(f"tests/Tiny-v0: action {action!r} is not 0 or 1")
        return np.zeros(1, np.float32), 0.0, True, False, {"is_success": bool(action)}


@pytest.fixture
def tiny():
    record = palaestra.register("tests/Tiny-v0", _Tiny, family="control", summary="One step.", success="act 1")
    yield record
    third_party.unregister("tests/Tiny-v0")


def test_a_registered_env_joins_gymnasium_and_every_listing(tiny):
    assert gym.make("tests/Tiny-v0").reset(seed=0)[0].shape == (1,)
    assert palaestra.get("tests/Tiny-v0") is tiny and not tiny.builtin
    assert registry.ids()[-1] == "tests/Tiny-v0" and registry.ids(family="control") == ["tests/Tiny-v0"]
    assert registry.records()[: len(registry.RECORDS)] == registry.RECORDS  # the built-in table is unchanged
    assert check_conformance("tests/Tiny-v0") == ["check_env", "determinism", "bad input refused"]
    # Re-running the same registration (a notebook cell, a re-import) replaces the record.
    assert palaestra.register("tests/Tiny-v0", _Tiny, family="control", summary="One step, again.",
                              success="act 1").summary == "One step, again."


def test_unregister_removes_it_everywhere(tiny):
    third_party.unregister("tests/Tiny-v0")
    assert "tests/Tiny-v0" not in gym.registry and "tests/Tiny-v0" not in registry.ids()
    with pytest.raises(registry.UnknownEnvironmentError):
        palaestra.get("tests/Tiny-v0")
    palaestra.register("tests/Tiny-v0", _Tiny, family="control", summary="One step.", success="act 1")
    with pytest.raises(ValueError, match="one of palaestra's own"):
        third_party.unregister("palaestra/Reach-v0")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"id": "Tiny"}, "expected an ID of the form 'namespace/Name-v0'"),
        ({"id": "palaestra/Tiny-v0"}, "the namespace 'palaestra' is palaestra's own"),
        ({"family": "Control Tasks"}, "family='Control Tasks'; expected one of"),
        ({"entry_point": "no_colon"}, "expected a callable or 'module:attribute'"),
        ({"tags": ("multi-agent",)}, "'module:parallel_env' or 'module:env'"),
        ({"opponents": "m:OPPONENTS"}, "opponents= is for games"),
        ({"summary": " "}, "summary= is required"),
        ({"max_episode_steps": 0}, "max_episode_steps=0; expected a positive int"),
        ({"expert_threshold": 95}, "expert_threshold=95; expected a rate in"),
    ],
)
def test_register_refuses_what_palaestra_could_not_use(change, message):
    fields = {"id": "tests/Bad-v0", "entry_point": _Tiny, "family": "control", "summary": "s", "success": "s",
              **change}
    with pytest.raises(ValueError, match=message) as error:
        palaestra.register(fields.pop("id"), **fields)
    assert "palaestra.register(" in str(error.value)
    assert "tests/Bad-v0" not in registry.ids() and "tests/Bad-v0" not in gym.registry


def test_register_refuses_a_clash_with_another_entry_point_or_gymnasium(tiny):
    with pytest.raises(ValueError, match="already registered with entry point"):
        palaestra.register("tests/Tiny-v0", "elsewhere:Env", family="control", summary="s", success="s")
    gym.register("tests/Plain-v0", entry_point=_Tiny)
    try:
        with pytest.raises(ValueError, match="'tests/Plain-v0' is already registered with Gymnasium"):
            palaestra.register("tests/Plain-v0", _Tiny, family="control", summary="s", success="s")
    finally:
        del gym.registry["tests/Plain-v0"]


@pytest.mark.parametrize("env_id, checks", [
    ("palaestra/Volleyball-v0", ["api_test", "seed_test", "parallel_api_test", "bad input refused"]),
    ("palaestra/TicTacToe-v0", ["api_test", "seed_test"]),  # AEC only: illegal moves are masked
])
def test_palaestra_games_pass_the_third_party_check(env_id, checks):
    assert check_conformance(env_id) == checks


def test_the_conformance_check_reports_every_failure():
    class Sloppy(_Tiny):
        """Accepts anything and ignores its seed."""

        def reset(self, *, seed=None, options=None):
            return np.random.default_rng().random(1).astype(np.float32), {}

        def step(self, action):
            return np.zeros(1, np.float32), 0.0, True, False, {}

    palaestra.register("tests/Sloppy-v0", Sloppy, family="control", summary="s", success="s")
    try:
        with pytest.raises(ConformanceError) as error:
            check_conformance("tests/Sloppy-v0")
    finally:
        third_party.unregister("tests/Sloppy-v0")
    text = str(error.value)
    assert text.startswith("tests/Sloppy-v0 failed") and "determinism:" in text
    assert "bad input refused: AssertionError: an out-of-range action was accepted" in text


def test_a_registered_game_is_made_and_validated_like_palaestra_s_own():
    # A third party's PettingZoo module stood in for by palaestra's matrix games, under a namespace of its own.
    games = "palaestra.envs.competitive.matrix_games"
    palaestra.register("tests/Rps-v0", f"{games}:parallel_env", family="competitive", summary="RPS again.",
                       success="more points", kwargs={"game": "rps"}, max_episode_steps=20,
                       tags=("multi-agent", "two-player"), opponents=f"{games}:OPPONENTS", expert_threshold=0.3)
    try:
        from palaestra.baselines.validate import select, validate

        parallel, aec = palaestra.make_parallel("tests/Rps-v0"), palaestra.make_aec("tests/Rps-v0")
        assert parallel.reset(seed=0)[0].keys() == set(parallel.possible_agents) and aec.possible_agents
        assert "tests/Rps-v0" not in gym.registry  # games are PettingZoo's, not Gymnasium's
        (row,) = validate(select(patterns=["tests/Rps-v0"]), episodes=4, workers=1)
        assert row.env_id == "tests/Rps-v0" and row.result.episodes == 4 and row.error is None
    finally:
        third_party.unregister("tests/Rps-v0")
