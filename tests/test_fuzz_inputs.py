"""Every invalid input to every registered environment is refused at the call that receives it, clearly.

The cases and their classes (clear, obscure, silent, late) come from :mod:`palaestra.fuzz`, which iterates the
registry: a new ID is fuzzed as soon as it is registered. ``python -m palaestra.fuzz --show`` lists the cases.
"""

import functools
import warnings

import numpy as np
import pytest
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from palaestra import fuzz, registry

FORMS = [(r.id, form) for r in registry.records() for form in fuzz.forms(r)]


@functools.cache
def results(env_id, form):
    return tuple(fuzz.fuzz_env(env_id, form))


def _listing(bad):
    return "\n".join(f"{r.verdict}: {r.kind}: {r.label}: {r.detail}" for r in bad)


@pytest.mark.parametrize(("env_id", "form"), FORMS)
def test_every_bad_input_is_refused_clearly_at_its_call(env_id, form):
    found = results(env_id, form)
    assert {r.kind for r in found} >= {"action", "seed", "options", "kwargs", "lifecycle"}
    bad = [r for r in found if r.verdict != "clear"]
    assert not bad, _listing(bad)


# -- the classifier itself ----------------------------------------------------------------------------
def test_the_classifier_tells_the_four_classes_apart():
    env_id = "palaestra/Tag-v0"
    assert fuzz.judge(ValueError(f"{env_id}: seed=-1; expected a non-negative integer"), env_id, ("seed",))[0] == "clear"
    assert fuzz.judge(KeyError("player_0"), env_id, ())[0] == "obscure"
    assert fuzz.judge(ValueError("seed=-1; expected a non-negative integer"), env_id, ("seed",))[0] == "obscure"
    assert fuzz.judge(ValueError(f"{env_id}: bad seed"), env_id, ("seed",))[0] == "obscure"  # nothing expected

    def fail():
        raise ValueError("too late")

    assert fuzz._attempt(env_id, lambda: None, lambda: None, ("seed",))[0] == "silent"
    assert fuzz._attempt(env_id, lambda: None, fail, ("seed",))[0] == "late"
    assert fuzz._attempt(env_id, lambda: {}["player_0"], fail, ())[0] == "obscure"


# -- property-based: any action is either valid and taken, or refused naming the env and the action ----
def _valid(action, space, mask=None):
    """Whether ``action`` is a valid action of ``space`` (the rule the environments document)."""
    if isinstance(space, spaces.Discrete):
        if isinstance(action, (bool, np.bool_, str, bytes)) or np.ndim(action) != 0:
            return False
        if isinstance(action, (np.ndarray, np.generic)) and action.dtype.kind not in "fiu":
            return False
        try:
            value = int(action)
        except (TypeError, ValueError, OverflowError):
            return False
        ok = value == action and space.start <= value < space.start + space.n
        return ok and (mask is None or bool(mask[value - space.start]))
    if isinstance(action, (list, tuple)) and any(isinstance(v, bool) for v in np.ravel(np.array(action, dtype=object))):
        return False
    try:
        array = np.asarray(action)
    except (TypeError, ValueError, OverflowError):
        return False
    return array.dtype.kind in "fiu" and array.shape == space.shape and bool(np.isfinite(array).all())


def _actions(space):
    shape = space.shape if isinstance(space, spaces.Box) else ()
    n = int(np.prod(shape)) if shape else 1
    shapes = st.sampled_from([shape, (n + 1,), (), (1, *shape)])
    dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.bool_, np.complex128, np.dtype("<U3")])
    arrays = st.builds(lambda d, s: (d, s), dtypes, shapes).flatmap(lambda ds: hnp.arrays(ds[0], ds[1]))
    scalars = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**80), 2**80), st.booleans(),
                        st.text(max_size=3), st.none(), st.complex_numbers(max_magnitude=2))
    lists = st.lists(st.one_of(st.floats(-2, 2), st.booleans(), st.integers(-3, 3)), min_size=n, max_size=n + 1)
    return st.one_of(arrays, scalars, lists)


def _single_form(record):
    return "gym" if not record.multi_agent else ("parallel" if record.parallel else "aec")


@pytest.mark.parametrize("env_id", [r.id for r in registry.records()])
def test_random_actions_are_taken_or_refused_clearly(env_id):
    form = _single_form(registry.get(env_id))
    driver = fuzz.Driver(env_id, form)
    driver.reset()
    env = driver.env

    def acting():
        """The acting agent (None for a gym env), its space and its action mask."""
        if form == "gym":
            return None, env.action_space, None
        if form == "parallel":
            agent = env.agents[0]
            return agent, env.action_space(agent), None
        agent = env.agent_selection
        observation = env.observe(agent)
        mask = observation.get("action_mask") if isinstance(observation, dict) else None
        return agent, env.action_space(agent), mask

    space = acting()[1]

    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(action=_actions(space))
    def check(action):
        agent, space, mask = acting()
        valid = _valid(action, space, mask)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if form == "parallel":
                    env.step({**{a: driver.sample(a) for a in env.agents}, agent: action})
                else:
                    env.step(action)
            except (ValueError, TypeError) as error:
                assert not valid, f"{action!r} is valid but was refused: {error}"
                assert env_id in str(error) and "action" in str(error), str(error)
                return
        assert valid, f"{action!r} was taken"
        if form != "gym" and not env.agents:  # the match ended: start another
            driver.reset()

    try:
        check()
    finally:
        driver.close()
