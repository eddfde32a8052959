"""Aggregate scores over runs and tasks the way rliable recommends (Agarwal et al., 2021, "Deep RL at the Edge
of the Statistical Precipice"), written with numpy.

- The interquartile mean (IQM) of a set of run scores: the mean of the middle half once the lowest and highest
  quarter (``floor(n / 4)`` runs each) are cut, like ``scipy.stats.trim_mean(x, 0.25)``.
- 95% stratified bootstrap intervals: each replicate resamples the runs of every task with replacement, within
  that task (the stratum), recomputes the statistic, and the interval is the 2.5th and 97.5th percentiles of
  the replicates.
- Expert-normalised scores: ``(score - random) / (expert - random)``, so a random policy scores 0 and the
  expert 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

REPLICATES = 10_000
CONFIDENCE = 0.95


def iqm(scores: np.ndarray, axis: int | None = None) -> np.ndarray:
    """The interquartile mean of ``scores`` (all of them, or along ``axis``)."""
    values = np.sort(np.asarray(scores, dtype=float).ravel() if axis is None else np.asarray(scores, dtype=float),
                     axis=-1 if axis is None else axis)
    if axis is not None:
        values = np.moveaxis(values, axis, -1)
    cut = values.shape[-1] // 4
    return values[..., cut: values.shape[-1] - cut].mean(axis=-1)


def iqm_rows(scores: np.ndarray) -> np.ndarray:
    """IQM of each row of ``scores``: the statistic :func:`stratified_bootstrap` takes by default."""
    return iqm(scores, axis=1)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.2f} [{self.low:.2f}, {self.high:.2f}]"


def stratified_bootstrap(tasks: Sequence[np.ndarray], statistic: Callable[[np.ndarray], np.ndarray] = iqm_rows,
                         replicates: int = REPLICATES, seed: int = 0, confidence: float = CONFIDENCE) -> Estimate:
    """``statistic`` of all runs pooled over ``tasks`` (one array of run scores per task), with the percentile
    interval of its stratified bootstrap.

    ``statistic`` takes an array ``(replicates, runs)`` and returns one value per replicate.
    """
    groups = [np.asarray(t, dtype=float).ravel() for t in tasks]
    if not groups or any(g.size == 0 for g in groups):
        raise ValueError("every task needs at least one run score")
    rng = np.random.default_rng(seed)
    resampled = np.concatenate([g[rng.integers(0, g.size, size=(replicates, g.size))] for g in groups], axis=1)
    values = statistic(resampled)
    point = float(statistic(np.concatenate(groups)[None])[0])
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Estimate(point, float(low), float(high))


def normalise(scores: np.ndarray, random: float, expert: float) -> np.ndarray:
    """Expert-normalised scores: random 0, expert 1; ``ValueError`` when the two references coincide."""
    if not np.isfinite(random) or not np.isfinite(expert) or expert == random:
        raise ValueError(f"cannot normalise: expert score {expert} and random score {random} must differ")
    return (np.asarray(scores, dtype=float) - random) / (expert - random)
