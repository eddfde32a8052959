"""Drone volleyball matches, 1v1, 3v3 and 6v6, as PettingZoo parallel environments with the full rules.

Sides ``red`` (the half x < 0) and ``blue``; agents ``red_0 .. red_{n-1}``, ``blue_0 ..``. Each point
restarts from the home positions with the ball above the serving side's server (the winner of the last
point serves; the first server is drawn from the seed). The referee (:mod:`.rules`) records every point.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.envs.competitive.common import (
    OUTCOME_DRAW,
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
    CourtRendering,
    MIRROR,
    RED,
    RENDER_SIZE,
    ObsMode,
    action_space,
    configure,
    ball_features,
    court_camera,
    drone_features,
)
from palaestra.envs.drones.rules import PointRecord, Referee
from palaestra.sim.drones.arena import DroneArena
from palaestra.sim.drones.court import COURT_1V1, COURT_3V3, COURT_6V6, SCALE
from palaestra.checks import check_positive_int, reject_unknown_kwargs

SIDES = ("red", "blue")
# Home positions in a side's own frame (m, before scaling), VolleyBots' anchors: 1v1 (1.5, 0, 2); 3v3 two at
# the front, (3, +-1.5, 2), one at the back, (6, 0, 2), who serves; 6v6 (Volleyball6v6.yaml) a front row at
# (3, -3/0/3, 2), two at (6, +-3, 2) and one at the back, (9, 0, 2), listed last here because the last drone
# of a side serves.
HOMES = {
    1: ((-1.5, 0.0, 2.0),),
    3: ((-3.0, -1.5, 2.0), (-3.0, 1.5, 2.0), (-6.0, 0.0, 2.0)),
    6: ((-3.0, -3.0, 2.0), (-3.0, 0.0, 2.0), (-3.0, 3.0, 2.0), (-6.0, -3.0, 2.0), (-6.0, 3.0, 2.0),
        (-9.0, 0.0, 2.0)),
}
# Where the server waits for the serve, own frame: 1v1 at home; 3v3 the back drone steps up to 3 m from
# the net (the attack line of a 6 m half), from where a Crazyflie's hit carries into the other half; 6v6
# the back drone steps up to the front row's line, into the gap between its left and middle drones (from
# 4.5 m or more a Crazyflie's serve does not clear the net: measured, it leaves at a third of the speed
# asked for).
SERVES = {1: (-1.5, 0.0, 2.0), 3: (-3.0, 0.0, 2.0), 6: (-3.0, -1.5, 2.0)}
COURTS = {1: COURT_1V1, 3: COURT_3V3, 6: COURT_6V6}
IDS = {1: "palaestra/DroneVolleyball1v1-v0", 3: "palaestra/DroneVolleyball3v3-v0",
       6: "palaestra/DroneVolleyball6v6-v0"}
SERVE_HEIGHT = 0.5  # m above the server
RALLY_SECONDS = 15.0
AIRSPACE = 0.5  # m beyond the court lines that a drone may fly
GAME_FEATURES = ("touches", "possession", "serving", "own_score", "other_score", "time_left")
MATCH_KWARGS = ("team_size", "points", "max_cycles", "action_mode", "obs_mode", "render_mode", "image_size")


def features(team_size: int) -> tuple[str, ...]:
    """The names of a match observation's entries, in order."""
    mates = [f"mate{k}_{f}" for k in range(team_size - 1) for f in ("x", "y", "z", "vx", "vy", "vz")]
    others = [f"opp{k}_{f}" for k in range(team_size) for f in ("x", "y", "z", "vx", "vy", "vz")]
    may_hit = [f"may_hit_{k}" for k in range(team_size)]
    ids = [f"is_{k}" for k in range(team_size)]
    return BASE_FEATURES + tuple(mates) + tuple(others) + GAME_FEATURES + tuple(may_hit) + tuple(ids)


