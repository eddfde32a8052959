"""The playroom's scenes A-D and their splits: each builds and differs, the experts work in each, A is unchanged."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from palaestra import registry
from palaestra.baselines.experts.play import PlayroomExpert
from palaestra.envs.play import oracle
from palaestra.envs.play.chain_env import PlayroomChainEnv
from palaestra.envs.play.chains import evaluate_chains
from palaestra.envs.play.env import PlayroomEnv
from palaestra.envs.play.language_env import PlayroomLanguageEnv
from palaestra.envs.play.layout import LAYOUT
from palaestra.envs.play.scenes import SCENES, scene
from palaestra.envs.play.splits import SPLITS, split
from palaestra.envs.play.state import PlayState

NAMES = list(SCENES)
PLACES = ("drawer_position", "door_position", "button_position", "lever_position", "lamp_position", "bulb_position")
# One task of each pair is feasible from any start, and each needs the furniture's place.
TASK_GROUPS = (
    ["open_drawer", "close_drawer"], ["move_door_left", "move_door_right"], ["turn_on_lamp", "turn_off_lamp"],
    ["turn_on_bulb", "turn_off_bulb"], ["place_red_block_on_shelf", "place_green_block_on_shelf"],
)


def test_four_scenes_and_a_is_the_original_layout():
    assert NAMES == ["A", "B", "C", "D"] and SCENES["A"].layout is LAYOUT
    assert registry.DEFAULT_SCENE == "A" and registry.OTHER_SCENES == ("B", "C", "D")


@pytest.mark.parametrize("first, second", list(itertools.combinations(NAMES, 2)))
def test_scenes_differ_in_places_and_looks(first, second):
    a, b = SCENES[first], SCENES[second]
    moved = [p for p in PLACES if getattr(a.layout, p) != getattr(b.layout, p)]
    assert len(moved) >= 4, (first, second, moved)
    assert a.desk != b.desk and a.wood != b.wood and a.pattern != b.pattern


def test_mirroring_swaps_sides_and_twice_is_the_identity():
    mirrored = LAYOUT.mirrored()
    assert mirrored.mirrored() == LAYOUT
    assert mirrored.drawer_position[1] == -LAYOUT.drawer_position[1] > 0
    assert mirrored.shelf.center[1] == -LAYOUT.shelf.center[1]
    assert (mirrored.push_left_max_y, mirrored.push_right_min_y) == (-LAYOUT.push_right_min_y, -LAYOUT.push_left_max_y)


def test_each_scene_renders_its_own_frame():
    frames = {}
    for name in NAMES:
        env = PlayroomEnv(scene=name, render_mode="rgb_array")
        env.reset(seed=0)
        frames[name] = env.render().astype(int)
        assert env.state.layout is SCENES[name].layout
        env.close()
    for first, second in itertools.combinations(NAMES, 2):
        assert np.abs(frames[first] - frames[second]).mean() > 5, (first, second)


def test_the_default_scene_is_a_and_named_scenes_are_deterministic():
    def rollout(**kwargs) -> np.ndarray:
        env = PlayroomEnv(**kwargs)
        obs, _ = env.reset(seed=3)
        out = [obs]
        for i in range(15):
            out.append(env.step(np.array([0.5, -0.3, -0.2 * (i % 3), 1.0], dtype=np.float32))[0])
        env.close()
        return np.array(out)

    np.testing.assert_array_equal(rollout(), rollout(scene="A"))
    np.testing.assert_array_equal(rollout(scene="D"), rollout(scene="D"))
    np.testing.assert_array_equal(rollout(scene=SCENES["C"]), rollout(scene="C"))


@pytest.mark.parametrize("bad", ["E", "a", 3, None, ["A"]])
def test_a_bad_scene_is_refused_naming_the_env(bad):
    with pytest.raises(ValueError, match=r"palaestra/PlayroomChain-v0: scene=.* expected one of \['A', 'B', 'C', 'D'\]"):
        PlayroomChainEnv(scene=bad)
    with pytest.raises(ValueError, match="unknown playroom scene"):
        scene(bad)


def test_messages_name_the_scene_variant_id():
    env = PlayroomLanguageEnv(scene="B")
    assert env.env_id == "palaestra/PlayroomLanguage-B-v0"
    with pytest.raises(ValueError, match="palaestra/PlayroomLanguage-B-v0: unknown task"):
        env.instruct("fly")
    env.close()


def test_supports_and_push_lanes_follow_the_state_layout():
    b = SCENES["B"].layout
    shelf = (b.shelf.center[0], b.shelf.center[1], b.shelf.top + b.block_half)
    desk = (-0.2, 0.1, b.block_half)
    poses = {"red": (shelf, (0, 0, 0, 1)), "green": (desk, (0, 0, 0, 1)), "blue": ((-0.2, -0.1, b.block_half), (0, 0, 0, 1))}
    values = dict(ee_position=np.zeros(3), ee_velocity=np.zeros(3), gripper=0.04, drawer=0.0, door=0.0, button=0.0,
                  lever=0.3, lamp=False, bulb=True)
    in_b, in_a = PlayState.from_poses(b, poses, **values), PlayState.from_poses(LAYOUT, poses, **values)
    assert in_b.block("red").support == "shelf" and in_a.block("red").support == "none"
    assert in_b.moved(lamp=True).layout is b  # a changed copy keeps its scene
    # At y = 0.1 a push to the left runs into B's drawer cabinet, not into A's free desk.
    assert "push_green_block_left" not in oracle.feasible(in_b) and "push_green_block_left" in oracle.feasible(in_a)
    assert "push_green_block_right" in oracle.feasible(in_b)


@pytest.mark.parametrize("name", NAMES)
def test_the_expert_works_the_furniture_in_every_scene(name):
    env = PlayroomLanguageEnv(scene=name)
    expert = PlayroomExpert(env)
    failed = []
    for group in TASK_GROUPS:
        env.tasks = group
        obs, _ = env.reset(seed=1)
        expert.reset()
        for _ in range(150):
            obs, _, terminated, _, info = env.step(expert(obs))
            if terminated:
                break
        if not info["is_success"]:
            failed.append(info["task"])
    env.close()
    assert not failed, f"scene {name}: {failed}"


def test_chains_run_in_the_held_out_scene():
    result = evaluate_chains(PlayroomExpert, chains=2, length=3, seed=0, env_kwargs={"scene": "D"})
    assert result.completed == (3, 3)


def test_splits_name_registered_ids():
    assert list(SPLITS) == ["ABC->D", "D->D", "ABCD->D"]
    abc = split("ABC->D")
    assert abc.train == ("A", "B", "C") and abc.evaluate == "D" and abc.zero_shot and not split("D->D").zero_shot
    for s in SPLITS.values():
        for base in ("palaestra/PlayroomChain-v0", "palaestra/Playroom-v0"):
            for env_id in (*s.train_ids(base), s.eval_id(base)):
                assert registry.get(env_id).kwargs.get("scene", "A") in s.train + (s.evaluate,)
    with pytest.raises(ValueError, match="unknown playroom split 'AB->C'"):
        split("AB->C")


def test_play_data_is_collected_in_turns_over_the_train_scenes(tmp_path):
    pytest.importorskip("minari")
    from palaestra.data import SmoothRandomAgent, collect_play

    data = collect_play(3, tmp_path / "abc", steps_per_episode=4, agent=SmoothRandomAgent, progress=False,
                        scenes=split("ABC->D").train)
    assert data.metadata["scenes"] == ["A", "B", "C"] and len(data) == 3
    assert [data.scene(i) for i in range(3)] == ["A", "B", "C"]
    for i, name in enumerate("ABC"):  # each episode's states come back in its own scene's furniture
        states = data.play_states(i)
        assert len(states) == 5 and states[0].layout == scene(name).layout
        np.testing.assert_array_equal(states[-1].to_vector(), data.states(i)[-1])
    assert scene("B").layout != scene("A").layout
    with pytest.raises(IndexError, match="episode 3 is not in this dataset .0 to 2."):
        data.scene(3)
    with pytest.raises(ValueError, match=r"palaestra/Playroom-v0: scenes=\['A', 'E'\]"):
        collect_play(1, tmp_path / "bad", steps_per_episode=2, progress=False, scenes=["A", "E"])


def test_a_split_env_draws_its_episodes_from_the_train_scenes_by_seed():
    from gymnasium.utils.env_checker import check_env

    from palaestra.envs.play.splits import SplitEnv

    env = SplitEnv("palaestra/PlayroomGoal-v0", "ABC->D")
    try:
        check_env(env, skip_render_check=True)
        scenes = [env.reset(seed=s)[1]["scene"] for s in range(12)]
        assert set(scenes) == {"A", "B", "C"}  # never the held-out D
        first = [env.reset(seed=5)[0]["observation"]] + [env.step(env.action_space.sample() * 0)[0]["observation"]]
        again = [env.reset(seed=5)[0]["observation"]] + [env.step(env.action_space.sample() * 0)[0]["observation"]]
        np.testing.assert_array_equal(first, again)
        obs = env.reset(seed=1)[0]
        assert env.compute_reward(obs["achieved_goal"], obs["desired_goal"], {}) == -1.0  # HER's relabelling hook
    finally:
        env.close()
    with pytest.raises(ValueError, match="palaestra/Push-v0: split 'ABC->D' needs a scene-A playroom ID"):
        SplitEnv("palaestra/Push-v0", "ABC->D")
    with pytest.raises(ValueError, match="PlayroomGoal-v0: scene='B' with split 'ABC->D'; the split chooses the "
                                         "scenes"):
        SplitEnv("palaestra/PlayroomGoal-v0", "ABC->D", scene="B")
    with pytest.raises(ValueError, match="PlayroomGoal-v0: unknown playroom split 'E->D'"):
        SplitEnv("palaestra/PlayroomGoal-v0", "E->D")
