"""Cooperative drills of VolleyBots' curriculum as PettingZoo parallel environments: two drones, one side.

* ``pass`` (:data:`PASS`): bump the ball back and forth between the two drones (Bump and Pass);
* ``set_spike``: drone_0 sets a dropped ball to drone_1, who spikes it into the other half (Set and
  Spike, easy);
* ``set_spike_block``: the same against a scripted blocker drone that guards the net (Set and Spike, hard).

Both drones share the reward and the outcome: ``info[agent]["is_success"]`` says whether the drill has
succeeded, and at the end ``outcome`` is 1 for a success, -1 otherwise.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.envs.competitive.common import (
    OUTCOME_LOSS,
    OUTCOME_WIN,
    CheckedAEC,
    SeededSpaces,
    check_parallel_actions,
    check_reset,
)
from palaestra.envs.drones.common import (
    BASE_FEATURES,
    BLUE,
    CRASH_HEIGHT,
    RED,
    RENDER_SIZE,
    CourtRendering,
    ObsMode,
    action_space,
    configure,
    ball_features,
    court_camera,
    drone_features,
    view_of,
)
from palaestra.envs.drones.skills import Skills
from palaestra.sim.drones.arena import DroneArena
from palaestra.sim.drones.court import COURT_3V3
from palaestra.checks import check_positive_int, reject_unknown_kwargs

AGENTS = ("drone_0", "drone_1")
DRILLS = ("pass", "set_spike", "set_spike_block")
IDS = {"pass": "palaestra/DronePass-v0", "set_spike": "palaestra/DroneSetSpike-v0",
       "set_spike_block": "palaestra/DroneSetSpikeBlock-v0"}
FEATURES = BASE_FEATURES + (
    "mate_x", "mate_y", "mate_z", "mate_vx", "mate_vy", "mate_vz",
    "blocker_x", "blocker_y", "blocker_z", "blocker_vx", "blocker_vy", "blocker_vz",
    "touches", "last_touch_me", "last_touch_mate", "is_0", "is_1", "time_left",
)
COOP_KWARGS = ("drill", "max_cycles", "action_mode", "obs_mode", "render_mode", "image_size")
PASS_GOAL = 8
BUMP_SPEED = 1.5


class CoopDrillEnv(CourtRendering, SeededSpaces, ParallelEnv):
    """Two drones on the near half of the 3v3 court play one cooperative drill (``drill``, see the module).

    Observation (``obs_mode="state"``): float32, :data:`FEATURES` by name: own state and the ball, the
    teammate's and the blocker's position and velocity (zeros without a blocker), the
    side's touches so far / 3, who touched last, a one-hot of the drone's index, the time left.
    ``"pixels"``: the court camera. Action: ``Box(-1, 1, (4,))`` per drone in ``action_mode``.
    Reward: shared by both drones. ``pass``: +1 per pass (a touch by the other drone than the last sending the ball up at
    1.5 m/s or more); ``set_spike``: +0.5 for the set, +0.5 for the spike, +1 when the ball lands in the other
    half. The drill fails (and ends) when the ball touches the floor before its goal, a drone touches it
    twice in a row, or a drone crashes; ``pass`` succeeds with :data:`PASS_GOAL` passes, ``set_spike`` when
    a set by drone_0 and a spike by drone_1 land the ball in the other half with no other touch.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "drone_coop_v0", "render_modes": ["human", "rgb_array"],
                                          "render_fps": 48, "is_parallelizable": True}

    def __init__(self, drill: str = "pass", max_cycles: int = 480, action_mode: str = "ctbr", obs_mode: str = "state",
                 render_mode: str | None = None, image_size: int = 64, **unknown: Any) -> None:
        self.env_id = IDS.get(drill, "palaestra/DroneCoop-v0")
        reject_unknown_kwargs(self.env_id, unknown, COOP_KWARGS)
        if drill not in DRILLS:
            raise ValueError(f"{self.env_id}: drill={drill!r} is not valid; expected one of {list(DRILLS)}")
        self.drill = drill
        self.max_cycles = check_positive_int(self.env_id, "max_cycles", max_cycles)
        size = configure(self, action_mode, obs_mode, render_mode, image_size)
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.teams = {"team": tuple(AGENTS)}
        self.court = COURT_3V3
        self.blocker = drill == "set_spike_block"
        colors = [RED, RED, BLUE] if self.blocker else [RED, RED]
        self.arena = DroneArena(self.court, colors, gui=render_mode == "human")
        self._blocker_skills = Skills()
        if self.obs_mode is ObsMode.STATE:
            obs_space = spaces.Box(-np.inf, np.inf, shape=(len(FEATURES),), dtype=np.float32)
        else:
            obs_space = spaces.Box(0, 255, shape=(size, size, 3), dtype=np.uint8)
        act_space = action_space()
        self._observation_spaces = {a: obs_space for a in AGENTS}
        self._action_spaces = {a: act_space for a in AGENTS}
        self._image_camera = court_camera(self.court.length, size)
        self._render_camera = court_camera(self.court.length, RENDER_SIZE)
        self.state = None

    # -- PettingZoo API ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.arena.reset()
        rng = self.np_random
        self.cycle, self.touches, self.passes = 0, [], 0
        self.success, self.landing = False, None
        if self.drill == "pass":
            drones = [(-0.7 + rng.uniform(-0.05, 0.05), -0.25 + rng.uniform(-0.05, 0.05), 0.3),
                      (-0.7 + rng.uniform(-0.05, 0.05), 0.25 + rng.uniform(-0.05, 0.05), 0.3)]
        else:
            drones = [(-0.5 + rng.uniform(-0.05, 0.05), -0.3 + rng.uniform(-0.05, 0.05), 0.3),
                      (-0.3 + rng.uniform(-0.05, 0.05), 0.25 + rng.uniform(-0.05, 0.05), 0.3)]
        if self.blocker:
            drones.append((0.12, rng.uniform(-0.2, 0.2), self.court.net_height + 0.12))
        first = drones[0]
        ball = (first[0] + rng.uniform(-0.02, 0.02), first[1] + rng.uniform(-0.02, 0.02), 0.85)
        self.arena.place(np.array(drones), np.array((0.0, 0.0, np.pi))[:len(drones)], ball)
        self.state = self.arena.read()
        self.agents = list(AGENTS)
        # No info at reset, as in the matches (TorchRL's wrapper then leaves the step infos out of its tensors).
        return self._observations(), {a: {} for a in AGENTS}

    def step(self, actions: dict[str, Any]):
        if not self._life.running:
            raise self._life.refusal(self.env_id, "match")
        checked = check_parallel_actions(self.env_id, actions, self.agents, AGENTS, self.action_space)
        command = [checked["drone_0"], checked["drone_1"]] + ([self._blocker_action()] if self.blocker else [])
        command = np.stack(command)
        events = self.arena.step(command, self.action_mode)
        self.cycle += 1
        self.state = self.arena.read()
        reward, done = self._judge(events)
        timeout = not done and self.cycle >= self.max_cycles
        infos = {a: self._info() for a in AGENTS}
        if done or timeout:
            for agent in AGENTS:
                infos[agent]["outcome"] = OUTCOME_WIN if self.success else OUTCOME_LOSS
            self.agents = []
            self._life.end()
        return (self._observations(), dict.fromkeys(AGENTS, reward), dict.fromkeys(AGENTS, done),
                dict.fromkeys(AGENTS, timeout), infos)

    # -- the drill ---------------------------------------------------------------------------------
    def _judge(self, events) -> tuple[float, bool]:
        reward = 0.0
        for index in events.touches:
            if index == 2:  # blocked
                return reward, True
            if self.touches and self.touches[-1] == index:
                return reward, True  # double touch
            self.touches.append(index)
            if self.drill == "pass":
                if len(self.touches) > 1 and self.state.ball_velocity[2] >= BUMP_SPEED:
                    self.passes += 1
                    reward += 1.0
                    self.success = self.passes >= PASS_GOAL
            elif self.touches != [0, 1][:len(self.touches)]:
                return reward, True  # the hitter first, or a third touch
            else:
                reward += 0.5
        if events.floor is not None:
            self.landing = events.floor
            if self.drill != "pass":
                x, y = events.floor
                self.success = self.touches == [0, 1] and 0.0 < x <= self.court.half_length and abs(y) <= self.court.half_width
                reward += 1.0 if self.success else 0.0
            return reward, True
        heights = self.state.position[:2, 2]
        crossed = self.state.position[:2, 0] > 0.0
        if (heights < CRASH_HEIGHT).any() or crossed.any():
            return reward, True
        return reward, False

    def _blocker_action(self) -> np.ndarray:
        """The blocker guards the net under the ball's line, just above the net, in its own (mirrored) frame."""
        view = view_of(drone_features(self.state, 2, True))
        ball_y = -self.state.ball_position[1]
        target = np.array((-0.12, np.clip(ball_y, -0.4, 0.4), self.court.net_height + 0.12))
        return self._blocker_skills.move_to(view, target, yaw=0.0)

    def _info(self) -> dict[str, Any]:
        return {"is_success": bool(self.success), "passes": self.passes, "touches": tuple(self.touches),
                "landing": self.landing}

    def _observations(self) -> dict[str, np.ndarray]:
        if self.obs_mode is ObsMode.PIXELS:
            frame = self.arena.world.render(self._image_camera)
            return {a: frame.copy() for a in AGENTS}
        s = self.state
        ball = ball_features(s, False)
        blocker = [*s.position[2], *s.velocity[2]] if self.blocker else [0.0] * 6
        last = self.touches[-1] if self.touches else -1
        left = 1.0 - self.cycle / self.max_cycles
        out = {}
        for i, agent in enumerate(AGENTS):
            mate = 1 - i
            values = (drone_features(s, i, False) + ball + [*s.position[mate], *s.velocity[mate]] + blocker
                      + [len(self.touches) / 3.0, float(last == i), float(last == mate), float(i == 0), float(i == 1),
                         left])
            out[agent] = np.array(values, dtype=np.float32)
        return out


def parallel_env(**kwargs: Any) -> CoopDrillEnv:
    """The native PettingZoo ``ParallelEnv`` of a cooperative drone drill."""
    return CoopDrillEnv(**kwargs)


def env(**kwargs: Any):
    """The AEC form of a cooperative drone drill."""
    return CheckedAEC(parallel_env(**kwargs))
