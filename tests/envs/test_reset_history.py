"""A reset leaves nothing of the episodes before it: an env reused across episodes follows, bit for bit, the
trajectory a freshly made env follows from the same seed (DESIGN.md principle 8).

The short determinism checks of the conformance suites run 25 steps; the traces the previous episode leaves in
a PyBullet world (contact pairs and manifolds that outlive a restore) showed only after 50 to 200 steps, in
contact-rich scenes. So these episodes are long, on a representative PyBullet ID of each family: Panda tasks
with a free block, every playroom variant (compound drawer, door and lever shapes), a drone drill and both
fighting games.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import data_equivalence

import palaestra
from palaestra.testing import seeded_rollout

# (ID, steps per episode): enough steps to reach contacts, few enough for a few seconds per ID.
SINGLE_AGENT = [
    ("palaestra/Push-v0", 200),
    ("palaestra/PickAndPlace-v0", 200),
    ("palaestra/Playroom-v0", 250),
    ("palaestra/PlayroomGoal-v0", 250),
    ("palaestra/PlayroomLanguage-v0", 250),
    ("palaestra/PlayroomChain-v0", 250),
    ("palaestra/DroneHitToTarget-v0", 150),
]
GAMES = [("palaestra/Sumo-v0", 200), ("palaestra/Boxing-v0", 200)]
# (earlier episode's seed, checked episode's seed): pairs that diverged before the fix, at steps 58 and 193.
SEEDS = [(1, 2), (22, 23)]


def _make(env_id: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gym.make(env_id, max_episode_steps=10_000)  # the checked episodes run past short time limits


def _first_difference(a: list, b: list) -> int | None:
    for step, (x, y) in enumerate(zip(a, b)):
        if not data_equivalence(x, y, exact=True):
            return step
    return None if len(a) == len(b) else min(len(a), len(b))


def _assert_reuse_matches_fresh(env_id: str, make, play, steps: int) -> None:
    """``play(env, seed, steps)`` of each checked seed, on an env reused after another episode and on a fresh one."""
    reused, fresh = make(env_id), make(env_id)
    try:
        for earlier, seed in SEEDS:
            play(reused, earlier, steps)
            step = _first_difference(play(reused, seed, steps), play(fresh, seed, steps))
            assert step is None, f"{env_id}: seed {seed} after seed {earlier} left a fresh env's trajectory at step {step}"
    finally:
        reused.close()
        fresh.close()


@pytest.mark.parametrize("env_id,steps", SINGLE_AGENT)
def test_reused_env_repeats_a_fresh_envs_trajectory(env_id, steps):
    _assert_reuse_matches_fresh(env_id, _make, seeded_rollout, steps)


def _match(env, seed: int, steps: int) -> list:
    observations, _ = env.reset(seed=seed)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + i)
    trace = [observations]
    for _ in range(steps):
        if not env.agents:
            break
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        trace.append(env.step(actions)[:4])
    return trace


@pytest.mark.parametrize("env_id,steps", GAMES)
def test_reused_game_repeats_a_fresh_games_trajectory(env_id, steps):
    _assert_reuse_matches_fresh(env_id, palaestra.make_parallel, _match, steps)
