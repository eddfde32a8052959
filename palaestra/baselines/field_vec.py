"""Tag and Soccer 2v2 self-play as stable-baselines3 VecEnvs over their array cores: many matches, one process.

>>> from palaestra.baselines.field_vec import TagSelfPlayVecEnv
>>> vec = TagSelfPlayVecEnv("palaestra/Tag-v0", n_envs=128, opponents=["random", "chase"])  # doctest: +SKIP
>>> obs = vec.reset()  # doctest: +SKIP

Slot ``i`` is what ``make_vec_env`` builds from :class:`~palaestra.wrappers.selfplay.SelfPlayEnv` seeded
``seed + i``, bit for bit (see :mod:`~palaestra.baselines.array_vec`). The learner plays a whole side (two
discs: a joined observation, a ``Box(-1, 1, (4,))`` action). Opponents: the random level from per-match
generators; Tag's ``chase`` and Soccer's ``chaser`` and ``strong`` batched (one call for all their matches,
bit for bit the scalar players: :data:`~palaestra.envs.competitive.tag_batch.BATCHED`,
:data:`~palaestra.envs.competitive.soccer_batch.BATCHED`); Tag's ``strong`` (16 headings simulated per prey
and step) and any other policy as one policy object per match; frozen snapshots in one forward pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from palaestra.baselines.array_vec import ArraySelfPlayVecEnv
from palaestra.envs.competitive import soccer_batch, tag_batch
from palaestra.wrappers.selfplay import OpponentPool


class FieldSelfPlayVecEnv(ArraySelfPlayVecEnv):
    """Self-play arrays of a field game: a subclass names its array core (:attr:`core`) and batched levels."""

    core: type

    def __init__(self, game: str | None = None, n_envs: int = 64,
                 opponents: OpponentPool | Sequence[str] | str = "random", seed: int | None = None,
                 side: str | None = None, env_kwargs: Mapping[str, Any] | None = None) -> None:
        batch = _core(game or self.core.env_id, self.core, n_envs, env_kwargs)
        super().__init__(batch, opponents, seed=seed, side=side)


class TagSelfPlayVecEnv(FieldSelfPlayVecEnv):
    """``n_envs`` self-play matches of Tag against ``opponents``; ``env_kwargs`` may set ``max_cycles``.

    A tagged prey leaves its match as in ``SelfPlayEnv``: its last observation stays in its side's joined one
    and its actions are ignored; the episode ends with the match.
    """

    core = tag_batch.TagBatch
    batched_levels = tag_batch.BATCHED


class SoccerSelfPlayVecEnv(FieldSelfPlayVecEnv):
    """``n_envs`` self-play matches of Soccer 2v2 against ``opponents``; ``env_kwargs`` may set
    ``goals_to_win``, ``max_cycles`` and ``shaping``."""

    core = soccer_batch.SoccerBatch
    batched_levels = soccer_batch.BATCHED


def _core(game: str, batch_cls: type, n_envs: int, env_kwargs: Mapping[str, Any] | None) -> Any:
    """``batch_cls`` for ``n_envs`` matches of ``game``; ``ValueError`` naming the game unless it is the core's
    game and ``env_kwargs`` are options the core takes."""
    import inspect

    from palaestra import registry

    env_id, expected = registry.get(game).id, batch_cls.env_id
    if env_id != expected:
        raise ValueError(f"{env_id}: {batch_cls.__name__} is the array core of {expected}")
    options = [name for name in inspect.signature(batch_cls).parameters if name != "n_matches"]
    unknown = sorted(set(env_kwargs or {}) - set(options))
    if unknown:
        raise ValueError(f"{env_id}: the array core takes env_kwargs {options}; got {unknown}")
    return batch_cls(n_envs, **dict(env_kwargs or {}))
