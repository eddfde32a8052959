"""evaluate() and the validation layer built on it: the interval, determinism, the pass rules, selection."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from palaestra import registry
from palaestra.baselines import validate as v
from palaestra.evaluation import Z95, EvalResult, evaluate, wilson_interval

REACH = "palaestra/Reach-v0"


# Reference values: scipy.stats.binomtest(successes, n).proportion_ci(0.95, method="wilson").
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # the interval stays informative at 0 successes
        (5, 10, 0.2366, 0.7634),
        (20, 20, 0.8389, 1.0),
        (95, 100, 0.8882, 0.9785),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("successes", "n"), [(1, 7), (18, 20), (37, 50), (99, 100)])
def test_wilson_bounds_solve_the_score_equation(successes, n):
    # Wilson's bounds are the two p with |p_hat - p| = z * sqrt(p (1 - p) / n).
    p_hat = successes / n
    for p in wilson_interval(successes, n):
        assert (p_hat - p) ** 2 == pytest.approx(Z95**2 * p * (1 - p) / n)


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="within"):
        wilson_interval(11, 10)


def test_evaluate_expert_is_deterministic_on_fixed_seeds():
    expert = registry.get(REACH).load_expert()
    first = evaluate(expert, REACH, episodes=4)
    second = evaluate(expert, REACH, episodes=4)
    timing = {"steps_per_second": 0.0}
    assert dataclasses.replace(first, **timing) == dataclasses.replace(second, **timing)
    assert first.env_id == REACH and first.episodes == 4
    assert first.successes == 4 and first.success_rate == 1.0
    assert (first.ci_low, first.ci_high) == wilson_interval(4, 4)
    assert first.steps_per_second > 0


def test_evaluate_scores_a_policy_that_never_succeeds():
    idle = evaluate(lambda obs: np.zeros(4, dtype=np.float32), REACH, seeds=[0, 1, 2])
    max_steps = registry.get(REACH).max_episode_steps
    assert idle.successes == 0 and idle.ci_low == 0.0
    # Sparse reward: -1 per step until the time limit truncates the episode.
    assert idle.mean_length == max_steps and idle.mean_return == -max_steps


def test_evaluate_resets_a_stateful_policy_before_every_episode():
    class Counting:
        def __init__(self):
            self.resets = 0

        def reset(self):
            self.resets += 1

        def __call__(self, obs):
            return np.zeros(4, dtype=np.float32)

    policy = Counting()
    evaluate(policy, REACH, episodes=2)
    assert policy.resets == 2


def test_evaluate_builds_a_policy_from_a_factory_function():
    built = []

    def factory(env):
        built.append(env)
        return registry.get(REACH).load_expert()(env)

    result = evaluate(factory, REACH, episodes=2, factory=True)
    assert len(built) == 1 and result.successes == 2


def test_evaluate_checks_seeds_and_ids():
    with pytest.raises(ValueError, match="disagrees"):
        evaluate(lambda obs: obs, REACH, episodes=3, seeds=[0, 1])
    with pytest.raises(registry.UnknownEnvironmentError, match="palaestra/Reach-v0"):
        evaluate(lambda obs: obs, "palaestra/Rech-v0", episodes=1)


def _result(successes: int, n: int) -> EvalResult:
    low, high = wilson_interval(successes, n)
    return EvalResult(REACH, n, successes, successes / n, low, high, 0.0, 1.0, 1.0)


def test_quick_rule_tolerates_small_samples_that_the_full_rule_rejects():
    # 18/20 = 0.90 is below 0.95 but its upper bound (0.97) is not: no evidence the expert is worse.
    assert v.ValidationRow(REACH, 0.95, v.Rule.UPPER, _result(18, 20)).passed
    assert not v.ValidationRow(REACH, 0.95, v.Rule.POINT, _result(18, 20)).passed
    # 15/20 has an upper bound of 0.89: a broken expert still fails a quick run.
    assert not v.ValidationRow(REACH, 0.95, v.Rule.UPPER, _result(15, 20)).passed
    assert v.ValidationRow(REACH, 0.95, v.Rule.POINT, _result(96, 100)).passed


def test_select_filters_by_pattern_family_and_tag():
    assert [r.id for r in v.select(patterns=["Reach"])] == [REACH]
    drawers = {r.id for r in v.select(patterns=["drawer"])}
    assert drawers == {"palaestra/OpenDrawer-v0", "palaestra/CloseDrawer-v0"}
    assert [r.id for r in v.select(patterns=["*Pick*"], tag="grasp") if "perturbed" not in r.tags] == [
        "palaestra/PickAndPlace-v0"
    ]
    assert all("articulated" in r.tags for r in v.select(tag="articulated"))
    # Every selected record has a scripted reference: a task's (or cooperative game's) expert or a game's opponents.
    assert all(r.expert or (r.multi_agent and r.opponents) for r in v.select())
    assert {r.family for r in v.select()} == {"manipulation", "play", "competitive", "drones"}
    with pytest.raises(registry.UnknownEnvironmentError, match="Did you mean"):
        v.select(patterns=["Rech"])


def test_validate_passes_reach_and_fails_an_impossible_threshold():
    reach = registry.get(REACH)
    impossible = dataclasses.replace(reach, expert_threshold=1.01)
    rows = v.validate([reach, impossible], quick=True, episodes=3, workers=1)
    assert [row.status for row in rows] == ["PASS", "FAIL"]
    assert v.exit_code(rows[:1]) == 0 and v.exit_code(rows) == 1


def test_validate_reports_a_broken_expert_as_an_error_row():
    broken = dataclasses.replace(registry.get(REACH), expert="palaestra.baselines.experts.blocks:NoSuchExpert")
    (row,) = v.validate([broken], episodes=1, workers=1)
    assert row.status == "ERROR" and "NoSuchExpert" in row.error
    assert v.exit_code([row]) == 1


def test_process_pool_keeps_input_order_and_matches_serial_results():
    records = [registry.get("palaestra/Push-v0"), registry.get(REACH)]
    pooled = v.validate(records, episodes=2, workers=2)
    serial = v.validate(records, episodes=2, workers=1)
    assert [row.env_id for row in pooled] == [r.id for r in records]
    strip = {"steps_per_second": 0.0}
    assert [dataclasses.replace(row.result, **strip) for row in pooled] == [
        dataclasses.replace(row.result, **strip) for row in serial
    ]


def test_validate_rejects_an_unknown_backend():
    with pytest.raises(ValueError, match="process"):
        v.validate([registry.get(REACH)], backend="nope")
