"""The Perturb wrapper: each perturbation changes what it should and only that, seeded, logged, restored."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import palaestra  # noqa: F401  (registers the IDs)
from palaestra.wrappers import (
    ActionDelay,
    ActionNoise,
    ActuatorStrength,
    Cyclic,
    Displace,
    Dynamics,
    ObservationDelay,
    ObservationNoise,
    Perturb,
    Push,
    RepeatedObservation,
    SensorDropout,
    StickyActions,
    StuckSensors,
)
from palaestra.wrappers.perturb.presets import PRESETS


class Recorder(gym.Wrapper):
    """Records the actions the wrapped environment actually receives."""

    def __init__(self, env):
        super().__init__(env)
        self.received = []

    def step(self, action):
        self.received.append(np.array(action, dtype=np.float64))
        return self.env.step(action)


def _push(spec, record=False):
    env = gym.make("palaestra/Push-v0").unwrapped
    inner = Recorder(env) if record else env
    return Perturb(inner, spec), inner


def _rollout(env, seed=0, steps=12):
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    trace = [(obs, info["perturbations"])]
    for _ in range(steps):
        obs, reward, _, _, info = env.step(rng.uniform(-1, 1, env.action_space.shape))
        trace.append((obs, reward, info["perturbations"]))
    return trace


def _flat(trace):
    parts = []
    for item in trace:
        obs = item[0]
        parts += [obs["observation"], obs["achieved_goal"], obs["desired_goal"], np.asarray(item[1:-1], dtype=float)]
        parts.append(np.array([e["magnitude"] for e in item[-1]]))
    return np.concatenate([np.ravel(p).astype(np.float64) for p in parts])


ALL_KINDS = [
    ObservationNoise(0.05), SensorDropout(0.3), StuckSensors(0.3), RepeatedObservation(0.5), ObservationDelay(2),
    ActionNoise(0.3), ActionDelay(2), StickyActions(0.5), ActuatorStrength(0.5),
    Dynamics(0.5, parameter="mass", resample_every=3), Dynamics(0.5, parameter="friction"),
    Dynamics(2.0, parameter="damping"), Dynamics(0.3, parameter="gravity"),
    Push(0.05, rate=0.5), Displace(0.05, rate=0.3),
]


def test_same_seed_same_perturbations_bit_for_bit_and_other_seeds_differ():
    env, _ = _push(ALL_KINDS)
    first = _flat(_rollout(env, seed=3))
    _rollout(env, seed=8)
    again = _flat(_rollout(env, seed=3))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, _flat(_rollout(env, seed=4)))


@pytest.mark.parametrize("perturbation", ALL_KINDS, ids=lambda p: type(p).__name__ + getattr(p, "parameter", ""))
def test_zero_strength_is_the_identity(perturbation):
    from dataclasses import replace

    base = gym.make("palaestra/Push-v0").unwrapped
    wrapped, _ = _push(replace(perturbation, strength=0.0))
    expected = _flat([(o, *rest[:-1], []) for o, *rest in _rollout(_Bare(base), seed=5)])
    np.testing.assert_array_equal(_flat(_rollout(wrapped, seed=5)), expected)


class _Bare(gym.Wrapper):
    """The unperturbed env with an empty event list, to compare traces with the wrapped one."""

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return obs, {**info, "perturbations": []}

    def step(self, action):
        *out, info = self.env.step(action)
        return (*out, {**info, "perturbations": []})


def test_observation_perturbations_touch_only_the_sensor_part():
    clean, _ = _push([])
    noisy, _ = _push([ObservationNoise(0.05), SensorDropout(0.2)])
    a, b = _rollout(clean, seed=1), _rollout(noisy, seed=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x[0]["achieved_goal"], y[0]["achieved_goal"])
        np.testing.assert_array_equal(x[0]["desired_goal"], y[0]["desired_goal"])
        assert x[1:-1] == y[1:-1]  # rewards: the physics never saw the noise
    assert not np.array_equal(a[-1][0]["observation"], b[-1][0]["observation"])
    residual = np.concatenate([y[0]["observation"] - x[0]["observation"] for x, y in zip(a, b)])
    dropped = np.concatenate([y[0]["observation"] == 0 for y in b]) & (np.concatenate([x[0]["observation"] for x in a]) != 0)
    assert 0.05 < dropped.mean() < 0.4
    assert np.std(residual[~dropped]) == pytest.approx(0.05, rel=0.25)


def test_observation_delay_returns_the_observation_from_k_steps_ago():
    clean, _ = _push([])
    delayed, _ = _push(ObservationDelay(2))
    a, b = _rollout(clean, seed=2), _rollout(delayed, seed=2)
    np.testing.assert_array_equal(b[1][0]["observation"], a[0][0]["observation"])  # first frames repeat the reset one
    for t in range(2, len(a)):
        np.testing.assert_array_equal(b[t][0]["observation"], a[t - 2][0]["observation"])


def test_stuck_and_repeated_sensors_hold_earlier_readings():
    clean, _ = _push([])
    stuck, _ = _push(StuckSensors(0.5, release=0.0))
    repeated, _ = _push(RepeatedObservation(1.0))
    a, s, r = _rollout(clean, seed=2), _rollout(stuck, seed=2), _rollout(repeated, seed=2)
    for t in range(1, len(a)):
        np.testing.assert_array_equal(r[t][0]["observation"], a[0][0]["observation"])
    # With no release, a stuck component keeps its value for the rest of the episode.
    frozen = np.all([s[t][0]["observation"] == s[-1][0]["observation"] for t in range(6, len(s))], axis=0)
    moving = np.std([x[0]["observation"] for x in a[6:]], axis=0) > 0
    assert (frozen & moving).any()


def test_action_perturbations_change_the_executed_action():
    delayed, rec = _push(ActionDelay(1), record=True)
    delayed.reset(seed=0)
    actions = [np.full(4, v, dtype=np.float32) for v in (0.5, -0.25, 0.75)]
    for action in actions:
        delayed.step(action)
    np.testing.assert_array_equal(rec.received[0], np.zeros(4))
    np.testing.assert_array_equal(rec.received[1:], np.array(actions[:2], dtype=np.float64))

    weak, rec = _push(ActuatorStrength(0.5), record=True)
    weak.reset(seed=0)
    for _ in range(3):
        weak.step(np.ones(4, dtype=np.float32))
    gains = np.array(rec.received)
    assert np.all((gains >= 0.5) & (gains < 1.0)) and np.all(gains == gains[0])  # fixed per episode

    sticky, rec = _push(StickyActions(0.5), record=True)
    sticky.reset(seed=0)
    for t in range(40):
        sticky.step(np.full(4, t / 40, dtype=np.float32))  # a new action every step
    repeats = np.mean([np.array_equal(x, y) for x, y in zip(rec.received, rec.received[1:])])
    assert 0.3 < repeats < 0.7

    noisy, rec = _push(ActionNoise(5.0), record=True)
    noisy.reset(seed=0)
    noisy.step(np.zeros(4, dtype=np.float32))
    assert np.all(np.abs(rec.received[0]) <= 1.0) and np.any(rec.received[0] != 0)  # noisy, still in the space


def test_dynamics_changes_are_applied_logged_and_restored_at_reset():
    env, _ = _push(Dynamics(0.5, parameter="mass"))
    base = env.unwrapped
    cube = base.task.object
    original = base.world.client.getDynamicsInfo(cube, -1)[0]
    _, info = env.reset(seed=0)
    (event,) = info["perturbations"]
    changed = base.world.client.getDynamicsInfo(cube, -1)[0]
    assert event["kind"] == "dynamics" and event["target"] == f"object:{cube}" and event["step"] == 0
    assert changed == pytest.approx(original * event["magnitude"]) and changed != original
    # An episode without the perturbation runs with the original mass, and bit for bit like a fresh env.
    env.reset(seed=1, options={"perturbation": []})
    assert base.world.client.getDynamicsInfo(cube, -1)[0] == original
    fresh, _ = _push([])
    np.testing.assert_array_equal(_flat(_rollout(fresh, seed=1)), _flat(_rollout(_NoOption(env), seed=1)))


class _NoOption(gym.Wrapper):
    def reset(self, **kwargs):
        return self.env.reset(**kwargs, options={"perturbation": []})


def test_gravity_and_mid_episode_resampling():
    env, _ = _push([Dynamics(0.3, parameter="gravity"), Dynamics(0.5, parameter="friction", resample_every=4)])
    base = env.unwrapped
    trace = _rollout(env, seed=0, steps=9)
    steps = [e["step"] for item in trace for e in item[-1] if e["parameter"] == "lateralFriction"]
    assert steps == [0, 4, 8]
    gravity = next(e for e in trace[0][-1] if e["parameter"] == "gravity")["value"]
    assert gravity != pytest.approx(-9.81) and 0.7 * 9.81 <= -gravity <= 1.3 * 9.81
    env.reset(seed=0, options={"perturbation": None})
    # Gravity back to the configured value: a resting cube does not accelerate differently.
    probe = base.world.client
    assert probe.getPhysicsEngineParameters()["gravityAccelerationZ"] == pytest.approx(-9.81)


def test_interventions_move_the_object_and_are_logged():
    env, _ = _push([Displace(0.08, rate=1.0, start=3, limit=1), Push(0.05, rate=1.0, start=6, limit=2)])
    base = env.unwrapped
    env.reset(seed=0)
    events = []
    for t in range(1, 9):
        before = base.world.pose(base.task.object)[0]
        info = env.step(np.zeros(4, dtype=np.float32))[-1]
        events += info["perturbations"]
        if t == 3:
            moved = base.world.pose(base.task.object)[0] - before
            assert np.linalg.norm(moved[:2]) == pytest.approx(0.08, abs=0.01)
    assert [(e["step"], e["kind"]) for e in events] == [(3, "displace"), (6, "push"), (7, "push")]
    assert all(e["target"] == f"object:{base.task.object}" for e in events)
    speed = np.linalg.norm(base.world.velocity(base.task.object)[0])
    assert speed > 0.05  # the last push set the cube sliding


def test_robot_push_moves_the_hand():
    env, _ = _push(Push(2.0, rate=1.0, target="robot"))
    still, _ = _push([])
    env.reset(seed=0)
    still.reset(seed=0)
    for _ in range(2):
        env.step(np.zeros(4, dtype=np.float32))
        still.step(np.zeros(4, dtype=np.float32))
    gap = env.unwrapped.robot.ee_position() - still.unwrapped.robot.ee_position()
    assert np.linalg.norm(gap) > 1e-3


def test_schedules_shape_the_level_over_the_episode():
    env, _ = _push(Push(0.04, rate=1.0, schedule=Cyclic(period=4)))
    trace = _rollout(env, seed=0, steps=8)
    magnitudes = [item[-1][0]["magnitude"] if item[-1] else 0.0 for item in trace[1:]]
    np.testing.assert_allclose(magnitudes, [0.02, 0.04, 0.02, 0.0, 0.02, 0.04, 0.02, 0.0], atol=1e-12)


def test_per_episode_choice_through_reset_options():
    env, _ = _push("easy")
    _, info = env.reset(seed=0, options={"perturbation": Displace(0.05, rate=1.0)})
    assert env.active == (Displace(0.05, rate=1.0),) and info["perturbations"] == []
    assert env.step(np.zeros(4))[-1]["perturbations"][0]["kind"] == "displace"
    env.reset(seed=0)
    assert env.active == PRESETS["easy"]


def test_info_dicts_are_fresh_and_never_mutated_later():
    env, _ = _push([Push(0.05, rate=1.0), Dynamics(0.5, resample_every=1)])
    _, info0 = env.reset(seed=0)
    snapshots = [repr(info0)]
    infos = [info0]
    for _ in range(4):
        infos.append(env.step(env.action_space.sample())[-1])
        snapshots.append(repr(infos[-1]))
    env.reset(seed=1)
    assert [repr(i) for i in infos] == snapshots
    assert len({id(i["perturbations"]) for i in infos}) == len(infos)


def test_bad_specs_and_values_fail_clearly():
    with pytest.raises(ValueError, match="unknown perturbation preset 'brutal'.*easy"):
        _push("brutal")
    with pytest.raises(ValueError, match="preset 'reach-hard' is for task 'reach'.*'push'"):
        _push("reach-hard")
    assert _push("push-hard")[0].perturbations == PRESETS["hard"]
    with pytest.raises(ValueError, match="SensorDropout: strength=1.5 must be in"):
        SensorDropout(1.5)
    with pytest.raises(ValueError, match="Dynamics: parameter='viscosity'.*'mass'"):
        Dynamics(0.1, parameter="viscosity")
    with pytest.raises(ValueError, match="Push: rate=2"):
        Push(0.1, rate=2)
    with pytest.raises(TypeError, match="spec 42 is not valid"):
        _push(42)
    env, _ = _push([])
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"palaestra/Push-v0.*NaN"):
        env.step(np.full(4, np.nan))
