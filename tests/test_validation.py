"""Input checks shared by the environments: what they accept, and errors that name the env and what was expected."""

import numpy as np
import pytest

from palaestra.envs.competitive import kuhn_poker, matrix_games, soccer, tag
from palaestra.validation import check_positive_int


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
