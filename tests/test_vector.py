"""BatchedVectorEnv: the same results as Gymnasium's SyncVectorEnv over the same seeded environments."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import palaestra  # noqa: F401  (registers the IDs)
from palaestra.vector import BatchedVectorEnv, make_batched

ENV_ID = "palaestra/Reach-v0"
# Episodes of 4 steps, so that 10 steps cross several automatic resets.
KWARGS = {"max_episode_steps": 4}


def _fns(n):
    return [lambda: gym.make(ENV_ID, **KWARGS) for _ in range(n)]


def _trace(vector, steps=10):
    vector.action_space.seed(1)
    trace = [vector.reset(seed=5)]
    for _ in range(steps):
        trace.append(vector.step(vector.action_space.sample()))
    trace.append(vector.reset(seed=[9, None, 11]))
    trace.append(vector.step(vector.action_space.sample()))
    return trace


@pytest.mark.parametrize(("mode", "spin"), [(AutoresetMode.NEXT_STEP, 0.0), (AutoresetMode.SAME_STEP, 0.0),
                                            (AutoresetMode.NEXT_STEP, 5e-4)])
def test_batched_matches_sync_vector_env_bit_for_bit(mode, spin):
    # Three environments on two workers: uneven slices, and each worker resets environments mid-run; with and
    # without polling for messages.
    batched = make_batched(ENV_ID, num_envs=3, workers=2, autoreset_mode=mode, spin=spin, **KWARGS)
    reference = SyncVectorEnv(_fns(3), autoreset_mode=mode)
    try:
        ours, theirs = _trace(batched), _trace(reference)
        assert any(step[2].any() or step[3].any() for step in ours[1:-2])  # an episode did end
        assert data_equivalence(ours, theirs, exact=True)
        assert batched.metadata["autoreset_mode"] is mode
        assert batched.get_attr("env_id") == ("palaestra/Reach-v0",) * 3
        assert len(batched.call("compute_reward", np.zeros(3), np.zeros(3), {})) == 3
    finally:
        batched.close()
        reference.close()


def test_actions_of_another_dtype_or_as_a_list_are_sent_to_the_workers_and_give_the_same_steps():
    # float32 arrays of the batch's shape go through the shared action buffer; the rest is sent in messages.
    batched = make_batched(ENV_ID, num_envs=3, workers=2, **KWARGS)
    reference = SyncVectorEnv(_fns(3))
    try:
        rng = np.random.default_rng(0)
        for vector in (batched, reference):
            vector.reset(seed=3)
        for step in range(6):
            actions = rng.uniform(-1, 1, size=(3, 4))  # float64
            sent = actions if step % 2 else list(actions.astype(np.float32))
            ours, theirs = batched.step(sent), reference.step(sent if step % 2 else np.stack(sent))
            assert data_equivalence(ours, theirs, exact=True)
    finally:
        batched.close()
        reference.close()


def test_bad_arguments_are_refused_with_the_expected_values():
    with pytest.raises(ValueError, match=r"workers=3; expected an integer in \[1, 2\]"):
        BatchedVectorEnv(_fns(2), workers=3)
    with pytest.raises(ValueError, match="DISABLED is not supported"):
        BatchedVectorEnv(_fns(1), workers=1, autoreset_mode=AutoresetMode.DISABLED)
    for spin in (-0.001, float("nan"), 2.0):
        with pytest.raises(ValueError, match=r"BatchedVectorEnv: spin=.*; expected a finite real number in \[0.0, 1.0\]"):
            BatchedVectorEnv(_fns(1), workers=1, spin=spin)
    with pytest.raises(ValueError, match=r"BatchedVectorEnv: spin='fast'; expected a finite real number"):
        BatchedVectorEnv(_fns(1), workers=1, spin="fast")


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="core affinity is Linux-only")
def test_workers_poll_only_when_they_have_a_core_each(monkeypatch):
    from palaestra import vector

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert vector.resolve_spin("test", None, 2) == 0.0  # a polling worker would take its partner's only core
    assert vector.resolve_spin("test", None, 1) == vector.SPIN
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert vector.resolve_spin("test", None, 2) == vector.SPIN > 0.0


def test_returned_observations_are_copies_unless_copy_is_false():
    batched = make_batched(ENV_ID, num_envs=2, workers=1)
    shared = BatchedVectorEnv(_fns(2), workers=1, copy=False)
    try:
        first, _ = batched.reset(seed=0)
        kept = {key: value.copy() for key, value in first.items()}
        batched.step(batched.action_space.sample())
        assert data_equivalence(first, kept, exact=True)  # the next step did not overwrite them
        view, _ = shared.reset(seed=0)
        assert data_equivalence(view, kept, exact=True)
        shared.step(np.ones((2, 4), dtype=np.float32))
        assert not np.array_equal(view["observation"], kept["observation"])  # a view of the shared buffer
    finally:
        batched.close()
        shared.close()


def test_a_failing_environment_raises_in_the_caller_with_its_message():
    batched = make_batched(ENV_ID, num_envs=2, workers=2)  # environment 0 in this process, 1 in a worker
    try:
        batched.reset(seed=0)
        remote_nan = np.zeros((2, 4), dtype=np.float32)
        remote_nan[1] = np.nan  # NaN actions are refused by the environment
        with pytest.raises(ValueError, match="palaestra/Reach-v0"):
            batched.step(remote_nan[::-1].copy())  # raised here, as by the env itself
        with pytest.raises(RuntimeError, match=r"(?s)environments from 1.*ValueError.*palaestra/Reach-v0"):
            batched.step(remote_nan)  # raised in the worker, reported with its traceback
        with pytest.raises(RuntimeError, match="worker failed earlier"):
            batched.step(np.zeros((2, 4), dtype=np.float32))
    finally:
        batched.close()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="binding to cores is Linux-only")
def test_pinned_workers_run_on_their_own_core_and_the_caller_gets_its_cores_back():
    before = os.sched_getaffinity(0)
    batched = make_batched(ENV_ID, num_envs=2, workers=2, pin=True)
    try:
        assert os.sched_getaffinity(0) == {0}
        assert os.sched_getaffinity(batched._pool._processes[0].pid) == {1 % os.cpu_count()}
        batched.reset(seed=0)
        batched.step(np.zeros((2, 4), dtype=np.float32))
    finally:
        batched.close()
    assert os.sched_getaffinity(0) == before
