"""What every drone-volleyball environment shares: observation features by name, the mirrored agent frame,
action and observation modes, and the court camera.

Every agent sees the game in its own side's frame: the near side (``red``, x < 0) as the world is, the far
side (``blue``) rotated 180 degrees about the vertical, so each sees its own half at x < 0 and the net at
x = 0 (VolleyBots' ``symmetric_obs``). Gravity stays -z in both.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.envs.drones.pilot import DroneView
from palaestra.sim.drones.arena import ActionMode, ArenaState
from palaestra.sim.world import CameraConfig
from palaestra.checks import MAX_IMAGE_SIDE, Lifecycle, check_choice, check_positive_int

OWN_FEATURES = (
    "x", "y", "z",  # own position, m
    *(f"r{i}{j}" for i in range(3) for j in range(3)),  # body-to-world rotation, row by row
    "vx", "vy", "vz",  # own velocity, m/s
    "p", "q", "r",  # own body rates, rad/s
)
BALL_FEATURES = ("ball_x", "ball_y", "ball_z", "ball_vx", "ball_vy", "ball_vz")
BASE_FEATURES = OWN_FEATURES + BALL_FEATURES
INDEX = {name: i for i, name in enumerate(BASE_FEATURES)}
MIRROR = np.array((-1.0, -1.0, 1.0))  # a half turn about z
RED = (0.85, 0.2, 0.15, 1.0)
BLUE = (0.15, 0.35, 0.85, 1.0)
CRASH_HEIGHT = 0.03  # a drone's centre this low is on the floor
RENDER_SIZE = 256  # px of render(): palaestra record's smallest clip


class ObsMode(str, Enum):
    STATE = "state"
    PIXELS = "pixels"


def action_space() -> spaces.Box:
    """A new action space (each env seeds its own): four numbers in [-1, 1] in both action modes, rotor
    thrusts or collective thrust and three body rates."""
    return spaces.Box(-1.0, 1.0, shape=(4,), dtype=np.float32)


def configure(env: Any, action_mode: str, obs_mode: str, render_mode: str | None, image_size: int) -> int:
    """Check and set ``env.action_mode``, ``env.obs_mode`` and ``env.render_mode`` (errors name ``env.env_id``)
    and give ``env`` its :class:`~palaestra.checks.Lifecycle`; returns the checked image size."""
    env.action_mode = check_choice(env.env_id, "action_mode", action_mode, ActionMode)
    env.obs_mode = check_choice(env.env_id, "obs_mode", obs_mode, ObsMode)
    modes = env.metadata["render_modes"]
    if render_mode is not None and render_mode not in modes:
        raise ValueError(f"{env.env_id}: render_mode={render_mode!r} is not supported; expected None or one of {modes}")
    env.render_mode = render_mode
    env._life = Lifecycle()  # new, running, ended, closed: step() before reset() or after close() is refused
    return check_positive_int(env.env_id, "image_size", image_size, maximum=MAX_IMAGE_SIDE)


def drone_features(state: ArenaState, i: int, mirrored: bool) -> list[float]:
    """Drone ``i``'s :data:`OWN_FEATURES` in a side's frame."""
    pos, rot, vel = state.position[i], state.rotation[i], state.velocity[i]
    # Body rates (the same in both frames), summed in Python floats: a BLAS matrix-vector product's kernel is
    # chosen by the CPU (OpenBLAS Haswell vs SkylakeX), and its last bits changed seeded rollouts between machines.
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rot.tolist()
    wx, wy, wz = state.angular_velocity[i].tolist()
    rates = (r00 * wx + r10 * wy + r20 * wz, r01 * wx + r11 * wy + r21 * wz, r02 * wx + r12 * wy + r22 * wz)
    if mirrored:
        pos, rot, vel = pos * MIRROR, rot * MIRROR[:, None], vel * MIRROR
    return [*pos, *rot.ravel(), *vel, *rates]


def ball_features(state: ArenaState, mirrored: bool) -> list[float]:
    if mirrored:
        return [*(state.ball_position * MIRROR), *(state.ball_velocity * MIRROR)]
    return [*state.ball_position, *state.ball_velocity]


def view_of(observation: np.ndarray) -> DroneView:
    """The :class:`DroneView` at the start of a drone observation (:data:`OWN_FEATURES`)."""
    o = np.asarray(observation, dtype=np.float64)
    return DroneView(o[0:3], o[3:12].reshape(3, 3), o[12:15], o[15:18])


def ball_of(observation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ball position and velocity from a drone observation."""
    o = np.asarray(observation, dtype=np.float64)
    return o[18:21], o[21:24]


def court_camera(length: float, size: int) -> CameraConfig:
    """A camera behind and above red's baseline looking down the court (the whole court in frame)."""
    camera = CameraConfig(target=(0.0, 0.0, 0.2), distance=1.25 * length, yaw=-90.0, pitch=-35.0, fov=55.0,
                          near=0.05, far=10.0)
    return replace(camera, width=size, height=size)


class CourtRendering:
    """``render()``, ``close()`` and the ``world`` of an env that owns a
    :class:`~palaestra.sim.drones.arena.DroneArena` as ``self.arena`` and a ``self._render_camera``."""

    render_mode: str | None

    @property
    def world(self):
        """The arena's PyBullet world (``palaestra bench`` times its substeps)."""
        return self.arena.world

    def render(self) -> np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self.arena.world.render(self._render_camera)
        return None

    def close(self) -> None:
        if hasattr(self, "_life"):
            self._life.close()
        arena = getattr(self, "arena", None)
        if arena is not None:
            arena.close()
