"""Results tables and learning-curve plots from training runs."""

import numpy as np

from palaestra.baselines.report import main, read, table


def _run(root, name, finals):
    for seed, final in enumerate(finals):
        folder = root / name / f"seed_{seed}"
        folder.mkdir(parents=True)
        rows = ["timesteps,success_rate,ci_low,ci_high,mean_return", "1000,0.0,0,0.2,-50"]
        rows += [f"2000,{final},0,1,-10"] + (["3000,1.0,0,1,-1"] if seed == 0 else [])
        (folder / "curve.csv").write_text("\n".join(rows) + "\n")


def test_curves_align_on_the_shortest_seed_and_the_table_reports_mean_and_spread(tmp_path):
    _run(tmp_path, "Reach", [0.5, 1.0])
    curves = read(tmp_path / "Reach")
    assert curves.metric == "success_rate" and curves.seeds == (0, 1)
    np.testing.assert_array_equal(curves.timesteps, [1000, 2000])
    np.testing.assert_array_equal(curves.final, [0.5, 1.0])
    assert "| Reach | success_rate | 2,000 | 0.75 +- 0.25 | 0.50, 1.00 |" in table([curves])


def test_main_writes_one_png_per_task(tmp_path, capsys):
    _run(tmp_path / "runs", "Reach", [1.0])
    _run(tmp_path / "runs", "Push", [0.2])
    main([str(tmp_path / "runs"), "--plots", str(tmp_path / "plots")])
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["Push.png", "Reach.png"]
    assert (tmp_path / "plots" / "Reach.png").read_bytes()[:4] == b"\x89PNG"
    assert "| Push |" in capsys.readouterr().out
