"""The single-drone drills' rewards: a crash never pays where an episode's ending can cost."""

import numpy as np
import pytest

import palaestra
from palaestra.envs.drones.drills import HitToTargetEnv


def _fall(env_id):
    env = palaestra.make(env_id)
    env.reset(seed=3)
    cut = np.array((-1.0, 0.0, 0.0, 0.0), dtype=np.float32)  # rotors off: the drone drops to the floor
    for _ in range(200):
        _, reward, terminated, truncated, info = env.step(cut)
        if terminated or truncated:
            break
    env.close()
    return reward, terminated, info


def test_hit_to_target_charges_a_crash_more_than_the_worst_landing():
    reward, terminated, info = _fall("palaestra/DroneHitToTarget-v0")
    assert terminated and not info["is_success"] and info["touches"] == 0
    assert reward == pytest.approx(-HitToTargetEnv.CRASH_PENALTY)
    assert HitToTargetEnv.CRASH_PENALTY > HitToTargetEnv.MAX_MISS  # a landing never costs as much


@pytest.mark.parametrize("env_id", ["palaestra/DroneBackAndForth-v0", "palaestra/DroneJuggle-v0"])
def test_drills_with_gains_only_end_a_crash_without_a_charge(env_id):
    reward, terminated, info = _fall(env_id)
    assert terminated and not info["is_success"] and reward >= -0.5  # at most the progress lost in the fall
