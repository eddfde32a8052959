"""Articulated objects and tasks: joint values, springs, limits, goal sampling and the scripted experts."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra import registry
from palaestra.sim.articulated import Button, Drawer, SlidingDoor
from palaestra.sim.world import PhysicsConfig, World

ARTICULATED = registry.ids(tag="articulated")
OBJECTS = {
    "drawer": lambda world, yaw: Drawer(world, (0.1, 0.05, 0.0), yaw),
    "door": lambda world, yaw: SlidingDoor(world, (0.1, 0.05, 0.0), yaw),
    "button": lambda world, yaw: Button(world, (0.1, 0.05, 0.0), yaw),
}


@pytest.fixture
def world():
    w = World()
    yield w
    w.close()


def _steps(world: World, n: int) -> None:
    for _ in range(n):
        world.step()


def test_the_four_ids_are_registered():
    names = {registry.get(i).name for i in ARTICULATED}
    assert names == {"OpenDrawer", "CloseDrawer", "SlideDoor", "PressButton"}


@pytest.mark.parametrize("kind", OBJECTS)
def test_set_value_round_trips_and_out_of_range_is_refused(world, kind):
    obj = OBJECTS[kind](world, 0.0)
    for value in (obj.low, 0.5 * (obj.low + obj.high), obj.high):
        obj.set_value(value)
        assert obj.value() == pytest.approx(value)
        assert obj.state() == pytest.approx((value, 0.0))
    with pytest.raises(ValueError, match="outside its range"):
        obj.set_value(obj.high + 0.05)


@pytest.mark.parametrize("yaw", [0.0, 0.7])
@pytest.mark.parametrize("kind", OBJECTS)
def test_computed_link_points_match_the_simulator(world, kind, yaw):
    obj = OBJECTS[kind](world, yaw)
    obj.set_value(0.6 * obj.high)
    link_origin = world.client.getLinkState(obj.body, 0)[4]
    np.testing.assert_allclose(obj.link_point((0.0, 0.0, 0.0)), link_origin, atol=1e-9)
    # The handle moves along the axis by exactly the change of value.
    np.testing.assert_allclose(
        obj.handle_position(obj.high) - obj.handle_position(obj.low), obj.axis * (obj.high - obj.low), atol=1e-9
    )
    obj.set_pose((-0.1, 0.1, 0.0), yaw + 0.5)
    assert obj.value() == pytest.approx(0.6 * obj.high)
    np.testing.assert_allclose(obj.link_point((0.0, 0.0, 0.0)), world.client.getLinkState(obj.body, 0)[4], atol=1e-9)


def test_drawer_opens_towards_the_robot_and_holds_its_opening(world):
    drawer = Drawer(world, (0.12, 0.0, 0.0))
    assert drawer.axis == pytest.approx((-1.0, 0.0, 0.0))
    assert drawer.hook_position()[0] > drawer.handle_position()[0]  # the hook lies between bar and front
    drawer.set_value(0.1)
    _steps(world, 10)
    assert drawer.opening() == pytest.approx(0.1, abs=1e-4)  # joint friction, no spring


def test_drawer_stops_at_its_travel(world):
    drawer = Drawer(world, (0.12, 0.0, 0.0), travel=0.2)
    for _ in range(120):  # half a second of a 20 N pull outwards
        world.apply_force(drawer.body, 20.0 * drawer.axis, link=0)
        world.client.stepSimulation()
    assert drawer.opening() == pytest.approx(0.2, abs=0.005)


def test_drawer_interior_is_inside_the_drawer(world):
    drawer = Drawer(world, (0.12, 0.0, 0.0))
    floor = drawer.interior_position(0.15)
    assert floor[2] == pytest.approx(2 * Drawer.WALL + 0.002, abs=1e-6)
    assert floor[0] == pytest.approx(drawer.interior_position(0.0)[0] - 0.15)


def test_button_springs_back_up_when_released(world):
    button = Button(world, (0.05, 0.0, 0.0))
    button.set_value(0.025)
    _steps(world, 12)  # half a second
    assert button.depth() < 0.001


def test_reset_samples_from_the_seed_only(make_env):
    for env_id in ARTICULATED:
        env = make_env(env_id)
        goals = [env.reset(seed=s)[0]["desired_goal"][0] for s in (0, 1, 2, 0)]
        assert len(set(goals[:3])) == 3, f"{env_id}: goals should differ between seeds"
        assert goals[3] == goals[0]


@pytest.mark.parametrize("env_id", ARTICULATED)
def test_starts_and_goals_follow_the_task_rules(env_id, make_env):
    env = make_env(env_id)
    task = env.unwrapped.task
    for seed in range(20):
        obs, info = env.reset(seed=seed)
        start, goal = obs["achieved_goal"][0], obs["desired_goal"][0]
        assert obs["achieved_goal"].shape == obs["desired_goal"].shape == (1,)
        assert not info["is_success"]
        assert task.goal_low[0] <= goal <= task.goal_high[0]
        if "Open" in env_id:
            assert start <= 0.02
        elif "Close" in env_id:
            assert start >= 0.12
        elif "Slide" in env_id:
            assert abs(goal - start) >= 0.08
        else:
            assert start == 0.0


@pytest.mark.parametrize("env_id", ARTICULATED)
def test_observation_carries_value_rate_and_handle(env_id, make_env):
    env = make_env(env_id)
    obs, _ = env.reset(seed=0)
    task = env.unwrapped.task
    part = obs["observation"][7:]
    assert part.shape == (5,)
    assert part[0] == pytest.approx(obs["achieved_goal"][0])
    np.testing.assert_allclose(part[2:], task.object.handle_position(), atol=1e-6)


def _run_expert(env, seed: int, steps: int | None = None) -> tuple[bool, list[float]]:
    expert = registry.get(env.spec.id).load_expert()(env)
    obs, _ = env.reset(seed=seed)
    expert.reset()
    values = [float(obs["achieved_goal"][0])]
    for _ in range(steps or env.spec.max_episode_steps):
        obs, _, terminated, truncated, info = env.step(expert(obs))
        values.append(float(obs["achieved_goal"][0]))
        if terminated or truncated:
            break
    return info["is_success"], values


@pytest.mark.parametrize("env_id", ARTICULATED)
def test_the_expert_moves_the_joint_towards_the_goal(env_id, make_env):
    env = make_env(env_id)
    _, values = _run_expert(env, seed=0)
    goal = env.unwrapped.task.goal[0]
    assert abs(values[-1] - goal) < 0.5 * abs(values[0] - goal)
    assert len(set(values)) >= 3  # it moved over several steps, not in one jump


@pytest.mark.parametrize("env_id", ARTICULATED)
def test_expert_succeeds_and_is_deterministic(env_id, make_env):
    env = make_env(env_id)
    results = [_run_expert(env, seed) for seed in range(10)]
    assert sum(ok for ok, _ in results) >= 9
    assert _run_expert(env, seed=3) == results[3]


@pytest.mark.slow
@pytest.mark.parametrize("iterations", [10, 5])
@pytest.mark.parametrize("env_id", ARTICULATED)
def test_expert_success_rate_over_100_seeds(env_id, iterations, make_env):
    env = make_env(env_id, physics=PhysicsConfig(solver_iterations=iterations))
    successes = sum(_run_expert(env, seed)[0] for seed in range(100))
    assert successes >= 95, f"{env_id} at {iterations} solver iterations: {successes}/100"
