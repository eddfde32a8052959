"""The playroom scene: state snapshot, seeded initial states, light rules and the layout the state relies on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pybullet as p
import pytest
from play_arrange import DESK, H, arrange

from palaestra.envs.play.layout import BLOCKS, LAYOUT
from palaestra.envs.play.scene import PRESS_DEPTH
from palaestra.envs.play.state import GOAL, GOAL_DIM, VECTOR, VECTOR_DIM, PlayState


def _substeps(scene, n, force=None):
    """``n`` raw simulation steps, pressing the button's cap down with ``force`` newtons if given."""
    for _ in range(n):
        if force is not None:
            scene.world.apply_force(scene.button.body, (0.0, 0.0, -force), link=0)
        scene.world.client.stepSimulation()


def test_snapshot_fields_and_both_vector_layouts(scene):
    state = arrange(scene, drawer=0.12, door=0.03, lamp=True, lever=0.3, yaws={"green": 0.5})
    assert state.ee_position.shape == state.ee_velocity.shape == (3,) and 0.0 <= state.gripper <= 0.081
    assert (state.drawer, state.door, state.lever) == pytest.approx((0.12, 0.03, 0.3))
    assert state.lamp and state.bulb and [b.name for b in state.blocks] == list(BLOCKS)
    green = state.block("green")
    assert green.yaw == pytest.approx(0.5) and green.support == "desk"
    np.testing.assert_allclose(green.position, DESK["green"], atol=1e-9)
    vector = state.to_vector()
    assert vector.shape == (VECTOR_DIM,) and max(s.stop for s in VECTOR.values()) == VECTOR_DIM
    np.testing.assert_allclose(vector[VECTOR["green_position"]], green.position)
    np.testing.assert_allclose(vector[VECTOR["green_orientation"]], green.orientation)
    assert vector[VECTOR["drawer"]][0] == state.drawer and vector[VECTOR["lamp"]][0] == 1.0
    features = state.goal_features()
    assert features.shape == (GOAL_DIM,) and features[GOAL["green_yaw"]][0] == pytest.approx(0.5)
    again = PlayState.from_vector(vector)
    np.testing.assert_array_equal(again.to_vector(), vector)
    assert [b.support for b in again.blocks] == [b.support for b in state.blocks]


def test_supports_follow_the_geometry(scene):
    shelf = (*LAYOUT.shelf.center, LAYOUT.shelf.top + H)
    cabinet = (*LAYOUT.cabinet_top.center, LAYOUT.cabinet_top.top + H)
    state = arrange(scene, drawer=0.15, blocks={"red": LAYOUT.drawer_spot(0.15), "green": shelf, "blue": cabinet})
    assert [b.support for b in state.blocks] == ["drawer", "shelf", "cabinet"]
    state = arrange(scene, blocks={"red": (*DESK["green"][:2], 3 * H), "blue": (-0.12, 0.03, 0.2)})
    assert [b.support for b in state.blocks] == ["green", "desk", "none"] and state.blocks_on("green") == ["red"]


def test_layout_matches_the_built_drawer(scene):
    for opening in (0.0, 0.07, 0.16):
        scene.set_drawer(opening)
        floor = LAYOUT.drawer_interior(opening)
        centre = scene.drawer.interior_position(opening)
        assert floor.top == pytest.approx(centre[2]) and floor.contains(*centre[:2])
        # The computed floor lies inside the drawer's walls: its far corners are within the simulated link's AABB.
        low, high = scene.world.client.getAABB(scene.drawer.body, 0)
        for sx in (-1, 1):
            for sy in (-1, 1):
                x, y = floor.center[0] + sx * floor.half[0], floor.center[1] + sy * floor.half[1]
                assert low[0] < x < high[0] and low[1] < y < high[1]


def test_a_block_in_the_drawer_rides_along_and_stays_inside(scene):
    arrange(scene, drawer=0.15, blocks={"red": LAYOUT.drawer_spot(0.15)})
    for _ in range(120):  # half a second of a 30 N push closing the drawer
        scene.world.apply_force(scene.drawer.body, -30.0 * scene.drawer.axis, link=0)
        scene.world.client.stepSimulation()
    state = scene.read_state()
    assert state.drawer < 0.03 and state.block("red").support == "drawer"


def test_same_seed_same_start_and_seeds_vary_everything(scene):
    states = [scene.reset(np.random.default_rng(seed)) for seed in range(12)]
    again = scene.reset(np.random.default_rng(3))
    np.testing.assert_array_equal(again.to_vector(), states[3].to_vector())
    assert {s.lamp for s in states} == {s.bulb for s in states} == {True, False}
    assert {s.drawer > 0.05 for s in states} == {True, False}
    assert len({round(s.door, 6) for s in states}) == len(states)
    for name in BLOCKS:
        assert len({tuple(s.block(name).position.round(6)) for s in states}) == len(states)
        assert len({round(s.block(name).yaw, 6) for s in states}) == len(states)


def test_each_press_of_the_button_toggles_the_lamp_once(scene):
    lamp = arrange(scene).lamp
    _substeps(scene, 60, force=15.0)
    pressed = scene.read_state()
    assert pressed.button > PRESS_DEPTH and pressed.lamp is not lamp
    _substeps(scene, 60, force=15.0)  # held down: no second toggle
    assert scene.read_state().lamp is not lamp
    _substeps(scene, 60)
    released = scene.read_state()
    assert released.button < PRESS_DEPTH and released.lamp is not lamp
    _substeps(scene, 60, force=15.0)
    assert scene.read_state().lamp is lamp


def test_the_lever_switches_the_bulb_and_stops_at_its_limit(scene):
    assert not arrange(scene, lever=-0.4).bulb
    for _ in range(240):  # a 20 N shove to the left at the knob for a second
        scene.world.client.applyExternalForce(
            scene.lever.body, 0, (0.0, 20.0, 0.0), scene.lever.knob_position(), p.WORLD_FRAME
        )
        scene.world.client.stepSimulation()
    state = scene.read_state()
    assert state.bulb and state.lever == pytest.approx(scene.lever.limit, abs=0.02)
    assert scene.lamp.on is state.lamp  # the state reports the lights the scene shows


def test_moved_recomputes_supports_like_the_scene(scene):
    start = arrange(scene)
    spot = LAYOUT.drawer_spot(0.15)
    moved = start.moved(blocks={"blue": (spot, 0.3)}, lamp=True)
    real = arrange(scene, lamp=True, blocks={"blue": spot}, yaws={"blue": 0.3})
    np.testing.assert_allclose(moved.to_vector()[7:], real.to_vector()[7:], atol=1e-9)
    assert moved.block("blue").support == real.block("blue").support == "drawer"
    assert dataclasses.replace(start, lamp=True).lamp  # a frozen dataclass: copies, never mutation
