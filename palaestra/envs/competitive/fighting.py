"""The PettingZoo shell shared by the PyBullet fighting games (:mod:`.sumo`, :mod:`.boxing`).

Two fighters ``red_0`` and ``blue_0`` (:mod:`palaestra.sim.fighters`) built once, reset by restoring a
snapshot and re-sampling their poses, stepped in parallel at 24 Hz, observed from each fighter's own frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.competitive.policy import Policy
from palaestra.envs.competitive.common import (
    OUTCOME_DRAW,
    OUTCOME_LOSS,
    OUTCOME_WIN,
    ObsMode,
    SeededSpaces,
    check_parallel_actions,
    check_render_mode,
    check_reset,
)
from palaestra.sim.fighters import BLUE, RED, Fighter, FighterState
from palaestra.sim.world import CameraConfig, PhysicsConfig, World
from palaestra.checks import MAX_IMAGE_SIDE, Lifecycle, check_choice, check_physics, check_positive_int

AGENTS = ("red_0", "blue_0")
TEAMS = {"red": ("red_0",), "blue": ("blue_0",)}
RENDER_SIZE = 256
FALL_TILT = math.radians(60.0)  # a torso leaning further than this has fallen

# The state observation shared by the fighting games, by name; games append their own features.
FEATURES = (
    "centre_x", "centre_y",  # vector to the ring centre, own frame, in ring radii
    "edge",  # own distance to the ring edge, in ring radii
    "vel_x", "vel_y", "yaw_rate",  # own velocity (m/s, own frame) and turn rate (rad/s)
    "lean_x", "lean_y",  # own up axis, own frame: how far and which way the torso leans
    "opp_x", "opp_y",  # opponent's position relative to self, own frame, m
    "opp_cos", "opp_sin",  # opponent's heading relative to own
    "opp_vel_x", "opp_vel_y",  # opponent's velocity, own frame, m/s
    "opp_edge",  # opponent's distance to the ring edge, in ring radii
    "opp_lean_x", "opp_lean_y",
    "time_left",  # fraction of max_cycles still to play
)
INDEX = {name: i for i, name in enumerate(FEATURES)}


def game_metadata(name: str) -> dict[str, Any]:
    """PettingZoo metadata of a fighting game called ``name``."""
    return {"name": name, "render_modes": ["human", "rgb_array"], "render_fps": 24, "is_parallelizable": True}


class FightingEnv(SeededSpaces, ParallelEnv):
    """The PettingZoo shell of a two-fighter PyBullet game; a subclass supplies the arena and the rules.

    Subclass hooks: :meth:`_build_arena`, :meth:`_edge_distance`, :meth:`_command`, :meth:`_substep`,
    :meth:`_judge` and, for extra observation features, :attr:`extra_features` with :meth:`_extra`.
    """

    env_id = "palaestra/<fighting>"
    radius = 1.0  # ring radius (half side of a square ring), m
    arms = False
    extra_features: tuple[str, ...] = ()
    action_dim = 3

    def __init__(
        self,
        max_cycles: int,
        obs_mode: str,
        render_mode: str | None,
        image_size: int,
        physics: PhysicsConfig | None,
    ) -> None:
        super().__init__()
        self.obs_mode = check_choice(self.env_id, "obs_mode", obs_mode, ObsMode)
        check_render_mode(self.env_id, render_mode, self.metadata["render_modes"])
        self.max_cycles = check_positive_int(self.env_id, "max_cycles", max_cycles)
        image_size = check_positive_int(self.env_id, "image_size", image_size, maximum=MAX_IMAGE_SIDE)
        physics = check_physics(self.env_id, physics)
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.teams = dict(TEAMS)
        self._life = Lifecycle()
        self.world = World(physics, mode="gui" if render_mode == "human" else "direct")
        self._build_arena()
        self.fighters = {a: Fighter(self.world, color, arms=self.arms) for a, color in zip(AGENTS, (RED, BLUE))}
        for i, fighter in enumerate(self.fighters.values()):
            fighter.place(2.0 * i - 1.0, 0.0, math.pi * i)
        for _ in range(2):  # settle contacts once before the snapshot every reset returns to
            self._physics_step()
        self.world.save()
        # Looking down on the whole ring from behind red's default corner; a ring of any size fills the frame.
        camera = CameraConfig(target=(0.0, 0.0, 0.25), distance=2.9 * self.radius, yaw=0.0, pitch=-55.0, fov=50.0,
                              near=0.1, far=12.0)
        self._image_camera = replace(camera, width=image_size, height=image_size)
        self._render_camera = replace(camera, width=RENDER_SIZE, height=RENDER_SIZE)
        if self.obs_mode is ObsMode.STATE:
            dim = len(FEATURES) + len(self.extra_features)
            obs_space = spaces.Box(-np.inf, np.inf, shape=(dim,), dtype=np.float32)
        else:
            obs_space = spaces.Box(0, 255, shape=(image_size, image_size, 3), dtype=np.uint8)
        act_space = spaces.Box(-1.0, 1.0, shape=(self.action_dim,), dtype=np.float32)
        self._observation_spaces = {a: obs_space for a in AGENTS}
        self._action_spaces = {a: act_space for a in AGENTS}
        self.cycle = 0
        self.states: dict[str, FighterState] = {}

    # -- PettingZoo API ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.world.restore()
        self.agents = list(AGENTS)
        self.cycle = 0
        for agent, (x, y, yaw) in zip(AGENTS, self._start_poses()):
            self.fighters[agent].place(x, y, yaw)
        self.states = {a: f.read() for a, f in self.fighters.items()}
        self._reset_game()
        return self._observations(), {a: {} for a in AGENTS}

    def step(self, actions: dict[str, Any]):
        if not self._life.running:
            raise self._life.refusal(self.env_id, "match")
        checked = check_parallel_actions(self.env_id, actions, self.agents, AGENTS, self.action_space)
        for agent, action in checked.items():
            self._command(self.fighters[agent], action)
        for _ in range(self.world.physics.substeps):
            self._physics_step()
            self._substep()
        self.cycle += 1
        self.states = {a: f.read() for a, f in self.fighters.items()}
        rewards, infos, winner, finished = self._judge()
        timeout = not finished and self.cycle >= self.max_cycles
        if finished or timeout:
            if timeout:
                winner = self._timeout_winner()
            for agent in AGENTS:
                outcome = OUTCOME_DRAW if winner is None else OUTCOME_WIN if agent == winner else OUTCOME_LOSS
                infos[agent]["outcome"] = outcome
        terminations = {a: finished for a in AGENTS}
        truncations = {a: timeout for a in AGENTS}
        observations = self._observations()
        if finished or timeout:
            self.agents = []
            self._life.end()
        return observations, rewards, terminations, truncations, infos

    def render(self) -> np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self.world.render(self._render_camera)
        return None

    def close(self) -> None:
        if hasattr(self, "_life"):
            self._life.close()
        world = getattr(self, "world", None)
        if world is not None:
            world.close()

    # -- game hooks --------------------------------------------------------------------------------
    def _build_arena(self) -> None:
        raise NotImplementedError

    def _edge_distance(self, position: np.ndarray) -> float:
        """Distance (m) from a ring position to the nearest edge, negative outside."""
        raise NotImplementedError

    def _start_poses(self) -> Sequence[tuple[float, float, float]]:
        """Red and blue on opposite sides of the centre, roughly facing each other, drawn from the seed."""
        rng = self.np_random
        angle = rng.uniform(-math.pi, math.pi)
        poses = []
        for side in (0.0, math.pi):
            a = angle + side + rng.uniform(-0.3, 0.3)
            r = rng.uniform(0.55, 0.85)
            poses.append((r * math.cos(a), r * math.sin(a), a + math.pi + rng.uniform(-0.6, 0.6)))
        return poses

    def _reset_game(self) -> None:
        """Reset the game's own counters after the fighters are placed."""

    def _command(self, fighter: Fighter, action: np.ndarray) -> None:
        fighter.command(*action)

    def _substep(self) -> None:
        """Called after every simulation substep (contact checks)."""

    def _judge(self) -> tuple[dict[str, float], dict[str, dict], str | None, bool]:
        """Rewards, fresh infos, the winner (``None`` for none or a draw) and whether the match is over."""
        raise NotImplementedError

    def _timeout_winner(self) -> str | None:
        return None

    def _extra(self, agent: str, opponent: str) -> list[float]:
        return []

    # -- helpers -----------------------------------------------------------------------------------
    def _physics_step(self) -> None:
        for fighter in self.fighters.values():
            fighter.apply()
        self.world.client.stepSimulation()

    def _observations(self) -> dict[str, np.ndarray]:
        if self.obs_mode is ObsMode.PIXELS:
            frame = self.world.render(self._image_camera)
            return {AGENTS[0]: frame, AGENTS[1]: frame.copy()}
        return {a: self._features(a, b) for a, b in (AGENTS, AGENTS[::-1])}

    def _features(self, agent: str, opponent: str) -> np.ndarray:
        me, opp = self.states[agent], self.states[opponent]
        scale = 1.0 / self.radius
        rel_yaw = opp.yaw - me.yaw
        values = [
            *me.to_local(-me.position) * scale,
            self._edge_distance(me.position) * scale,
            *me.to_local(me.velocity),
            me.spin[2],
            *me.to_local(me.up),
            *me.to_local(opp.position - me.position),
            math.cos(rel_yaw), math.sin(rel_yaw),
            *me.to_local(opp.velocity),
            self._edge_distance(opp.position) * scale,
            *me.to_local(opp.up),
            1.0 - self.cycle / self.max_cycles,
            *self._extra(agent, opponent),
        ]
        return np.array(values, dtype=np.float32)

    def _fallen(self, agent: str) -> bool:
        return self.states[agent].tilt > FALL_TILT



class FighterPolicy(Policy):
    """Base of the scripted fighters: reads named features of its own state observation."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        game = getattr(env, "unwrapped", env)
        self.radius = getattr(game, "radius", 1.0)
        if getattr(game, "obs_mode", ObsMode.STATE) is not ObsMode.STATE:
            raise ValueError(f"{game.env_id}: scripted fighters read state observations; build the env with obs_mode='state'")

    def heading_to(self, x: float, y: float, yaw_rate: float) -> float:
        """Turn command facing the own-frame point ``(x, y)``, damped by the turn rate."""
        return float(np.clip(2.5 * math.atan2(y, x) - 0.3 * yaw_rate, -1.0, 1.0))
