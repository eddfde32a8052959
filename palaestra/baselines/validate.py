"""``palaestra validate``: every scripted expert evaluated against its registered success threshold.

Pass rules, one per mode, both on fixed seeds ``0 .. n-1`` through :func:`palaestra.evaluation.evaluate`:

* full run (100 episodes): the success rate itself must reach ``record.expert_threshold``. This is the
  figure the project reports, so it is held to the threshold directly.
* quick run (20 episodes, for CI): the record fails only when the upper bound of the 95 % Wilson interval
  is below the threshold, i.e. when the sample is evidence that the expert is worse than its threshold.
  At n = 20 the point estimate would fail an expert that is exactly at 0.95 in 26 % of seed sets
  (18/20 = 0.90 < 0.95), while its upper bound (0.97) passes; a broken expert (say 15/20, upper bound
  0.89) still fails. The quick rule catches regressions, the full rule certifies the number.

A competitive game is validated by its scripted opponents: the strongest level plays the weakest
(``random``) on the same seeds, sides alternating, and its score (win 1, draw 1/2, with the conservative
Wilson interval of :mod:`palaestra.evaluation.matches`) stands in for the success rate.

Records are run in parallel by a backend of :mod:`palaestra.baselines.backends`: ``process`` (a spawn-based
process pool, 2 workers by default) or ``ray`` (a Ray cluster), which give the same rows.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from palaestra import registry
from palaestra.baselines.backends import BACKEND_NAMES, run_all
from palaestra.evaluation import EvalResult, evaluate
from palaestra.registry import EnvRecord

FULL_EPISODES = 100
QUICK_EPISODES = 20
DEFAULT_WORKERS = 2


class Rule(str, Enum):
    """Which statistic must reach the threshold."""

    POINT = "point"  # the success rate (full runs)
    UPPER = "upper"  # the 95 % Wilson upper bound (quick runs)


@dataclass(frozen=True)
class ValidationRow:
    """One record's validation: its expert's :class:`EvalResult` (or the error that stopped it) and the verdict."""

    env_id: str
    threshold: float
    rule: Rule
    result: EvalResult | None
    error: str | None = None

    @property
    def passed(self) -> bool:
        if self.result is None:
            return False
        statistic = self.result.success_rate if self.rule is Rule.POINT else self.result.ci_high
        return statistic >= self.threshold

    @property
    def status(self) -> str:
        if self.error is not None:
            return "ERROR"
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        """A flat JSON-ready dict: the verdict fields followed by the evaluation result's fields."""
        row = {
            "env_id": self.env_id,
            "status": self.status,
            "passed": self.passed,
            "threshold": self.threshold,
            "rule": self.rule.value,
            "error": self.error,
        }
        if self.result is not None:
            row.update({k: v for k, v in asdict(self.result).items() if k != "env_id"})
        return row


# A job is (env_id, expert entry point or "opponents", episodes); its outcome an EvalResult or the error text.
Job = tuple[str, str, int]


def select(
    family: str | None = None, tag: str | None = None, patterns: Sequence[str] | None = None
) -> list[EnvRecord]:
    """Records with a scripted reference (an expert, or a game's opponents), in registry order, filtered by
    family, tag and ID patterns.

    A pattern is an ID or bare name (``Push``: that record only), a glob (``*Drawer*``) or else a
    case-insensitive substring of the ID. A pattern that matches no registered ID at all raises
    :class:`~palaestra.registry.UnknownEnvironmentError` naming the closest IDs.
    """
    chosen = {r.id for r in registry.records()}
    if patterns:
        chosen = set().union(*(_match(p) for p in patterns))
    return [
        r
        for r in registry.records()
        if r.id in chosen
        and _reference(r) is not None
        and (family is None or r.family == family)
        and (tag is None or tag in r.tags)
    ]


