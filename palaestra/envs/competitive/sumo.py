"""Sumo: two PyBullet fighters on a raised round ring; push the other out or over.

The fighters and their PettingZoo shell live in :mod:`.fighting`, shared with :mod:`.boxing`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from palaestra.competitive.policy import RandomPolicy
from palaestra.envs.competitive.common import CheckedAEC
from palaestra.envs.competitive.fighting import (
    AGENTS,
    INDEX,
    FighterPolicy,
    FightingEnv,
    game_metadata,
)
from palaestra.sim.fighters import build_disc_ring
from palaestra.sim.world import PhysicsConfig
from palaestra.checks import check_flag, reject_unknown_kwargs


class SumoEnv(FightingEnv):
    """Sumo: two fighters on a raised round ring; the first to leave the ring or fall loses.

    Observation: with ``obs_mode="state"`` a float32 vector of the 18 :data:`FEATURES` in the agent's own
    frame (ring centre and edge distance, own velocity and lean, the opponent's relative position, heading,
    velocity, edge distance and lean, the time left); with ``"pixels"`` an RGB frame of the ring, the same
    for both agents.
    Action: ``Box(-1, 1, (3,))`` per agent: forward force, lateral force, turn torque, as fractions of
    their maxima (out-of-range values are clipped; NaN or a wrong shape raise ``ValueError``).
    Reward: +1 to the winner and -1 to the loser when the match ends (0 each on a draw); with
    ``dense_reward=True`` also the change of (own edge distance - opponent's edge distance) in ring radii.
    A fighter whose centre of mass leaves the ring, or whose torso leans more than 60 degrees, loses; both
    in the same step, or ``max_cycles`` steps without either (truncation), is a draw.
    """

    metadata: ClassVar[dict[str, Any]] = game_metadata("sumo_v0")
    env_id = "palaestra/Sumo-v0"
    radius = 1.8

    def __init__(
        self,
        max_cycles: int = 400,
        obs_mode: str = "state",
        render_mode: str | None = None,
        image_size: int = 64,
        dense_reward: bool = False,
        physics: PhysicsConfig | None = None,
        **unknown: Any,
    ) -> None:
        reject_unknown_kwargs(self.env_id, unknown, _SUMO_KWARGS)
        self.dense_reward = check_flag(self.env_id, "dense_reward", dense_reward)
        super().__init__(max_cycles, obs_mode, render_mode, image_size, physics)
        self._potential = 0.0

    def _build_arena(self) -> None:
        build_disc_ring(self.world, self.radius, friction=0.6)

    def _edge_distance(self, position: np.ndarray) -> float:
        return self.radius - math.hypot(position[0], position[1])

    def _reset_game(self) -> None:
        self._potential = self._edge_lead()

    def _edge_lead(self) -> float:
        """Red's edge distance minus blue's, in ring radii (the shaping potential, red's view)."""
        red, blue = (self._edge_distance(self.states[a].position) for a in AGENTS)
        return (red - blue) / self.radius

    def _judge(self):
        lost = {a: self._edge_distance(self.states[a].position) < 0.0 or self._fallen(a) for a in AGENTS}
        finished = any(lost.values())
        winner = None
        if finished and not all(lost.values()):
            winner = next(a for a in AGENTS if not lost[a])
        rewards = {a: 0.0 if winner is None else 1.0 if a == winner else -1.0 for a in AGENTS}
        if self.dense_reward:
            potential = self._edge_lead()
            shaping, self._potential = potential - self._potential, potential
            rewards = {"red_0": rewards["red_0"] + shaping, "blue_0": rewards["blue_0"] - shaping}
        return rewards, {a: {} for a in AGENTS}, winner, finished


_SUMO_KWARGS = ("max_cycles", "obs_mode", "render_mode", "image_size", "dense_reward", "physics")


def parallel_env(**kwargs: Any) -> SumoEnv:
    """The native PettingZoo ``ParallelEnv`` of ``palaestra/Sumo-v0``."""
    return SumoEnv(**kwargs)


def env(**kwargs: Any):
    """The AEC form of ``palaestra/Sumo-v0`` (the parallel game, agents acting in turn order)."""
    return CheckedAEC(parallel_env(**kwargs))


# -- scripted opponents ----------------------------------------------------------------------------
class Pusher(FighterPolicy):
    """Faces the opponent and charges straight at it."""

    name = "pusher"

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        o = observation
        ox, oy = o[INDEX["opp_x"]], o[INDEX["opp_y"]]
        turn = self.heading_to(ox, oy, o[INDEX["yaw_rate"]])
        forward = 1.0 if abs(math.atan2(oy, ox)) < 0.6 else 0.3
        return np.array((forward, 0.0, turn), dtype=np.float32)


class Tactician(FighterPolicy):
    """Sidesteps a head-on charge, then pushes the opponent from its flank towards its nearest edge.

    Two equal fighters pushing chest to chest stall; a sidestep makes an oncoming opponent lunge past, and
    a push from the side meets no drive (the drive is weakest sideways). Cornered near its own edge, it
    slips sideways towards the centre.
    """

    name = "tactician"
    DODGE_RANGE = 1.5  # m between centres: closer than this, a squarely facing opponent is dodged
    CORNERED = 0.6  # m from the own edge

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._side = 0.0  # lateral direction of the dodge under way, 0 when not dodging

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._side = 0.0

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        o, r = observation, self.radius
        ox, oy = float(o[INDEX["opp_x"]]), float(o[INDEX["opp_y"]])
        cx, cy = float(o[INDEX["centre_x"]]) * r, float(o[INDEX["centre_y"]]) * r
        turn = self.heading_to(ox, oy, o[INDEX["yaw_rate"]])
        dist = max(math.hypot(ox, oy), 1e-6)
        # How squarely the opponent faces self (1: straight at self).
        facing = -(o[INDEX["opp_cos"]] * ox + o[INDEX["opp_sin"]] * oy) / dist
        closing = -(o[INDEX["opp_vel_x"]] * ox + o[INDEX["opp_vel_y"]] * oy) / dist  # opponent's speed at self
        cornered = o[INDEX["edge"]] * r < self.CORNERED and o[INDEX["opp_edge"]] > o[INDEX["edge"]]
        if (dist < self.DODGE_RANGE and facing > 0.6 and closing > 0.0) or cornered:
            # One side per dodge (towards the centre when it starts): switching mid-dodge walks into the push.
            if self._side == 0.0:
                self._side = 1.0 if cy >= 0.0 else -1.0
            return np.array((0.0, self._side, turn), dtype=np.float32)
        self._side = 0.0
        if facing < 0.5 or dist < self.DODGE_RANGE:
            return np.array((1.0, 0.0, turn), dtype=np.float32)
        out_x, out_y = ox - cx, oy - cy  # the opponent's position from the centre, own frame
        out = max(math.hypot(out_x, out_y), 1e-6)
        tx, ty = ox - 0.9 * out_x / out, oy - 0.9 * out_y / out
        norm = max(math.hypot(tx, ty), 1e-6)
        return np.array((tx / norm, ty / norm, turn), dtype=np.float32)


OPPONENTS = {"random": RandomPolicy, "pusher": Pusher, "tactician": Tactician}


