"""Input checks shared by the environments: what they accept, and errors that name the env and what was expected."""

import math

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from palaestra.checks import (
    EnvironmentClosed,
    Lifecycle,
    ResetNeeded,
    check_action,
    check_camera,
    check_discrete,
    check_flag,
    check_options,
    check_physics,
    check_positive_int,
    check_real,
    check_seed,
)
from palaestra.envs.competitive import kuhn_poker, matrix_games, soccer, tag
from palaestra.sim.world import CameraConfig, PhysicsConfig


def test_a_positive_integer_is_returned_as_an_int_numpy_integers_included():
    assert check_positive_int("palaestra/Tag-v0", "max_cycles", 3) == 3
    value = check_positive_int("palaestra/Tag-v0", "max_cycles", np.int64(7))
    assert value == 7 and type(value) is int


@pytest.mark.parametrize("value", [0, -2, 2.0, True, "3", None])
def test_anything_else_is_refused_naming_the_env_and_the_option(value):
    with pytest.raises(ValueError) as caught:
        check_positive_int("palaestra/Tag-v0", "max_cycles", value)
    assert str(caught.value) == f"palaestra/Tag-v0: max_cycles={value!r}; expected a positive integer"


@pytest.mark.parametrize(("make", "message"), [
    (lambda: tag.parallel_env(max_cycles=0), "palaestra/Tag-v0: max_cycles=0; expected a positive integer"),
    (lambda: soccer.parallel_env(goals_to_win=-1),
     "palaestra/Soccer2v2-v0: goals_to_win=-1; expected a positive integer"),
    (lambda: matrix_games.parallel_env("rps", rounds=0),
     "palaestra/RockPaperScissors-v0: rounds=0; expected a positive integer"),
    (lambda: kuhn_poker.env(hands=0), "palaestra/KuhnPoker-v0: hands=0; expected a positive integer"),
])
def test_the_games_check_their_counts_with_it(make, message):
    with pytest.raises(ValueError) as caught:
        make()
    assert str(caught.value) == message


BOX = spaces.Box(-1.0, 1.0, (2,), np.float32)


@pytest.mark.parametrize(("action", "why"), [
    (np.array([True, False]), "booleans"), ([True, 0.5], "booleans"), (np.array([0.5 + 1j, 0.0]), "complex"),
    (np.array(["0.5", "0"]), "text"), ("forward", "text"), (None, "not numeric"), ([[0.1], 0.2], "not numeric"),
    (np.zeros(3), "shape"), (np.array([np.nan, 0.0]), "NaN"),
])
def test_box_actions_that_are_not_real_numbers_of_the_right_shape_are_refused(action, why):
    with pytest.raises(ValueError, match=f"palaestra/Tag-v0: action .*{why}.*expected"):
        check_action("palaestra/Tag-v0", action, BOX)


def test_real_box_actions_are_clipped_as_float64_whatever_their_numeric_type():
    for action in (np.array([2.0, -0.5], np.float32), [2, 0], (3.0, -7)):
        out = check_action("palaestra/Tag-v0", action, BOX)
        assert out.dtype == np.float64 and out[0] == 1.0 and -1.0 <= out[1] <= 1.0


@pytest.mark.parametrize("action", [2**70, -1, 3, math.inf, math.nan, 1.5, True, "1", np.array([0, 1]), 1 + 0j,
                                    np.array(True)])
def test_discrete_actions_outside_the_integers_of_the_space_are_refused(action):
    with pytest.raises(ValueError, match=r"palaestra/Tag-v0: agent 'a' sent action .*; expected an integer in Discrete\(3\)"):
        check_discrete("palaestra/Tag-v0", "a", action, spaces.Discrete(3))


