"""Soccer 2v2: two teams of two discs push a ball into the other side's goal (top-down, continuous)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.common import CheckedAEC, ObsMode, check_reset, outcome
from palaestra.envs.competitive.topdown import Arena, Disc, FieldGame, Renderer, steer
from palaestra.checks import check_positive_int, check_real, reject_unknown_kwargs

ENV_ID = "palaestra/Soccer2v2-v0"
HALF_LENGTH, HALF_WIDTH, MOUTH, CORNER = 1.0, 0.65, 0.2, 0.15
PLAYER_SPEED, BALL_SPEED = 1.0, 2.0
TEAMS = {"left": ("left_0", "left_1"), "right": ("right_0", "right_1")}
# Kickoff spots in the left side's frame (forward, defender); the taker stands just behind the ball.
FORMATION, TAKER, JITTER = ((-0.3, 0.15), (-0.6, -0.15)), (-0.12, 0.0), 0.05
# Scripted players aim this far behind the ball and go round it this far out (m = units of HALF_LENGTH).
BEHIND, SWING = 0.05, 0.15
# State observation layout (positions / HALF_LENGTH, velocities / PLAYER_SPEED, all in the agent's frame).
OWN, MATE, RIVALS, BALL, BALL_REL, GOAL_DIFF, TIME_LEFT = (
    slice(0, 4), slice(4, 8), slice(8, 16), slice(16, 20), slice(20, 22), 22, 23
)
OBS_SIZE = 24


class SoccerEnv(FieldGame):
    """2v2 soccer on a 2 m x 1.3 m walled pitch with 0.4 m goal mouths in the end walls.

    Agents ``left_0, left_1`` attack the right goal, ``right_0, right_1`` the left one. Each sends a
    ``Box(-1, 1, (2,))`` acceleration (4 m/s^2 at full command, top speed 1 m/s); there is no kick, the ball
    (lighter, bouncier) moves when bumped. Observations are in the agent's own frame, rotated by 180 degrees
    for the right side so that every agent attacks ``+x``: ``obs_mode="state"`` gives 24 floats (own, mate,
    two opponents: position and velocity; ball position and velocity, ball relative to self, goal difference
    / goals_to_win, fraction of time left); ``"pixels"`` a 52x80x3 picture, rotated for the right side.
    Reward: +1 to both members of the scoring side, -1 to the conceding side (zero-sum), plus optional
    ``shaping`` times the ball's progress toward the opponent goal (off by default). After a goal both
    sides return to slightly randomised kickoff spots, the conceding side's forward behind the ball. The
    match ends (terminated) when a side reaches ``goals_to_win``, or (truncated) after ``max_cycles``
    steps, decided by score; every agent's final info has ``outcome``.
    """

    env_id = ENV_ID
    metadata: ClassVar[dict[str, Any]] = {**FieldGame.metadata, "name": "soccer2v2_v0"}

    def __init__(self, goals_to_win: int = 3, max_cycles: int = 400, shaping: float = 0.0, obs_mode: str = "state",
                 render_mode: str | None = None, **unknown: Any) -> None:
        reject_unknown_kwargs(ENV_ID, unknown, _ACCEPTED)
        self.goals_to_win = check_positive_int(ENV_ID, "goals_to_win", goals_to_win)
        self.shaping = check_real(ENV_ID, "shaping", shaping)
        players = [Disc(radius=0.06, mass=1.0, accel=4.0, max_speed=PLAYER_SPEED, drag=1.0) for _ in range(4)]
        self.ball = Disc(radius=0.045, mass=0.3, accel=0.0, max_speed=BALL_SPEED, drag=0.6, through_mouth=True)
        self.arena = Arena([*players, self.ball], HALF_LENGTH, HALF_WIDTH, mouth=MOUTH, corner=CORNER)
        self.renderer = Renderer(self.arena, [(220, 60, 60)] * 2 + [(60, 90, 220)] * 2 + [(250, 250, 250)])
        super().__init__(TEAMS, OBS_SIZE, max_cycles, obs_mode, render_mode)
        self.score = {"left": 0, "right": 0}

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        self._seed(check_reset(ENV_ID, self._life, seed, options))
        self.agents, self.cycle = self.possible_agents[:], 0
        self.score = {"left": 0, "right": 0}
        self._kickoff("left" if self.np_random.random() < 0.5 else "right")
        return self._observations(self.agents), {a: {"score": (0, 0)} for a in self.agents}

    def _kickoff(self, taker: str) -> None:
        jitter = self.np_random.uniform(-JITTER, JITTER, size=(5, 2)).tolist()
        for i, agent in enumerate(self.possible_agents):
            side, k = agent.split("_")
            x, y = TAKER if (side == taker and k == "0") else FORMATION[int(k)]
            sign = 1.0 if side == "left" else -1.0
            self.arena.discs[i].place(sign * x + jitter[i][0], sign * y + jitter[i][1])
        self.ball.place(0.0, jitter[4][1])

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        commands = self._commands(actions)
        for disc, agent, (ax, ay) in zip(self.arena.discs, self.agents, commands):
            sign = 1.0 if agent[0] == "l" else -1.0
            disc.ax, disc.ay = sign * ax, sign * ay
        ball_x = self.ball.x
        self.arena.step()
        self.cycle += 1
        gain = {"left": 0.0, "right": 0.0}
        if self.arena.crossed:
            scorer, conceder = ("left", "right") if self.arena.crossed > 0 else ("right", "left")
            self.score[scorer] += 1
            gain = {scorer: 1.0, conceder: -1.0}
            self._kickoff(conceder)
        elif self.shaping:
            progress = self.shaping * (self.ball.x - ball_x) / HALF_LENGTH
            gain = {"left": progress, "right": -progress}
        terminated = max(self.score.values()) >= self.goals_to_win
        truncated = not terminated and self.cycle >= self.max_cycles
        agents = self.agents
        observations = self._observations(agents)
        infos = {a: {"score": self._score_of(a)} for a in agents}
        if terminated or truncated:
            for a in agents:
                infos[a]["outcome"] = outcome(*self._score_of(a))
            self.agents = []
            self._life.end()
        rewards = {a: gain["left" if a[0] == "l" else "right"] for a in agents}
        return (observations, rewards, dict.fromkeys(agents, terminated), dict.fromkeys(agents, truncated), infos)

    def _score_of(self, agent: str) -> tuple[int, int]:
        left, right = self.score["left"], self.score["right"]
        return (left, right) if agent[0] == "l" else (right, left)

    def _state_obs(self, agents: list[str]) -> dict[str, np.ndarray]:
        inv = 1.0 / HALF_LENGTH
        rows = [(d.x * inv, d.y * inv, d.vx / PLAYER_SPEED, d.vy / PLAYER_SPEED) for d in self.arena.discs]
        bx, by = rows[4][0], rows[4][1]
        time_left = 1.0 - self.cycle / self.max_cycles
        out = {}
        for agent in agents:
            i = self.possible_agents.index(agent)
            left = i < 2
            mate, opponents = (1 - i, (2, 3)) if left else (5 - i, (0, 1))
            own, diff = rows[i], self.score["left"] - self.score["right"]
            values = [*own, *rows[mate], *rows[opponents[0]], *rows[opponents[1]], *rows[4], bx - own[0],
                      by - own[1]]
            if not left:
                values = [-v for v in values]
                diff = -diff
            values += [diff / self.goals_to_win, time_left]
            out[agent] = np.array(values, dtype=np.float32)
        return out

    def _pixels_for(self, agent: str, image: np.ndarray) -> np.ndarray:
        return image.copy() if agent[0] == "l" else image[::-1, ::-1].copy()


_ACCEPTED = ("goals_to_win", "max_cycles", "shaping", "obs_mode", "render_mode")


def parallel_env(**kwargs: Any) -> SoccerEnv:
    """The Soccer 2v2 ``ParallelEnv``; keyword arguments as :class:`SoccerEnv`."""
    return SoccerEnv(**kwargs)


def env(**kwargs: Any):
    """The Soccer 2v2 AEC env (agents act in turn, the step resolves when all have acted)."""
    return CheckedAEC(parallel_env(**kwargs))


class _SoccerPolicy(Policy):
    """A scripted player pressing the ball: it aims just behind the ball on the ball's line to the opponent
    goal, so contact pushes the ball goalward. It reads the state observation, already in its own frame, so
    it plays either side. With ``swing`` it first goes round a ball it is in front of instead of pushing it
    back toward its own goal."""

    swing = False

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        if getattr(env.unwrapped, "obs_mode", ObsMode.STATE) is not ObsMode.STATE:
            raise ValueError(f"{ENV_ID}: scripted opponents read obs_mode='state' observations, not pixels")

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        x, y, vx, vy = observation[OWN].tolist()
        bx, by = observation[BALL][:2].tolist()
        dx, dy = 1.0 - bx, -by  # the opponent goal is at +x in every agent's frame
        norm = max(1e-6, math.hypot(dx, dy))
        ux, uy = dx / norm, dy / norm
        if self.swing and (bx - x) * ux + (by - y) * uy < 0.0:
            side = 1.0 if (x - bx) * uy - (y - by) * ux > 0 else -1.0
            return steer(x, y, vx, vy, bx - SWING * (ux - side * uy), by - SWING * (uy + side * ux))
        return steer(x, y, vx, vy, bx - BEHIND * ux, by - BEHIND * uy)


class ChaserPolicy(_SoccerPolicy):
    """Both players run straight at the ball and push it goalward, from whatever side they arrive."""

    name = "chaser"


class StrongPolicy(_SoccerPolicy):
    """Both players press the ball and go round it when they are on its wrong side.

    Two pressing players beat the defender-plus-attacker split and aiming ahead of a moving ball, both
    measured against the chaser: a lone attacker loses the ball to two chasers (see docs/envs/soccer.md).
    """

    name = "strong"
    swing = True


OPPONENTS = {"random": RandomPolicy, "chaser": ChaserPolicy, "strong": StrongPolicy}
