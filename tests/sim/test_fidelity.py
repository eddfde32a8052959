"""Physics fidelity of the Panda scene (palaestra.sim.fidelity), with loose bounds that catch a real regression.

The bounds are the simulation issue's targets for what is reached; the figures themselves (and panda-gym's beside
them) come from ``palaestra bench --fidelity``. The probes run a few seconds of physics in total.
"""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.sim import fidelity


@pytest.fixture(scope="module")
def probe():
    return fidelity.palaestra_probe()


def test_zero_action_holds_the_arm(probe):
    after_50, after_1000 = fidelity.hold_drift(probe)
    assert after_50 <= 1.0 and after_1000 <= 2.0, (after_50, after_1000)


def test_zero_action_holds_the_arm_anywhere_in_reach(probe):
    # Before the hold's integral term: up to 80 mm in 50 steps at the corners of Reach's goal box.
    assert fidelity.reach_hold(probe) <= 1.0


def test_zero_action_holds_a_stretched_arm_in_joint_control():
    # Elbow opened with the hand high in the air: the motors' steady offset is large there (18.6 mm in 50
    # zero-action steps before the hold's integral term).
    probe = fidelity.palaestra_probe(control="joints")
    env = probe.make("reach")
    stretch = np.zeros(8)
    stretch[3] = 1.0
    for _ in range(20):
        probe.step(env, stretch)
    for _ in range(10):
        probe.step(env, np.zeros(8))
    start = probe.ee(env)
    for _ in range(50):
        probe.step(env, np.zeros(8))
    drift = float(np.linalg.norm(probe.ee(env) - start)) * 1e3
    env.close()
    assert drift <= 1.0, drift


def test_dropped_cube_recovers_from_penetration_and_settles(probe):
    peak, deep_ms, settle_ms = fidelity.drop_worst(probe)
    # Worst over 9 drop heights. Peak first-contact penetration is bounded by one substep of fall (about
    # 11.7 mm at 120 Hz, reached from some heights): see PhysicsConfig. What the contact settings control is
    # how fast it is resolved; the bounds sit a little above Panda physics 3's worst (50 ms deep, 158 ms to
    # settle), above the simulation issue's targets (40 and 120 ms) that only panda-gym's 500 Hz meets.
    assert peak < 11.8
    assert deep_ms <= 60.0 and settle_ms <= 180.0, (deep_ms, settle_ms)


def test_two_cube_tower_stands_still(probe):
    assert fidelity.tower_creep(probe) <= 0.5


def test_cube_held_in_the_gripper_does_not_turn(probe):
    assert fidelity.grasp_turn(probe) <= 2.0
