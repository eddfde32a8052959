"""Evaluation, the one home of the figures palaestra reports: policies scored on fixed seeds.

- :mod:`~palaestra.evaluation.episodes`: a policy over seeded episodes of one task (success rate with its
  Wilson interval, returns, lengths); experts, ``palaestra validate`` and the learned baselines all use it.
  Its :func:`evaluate` and :class:`EvalResult` are re-exported here.
- :mod:`~palaestra.evaluation.matches`: policies against each other over seeded matches of a game
  (win/draw/loss with intervals, round robins, cross-play, Elo), also offered as :mod:`palaestra.competitive`'s
  ``evaluate``, ``round_robin``, ``CrossPlay`` and ``elo_ratings``.
- :mod:`~palaestra.evaluation.goal_images`: the playroom's Play-LMP-style suite, 18 tasks each conditioned on
  goal images, success per task (``palaestra evaluate palaestra/PlayroomGoal-v0 --goal-images``).

>>> from palaestra import get
>>> from palaestra.evaluation import evaluate
>>> evaluate(get("palaestra/Reach-v0").load_expert(), "palaestra/Reach-v0", episodes=3).episodes
3
"""

from palaestra.evaluation.episodes import DEFAULT_EPISODES, Z95, EvalResult, evaluate, wilson_interval

__all__ = ["DEFAULT_EPISODES", "Z95", "EvalResult", "evaluate", "wilson_interval"]
