"""Reproducibility helpers: a fingerprint of a short seeded rollout per environment ID.

``tests/golden_rollouts.json`` stores the fingerprint of every registered single-agent ID; the test suite
fails when an environment's dynamics, reward or observations change without a version bump.
Regenerate after a deliberate, version-bumped change with::

    python -m palaestra.testing --update tests/golden_rollouts.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
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


def strip_make_wrappers(env: Any) -> Any:
    """The environment under gym.make's own wrappers (time limit, order enforcing, passive checker).

    Unlike ``env.unwrapped`` this keeps palaestra's wrappers, so a registered wrapped variant (a perturbation
    preset, a language task) is checked as a whole.
    """
    from gymnasium.wrappers import OrderEnforcing, PassiveEnvChecker, TimeLimit

    while isinstance(env, (TimeLimit, OrderEnforcing, PassiveEnvChecker)):
        env = env.env
    return env


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
