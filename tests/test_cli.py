"""The ``palaestra`` command (list, info, validate, bench) and the docs generator, driven through ``main``."""

from __future__ import annotations

import dataclasses
import json
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

from palaestra import registry
from palaestra.cli import main
from palaestra.data.report import compare
from palaestra.docs import generate, write_png

REACH = "palaestra/Reach-v0"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Table assertions read whole cells: pin a wide terminal whatever the runner (xdist sets COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "250")


def test_help_loads_no_simulator():
    code = (
        "import sys\n"
        "from palaestra.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted(m for m in ('pybullet', 'rich', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_palaestra_is_the_command_and_imports_print_no_banner():
    # `python -m palaestra` runs the CLI; making a PyBullet env and importing pygame print nothing of their own
    # (PyBullet's "pybullet build time" on stderr, pygame's greeting on stdout).
    listing = subprocess.run([sys.executable, "-m", "palaestra", "list", "--family", "play"],
                             capture_output=True, text=True, check=True)
    assert "palaestra/Playroom-v0" in listing.stdout and "palaestra/Push-v0" not in listing.stdout
    code = "import palaestra, pygame; palaestra.make('palaestra/Reach-v0').reset(seed=0); print('made')"
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (quiet.stdout, quiet.stderr) == ("made\n", "")


def test_list_family_shows_exactly_that_family(capsys):
    assert main(["list", "--family", "manipulation"]) == 0
    out = capsys.readouterr().out
    for env_id in registry.ids(family="manipulation"):
        assert env_id in out
    assert "ReachExpert" in out


def test_list_tag_filters_and_reports_no_match(capsys):
    assert main(["list", "--tag", "articulated"]) == 0
    out = capsys.readouterr().out
    assert "palaestra/OpenDrawer-v0" in out and REACH not in out
    assert main(["list", "--tag", "no-such-tag"]) == 1
    assert "no environment matches" in capsys.readouterr().err


def test_info_prints_spaces_from_a_built_env(capsys):
    assert main(["info", "Reach"]) == 0
    out = capsys.readouterr().out
    assert REACH in out
    assert "Box(-1.0, 1.0, (4,), float32)" in out  # the action space, read from the environment
    assert "desired_goal" in out and "achieved goal within 5 cm" in out and "ReachExpert" in out


def test_info_unknown_id_names_a_close_match_and_exits_2(capsys):
    assert main(["info", "palaestra/Rech-v0"]) == 2
    captured = capsys.readouterr()
    assert "Did you mean" in captured.err and REACH in captured.err
    assert captured.out == ""


def test_validate_reach_quick_passes_and_writes_json(tmp_path, capsys):
    report = tmp_path / "validate.json"
    code = main(["validate", "--id", "Reach", "--quick", "--episodes", "3", "--workers", "1", "--json", str(report)])
    assert code == 0
    assert "PASS" in capsys.readouterr().out
    data = json.loads(report.read_text())
    assert data["quick"] is True and data["passed"] is True
    (row,) = data["rows"]
    assert row["env_id"] == REACH and row["status"] == "PASS" and row["rule"] == "upper"
    assert row["episodes"] == 3 and 0.0 <= row["ci_low"] <= row["success_rate"] <= row["ci_high"] <= 1.0


def test_validate_below_threshold_exits_1(monkeypatch, capsys):
    impossible = dataclasses.replace(registry.get(REACH), expert_threshold=1.01)
    monkeypatch.setattr(registry, "RECORDS", (impossible,))
    assert main(["validate", "--id", "Reach", "--episodes", "2", "--workers", "1"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_validate_usage_errors_exit_2(capsys):
    assert main(["validate", "--id", "Rech"]) == 2
    assert "Did you mean" in capsys.readouterr().err
    assert main(["validate", "--id", "Reach", "--backend", "nope"]) == 2
    assert "unknown backend" in capsys.readouterr().err


def test_bench_prints_figures_for_reach(capsys):
    assert main(["bench", "--ids", "Reach", "--steps", "30"]) == 0
    out = capsys.readouterr().out
    assert REACH in out and "physics us" in out and "vec 2w/1w" in out and "batched/single" in out
    assert "heavy modules loaded: none" in out


def test_peer_speed_is_compared_in_alternating_cpu_time_blocks(monkeypatch, capsys):
    # Two of our IDs stand in for a panda-gym pair (the peer is not a test dependency).
    from rich.console import Console

    from palaestra.bench import single_agent as bench

    order = []
    real = bench.alternate

    def spy(*blocks, rounds):
        order.append(rounds)
        return real(*blocks, rounds=rounds)

    monkeypatch.setattr(bench, "alternate", spy)
    row = bench.steps_versus(REACH, "palaestra/Push-v0", steps=30, rounds=2)
    assert order == [2] and row.ours > 0 and row.theirs > 0
    assert row.ratio == row.ours / row.theirs
    # The printed ratio is the alternating blocks' one, not the ratio of the two IDs' own rows.
    ours, theirs = (bench.BenchRow(env_id, rate, reset, 100.0, 50.0, (rate, rate))
                    for env_id, rate, reset in ((REACH, 1000.0, 0.1), ("PandaReach-v3", 10.0, 0.2)))
    speeds = (bench.PeerRow(REACH, "PandaReach-v3", 400.0, 100.0),)
    report = bench.BenchReport((ours,), (theirs,), 0.1, (), speeds=speeds)
    bench.print_report(report, Console(width=200))
    line = next(line for line in capsys.readouterr().out.splitlines() if "Reach" in line and "4.00x" in line)
    assert "100.00x" not in line and "0.10" in line and "0.20" in line


def test_docs_page_and_index_for_reach(tmp_path):
    written = generate(tmp_path, [REACH])
    page = (tmp_path / "envs" / "Reach.md").read_text()
    assert f"`{REACH}`" in page and "Box(-1.0, 1.0, (4,), float32)" in page
    assert "gym.make(\"palaestra/Reach-v0\")" in page and "img/Reach.png" in page
    index = (tmp_path / "envs" / "index.md").read_text()
    assert all(f"`{r.id}`" in index for r in registry.RECORDS)
    png = (tmp_path / "envs" / "img" / "Reach.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and height == 256 and width == 4 * 256 + 3 * 4  # four frames, 4 px gaps
    assert len(written) == 3


def test_write_png_round_trips_pixels(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    path = tmp_path / "x.png"
    write_png(path, rgb)
    data = path.read_bytes()
    # Walk the chunks: check each CRC and collect the image data.
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(5, 1 + 7 * 3)
    assert (rows[:, 0] == 0).all()
    np.testing.assert_array_equal(rows[:, 1:].reshape(5, 7, 3), rgb)


def test_write_png_rejects_non_rgb(tmp_path):
    with pytest.raises(ValueError, match="RGB"):
        write_png(tmp_path / "x.png", np.zeros((4, 4), np.uint8))


def test_play_runs_a_game_window_and_refuses_tasks_without_opponents(monkeypatch, capsys):
    from palaestra.competitive import human

    real = human.play
    monkeypatch.setattr(human, "play", lambda *a, **k: real(*a, **k, max_frames=20, events=[[]] * 20, seed=0))
    assert main(["play", "Volleyball", "--opponent", "heuristic", "--side", "right"]) == 0
    assert "palaestra/Volleyball-v0: match stopped, score 0-0" in capsys.readouterr().out
    assert main(["play", "Push"]) == 2
    assert "keyboard play is available for competitive games" in capsys.readouterr().err
    assert main(["play", "Volleyball", "--opponent", "grandmaster"]) == 2


def test_collect_play_and_data_report(tmp_path, capsys):
    out = tmp_path / "play"
    assert main(["collect", "play", "--episodes", "2", "--steps", "30", "--agent", "random", "--out", str(out)]) == 0
    assert "wrote 2 episodes, 60 steps" in capsys.readouterr().out
    assert main(["data", "report", str(out)]) == 0
    assert "2 episodes, 60 steps" in capsys.readouterr().out
    assert main(["collect", "play", "--episodes", "1", "--agent", "random", "--out", str(out)]) == 2  # not empty
    assert main(["data", "report", str(tmp_path / "missing")]) == 2
    other = tmp_path / "other"
    assert main(["collect", "play", "--episodes", "1", "--steps", "40", "--agent", "random", "--seed", "5",
                 "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(["data", "report", str(out), "--compare", str(other)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    expected = compare(out, other)
    assert expected.steps == 40
    assert f"coverage over the first 40 steps: {expected.cells[0]} vs {expected.cells[1]}" in printed
    for name, (a, b) in expected.factors.items():  # each factor's counts and ratio; n/a when the second has none
        ratio = "n/a" if b == 0 else f"{a / b:.2f}x"
        assert f"{name} {a} vs {b} ({ratio})" in printed


def test_bench_measures_a_playroom_and_a_game(capsys):
    assert main(["bench", "--ids", "Playroom", "TicTacToe", "Tag", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "palaestra/Playroom-v0" in out and "Error" not in out
    assert "palaestra/TicTacToe-v0" in out and "tictactoe_v3" in out
    assert "text turns/s" in out and "TicTacToe-v0 text (TextArena API)" in out
    assert "BatchedParallelEnv" in out and "palaestra/Tag-v0" in out


GOAL = "palaestra/PlayroomGoal-v0"


def test_evaluate_goal_images_prints_and_writes_the_per_task_table(capsys, tmp_path):
    out = tmp_path / "table.md"
    assert main(["evaluate", "PlayroomGoal", "--goal-images", "--episodes", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{GOAL} goal-image suite, policy expert" in printed and "| take_block_off_shelf | " in printed
    text = out.read_text()
    assert text.startswith(f"Generated by `palaestra evaluate {GOAL} --goal-images --policy expert --episodes 1")
    assert sum(line.startswith("| ") for line in text.splitlines()) == 1 + 18 + 1  # header, tasks, mean


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "Push", "--goal-images"], f"--goal-images evaluates {GOAL}, not palaestra/Push-v0"),
    (["evaluate", GOAL, "--policy", "random"], "--policy and --out belong to --goal-images"),
    (["evaluate", GOAL, "--goal-images", "--model", "model.pt"], "runs a scripted --policy (expert or random), not a --model"),
    (["evaluate", GOAL, "--goal-images", "--out", "/no/such/folder/t.md"], "t.md: its folder /no/such/folder does not exist"),
    (["evaluate", "Push"], "evaluate needs --model (a trained model), or --goal-images"),
])
def test_evaluate_refuses_a_goal_suite_it_cannot_run(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
