"""The drone simulation's physics: real Crazyflie figures, rotor torques, the rate loop, the ball."""

import math

import numpy as np
import pytest

from palaestra.envs.drones.ballistics import HIT_RESTITUTION, MASS_SHARE
from palaestra.sim.drones.arena import ActionMode, DroneArena
from palaestra.sim.drones.court import COURT_1V1, TABLE_TENNIS_BALL
from palaestra.sim.drones.crazyflie import CRAZYFLIE_2X, GRAVITY
from palaestra.sim.drones.rate_control import body_frame

RED = (1.0, 0.0, 0.0, 1.0)
HOVER = 2.0 * CRAZYFLIE_2X.hover_rotor_thrust / CRAZYFLIE_2X.max_rotor_thrust - 1.0  # rotor action at hover


@pytest.fixture
def arena():
    arena = DroneArena(COURT_1V1, [RED, RED])
    yield arena
    arena.close()


def _place(arena, ball=(0.5, 0.25, 0.02), ball_velocity=(0.0, 0.0, 0.0), yaw=0.0):
    arena.reset()
    arena.place(np.array([[-0.3, 0.0, 0.4], [0.3, 0.0, 0.4]]), np.array([yaw, 0.0]), ball, ball_velocity)


def test_crazyflie_figures_give_its_known_hover_and_thrust_limit():
    cf = CRAZYFLIE_2X
    assert cf.mass == 0.027 and cf.arm == 0.0397 and cf.inertia == (1.4e-5, 1.4e-5, 2.17e-5)
    # Hover at about 14,470 rpm with kf = 3.16e-10 N/rpm^2 (gym-pybullet-drones' HOVER_RPM for the cf2x).
    assert math.sqrt(cf.hover_rotor_thrust / cf.kf) == pytest.approx(14468, rel=1e-3)
    assert 4 * cf.max_rotor_thrust == pytest.approx(2.25 * cf.mass * GRAVITY)


def test_hover_thrust_holds_height_in_both_action_modes(arena):
    for mode, action in ((ActionMode.ROTORS, [HOVER] * 4), (ActionMode.CTBR, [HOVER, 0.0, 0.0, 0.0])):
        _place(arena)
        for _ in range(48):
            arena.step(np.array([action, action]), mode)
        state = arena.read()
        assert abs(state.position[0, 2] - 0.4) < 0.01, mode
        assert np.abs(state.body_rates()).max() < 1e-3, mode


def test_rotor_differences_roll_pitch_and_yaw_the_drone_the_right_way(arena):
    more = HOVER + 0.05
    less = HOVER - 0.05
    # Rotors 0, 1 are on the left (+y), 1, 2 at the rear, 0, 2 spin clockwise. The left pair up rolls the body
    # about +x, the rear pair up pitches the nose down (about +y), the clockwise pair's drag turns it left (+z).
    cases = {0: [more, more, less, less], 1: [less, more, more, less], 2: [more, less, more, less]}
    for axis, rotors in cases.items():
        _place(arena, yaw=0.7)  # turned, so body and world frames differ
        arena.step(np.array([rotors, [HOVER] * 4]), ActionMode.ROTORS)
        rates = arena.read().body_rates()[0]
        assert rates[axis] > 0.05 and np.abs(np.delete(rates, axis)).max() < 0.1 * rates[axis]


def test_rate_controller_tracks_commanded_body_rates(arena):
    _place(arena, yaw=1.0)
    command = np.array([[HOVER, 0.1, -0.1, 0.2], [HOVER, 0.0, 0.0, 0.0]])
    for _ in range(5):  # 0.1 s
        arena.step(command, ActionMode.CTBR)
    rates = arena.read().body_rates()[0]
    wanted = np.array([0.1 * 4 * math.pi, -0.1 * 4 * math.pi, 0.2 * 2 * math.pi])
    np.testing.assert_allclose(rates, wanted, rtol=0.2)


def test_body_frame_inverts_the_orientation():
    quaternion = np.array([0.1, -0.3, 0.2, 0.9])
    quaternion /= np.linalg.norm(quaternion)
    x, y, z, w = quaternion
    rotation = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])
    vector = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(body_frame(quaternion, vector), rotation.T @ vector, atol=1e-12)


def test_ball_bounces_like_a_table_tennis_ball_and_feels_drag(arena):
    _place(arena, ball=(0.2, 0.1, 0.305 + TABLE_TENNIS_BALL.radius))
    peak, landed = 0.0, False
    for _ in range(40):
        events = arena.step(np.full((2, 4), HOVER), ActionMode.ROTORS)
        landed = landed or events.floor is not None
        if landed:
            peak = max(peak, arena.read().ball_position[2] - TABLE_TENNIS_BALL.radius)
    # ITTF: dropped from 30.5 cm, a ball rises 23-25 cm; the peak is sampled at 48 Hz, so up to 1 cm low.
    assert 0.22 <= peak <= 0.25
    # Drag: thrown up at 8 m/s the ball rises far less than the drag-free 3.26 m.
    _place(arena, ball=(0.2, 0.1, 0.1), ball_velocity=(0.0, 0.0, 8.0))
    top = 0.0
    for _ in range(40):
        arena.step(np.full((2, 4), HOVER), ActionMode.ROTORS)
        top = max(top, arena.read().ball_position[2])
    assert 1.3 < top - 0.1 < 2.3


def test_a_ball_dropped_on_a_drone_is_one_touch_by_that_drone(arena):
    _place(arena, ball=(0.3, 0.0, 0.6))
    touches, rebound = [], 0.0
    for _ in range(10):
        events = arena.step(np.full((2, 4), HOVER), ActionMode.ROTORS)
        touches += events.touches
        if events.touches:
            rebound = arena.read().ball_velocity[2]
    assert touches == [1]
    # The contact law the scripted drones aim with: v_out = v_in ((1 + e) M/(m + M) - 1) against a hovering
    # drone, read up to one control step (0.02 s, 0.2 m/s of gravity) after the contact.
    v_in = math.sqrt(2 * GRAVITY * (0.6 - 0.4 - CRAZYFLIE_2X.height / 2 - TABLE_TENNIS_BALL.radius))
    expected = v_in * ((1 + HIT_RESTITUTION) * MASS_SHARE - 1)
    assert expected - 0.25 < rebound < expected + 0.05


def test_reset_restores_the_same_world(arena):
    _place(arena, ball=(0.3, 0.0, 0.6))
    for _ in range(10):
        arena.step(np.full((2, 4), 0.3), ActionMode.ROTORS)
    first = arena.read()
    _place(arena, ball=(0.3, 0.0, 0.6))
    for _ in range(10):
        arena.step(np.full((2, 4), 0.3), ActionMode.ROTORS)
    second = arena.read()
    np.testing.assert_array_equal(first.position, second.position)
    np.testing.assert_array_equal(first.ball_velocity, second.ball_velocity)
