"""The playroom's scripted experts: each task kind solved on a few seeded feasible starts, dispatch, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra import registry
from palaestra.baselines.experts import play
from palaestra.baselines.experts.play import KIND_EXPERTS, DrawerExpert, PlayroomExpert
from palaestra.envs.play import oracle
from palaestra.envs.play.env import PlayroomEnv
from palaestra.envs.play.language_env import PlayroomLanguageEnv
from palaestra.evaluation import evaluate

LANGUAGE = "palaestra/PlayroomLanguage-v0"
BLOCK_CYCLE = ("red", "green", "blue")


def _sample_tasks() -> list[str]:
    """One task per kind, the block colour rotating across kinds (a quick check, not the full table)."""
    kinds = list(dict.fromkeys(t.kind for t in oracle.TASKS.values()))
    chosen = []
    for i, kind in enumerate(kinds):
        named = [t for t in oracle.TASKS.values() if t.kind == kind]
        block = BLOCK_CYCLE[i % 3]
        chosen.append(next((t.name for t in named if t.block == block), named[0].name))
    return chosen


def _feasible_seeds(task: str, n: int, first: int = 200) -> list[int]:
    """The first ``n`` seeds from ``first`` on whose start state makes ``task`` feasible."""
    env, seeds = PlayroomEnv(), []
    try:
        seed = first
        while len(seeds) < n:
            env.reset(seed=seed)
            if oracle.TASKS[task].feasible(env.state):
                seeds.append(seed)
            seed += 1
        return seeds
    finally:
        env.close()


# Kinds measure 90-100 % over 100 feasible starts (docs/guides/playroom.md); out of 10 starts a kind expert
# may miss 2, so a seed drawing an unusual start does not fail the suite while a broken expert does. Rotations
# push a block without yaw control and measure 84-92 % (100 feasible starts each, the same page): they may miss 3.
EPISODES = 10
LEAST = {"rotate_left": 7, "rotate_right": 7}
LEAST_OTHERS = 8


@pytest.mark.parametrize("task", _sample_tasks())
def test_the_kind_expert_solves_its_task_from_seeded_feasible_starts(task):
    kind = oracle.TASKS[task].kind
    expert = next(cls for cls in KIND_EXPERTS if kind in cls.kinds)
    result = evaluate(expert, LANGUAGE, seeds=_feasible_seeds(task, EPISODES), env_kwargs={"tasks": [task]})
    least = LEAST.get(kind, LEAST_OTHERS)
    assert result.successes >= least, f"{expert.__name__} solved {task} {result.successes}/{EPISODES}"


def test_every_task_kind_has_exactly_one_expert():
    kinds = [kind for cls in KIND_EXPERTS for kind in cls.kinds]
    assert sorted(kinds) == sorted({t.kind for t in oracle.TASKS.values()})


def test_the_dispatching_expert_is_registered_on_the_language_env():
    record = registry.get(LANGUAGE)
    assert record.load_expert() is PlayroomExpert
    assert 0.5 < record.expert_threshold < 1.0


def test_a_kind_expert_refuses_another_kind_naming_the_env():
    env = PlayroomLanguageEnv(tasks=["turn_on_lamp", "turn_off_lamp"])
    try:
        env.reset(seed=0)
        expert = DrawerExpert(env)
        with pytest.raises(ValueError, match="PlayroomLanguage-v0.*DrawerExpert"):
            expert(None)
    finally:
        env.close()


def test_a_new_instruction_mid_episode_gets_a_new_plan():
    env = PlayroomLanguageEnv(tasks=["turn_on_lamp", "turn_off_lamp"])
    try:
        env.reset(seed=1)
        expert = PlayroomExpert(env)
        first = env.instruction_task
        for _ in range(play.PlayExpert.attempts * 60):
            env.step(expert(None))
            if env._done():
                break
        assert env._done(), f"the expert did not complete {first}"
        second = "turn_off_lamp" if env.state.lamp else "turn_on_lamp"
        env.instruct(second)
        for _ in range(60):
            env.step(expert(None))
            if env._done():
                break
        assert env._done(), f"the expert did not follow the second instruction {second}"
    finally:
        env.close()


def test_same_seed_same_actions():
    def actions() -> np.ndarray:
        env = PlayroomLanguageEnv(tasks=["stack_red_block", "place_green_block_on_shelf"])
        try:
            obs, _ = env.reset(seed=3)
            expert = PlayroomExpert(env)
            out = []
            for _ in range(60):
                action = expert(obs)
                out.append(action)
                obs, *_ = env.step(action)
            return np.array(out)
        finally:
            env.close()

    np.testing.assert_array_equal(actions(), actions())
