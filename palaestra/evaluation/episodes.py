"""A policy's figures over seeded episodes of one task: THE one way palaestra computes success rates and returns.

>>> from palaestra import get
>>> from palaestra.evaluation.episodes import evaluate
>>> result = evaluate(get("palaestra/Reach-v0").load_expert(), "palaestra/Reach-v0", episodes=3)
>>> result.episodes
3

Scripted experts, ``palaestra validate`` and the learned baselines all report :class:`EvalResult` from
:func:`evaluate`, so their figures are comparable: same seeds, same success definition, same interval.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import gymnasium as gym

from palaestra.progress import episode_done

Policy = Callable[[Any], Any]
PolicyFactory = Callable[[gym.Env], Policy]

DEFAULT_EPISODES = 100
# Two-sided 95 %: the 0.975 quantile of the standard normal distribution.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class EvalResult:
    """Outcome of :func:`evaluate`: success counts with a 95 % Wilson interval, mean return and length.

    ``steps_per_second`` is the throughput of the whole evaluation loop (environment and policy together).
    """

    env_id: str
    episodes: int
    successes: int
    success_rate: float
    ci_low: float
    ci_high: float
    mean_return: float
    mean_length: float
    steps_per_second: float

    def __str__(self) -> str:
        return (
            f"{self.env_id}: success {self.success_rate:.1%} [{self.ci_low:.1%}, {self.ci_high:.1%}] over "
            f"{self.episodes} episodes, mean return {self.mean_return:.2f}, mean length {self.mean_length:.1f}"
        )


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95 % by default).

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate at 0 or n successes,
    which is the common case for a scripted expert.
    """
    if n <= 0:
        raise ValueError(f"the Wilson interval needs at least one trial, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within [0, n={n}], got {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0 and n successes the bounds are exactly 0 and 1; computing them would leave rounding noise.
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == n else centre + half
    return low, high


def evaluate(
    policy: Policy | PolicyFactory | type,
    env_id: str,
    episodes: int | None = None,
    seeds: Sequence[int] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    factory: bool | None = None,
) -> EvalResult:
    """Run ``policy`` for one episode per seed on ``env_id`` and summarise the outcomes.

    ``policy`` is a callable ``obs -> action`` or a factory ``env -> policy``: a class (such as
    ``record.load_expert()``) is taken as a factory, anything else as a policy unless ``factory=True``.
    A policy with a ``reset()`` method has it called before every episode. Seeds default to
    ``0 .. episodes - 1`` (100 episodes when neither is given); each episode starts from
    ``env.reset(seed=seed)`` on one environment, so the same seeds give the same result. An episode is a
    success when the ``info["is_success"]`` of its last step is true.

    A cooperative PettingZoo game (a registered multi-agent ID) is played the same way by a
    :class:`~palaestra.competitive.policy.Policy` acting for every agent; the return is the team's reward
    per agent, and an episode is a success when any agent's last ``info["is_success"]`` is.
    """
    seeds = _seeds(episodes, seeds)
    if _multi_agent(env_id):
        return _evaluate_team(policy, env_id, seeds, env_kwargs or {}, factory)
    env = _make(env_id, env_kwargs or {})
    try:
        is_factory = isinstance(policy, type) if factory is None else factory
        act = policy(env) if is_factory else policy
        reset = getattr(act, "reset", None)
        successes, total_return, total_steps = 0, 0.0, 0
        start = time.perf_counter()
        for seed in seeds:
            obs, info = env.reset(seed=int(seed))
            if callable(reset):
                reset()
            done = False
            while not done:
                obs, reward, terminated, truncated, info = env.step(act(obs))
                total_return += float(reward)
                total_steps += 1
                done = terminated or truncated
            successes += _success(env_id, info)
            episode_done()
        elapsed = time.perf_counter() - start
    finally:
        env.close()
    n = len(seeds)
    low, high = wilson_interval(successes, n)
    return EvalResult(
        env_id=env.spec.id if env.spec is not None else env_id,
        episodes=n,
        successes=successes,
        success_rate=successes / n,
        ci_low=low,
        ci_high=high,
        mean_return=total_return / n,
        mean_length=total_steps / n,
        steps_per_second=total_steps / elapsed if elapsed > 0 else math.inf,
    )


def _multi_agent(env_id: str) -> bool:
    from palaestra import registry

    try:
        return registry.get(env_id).multi_agent
    except registry.UnknownEnvironmentError:
        return False


def _evaluate_team(policy: Any, env_id: str, seeds: list[int], kwargs: dict[str, Any], factory: bool | None) -> EvalResult:
    import palaestra

    env = palaestra.make_parallel(env_id, **kwargs)
    try:
        act = policy(env) if (isinstance(policy, type) if factory is None else factory) else policy
        successes, total_return, total_steps = 0, 0.0, 0
        start = time.perf_counter()
        for seed in seeds:
            observations, infos = env.reset(seed=int(seed))
            act.reset(int(seed))
            while env.agents:
                observations, rewards, _, _, infos = env.step({a: act.act(observations[a], a) for a in env.agents})
                total_return += sum(rewards.values()) / len(rewards)
                total_steps += 1
            successes += any(_success(env_id, info) for info in infos.values())
        elapsed = time.perf_counter() - start
    finally:
        env.close()
    n = len(seeds)
    low, high = wilson_interval(successes, n)
    return EvalResult(env_id, n, successes, successes / n, low, high, total_return / n, total_steps / n,
                      total_steps / elapsed if elapsed > 0 else math.inf)


def _seeds(episodes: int | None, seeds: Sequence[int] | None) -> list[int]:
    if seeds is None:
        count = DEFAULT_EPISODES if episodes is None else episodes
        if count <= 0:
            raise ValueError(f"episodes must be positive, got {count}")
        return list(range(count))
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty; pass at least one seed (or episodes=N for seeds 0..N-1)")
    if episodes is not None and episodes != len(seeds):
        raise ValueError(f"episodes={episodes} disagrees with the {len(seeds)} seeds given; pass one or the other")
    return seeds


def _make(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
    # Any Gymnasium ID works (peers such as panda-gym); palaestra.make resolves bare names and lists close
    # matches for a misspelt ID.
    if env_id in gym.registry:
        return gym.make(env_id, **kwargs)
    import palaestra

    return palaestra.make(env_id, **kwargs)


def _success(env_id: str, info: dict[str, Any]) -> bool:
    if "is_success" not in info:
        raise KeyError(
            f"{env_id}: the last step's info has no 'is_success' key (keys: {sorted(info)}); "
            "evaluate() needs environments that report success"
        )
    return bool(info["is_success"])
