"""Testing helpers: the conformance check a third-party environment runs, and rollout fingerprints.

:func:`check_conformance` holds one registered ID (palaestra's own or one added with ``palaestra.register``)
to palaestra's standards, so a package adding environments runs in its own tests::

    from palaestra.testing import check_conformance

    def test_my_env():
        check_conformance("acme/Dot-v0")

``tests/golden_rollouts.json`` stores the fingerprint (:func:`rollout_fingerprint`) of every registered
single-agent ID; the test suite fails when an environment's dynamics, reward or observations change without a
version bump. Regenerate after a deliberate, version-bumped change with::

    python -m palaestra.testing --update tests/golden_rollouts.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            digest.update(key.encode())
            _feed(digest, value[key])
    else:
        digest.update(np.ascontiguousarray(value).tobytes())


def rollout_fingerprint(env_id: str, steps: int = 20, seed: int = 0, **kwargs: Any) -> str:
    """SHA-256 of observations, rewards and flags over ``steps`` seeded random actions from ``reset(seed)``."""
    import gymnasium as gym

    import palaestra  # noqa: F401  (registers the IDs)

    env = gym.make(env_id, **kwargs)
    try:
        env.action_space.seed(seed)
        digest = hashlib.sha256()
        obs, _ = env.reset(seed=seed)
        _feed(digest, obs)
        for _ in range(steps):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            _feed(digest, obs)
            _feed(digest, np.array([reward, terminated, truncated], dtype=np.float64))
            if terminated or truncated:
                obs, _ = env.reset()
                _feed(digest, obs)
        return digest.hexdigest()
    finally:
        env.close()


def seeded_rollout(env: Any, seed: int, steps: int) -> list[Any]:
    """The reset observation, then ``(obs, reward, terminated, truncated)`` of up to ``steps`` steps of actions
    sampled from the action space seeded with ``seed``: the same list, bit for bit, for the same seed."""
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    trace: list[Any] = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        trace.append((obs, reward, terminated, truncated))
        if terminated or truncated:
            break
    return trace


def strip_make_wrappers(env: Any) -> Any:
    """The environment under gym.make's own wrappers (time limit, order enforcing, passive checker).

    Unlike ``env.unwrapped`` this keeps palaestra's wrappers, so a registered wrapped variant (a perturbation
    preset, a language task) is checked as a whole.
    """
    from gymnasium.wrappers import OrderEnforcing, PassiveEnvChecker, TimeLimit

    while isinstance(env, (TimeLimit, OrderEnforcing, PassiveEnvChecker)):
        env = env.env
    return env


class ConformanceError(AssertionError):
    """One or more conformance checks failed; the message names the environment and each failed check."""


def check_conformance(env_id: str, *, seed: int = 0, steps: int = 50, **kwargs: Any) -> list[str]:
    """Run palaestra's conformance checks on ``env_id`` (built with ``kwargs``); return the checks passed.

    Single-agent: Gymnasium's ``check_env`` (headless: render modes other than ``rgb_array`` are not
    opened), the same seed replaying the same ``steps``-step random trajectory bit for bit even after an
    unrelated episode, a NaN or wrong-shaped action refused with a ``ValueError`` naming the ID, and an
    ``(H, W, 3)`` uint8 frame when ``rgb_array`` is a render mode. A game: PettingZoo's ``api_test``,
    ``parallel_api_test`` (parallel games) and ``seed_test``, and a malformed action refused with a
    ``ValueError`` naming the ID. Every check runs; :class:`ConformanceError` lists all that failed.
    """
    from palaestra import registry

    record = registry.get(env_id)
    checks = _game_checks(record, kwargs) if record.multi_agent else _task_checks(record, seed, steps, kwargs)
    passed, failed = [], []
    for name, check in checks:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # checkers warn about style; failures are what counts
                check()
        except Exception as error:  # noqa: BLE001 - every failing check is reported, not just the first
            failed.append(f"{name}: {type(error).__name__}: {error}")
        else:
            passed.append(name)
    if failed:
        raise ConformanceError(f"{record.id} failed {len(failed)} of {len(checks)} conformance checks:\n  "
                               + "\n  ".join(failed))
    return passed


def _task_checks(record: Any, seed: int, steps: int, kwargs: dict[str, Any]) -> list[tuple[str, Callable[[], None]]]:
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env, data_equivalence

    def made(**extra: Any) -> Any:
        return gym.make(record.id, **{**kwargs, **extra})

    def api() -> None:
        env = made()
        try:
            check_env(strip_make_wrappers(env), skip_render_check=True)
        finally:
            env.close()

    def determinism() -> None:
        first, second = made(), made()
        try:
            expected = seeded_rollout(first, seed, steps)
            seeded_rollout(second, seed + 1, steps)  # an unrelated episode first: reset must leave nothing behind
            if not data_equivalence(expected, seeded_rollout(second, seed, steps), exact=True):
                raise AssertionError(f"reset(seed={seed}) and the same seeded actions gave a different trajectory")
        finally:
            first.close()
            second.close()

    def bad_input() -> None:
        env = made()
        try:
            env.reset(seed=seed)
            space = env.action_space
            if isinstance(space, gym.spaces.Box):
                attempts = {"a NaN action": np.full(space.shape, np.nan),
                            "a wrong-shaped action": np.zeros(tuple(n + 1 for n in space.shape) or (2,))}
            elif isinstance(space, gym.spaces.Discrete):
                attempts = {"an out-of-range action": int(space.start + space.n)}
            else:
                return
            for what, action in attempts.items():
                _refused(record.id, what, lambda: env.step(action))
        finally:
            env.close()

    def frames() -> None:
        env = made(render_mode="rgb_array")
        try:
            env.reset(seed=seed)
            frame = np.asarray(env.render())
            if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
                raise AssertionError(f"render() gave {frame.dtype} {frame.shape}, expected an (H, W, 3) uint8 frame")
        finally:
            env.close()

    probe = made()
    modes = probe.metadata.get("render_modes", [])
    probe.close()
    return [("check_env", api), ("determinism", determinism), ("bad input refused", bad_input),
            *([("rgb_array frames", frames)] if "rgb_array" in modes else [])]


def _game_checks(record: Any, kwargs: dict[str, Any]) -> list[tuple[str, Callable[[], None]]]:
    import palaestra

    def api() -> None:
        from pettingzoo.test import api_test

        env = palaestra.make_aec(record.id, **kwargs)
        try:
            api_test(env, num_cycles=100)
        finally:
            env.close()

    def parallel_api() -> None:
        from pettingzoo.test import parallel_api_test

        parallel_api_test(palaestra.make_parallel(record.id, **kwargs), num_cycles=100)

    def seeds() -> None:
        from pettingzoo.test import seed_test

        seed_test(lambda: palaestra.make_aec(record.id, **kwargs), num_cycles=100)

    def bad_input() -> None:
        from gymnasium import spaces

        env = palaestra.make_parallel(record.id, **kwargs)
        try:
            env.reset(seed=0)
            agent = env.agents[0]
            space = env.action_space(agent)
            bad = np.full(space.shape, np.nan) if isinstance(space, spaces.Box) else 10**6
            actions = {a: env.action_space(a).sample() for a in env.agents}
            _refused(record.id, "a malformed action", lambda: env.step({**actions, agent: bad}))
        finally:
            env.close()

    # A turn-based game is AEC only; its illegal moves are PettingZoo's action-mask business.
    parallel = [("parallel_api_test", parallel_api), ("bad input refused", bad_input)] if record.parallel else []
    return [("api_test", api), ("seed_test", seeds), *parallel]


def _refused(env_id: str, what: str, step: Callable[[], Any]) -> None:
    """``step()`` must raise a ValueError whose message names ``env_id``."""
    try:
        step()
    except ValueError as error:
        if env_id not in str(error):
            raise AssertionError(f"{what} raised ValueError without naming {env_id}: {error}") from None
        return
    raise AssertionError(f"{what} was accepted; expected a ValueError naming {env_id}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", type=Path, required=True, help="JSON file to (re)write")
    args = parser.parse_args(argv)
    from palaestra import registry

    table = {r.id: rollout_fingerprint(r.id) for r in registry.RECORDS if not r.multi_agent}
    args.update.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(table)} fingerprints to {args.update}")


if __name__ == "__main__":
    main()
