"""Quality measures: SACo and TQ normalised by the random policy and the expert, D3IL-style behaviour entropy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palaestra.cli import main
from palaestra.data.offline import collect_offline
from palaestra.data.quality import approach, entropy, offline_report


def test_entropy_is_zero_for_one_behaviour_and_one_for_all_equally_often():
    assert entropy({"a": 7}, 8) == 0.0
    assert entropy({i: 3 for i in range(8)}, 8) == pytest.approx(1.0)
    assert entropy({"a": 1, "b": 1}, 4) == pytest.approx(0.5)
    assert entropy({}, 8) == 0.0


def test_approach_is_the_side_the_gripper_pushes_the_object_from():
    ee = np.zeros((5, 7))
    ee[:, 0] = [-0.3, -0.2, -0.1, -0.05, -0.04]  # the gripper comes from -x...
    obj = np.zeros((5, 3))
    obj[4, 0] = 0.02  # ...and the object starts moving at the last step
    assert approach(ee, obj) == 4  # 180 degrees: the fifth 45-degree sector
    reach = np.zeros((3, 7))
    reach[:, 1] = [0.0, 0.01, 0.03]  # the gripper is the achieved goal: its first 2 cm of travel, +y
    assert approach(reach, reach[:, :3]) == 2


@pytest.fixture(scope="module")
def reach(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality")
    for policy in ("expert", "noisy", "random"):
        collect_offline("Reach", policy, 4, root / policy, seed=2, progress=False)
    return {policy: root / policy for policy in ("expert", "noisy", "random")}


def test_trajectory_quality_runs_from_random_to_expert_and_coverage_is_relative_to_random(reach):
    expert, noisy, random = (offline_report(reach[p]) for p in ("expert", "noisy", "random"))
    assert expert.tq == pytest.approx(1.0) and random.tq == pytest.approx(0.0)
    assert random.saco == pytest.approx(1.0)  # the reference is the random policy on the same seeds
    assert expert.saco < 1.0 and noisy.saco > expert.saco  # noise widens what the expert's data covers
    assert expert.reference["expert"] == pytest.approx(expert.mean_return)
    assert expert.success_rate == 1.0 and expert.splits.keys() <= {"iid", "ood"} and expert.policies == {"expert": 4}
    assert 0.0 <= expert.diversity <= 1.0 and not math.isnan(noisy.tq)


def test_data_report_prints_the_quality_measures_of_an_offline_dataset(reach, capsys):
    assert main(["data", "report", str(reach["noisy"])]) == 0
    out = capsys.readouterr().out
    assert "TQ (random 0, expert 1)" in out and "SACo" in out and "behaviour diversity" in out
    assert main(["data", "report", str(reach["noisy"]), "--compare", str(reach["expert"])]) == 2
