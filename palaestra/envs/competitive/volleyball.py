"""Side-view volleyball, 1v1 (slime-volleyball-like) and team 2v2 / 3v3 with the three-touch rules.

>>> from palaestra.envs.competitive import volleyball
>>> env = volleyball.parallel_env(team_size=2)
>>> obs, infos = env.reset(seed=0)
>>> sorted(obs)
['left_0', 'left_1', 'right_0', 'right_1']
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv, ParallelEnv

from palaestra.envs.competitive.common import (
    CheckedAEC,
    SeededSpaces,
    check_parallel_actions,
    check_render_mode,
    check_reset,
    outcome,
)
from palaestra.envs.competitive.volley_core import (
    ACTIONS,
    MAX_TOUCHES,
    POS_SCALE,
    VEL_SCALE,
    Court,
)
from palaestra.envs.competitive.volley_opponents import OPPONENTS
from palaestra.checks import Lifecycle, check_positive_int, reject_unknown_kwargs

__all__ = ["OPPONENTS", "VolleyballEnv", "env", "parallel_env"]

SIDES = ("left", "right")
TEAM_SIZES = (1, 2, 3)
OBS_MODES = ("state", "pixels")
PIXELS = 84
# Defaults per team size: (points_to_win, max_cycles). A 1v1 set is short; team rallies last longer.
DEFAULTS = {1: (5, 3000), 2: (7, 4500), 3: (7, 4500)}
PLAYER_FEATURES = 5


def env_id_for(team_size: int) -> str:
    """The registered ID of the game with ``team_size`` players a side."""
    return "palaestra/Volleyball-v0" if team_size == 1 else f"palaestra/TeamVolleyball{team_size}v{team_size}-v0"


class VolleyballEnv(SeededSpaces, ParallelEnv):
    """Two sides of ``team_size`` players keep a ball off their floor and send it over the net.

    Agents ``left_<i>`` and ``right_<i>`` act simultaneously with ``Discrete(6)`` actions, in their own frame
    (every side sees itself on the left): noop, back (away from the net), forward, jump, back+jump,
    forward+jump. In team games (``team_size`` 2 or 3) a side may touch the ball at most three times before it
    crosses the net, and no player may touch it twice in a row; a fault loses the point.

    Observation (``obs_mode="state"``): float32 vector, mirrored for the right side, of
    ``5 * 2 * team_size + 6`` values: for the agent itself, then its teammates, then the opponents (team
    order) ``x, y, vx, vy, touched_last``; then the ball's ``x, y, vx, vy``; then the touches used by the
    own side and by the opponents, over three. Positions are in court units times ``POS_SCALE`` (the net at
    x = 0, the own half at x < 0), velocities over the top ball speed; ``touched_last`` marks the player
    for whom one more touch would be a double touch. ``obs_mode="pixels"``: an 84x84x3 uint8 picture of the
    court, the same unmirrored picture for every agent.

    Reward: +1 to every member of the side that wins a rally, -1 to the other side (zero-sum). The match is
    a set to ``points_to_win``; it also ends after ``max_cycles`` steps, decided by the score (a tie is a
    draw). The rally's winner serves next; the first serve goes to a random side.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "volleyball_v0", "render_modes": ["human", "rgb_array"], "render_fps": 30, "is_parallelizable": True
    }

    def __init__(
        self,
        team_size: int = 1,
        points_to_win: int | None = None,
        max_cycles: int | None = None,
        obs_mode: str = "state",
        render_mode: str | None = None,
        **unknown: Any,
    ) -> None:
        known = isinstance(team_size, (int, np.integer)) and not isinstance(team_size, bool) and team_size in TEAM_SIZES
        team_size = int(team_size) if known else team_size
        self.env_id = env_id_for(team_size) if known else "palaestra/Volleyball"
        reject_unknown_kwargs(self.env_id, unknown, _ACCEPTED)
        if not known:
            raise ValueError(f"{self.env_id}: team_size={team_size!r} is not valid; expected one of {TEAM_SIZES}")
        default_points, default_cycles = DEFAULTS[team_size]
        self.points_to_win = check_positive_int(
            self.env_id, "points_to_win", default_points if points_to_win is None else points_to_win)
        self.max_cycles = check_positive_int(
            self.env_id, "max_cycles", default_cycles if max_cycles is None else max_cycles)
        if not isinstance(obs_mode, str) or obs_mode not in OBS_MODES:
            raise ValueError(f"{self.env_id}: obs_mode={obs_mode!r} is not valid; expected one of {OBS_MODES}")
        check_render_mode(self.env_id, render_mode, self.metadata["render_modes"])
        self.team_size = team_size
        self.obs_mode = obs_mode
        self.render_mode = render_mode
        self.court = Court(team_size, touch_rules=team_size > 1)
        self.teams = {s: tuple(f"{s}_{i}" for i in range(team_size)) for s in SIDES}
        self.possible_agents = [a for s in SIDES for a in self.teams[s]]
        self.agents: list[str] = []
        self._life = Lifecycle()
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        # Player indices each agent sees, itself first, then teammates, then opponents.
        self._views = {}
        for i, agent in enumerate(self.possible_agents):
            side = i // team_size
            own = [j for j in range(side * team_size, (side + 1) * team_size) if j != i]
            other = list(range((1 - side) * team_size, (2 - side) * team_size))
            self._views[agent] = (side, -1.0 if side else 1.0, [i, *own, *other])
        # Observations are gathered from one flat array [plain features, mirrored features, touches by side]
        # with a fixed index per agent, so a step builds every agent's vector with one numpy gather each.
        n_players = 2 * team_size
        width = PLAYER_FEATURES * n_players + 4
        self._mirror = np.ones(width)
        starts = range(0, PLAYER_FEATURES * n_players, PLAYER_FEATURES)
        self._mirror[[*starts, *(k + 2 for k in starts)]] = -1.0  # each player's x and vx
        self._mirror[PLAYER_FEATURES * n_players:] = (-1.0, 1.0, -1.0, 1.0)  # the ball's
        self._gather = {}
        for agent, (side, sign, order) in self._views.items():
            offset = 0 if sign > 0 else width
            players = [offset + PLAYER_FEATURES * j + k for j in order for k in range(PLAYER_FEATURES)]
            ball = [offset + PLAYER_FEATURES * n_players + k for k in range(4)]
            touches = [2 * width + side, 2 * width + 1 - side]
            self._gather[agent] = np.array(players + ball + touches)
        if obs_mode == "state":
            dim = PLAYER_FEATURES * 2 * team_size + 6
            obs_space = spaces.Box(-np.inf, np.inf, shape=(dim,), dtype=np.float32)
        else:
            obs_space = spaces.Box(0, 255, shape=(PIXELS, PIXELS, 3), dtype=np.uint8)
        self._observation_spaces = {a: obs_space for a in self.possible_agents}
        self._action_spaces = {a: spaces.Discrete(len(ACTIONS)) for a in self.possible_agents}
        self.cycles = 0
        # Text lines and the outlined agent drawn in rendered frames (set by human play).
        self.hud: tuple[str, ...] = ()
        self.highlight: str | None = None
        self._painter = self._pixel_painter = self._surface = self._pixel_surface = self._window = None

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed(check_reset(self.env_id, self._life, seed, options))
        self.agents = list(self.possible_agents)
        self.court.score = [0, 0]
        self.cycles = 0
        self._serve(int(self.np_random.integers(2)))
        if self.render_mode == "human":
            self.render()
        # Empty reset infos: the score is 0-0, and TorchRL's PettingZooWrapper takes the info keys it reads from
        # the reset infos and requires numbers there on every step (the "point" reason is a string).
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, actions: dict[str, Any]):
        court = self.court
        rally = court.step(self._moves(actions))
        self.cycles += 1
        rewards = dict.fromkeys(self.agents, 0.0)
        over = timeout = False
        if rally is not None:
            court.award(rally)
            for agent, (side, _, _) in self._views.items():
                rewards[agent] = 1.0 if side == rally.winner else -1.0
            over = court.score[rally.winner] >= self.points_to_win
            if not over:
                self._serve(rally.winner)
        if not over and self.cycles >= self.max_cycles:
            timeout = True
        terminations = dict.fromkeys(self.agents, over)
        truncations = dict.fromkeys(self.agents, timeout)
        observations = self._observations()
        infos = self._infos(rally, over or timeout)
        if over or timeout:
            self.agents = []
            self._life.end()
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def _moves(self, actions: dict[str, Any]) -> list[tuple[int, bool]]:
        if not self._life.running:
            raise self._life.refusal(self.env_id, "match")
        # Plain ints for exactly the live agents skip the generic checks, which cost half a step.
        try:
            if type(actions) is dict and len(actions) == len(self.agents) and all(
                type(actions[a]) is int and 0 <= actions[a] < len(ACTIONS) for a in self.agents
            ):
                return [ACTIONS[actions[a]] for a in self.possible_agents]
        except KeyError:
            pass
        checked = check_parallel_actions(self.env_id, actions, self.agents, self.possible_agents, self.action_space)
        return [ACTIONS[checked[a]] for a in self.possible_agents]

    def render(self):
        from palaestra.envs.competitive import volley_render

        if self.render_mode is None:
            return None
        if self._painter is None:
            import pygame

            self._painter = volley_render.CourtPainter(640, 320, view_height=20.0, text=True)
            if self.render_mode == "rgb_array":
                self._surface = pygame.Surface(self._painter.size)
            else:
                self._window = volley_render.Window(self._painter, self.env_id, self.metadata["render_fps"])
        highlight = self._index.get(self.highlight) if self.highlight else None
        if self._window is not None:
            self._window.show(self.court, highlight, self.hud)
            return None
        self._painter.draw(self._surface, self.court, highlight, self.hud)
        return volley_render.frame(self._surface)

    def close(self) -> None:
        self._life.close()
        if self._window is not None:
            self._window.close()
            self._window = None
            self._painter = None

    def _serve(self, side: int) -> None:
        rng = self.np_random
        self.court.serve(side, float(rng.uniform(-3.0, 3.0)), float(rng.uniform(-3.0, 3.0)),
                         float(rng.uniform(0.0, 6.0)))

    def _observations(self) -> dict[str, np.ndarray]:
        if self.obs_mode == "pixels":
            picture = self._pixels()
            return {a: picture.copy() for a in self.agents}
        c = self.court
        last = c.last_touch
        row: list[float] = []
        for j, p in enumerate(c.players):
            row += (p.x * POS_SCALE, p.y * POS_SCALE, p.vx * VEL_SCALE, p.vy * VEL_SCALE, 1.0 if j == last else 0.0)
        row += (c.bx * POS_SCALE, c.by * POS_SCALE, c.bvx * VEL_SCALE, c.bvy * VEL_SCALE)
        plain = np.array(row)
        flat = np.concatenate((plain, plain * self._mirror, (c.touches[0] / MAX_TOUCHES, c.touches[1] / MAX_TOUCHES)))
        flat = flat.astype(np.float32)
        return {agent: flat[self._gather[agent]] for agent in self.agents}

    def _pixels(self) -> np.ndarray:
        from palaestra.envs.competitive import volley_render

        if self._pixel_painter is None:
            import pygame

            self._pixel_painter = volley_render.CourtPainter(PIXELS, PIXELS, view_height=16.0, text=False)
            self._pixel_surface = pygame.Surface(self._pixel_painter.size)
        self._pixel_painter.draw(self._pixel_surface, self.court)
        return volley_render.frame(self._pixel_surface)

    def _infos(self, rally=None, ended: bool = False) -> dict[str, dict[str, Any]]:
        score = self.court.score
        infos = {}
        for agent in self.agents:
            side = self._views[agent][0]
            info: dict[str, Any] = {"score": (score[side], score[1 - side])}
            if rally is not None:
                info["point"] = rally.reason
                info["point_won"] = rally.winner == side
            if ended:
                info["outcome"] = outcome(score[side], score[1 - side])
            infos[agent] = info
        return infos


_ACCEPTED = ("team_size", "points_to_win", "max_cycles", "obs_mode", "render_mode")


def parallel_env(**kwargs: Any) -> VolleyballEnv:
    """The PettingZoo ``ParallelEnv`` (see :class:`VolleyballEnv` for the keyword arguments)."""
    return VolleyballEnv(**kwargs)


def env(**kwargs: Any) -> AECEnv:
    """The same game through PettingZoo's AEC API (agents act in turn, the court advances once all have)."""
    return CheckedAEC(VolleyballEnv(**kwargs))
