"""Chains of instructions without resets: CALVIN's metrics, determinism and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.baselines.experts.play import PlayroomExpert
from palaestra.envs.play import oracle
from palaestra.envs.play.chains import ChainResult, evaluate_chains


@pytest.fixture(scope="module")
def expert_chains() -> ChainResult:
    return evaluate_chains(PlayroomExpert, chains=6, length=3, seed=10)


def test_the_scripted_experts_complete_instructions_in_a_row(expert_chains):
    r = expert_chains
    assert r.chains == 6 and r.length == 3
    assert r.average_length >= 1.0, r
    # Each chain lists what it was asked: every completed instruction, then the failed one if any.
    for tasks, done in zip(r.tasks, r.completed):
        assert len(tasks) == min(done + 1, r.length)
        assert set(tasks) <= set(oracle.TASKS)


def test_calvin_metrics_agree(expert_chains):
    r = expert_chains
    rates = np.array(r.success_rates)
    assert np.all(np.diff(rates) <= 0), "a chain cannot reach position k+1 without position k"
    # The mean run length equals the sum over positions of the fraction of chains that reached them.
    assert r.average_length == pytest.approx(rates.sum())
    assert r.average_length == pytest.approx(np.mean(r.completed))
    asked = sum(len(t) for t in r.tasks)
    assert sum(a for _, a in r.task_success().values()) == asked
    assert sum(d for d, _ in r.task_success().values()) == sum(r.completed)


def test_same_seed_same_chains(expert_chains):
    again = evaluate_chains(PlayroomExpert, chains=6, length=3, seed=10)
    assert again.tasks == expert_chains.tasks and again.completed == expert_chains.completed
    other = evaluate_chains(PlayroomExpert, chains=6, length=1, seed=40)
    assert [t[0] for t in other.tasks] != [t[0] for t in expert_chains.tasks]


def test_a_still_policy_completes_nothing_and_uses_its_whole_budget():
    still = np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32)
    r = evaluate_chains(lambda env: (lambda obs: still), chains=3, length=5, steps_per_instruction=4)
    assert r.completed == (0, 0, 0) and r.average_length == 0.0
    assert r.success_rates == (0.0,) * 5
    assert all(len(t) == 1 for t in r.tasks) and r.steps == 3 * 4


def test_the_policy_sees_the_new_instruction_tokens():
    seen = []

    class Recorder:
        def __init__(self, env):
            self.expert = PlayroomExpert(env)

        def __call__(self, obs):
            seen.append(obs["instruction"].copy())
            return self.expert(obs)

    r = evaluate_chains(Recorder, chains=1, length=2, seed=10)
    assert r.completed[0] >= 1
    assert any(not np.array_equal(seen[0], s) for s in seen[1:]), "the second instruction never reached the policy"


@pytest.mark.parametrize("bad", [{"chains": 0}, {"length": 0}, {"steps_per_instruction": 0}])
def test_bad_arguments_name_the_environment(bad):
    with pytest.raises(ValueError, match="PlayroomLanguage-v0"):
        evaluate_chains(PlayroomExpert, **bad)