def validate(
    records: Iterable[EnvRecord],
    quick: bool = False,
    episodes: int | None = None,
    workers: int = DEFAULT_WORKERS,
    backend: str = "process",
    on_row: Callable[[ValidationRow], None] | None = None,
) -> list[ValidationRow]:
    """Evaluate each record's expert and judge it against ``record.expert_threshold``; rows in input order.

    ``episodes`` overrides the mode's count (100 full, 20 quick); the rule follows the mode (see the module
    docstring). ``on_row`` is called as each row completes (progress display). An expert or environment
    that raises yields an ``ERROR`` row instead of stopping the run.
    """
    records = list(records)
    if backend not in BACKEND_NAMES:
        raise ValueError(f"unknown backend {backend!r}; expected one of {list(BACKEND_NAMES)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    count = episodes if episodes is not None else (QUICK_EPISODES if quick else FULL_EPISODES)
    if count < 1:
        raise ValueError(f"episodes must be positive, got {count}")
    rule = Rule.UPPER if quick else Rule.POINT
    jobs: list[Job] = []
    for r in records:
        reference = _reference(r)
        if reference is None:
            raise ValueError(f"{r.id} has no scripted reference; select records with palaestra.baselines.validate.select")
        jobs.append((r.id, reference, count))
    rows: list[ValidationRow | None] = [None] * len(records)
    for index, outcome in run_all(run_job, jobs, workers, backend):
        r = records[index]
        if isinstance(outcome, EvalResult):
            row = ValidationRow(r.id, r.expert_threshold, rule, outcome)
        else:
            row = ValidationRow(r.id, r.expert_threshold, rule, None, error=outcome)
        rows[index] = row
        if on_row is not None:
            on_row(row)
    return [row for row in rows if row is not None]


def exit_code(rows: Sequence[ValidationRow]) -> int:
    """0 when every row passed, 1 otherwise (the exit status of ``palaestra validate``)."""
    return 0 if all(row.passed for row in rows) else 1


def write_json(rows: Sequence[ValidationRow], path: str | Path, quick: bool) -> None:
    """Write the rows and the mode to ``path`` as JSON."""
    from palaestra import __version__

    report = {
        "palaestra": __version__,
        "quick": quick,
        "passed": exit_code(rows) == 0,
        "rows": [row.to_dict() for row in rows],
    }
    Path(path).write_text(json.dumps(report, indent=2) + "\n")


def _reference(record: EnvRecord) -> str | None:
    """What validates ``record``: its expert's entry point, or ``opponents`` for a game with scripted levels.

    A third-party expert registered as a class travels as ``"expert"``: the worker imports the installed
    plugins (:func:`palaestra.third_party.load_plugins`) and reads it from the record. A cooperative game
    (multi-agent, no scripted levels) is validated by its expert, one policy playing every agent.
    """
    if record.multi_agent and record.opponents is not None:
        return "opponents"
    if record.expert is not None and not isinstance(record.expert, str):
        return "expert"
    return record.expert


def matchup(env_id: str) -> tuple[str, str]:
    """The (strongest, weakest) opponent levels whose match validates a game."""
    from palaestra.competitive.match import opponent_table

    levels = list(opponent_table(env_id))
    return levels[-1], levels[0]


def run_job(env_id: str, reference: str, episodes: int) -> EvalResult:
    """Evaluate one expert (``module:Class``) or, for ``"opponents"``, a game's strongest level against its
    weakest. The backends (:func:`palaestra.baselines.backends.run_all`) turn an error into its text, so one
    broken record stops nothing."""
    if env_id not in registry.ids():  # a spawned worker: third-party IDs come from their entry points
        from palaestra.third_party import load_plugins

        load_plugins()
    if reference == "opponents":
        return _game_result(env_id, episodes)
    expert = registry.get(env_id).load_expert() if reference == "expert" else registry.load(reference)
    return evaluate(expert, env_id, episodes=episodes, factory=True)


def _game_result(env_id: str, matches: int) -> EvalResult:
    """The strongest level's score against the weakest, reported as an :class:`EvalResult` (wins as successes)."""
    from palaestra.evaluation.matches import evaluate as play

    strongest, weakest = matchup(env_id)
    result = play(strongest, weakest, env_id, matches=matches)
    return EvalResult(
        env_id=env_id, episodes=result.matches, successes=result.wins, success_rate=result.score,
        ci_low=result.ci_low, ci_high=result.ci_high, mean_return=result.mean_return,
        mean_length=result.mean_steps, steps_per_second=result.steps_per_second,
    )


def _match(pattern: str) -> set[str]:
    try:
        return {registry.get(pattern).id}
    except registry.UnknownEnvironmentError as error:
        unknown = error
    lowered = pattern.lower()
    if any(ch in pattern for ch in "*?["):
        found = {r.id for r in registry.records() if fnmatch.fnmatchcase(r.id.lower(), lowered)}
    else:
        found = {r.id for r in registry.records() if lowered in r.id.lower()}
    if not found:
        raise unknown
    return found
