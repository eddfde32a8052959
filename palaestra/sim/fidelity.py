"""Physics fidelity of the Panda scene, measured the way a roboticist checks a simulator (``palaestra bench --fidelity``).

Four probes, each run on palaestra's scene and, when installed, on panda-gym 3's under the same protocol:

- **hold**: zero action from the rest pose; end-effector drift after 50 and after 1,000 control steps (mm).
- **reach hold**: the arm driven to each of the 8 corners of Reach's goal box (x, y within 15 cm of the table's
  centre, z from 5 to 30 cm), then given zero action: the largest drift over 50 control steps, counted from
  the 10th zero-action step so that the arm's stop from full speed is not counted (mm). The rest pose is the
  easiest place to hold: stretched and folded poses load the motors more.
- **drop**: a 4 cm cube released flat above the table, from each of 9 heights from 8 to 12 cm; peak
  penetration (mm), total time deeper than 1 mm (ms), and the time from first contact after which it stays
  within 0.2 mm of its resting height and below 1 cm/s (ms), all sampled every physics substep; each figure is
  the worst over the heights. One height is a lottery: a box-box contact appears only once the boxes overlap,
  so the first overlap is anything from 0 to one substep of fall (11.7 mm at 1.4 m/s and 120 Hz) depending on
  where the substeps fall; from 10 cm alone palaestra read 3.9 mm, from 11 cm 11.1 mm.
- **tower**: one 4 cm cube set on another, left alone after 5 control steps of settling; how far the upper
  cube moves over the next 200 control steps (mm).
- **grasp**: a cube closed in the gripper for 10 control steps, then held still (gripper kept closing)
  for 100; how far it turns (degrees).

Figures are printed, never asserted here; ``tests/sim/test_fidelity.py`` holds loose bounds that catch a real
regression. panda-gym is an optional peer, never a dependency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

CUBE = 0.02  # half size of the probes' cubes, both scenes
HOLD_STEPS = (50, 1000)
TOWER_STEPS = 200
GRASP_STEPS = 100
DROP_HEIGHTS = tuple(np.linspace(0.08, 0.12, 9))  # metres of free fall; every figure is the worst over these
REACH_CORNERS = [(x, y, z) for x in (-0.15, 0.15) for y in (-0.15, 0.15) for z in (0.05, 0.30)]


@dataclass(frozen=True)
class Fidelity:
    """One scene's figures (see the module docstring for how each is measured)."""

    hold_50_mm: float
    hold_1000_mm: float
    reach_hold_mm: float
    drop_peak_mm: float
    drop_deep_ms: float
    drop_settle_ms: float
    tower_mm: float
    grasp_deg: float

    def rows(self) -> list[tuple[str, float]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


class _Probe:
    """What the probes need of a scene: make an env, step physics, place bodies, read poses."""

    substep_s: float

    def make(self, task: str) -> Any: ...  # an unwrapped env, reset with seed 0
    def step(self, env: Any, action: np.ndarray) -> None: ...  # one control step
    def substep(self, env: Any) -> None: ...
    def ee(self, env: Any) -> np.ndarray: ...
    def bodies(self, env: Any) -> list[int]: ...  # the task's cubes
    def client(self, env: Any) -> Any: ...
    def substeps(self, env: Any) -> int: ...


class _Palaestra(_Probe):
    def __init__(self, **env_kwargs: Any) -> None:
        self.env_kwargs = env_kwargs

    def make(self, task: str) -> Any:
        from palaestra.envs.manipulation.env import ManipulationEnv

        env = ManipulationEnv(task, **self.env_kwargs)
        env.reset(seed=0)
        self.substep_s = env.world.physics.timestep
        return env

    def step(self, env: Any, action: np.ndarray) -> None:
        env.step(action.astype(np.float32))

    def substep(self, env: Any) -> None:
        env.world.client.stepSimulation()

    def substeps(self, env: Any) -> int:
        return env.world.physics.substeps

    def ee(self, env: Any) -> np.ndarray:
        return env.robot.ee_position()

    def bodies(self, env: Any) -> list[int]:
        task = env.task
        return list(task.cubes) if hasattr(task, "cubes") else [task.object]

    def client(self, env: Any) -> Any:
        return env.world.client


class _PandaGym(_Probe):
    IDS = {"reach": "PandaReach-v3", "push": "PandaPush-v3", "pick_and_place": "PandaPickAndPlace-v3", "stack": "PandaStack-v3"}

    def make(self, task: str) -> Any:
        import gymnasium as gym
        import panda_gym  # noqa: F401  (registers its IDs)

        env = gym.make(self.IDS[task]).unwrapped
        env.reset(seed=0)
        self.substep_s = env.sim.timestep
        return env

    def step(self, env: Any, action: np.ndarray) -> None:
        env.robot.set_action(action[: env.robot.action_space.shape[0]])  # Push and Reach block the gripper
        env.sim.step()

    def substep(self, env: Any) -> None:
        env.sim.physics_client.stepSimulation()

    def substeps(self, env: Any) -> int:
        return env.sim.n_substeps

    def ee(self, env: Any) -> np.ndarray:
        return np.asarray(env.robot.get_ee_position())

    def bodies(self, env: Any) -> list[int]:
        idx = env.sim._bodies_idx
        return [idx[name] for name in ("object", "object1", "object2") if name in idx]

    def client(self, env: Any) -> Any:
        return env.sim.physics_client


def _place(client: Any, body: int, position: tuple[float, float, float]) -> None:
    client.resetBasePositionAndOrientation(body, position, (0.0, 0.0, 0.0, 1.0))
    client.resetBaseVelocity(body, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


def hold_drift(probe: _Probe) -> tuple[float, float]:
    env = probe.make("push")
    start = probe.ee(env)
    zero = np.zeros(env.action_space.shape[0])
    drift = []
    for step in range(1, HOLD_STEPS[-1] + 1):
        probe.step(env, zero)
        if step in HOLD_STEPS:
            drift.append(float(np.linalg.norm(probe.ee(env) - start)) * 1e3)
    env.close()
    return drift[0], drift[1]


def reach_hold(probe: _Probe, steps: int = 50, settle: int = 10) -> float:
    env = probe.make("reach")
    worst = 0.0
    zero = np.zeros(4)
    for corner in REACH_CORNERS:
        for _ in range(80):  # steer like a P-controller; 80 steps reach any corner from any other
            error = np.asarray(corner) - probe.ee(env)
            if np.abs(error).max() < 2e-3:
                break
            probe.step(env, np.append(np.clip(error / 0.05 * 2.0, -1.0, 1.0), 0.0))
        for _ in range(settle):
            probe.step(env, zero)
        start = probe.ee(env)
        for _ in range(steps):
            probe.step(env, zero)
        worst = max(worst, float(np.linalg.norm(probe.ee(env) - start)) * 1e3)
    env.close()
    return worst


def drop(probe: _Probe, height: float = 0.10, seconds: float = 1.0) -> tuple[float, float, float]:
    env = probe.make("push")
    c, cube = probe.client(env), probe.bodies(env)[0]
    _place(c, cube, (0.1, 0.15, CUBE + height))
    zs, speeds = [], []
    for _ in range(int(round(seconds / probe.substep_s))):
        probe.substep(env)
        zs.append(c.getBasePositionAndOrientation(cube)[0][2])
        speeds.append(float(np.linalg.norm(c.getBaseVelocity(cube)[0])))
    env.close()
    depth = CUBE - np.array(zs)
    rest = zs[-1]
    unsettled = [i for i, (z, v) in enumerate(zip(zs, speeds)) if abs(z - rest) > 2e-4 or v > 0.01]
    settle = (unsettled[-1] + 1 if unsettled else 0) * probe.substep_s
    # Time from release until the fall: subtract it so settling counts from the first contact.
    contact = next(i for i, d in enumerate(depth) if d > 0.0) * probe.substep_s
    return float(depth.max() * 1e3), float((depth > 1e-3).sum() * probe.substep_s * 1e3), (settle - contact) * 1e3


def drop_worst(probe: _Probe, heights: tuple[float, ...] = DROP_HEIGHTS) -> tuple[float, float, float]:
    """:func:`drop` from each of ``heights``: the worst peak (mm), time deep (ms) and settling time (ms)."""
    figures = np.array([drop(probe, height) for height in heights])
    return tuple(float(worst) for worst in figures.max(axis=0))


def tower_creep(probe: _Probe) -> float:
    env = probe.make("stack")
    c = probe.client(env)
    lower, upper = probe.bodies(env)[:2]
    _place(c, lower, (0.1, 0.12, CUBE))
    _place(c, upper, (0.1, 0.12, 3 * CUBE))
    zero = np.zeros(4)
    for _ in range(5):
        probe.step(env, zero)
    start = np.array(c.getBasePositionAndOrientation(upper)[0])
    for _ in range(TOWER_STEPS):
        probe.step(env, zero)
    moved = np.linalg.norm(np.array(c.getBasePositionAndOrientation(upper)[0]) - start)
    env.close()
    return float(moved * 1e3)


def grasp_turn(probe: _Probe) -> float:
    env = probe.make("pick_and_place")
    c, cube = probe.client(env), probe.bodies(env)[0]
    for _ in range(3):  # open the fingers wide before the cube appears between them
        probe.step(env, np.array([0.0, 0.0, 0.0, 1.0]))
    _place(c, cube, tuple(probe.ee(env)))
    close = np.array([0.0, 0.0, 0.0, -1.0])
    for _ in range(10):
        probe.step(env, close)
    start = c.getBasePositionAndOrientation(cube)[1]
    for _ in range(GRASP_STEPS):
        probe.step(env, close)
    end = c.getBasePositionAndOrientation(cube)[1]
    env.close()
    dot = min(1.0, abs(float(np.dot(start, end))))
    return math.degrees(2.0 * math.acos(dot))


def measure(probe: _Probe) -> Fidelity:
    hold = hold_drift(probe)
    peak, deep, settle = drop_worst(probe)
    return Fidelity(hold[0], hold[1], reach_hold(probe), peak, deep, settle, tower_creep(probe), grasp_turn(probe))


def palaestra_probe(**env_kwargs: Any) -> _Probe:
    """Probes on palaestra's scene; ``env_kwargs`` go to ``ManipulationEnv`` (e.g. ``physics=PhysicsConfig(...)``)."""
    return _Palaestra(**env_kwargs)


def panda_gym_probe() -> _Probe | None:
    """Probes on panda-gym's scene, or ``None`` where panda-gym is not installed."""
    try:
        import panda_gym  # noqa: F401
    except ImportError:
        return None
    return _PandaGym()


def measure_all(compare: bool = True) -> dict[str, Fidelity]:
    """palaestra's figures and, where installed and ``compare``, panda-gym's under the same protocol."""
    results = {"palaestra": measure(palaestra_probe())}
    peer = panda_gym_probe() if compare else None
    if peer is not None:
        results["panda-gym"] = measure(peer)
    return results
