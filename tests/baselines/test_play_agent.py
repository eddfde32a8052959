"""The scripted play agent: long reset-free play that the oracle labels with many different tasks."""

from __future__ import annotations

import numpy as np

from palaestra.baselines.play_agent import FREE_MOTION, PlayAgent
from palaestra.envs.play import oracle
from palaestra.envs.play.env import PlayroomEnv


def _play(seed: int, steps: int, **kwargs) -> tuple[list[np.ndarray], set[str], PlayAgent]:
    """Run the agent for ``steps`` steps from one reset; return its actions and the tasks the oracle saw done."""
    env = PlayroomEnv()
    try:
        obs, _ = env.reset(seed=seed)
        agent = PlayAgent(env, env.np_random, **kwargs)
        actions, done, segment, start = [], set(), None, env.state
        for _ in range(steps):
            action = agent.act(obs)
            assert agent.current_task in oracle.TASKS or agent.current_task == FREE_MOTION
            if agent.skills_started != segment:
                segment, start = agent.skills_started, env.state
            obs, *_ = env.step(action)
            done |= oracle.completed(start, env.state)
            actions.append(action)
        return actions, done, agent
    finally:
        env.close()


def test_long_play_without_reset_completes_many_different_tasks():
    actions, done, agent = _play(seed=0, steps=2000)
    assert np.all(np.abs(np.array(actions)) <= 1.0)
    assert len(done) >= 6, f"the oracle saw only {sorted(done)} in 2000 steps"
    assert agent.skills_started >= 15


def test_same_generator_seed_same_play():
    first, _, _ = _play(seed=5, steps=300)
    second, _, _ = _play(seed=5, steps=300)
    np.testing.assert_array_equal(np.array(first), np.array(second))


def test_a_skill_that_runs_out_of_steps_is_dropped():
    _, _, agent = _play(seed=2, steps=200, budget=10, free_motion=0.0)
    assert agent.skills_started >= 200 // 10


def test_free_motion_only_wanders():
    _, _, agent = _play(seed=3, steps=100, free_motion=1.0)
    assert agent.current_task == FREE_MOTION


def _cells(seed: int, steps: int, **kwargs) -> int:
    """Distinct state-action cells (the play report's) of ``steps`` steps of play."""
    from palaestra.data.report import cells

    env = PlayroomEnv()
    try:
        obs, _ = env.reset(seed=seed)
        agent = PlayAgent(env, env.np_random, **kwargs)
        states, actions = [env.state.to_vector()], []
        for _ in range(steps):
            actions.append(agent.act(obs))
            obs, *_ = env.step(actions[-1])
            states.append(env.state.to_vector())
        return len(np.unique(cells(np.array(states), np.array(actions)), axis=0))
    finally:
        env.close()


def test_a_lively_style_covers_more_than_the_tidy_experts():
    tidy, lively = _cells(4, 600, style=0.0), _cells(4, 600, style=1.0)
    assert lively > 1.15 * tidy, (tidy, lively)


def test_a_style_outside_zero_to_one_is_refused():
    import pytest

    env = PlayroomEnv()
    with pytest.raises(ValueError, match="Playroom-v0: play style must be in \\[0, 1\\], got 1.5"):
        PlayAgent(env, env.np_random, style=1.5)
    env.close()
