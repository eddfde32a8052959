"""Helpers of the playroom's state snapshot."""

import math

import numpy as np
import pytest

from palaestra.envs.play.state import wrap_angle


@pytest.mark.parametrize(("angle", "wrapped"), [
    (0.0, 0.0), (math.pi / 2, math.pi / 2), (3 * math.pi / 2, -math.pi / 2), (-3 * math.pi / 2, math.pi / 2),
    (math.pi, -math.pi), (2 * math.pi + 0.25, 0.25),
])
def test_angles_wrap_into_minus_pi_to_pi(angle, wrapped):
    assert wrap_angle(angle) == pytest.approx(wrapped)


def test_arrays_wrap_element_by_element_as_numbers_do():
    angles = np.linspace(-10.0, 10.0, 41)
    np.testing.assert_array_equal(wrap_angle(angles), [wrap_angle(float(a)) for a in angles])