class DroneVolleyballEnv(CourtRendering, SeededSpaces, ParallelEnv):
    """Drone volleyball between two sides of ``team_size`` Crazyflies (1, 3 or 6), first to ``points`` points.

    Observation (``obs_mode="state"``): float32, in the agent's own side frame (own half x < 0): own state
    and the ball (:data:`~palaestra.envs.drones.common.BASE_FEATURES`), each teammate's and opponent's
    position and velocity, the game state (touches of the side in possession / 3, whether the own side
    has the ball, whether the rally is still at its serve, both scores / ``points``, the time left), which
    drones of the own side may touch the ball now, and a one-hot of the drone's index in its side;
    :func:`features` names every entry.
    ``"pixels"``: the court camera's RGB frame, the same for every agent.
    Action: ``Box(-1, 1, (4,))`` per drone, ``action_mode`` ``"ctbr"`` or ``"rotors"``.
    Reward: +1 to every drone of the side that wins a point, -1 to the other side's.
    The match ends when a side reaches ``points`` (termination) or after ``max_cycles`` steps (truncation;
    the higher score wins). ``info[agent]["points"]`` is the referee's record of every point so far
    (:class:`~palaestra.envs.drones.rules.PointRecord`), ``info[agent]["score"]`` the score as an int array
    (own side, other side), numeric so that TorchRL's wrapper can stack it.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "drone_volleyball_v0", "render_modes": ["human", "rgb_array"],
                                          "render_fps": 48, "is_parallelizable": True}

    def __init__(self, team_size: int = 1, points: int = 3, max_cycles: int = 1440, action_mode: str = "ctbr",
                 obs_mode: str = "state", render_mode: str | None = None, image_size: int = 64,
                 **unknown: Any) -> None:
        self.env_id = IDS.get(team_size, "palaestra/DroneVolleyball-v0")
        reject_unknown_kwargs(self.env_id, unknown, MATCH_KWARGS)
        if team_size not in HOMES:
            raise ValueError(f"{self.env_id}: team_size={team_size!r} is not valid; expected one of {list(HOMES)}")
        self.team_size = team_size
        self.points = check_positive_int(self.env_id, "points", points)
        self.max_cycles = check_positive_int(self.env_id, "max_cycles", max_cycles)
        size = configure(self, action_mode, obs_mode, render_mode, image_size)
        self.teams = {side: tuple(f"{side}_{k}" for k in range(team_size)) for side in SIDES}
        self.possible_agents = [a for side in SIDES for a in self.teams[side]]
        self.agents: list[str] = []
        self.court = COURTS[team_size]
        colors = [RED] * team_size + [BLUE] * team_size
        self.arena = DroneArena(self.court, colors, gui=render_mode == "human")
        homes = np.array(HOMES[team_size]) * SCALE
        self.homes = np.concatenate([homes, homes * MIRROR])  # world frame, red then blue
        self.yaws = np.array([0.0] * team_size + [np.pi] * team_size)
        self.referee = Referee(self.teams, self.court)
        self.rally_steps = int(RALLY_SECONDS * self.metadata["render_fps"])
        self._names = features(team_size)
        if self.obs_mode is ObsMode.STATE:
            obs_space = spaces.Box(-np.inf, np.inf, shape=(len(self._names),), dtype=np.float32)
        else:
            obs_space = spaces.Box(0, 255, shape=(size, size, 3), dtype=np.uint8)
        self._observation_spaces = {a: obs_space for a in self.possible_agents}
        act_space = action_space()
        self._action_spaces = {a: act_space for a in self.possible_agents}
        self._image_camera = court_camera(self.court.length, size)
        self._render_camera = court_camera(self.court.length, RENDER_SIZE)
        self.cycle = 0
        self.rally_cycle = 0
        self.state = None

    # -- PettingZoo API ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.arena.reset()
        self.agents = list(self.possible_agents)
        self.cycle = 0
        self.referee.reset(SIDES[int(self.np_random.integers(2))])
        self._serve()
        # No info at reset (no point played yet); TorchRL's wrapper then leaves the step infos, which hold the
        # referee's record of PointRecords, out of its tensors.
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        if not self._life.running:
            raise self._life.refusal(self.env_id, "match")
        checked = check_parallel_actions(self.env_id, actions, self.agents, self.possible_agents, self.action_space)
        command = np.stack([checked[a] for a in self.possible_agents])
        events = self.arena.step(command, self.action_mode)
        self.cycle += 1
        self.rally_cycle += 1
        self.state = self.arena.read()
        point = self._judge(events)
        rewards = dict.fromkeys(self.possible_agents, 0.0)
        if point is not None:
            for agent in self.possible_agents:
                rewards[agent] = 1.0 if self.referee.team_of[agent] == point.winner else -1.0
        score = self.referee.score
        finished = max(score.values()) >= self.points
        timeout = not finished and self.cycle >= self.max_cycles
        if point is not None and not finished:
            self.referee.new_rally(point.winner)
            self._serve()
        infos = {a: self._info(a) for a in self.possible_agents}
        if finished or timeout:
            for agent in self.possible_agents:
                mine = score[self.referee.team_of[agent]]
                theirs = score[self.referee.other(self.referee.team_of[agent])]
                infos[agent]["outcome"] = OUTCOME_WIN if mine > theirs else OUTCOME_LOSS if mine < theirs else OUTCOME_DRAW
        observations = self._observations()
        terminations = dict.fromkeys(self.possible_agents, finished)
        truncations = dict.fromkeys(self.possible_agents, timeout)
        if finished or timeout:
            self.agents = []
            self._life.end()
        return observations, rewards, terminations, truncations, infos

    # -- the game ----------------------------------------------------------------------------------
    def _serve(self) -> None:
        """Everyone at home, the ball at rest above the serving side's last drone."""
        server = self.possible_agents.index(self.teams[self.referee.server][-1])
        positions = self.homes.copy()
        positions[server] = np.array(SERVES[self.team_size]) * SCALE * (1.0 if server < self.team_size else MIRROR)
        ball = positions[server] + np.array((0.0, 0.0, SERVE_HEIGHT))
        self.arena.place(positions, self.yaws, ball)
        self.rally_cycle = 0
        self.state = self.arena.read()

    def _judge(self, events) -> PointRecord | None:
        ref, step = self.referee, self.cycle
        for index in events.touches:
            point = ref.touch(self.possible_agents[index], step)
            if point is not None:
                return point
        if events.floor is not None:
            return ref.landed(*events.floor, step)
        court = self.court
        for agent, (x, y, z), home in zip(self.possible_agents, self.state.position, self.homes):
            if z < CRASH_HEIGHT:
                return ref.fault(agent, "drone crashed", step)
            if x * home[0] < 0.0:
                return ref.fault(agent, "drone crossed the net", step)
            if abs(x) > court.half_length + AIRSPACE or abs(y) > court.half_width + AIRSPACE or z > court.ceiling:
                return ref.fault(agent, "drone left the court", step)
        if self.rally_cycle >= self.rally_steps:
            return ref.timeout(step)
        return None

    def _info(self, agent: str) -> dict[str, Any]:
        ref = self.referee
        team = ref.team_of[agent]
        return {"points": ref.record, "score": np.array((ref.score[team], ref.score[ref.other(team)]))}

    def _observations(self) -> dict[str, np.ndarray]:
        if self.obs_mode is ObsMode.PIXELS:
            frame = self.arena.world.render(self._image_camera)
            return {a: frame.copy() for a in self.possible_agents}
        state, ref, n = self.state, self.referee, self.team_size
        left = 1.0 - self.cycle / self.max_cycles
        views = []
        for mirrored in (False, True):
            flip = MIRROR if mirrored else np.ones(3)
            pos = (state.position * flip).tolist()
            vel = (state.velocity * flip).tolist()
            views.append((pos, vel, ball_features(state, mirrored)))
        out = {}
        for i, agent in enumerate(self.possible_agents):
            side = i // n
            team = SIDES[side]
            pos, vel, ball = views[side]
            own = range(side * n, side * n + n)
            other = range((1 - side) * n, (1 - side) * n + n)
            values = drone_features(state, i, side == 1) + ball
            for j in own:
                if j != i:
                    values += pos[j] + vel[j]
            for j in other:
                values += pos[j] + vel[j]
            has = ref.possession == team
            values += [ref.count / 3.0 if has else 0.0, float(has), float(ref.serving),
                       ref.score[team] / self.points, ref.score[ref.other(team)] / self.points, left]
            values += [float(ref.may_hit(self.possible_agents[j])) for j in own]
            one_hot = [0.0] * n
            one_hot[i - side * n] = 1.0
            out[agent] = np.array(values + one_hot, dtype=np.float32)
        return out


def parallel_env(**kwargs: Any) -> DroneVolleyballEnv:
    """The native PettingZoo ``ParallelEnv`` of drone volleyball (``team_size`` 1, 3 or 6)."""
    return DroneVolleyballEnv(**kwargs)


def env(**kwargs: Any):
    """The AEC form of drone volleyball."""
    return CheckedAEC(parallel_env(**kwargs))