def test_discrete_actions_accept_python_and_numpy_integers():
    assert [check_discrete("x", "a", v, spaces.Discrete(3)) for v in (2, np.int64(1), np.array(0), 2.0)] == [2, 1, 0, 2]


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, [1, 2], math.nan])
def test_seeds_must_be_non_negative_integers(seed):
    with pytest.raises(ValueError, match=r"palaestra/Tag-v0: seed=.*; expected None or a non-negative integer"):
        check_seed("palaestra/Tag-v0", seed)


def test_seeds_keep_their_value_as_python_ints():
    assert check_seed("x", None) is None and check_seed("x", np.int64(3)) == 3 and type(check_seed("x", np.int64(3))) is int


def test_reset_options_are_a_dict_of_the_keys_an_env_takes():
    assert check_options("x", None, ("goal",)) == {}
    with pytest.raises(TypeError, match="palaestra/Push-v0: reset options='x'; expected None or a dict"):
        check_options("palaestra/Push-v0", "x", ("goal",))
    with pytest.raises(ValueError, match=r"palaestra/Push-v0: unknown reset option\(s\) \['gaol'\]; expected keys"):
        check_options("palaestra/Push-v0", {"gaol": 1}, ("goal",))
    assert check_options("x", {"anything": 1}, None) == {"anything": 1}  # a wrapper passing keys on


def test_the_lifecycle_refuses_a_step_before_reset_after_the_end_and_after_close():
    life = Lifecycle()
    with pytest.raises(ResetNeeded, match="palaestra/Tag-v0: step\\(\\) before the first reset\\(\\); call reset"):
        life.check_step("palaestra/Tag-v0")
    life.start("palaestra/Tag-v0")
    life.check_step("palaestra/Tag-v0")
    life.end()
    with pytest.raises(gymnasium.error.ResetNeeded, match="after the match finished; call reset"):
        life.check_step("palaestra/Tag-v0", "match")
    life.close()
    for call in (lambda: life.check_step("palaestra/Tag-v0"), lambda: life.start("palaestra/Tag-v0")):
        with pytest.raises(gymnasium.error.ClosedEnvironmentError, match="after close\\(\\); expected a new environment"):
            call()
    assert issubclass(ResetNeeded, ValueError) and issubclass(EnvironmentClosed, ValueError)


def test_physics_and_camera_configs_are_checked_field_by_field():
    with pytest.raises(TypeError, match="palaestra/Sumo-v0: physics='fast'; expected None or a .*PhysicsConfig"):
        check_physics("palaestra/Sumo-v0", "fast")
    with pytest.raises(ValueError, match="palaestra/Sumo-v0: physics.timestep=nan; expected a finite real number"):
        check_physics("palaestra/Sumo-v0", PhysicsConfig(timestep=math.nan))
    with pytest.raises(ValueError, match="palaestra/Push-v0: camera.width=4096; expected a positive integer of at most 1024"):
        check_camera("palaestra/Push-v0", CameraConfig(width=4096))
    assert check_camera("x", None) == CameraConfig() and check_physics("x", None) == PhysicsConfig()


@pytest.mark.parametrize(("check", "value"), [
    (lambda v: check_real("palaestra/Soccer2v2-v0", "shaping", v), math.nan),
    (lambda v: check_real("palaestra/Soccer2v2-v0", "shaping", v), True),
    (lambda v: check_flag("palaestra/Soccer2v2-v0", "shaping", v), "garbage"),
    (lambda v: check_positive_int("palaestra/Soccer2v2-v0", "shaping", v, maximum=10), 11),
])
def test_numbers_and_flags_refuse_nan_booleans_text_and_absurd_sizes(check, value):
    with pytest.raises(ValueError, match=r"palaestra/Soccer2v2-v0: shaping=.*; expected"):
        check(value)


def test_palaestra_make_refuses_a_render_mode_that_is_not_a_name_before_gymnasium_make_trips_on_it():
    import palaestra

    with pytest.raises(ValueError, match=r"palaestra/Reach-v0: render_mode=3 is not supported; expected None or a mode"):
        palaestra.make("palaestra/Reach-v0", render_mode=3)
