"""Many volleyball matches stepped at once as numpy arrays, bit-identical to the single-match game.

>>> from palaestra.envs.competitive.volley_batch import VolleyBatch
>>> batch = VolleyBatch(n_matches=4)
>>> obs = batch.reset(seeds=[0, 1, 2, 3])
>>> obs.shape  # matches, agents (left_0, right_0), features
(4, 2, 16)

:class:`VolleyBatch` holds ``n_matches`` courts as a struct of arrays (one row per match, one column per
player) and runs the rules of :mod:`~palaestra.envs.competitive.volley_core` on all rows with the same float
operations in the same order, so match ``i`` reset with seed ``s`` reproduces
:class:`~palaestra.envs.competitive.volleyball.VolleyballEnv` reset with ``s`` bit for bit: observations,
rewards, terminations and truncations. The rare steps that branch (a bounce off the net or a player, a touch)
run on the subset of rows that take them; the serves, the only random draws, use one generator per match, in
the single game's order. Players are processed one column at a time where the single game visits them in
order (touches, bounces, teammates pushed apart), because an earlier player's bounce moves the ball the next
one sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from palaestra.envs.competitive import volley_core as core
from palaestra.envs.competitive.common import reseed_matches
from palaestra.envs.competitive.volleyball import DEFAULTS, PLAYER_FEATURES, TEAM_SIZES, VolleyballEnv, env_id_for
from palaestra.checks import check_positive_int

# Why a rally ended, as codes in :attr:`VolleyBatch.reason` (0: it goes on).
REASONS = (None, core.FLOOR, core.FOUR_TOUCHES, core.DOUBLE_TOUCH)
_FLOOR, _FOUR, _DOUBLE = 1, 2, 3
_MOVES = np.array([direction for direction, _ in core.ACTIONS], dtype=np.int64)
_JUMPS = np.array([jump for _, jump in core.ACTIONS], dtype=np.bool_)
# The single game's constants, computed by the same Python expressions so the arrays see the same floats.
_PLAYER_FALL = core.GRAVITY * core.DT
_BALL_FALL = core.BALL_GRAVITY * core.DT
_WALL = core.HALF_WIDTH - core.BALL_RADIUS
_BALL_R2 = core.BALL_RADIUS * core.BALL_RADIUS
_HIT_R2 = core.HIT_RADIUS * core.HIT_RADIUS
_REACH2 = (core.HIT_RADIUS + core.CONTACT_MARGIN) ** 2
_MAX_SPEED2 = core.MAX_BALL_SPEED * core.MAX_BALL_SPEED
_BODY = 2.0 * core.PLAYER_RADIUS
_SEPARATION_STEP = core.SEPARATION_SPEED * core.DT
_NEAR, _FAR = core.NET_HALF + core.PLAYER_RADIUS, core.HALF_WIDTH - core.PLAYER_RADIUS  # a player's x range
# A ball touches the net only inside this box around it (its nearest point is within one radius).
_NET_REACH = core.NET_HALF + core.BALL_RADIUS
_NET_TOP = core.NET_HEIGHT + core.BALL_RADIUS


class VolleyBatch:
    """``n_matches`` matches of :class:`VolleyballEnv` (``team_size`` 1-3, state observations) as arrays.

    :meth:`reset` starts matches (all, or the rows given) from seeds; :meth:`step` takes one action per agent
    per match, shape ``(n_matches, n_agents)`` in ``possible_agents`` order, and returns observations
    ``(n_matches, n_agents, obs_dim)`` float32, rewards ``(n_matches, n_agents)``, terminations and truncations
    ``(n_matches,)``. A match that ended stays ended until it is reset; stepping it is refused. After a step,
    :attr:`winner` holds the side that won a rally in each match (-1: none) and :attr:`reason` why
    (an index into :data:`REASONS`); :attr:`score` and :attr:`cycles` are the matches' score and steps.
    """

    def __init__(self, n_matches: int, team_size: int = 1, points_to_win: int | None = None,
                 max_cycles: int | None = None) -> None:
        # The single game checks the options and provides the observation layout (its gather indices).
        self.template = VolleyballEnv(team_size=team_size, points_to_win=points_to_win, max_cycles=max_cycles)
        self.env_id = self.template.env_id
        self.n = check_positive_int(f"{self.env_id} batch", "n_matches", n_matches)
        self.team_size = self.template.team_size
        self.points_to_win = self.template.points_to_win
        self.max_cycles = self.template.max_cycles
        self.touch_rules = self.template.court.touch_rules
        self.possible_agents = list(self.template.possible_agents)
        self.n_players = n_players = 2 * self.team_size
        self.side_of = np.array([i // self.team_size for i in range(n_players)])
        self._mirror_moves = np.where(self.side_of == 1, -1, 1)
        self._low = np.where(self.side_of == 1, _NEAR, -_FAR)
        self._high = np.where(self.side_of == 1, _FAR, -_NEAR)
        court = core.Court(self.team_size, self.touch_rules)
        self._home = np.array([court.home_x(i) for i in range(n_players)])
        self._pairs = [(a, b) for a in range(n_players) for b in range(a + 1, n_players)
                       if self.side_of[a] == self.side_of[b]]
        self._gather = np.stack([self.template._gather[a] for a in self.possible_agents])
        self._mirror = self.template._mirror
        self._features = PLAYER_FEATURES * n_players + 4
        n = self.n
        self.x, self.y, self.vx, self.vy = (np.zeros((n, n_players)) for _ in range(4))
        self.bx, self.by, self.bvx, self.bvy = (np.zeros(n) for _ in range(4))
        self.score = np.zeros((n, 2), dtype=np.int64)
        self.touches = np.zeros((n, 2), dtype=np.int64)
        self.last_touch = np.full(n, -1, dtype=np.int64)
        self.in_contact = np.zeros((n, n_players), dtype=np.bool_)
        self.cycles = np.zeros(n, dtype=np.int64)
        self.running = np.zeros(n, dtype=np.bool_)
        self.winner = np.full(n, -1, dtype=np.int64)
        self.reason = np.zeros(n, dtype=np.int64)
        self.rngs: list[np.random.Generator | None] = [None] * n
        self._rows = np.arange(n)

    @property
    def obs_dim(self) -> int:
        return self._gather.shape[1]

    # -- matches ----------------------------------------------------------------------------------------
    def reset(self, seeds: Sequence[int | None] | None = None, rows: Sequence[int] | None = None) -> np.ndarray:
        """Start the matches ``rows`` (default all) from ``seeds`` (one each; ``None`` keeps a match's
        generator, as the single game's ``reset()`` does); returns every match's observations."""
        for row in reseed_matches(self.env_id, self.rngs, seeds, self._rows if rows is None else rows):
            self.score[row] = 0
            self.cycles[row] = 0
            self.running[row] = True
            self._serve(row, int(self.rngs[row].integers(2)))
        return self.observations()

    def step(self, actions: np.ndarray):
        """Advance every match one tick: (observations, rewards, terminations, truncations)."""
        actions = np.asarray(actions)
        if actions.shape != (self.n, self.n_players) or not np.issubdtype(actions.dtype, np.integer) or (
                actions.size and (actions.min() < 0 or actions.max() >= len(core.ACTIONS))):
            raise ValueError(f"{self.env_id} batch: actions must be integers in [0, {len(core.ACTIONS)}) of shape"
                             f" ({self.n}, {self.n_players}); got {actions.dtype} {actions.shape}")
        if not self.running.all():
            raise RuntimeError(f"{self.env_id} batch: matches {np.flatnonzero(~self.running).tolist()} have ended;"
                               " reset them before stepping")
        self._advance(_MOVES[actions] * self._mirror_moves, _JUMPS[actions])
        self.cycles += 1
        rewards = np.zeros((self.n, self.n_players))
        over = np.zeros(self.n, dtype=np.bool_)
        rallies = np.flatnonzero(self.winner >= 0)
        if rallies.size:
            winners = self.winner[rallies]
            self.score[rallies, winners] += 1
            rewards[rallies] = np.where(self.side_of[None, :] == winners[:, None], 1.0, -1.0)
            over[rallies] = self.score[rallies, winners] >= self.points_to_win
            for row, side in zip(rallies.tolist(), winners.tolist()):
                if not over[row]:
                    self._serve(row, side)
        timeout = ~over & (self.cycles >= self.max_cycles)
        self.running &= ~(over | timeout)
        return self.observations(), rewards, over, timeout

    def observations(self) -> np.ndarray:
        """Every agent's observation in every match, ``(n_matches, n_agents, obs_dim)`` float32."""
        n, k = self.n, self.n_players
        plain = np.empty((n, self._features))
        players = plain[:, :PLAYER_FEATURES * k].reshape(n, k, PLAYER_FEATURES)
        players[:, :, 0] = self.x * core.POS_SCALE
        players[:, :, 1] = self.y * core.POS_SCALE
        players[:, :, 2] = self.vx * core.VEL_SCALE
        players[:, :, 3] = self.vy * core.VEL_SCALE
        players[:, :, 4] = self.last_touch[:, None] == np.arange(k)
        ball = plain[:, PLAYER_FEATURES * k:]
        ball[:, 0] = self.bx * core.POS_SCALE
        ball[:, 1] = self.by * core.POS_SCALE
        ball[:, 2] = self.bvx * core.VEL_SCALE
        ball[:, 3] = self.bvy * core.VEL_SCALE
        flat = np.concatenate((plain, plain * self._mirror, self.touches / core.MAX_TOUCHES), axis=1)
        return flat.astype(np.float32)[:, self._gather]

    # -- rules, as volley_core.Court, one array operation per scalar one ------------------------------------
    def _serve(self, row: int, side: int) -> None:
        rng = self.rngs[row]
        offset, vx, vy = float(rng.uniform(-3.0, 3.0)), float(rng.uniform(-3.0, 3.0)), float(rng.uniform(0.0, 6.0))
        self.x[row], self.y[row], self.vx[row], self.vy[row] = self._home, 0.0, 0.0, 0.0
        sign = 1.0 if side else -1.0
        self.bx[row], self.by[row] = sign * (core.HALF_WIDTH / 2 + offset), core.SERVE_HEIGHT
        self.bvx[row], self.bvy[row] = sign * vx, vy
        self.touches[row] = 0
        self.last_touch[row] = -1
        self.in_contact[row] = False

    def _advance(self, directions: np.ndarray, jumps: np.ndarray) -> None:
        self._move_players(directions, jumps)
        if self.team_size > 1:
            self._separate_teammates()
        was_left = self.bx < 0.0
        self._move_ball()
        crossed = (self.bx < 0.0) != was_left
        self.touches[crossed] = 0
        self.last_touch[crossed] = -1
        self.winner[:] = -1
        self.reason[:] = 0
        self._collide_players()
        floor = (self.winner < 0) & (self.by <= core.BALL_RADIUS)
        self.winner[floor] = np.where(self.bx[floor] < 0.0, 1, 0)
        self.reason[floor] = _FLOOR

    def _move_players(self, directions: np.ndarray, jumps: np.ndarray) -> None:
        self.vx = directions * core.PLAYER_SPEED
        vy = self.vy
        vy[jumps & (self.y == 0.0)] = core.JUMP_SPEED
        airborne = (self.y > 0.0) | (vy > 0.0)
        if airborne.any():
            vy[airborne] = vy[airborne] - _PLAYER_FALL
            self.y[airborne] = self.y[airborne] + vy[airborne] * core.DT
            landed = airborne & (self.y <= 0.0)
            self.y[landed] = 0.0
            vy[landed] = 0.0
        x = self.x + self.vx * core.DT
        self.x = np.minimum(np.maximum(x, self._low), self._high)
        self.vx[self.x != x] = 0.0

    def _separate_teammates(self) -> None:
        x, y = self.x, self.y
        for a, b in self._pairs:
            gap = x[:, b] - x[:, a]
            overlap = _BODY - np.abs(gap)
            rows = np.flatnonzero((np.abs(y[:, a] - y[:, b]) < _BODY) & (overlap > 0.0))
            if not rows.size:
                continue
            push = np.minimum(0.5 * overlap[rows], _SEPARATION_STEP)
            g = gap[rows]
            flip = (g < 0.0) | ((g == 0.0) & (self.vx[rows, a] > self.vx[rows, b]))
            push = np.where(flip, -push, push)
            x[rows, a] = np.minimum(np.maximum(x[rows, a] - push, self._low[a]), self._high[a])
            x[rows, b] = np.minimum(np.maximum(x[rows, b] + push, self._low[b]), self._high[b])

    def _move_ball(self) -> None:
        self.bvy -= _BALL_FALL
        self.bx += self.bvx * core.DT
        self.by += self.bvy * core.DT
        walls = np.flatnonzero(np.abs(self.bx) > _WALL)
        if walls.size:
            bx, bvx = self.bx[walls], self.bvx[walls]
            self.bx[walls] = np.where(bx < 0.0, -_WALL, _WALL)
            self.bvx[walls] = np.where(bx < 0.0, np.abs(bvx), -np.abs(bvx))
        # Only a ball this close to the net can touch it; the rest skip the distance to its nearest point.
        rows = np.flatnonzero((np.abs(self.bx) < _NET_REACH) & (self.by < _NET_TOP))
        if not rows.size:
            return
        bx, by = self.bx[rows], self.by[rows]
        cx = np.minimum(np.maximum(bx, -core.NET_HALF), core.NET_HALF)
        cy = np.minimum(by, core.NET_HEIGHT)
        dx, dy = bx - cx, by - cy
        d2 = dx * dx + dy * dy
        hits = d2 < _BALL_R2
        rows, cx, cy, dx, dy, d2 = rows[hits], cx[hits], cy[hits], dx[hits], dy[hits], d2[hits]
        if not rows.size:
            return
        inside = d2 == 0.0
        d = np.sqrt(np.where(inside, 1.0, d2))
        nx = np.where(inside, np.where(self.bvx[rows] > 0.0, -1.0, 1.0), dx / d)
        ny = np.where(inside, 0.0, dy / d)
        self.bx[rows], self.by[rows] = cx + nx * core.BALL_RADIUS, cy + ny * core.BALL_RADIUS
        bvx, bvy = self.bvx[rows], self.bvy[rows]
        vn = bvx * nx + bvy * ny
        hit = vn < 0.0
        self.bvx[rows] = np.where(hit, bvx - 2.0 * vn * nx, bvx)
        self.bvy[rows] = np.where(hit, bvy - 2.0 * vn * ny, bvy)

    def _collide_players(self) -> None:
        # Most ticks no player is near the ball: one pass over all players finds the matches where one is
        # (or just was, to end its contact); those replay the players one at a time, since a bounce off an
        # earlier player moves the ball the next one sees.
        dx = self.bx[:, None] - self.x
        dy = self.by[:, None] - self.y
        near = (dx * dx + dy * dy < _REACH2) | self.in_contact
        rows = np.flatnonzero(near.any(axis=1))
        for i in range(self.n_players if rows.size else 0):
            dx, dy = self.bx[rows] - self.x[rows, i], self.by[rows] - self.y[rows, i]
            d2 = dx * dx + dy * dy
            touching = d2 < _REACH2
            new = rows[touching & ~self.in_contact[rows, i] & (self.winner[rows] < 0)]
            if new.size:
                self._touch(new, i)
            self.in_contact[rows, i] = touching
            hits = d2 < _HIT_R2
            if hits.any():
                self._bounce(rows[hits], i, dx[hits], dy[hits], d2[hits])

    def _touch(self, rows: np.ndarray, index: int) -> None:
        side = int(self.side_of[index])
        double = self.last_touch[rows] == index
        self.touches[rows, side] += 1
        self.touches[rows, 1 - side] = 0
        if not self.touch_rules:
            return
        self.last_touch[rows] = index
        four = self.touches[rows, side] > core.MAX_TOUCHES
        fault = double | four
        self.winner[rows[fault]] = 1 - side
        self.reason[rows[fault]] = np.where(double[fault], _DOUBLE, _FOUR)

    def _bounce(self, rows: np.ndarray, index: int, rx: np.ndarray, ry: np.ndarray, d2: np.ndarray) -> None:
        px, py, pvx, pvy = self.x[rows, index], self.y[rows, index], self.vx[rows, index], self.vy[rows, index]
        wx, wy = self.bvx[rows] - pvx, self.bvy[rows] - pvy
        a = wx * wx + wy * wy
        b = rx * wx + ry * wy
        moving = a > 0.0
        safe_a = np.where(moving, a, 1.0)
        back = np.where(moving, (b + np.sqrt(b * b - a * (d2 - _HIT_R2))) / safe_a, 0.0)
        backed = (0.0 < back) & (back <= core.DT)
        back = np.where(backed, back, 0.0)
        rx = np.where(backed, rx - wx * back, rx)
        ry = np.where(backed, ry - wy * back, ry)
        d = np.where(backed, core.HIT_RADIUS, np.sqrt(d2))
        centred = ~backed & (d == 0.0)
        rx, ry, d = np.where(centred, 0.0, rx), np.where(centred, 1.0, ry), np.where(centred, 1.0, d)
        nx, ny = rx / d, ry / d
        un = wx * nx + wy * ny
        reflect = un < 0.0
        wx = np.where(reflect, wx - 2.0 * un * nx, wx)
        wy = np.where(reflect, wy - 2.0 * un * ny, wy)
        self.bx[rows] = px + nx * core.HIT_RADIUS + wx * back
        self.by[rows] = py + ny * core.HIT_RADIUS + wy * back
        bvx, bvy = pvx + wx, pvy + wy
        speed2 = bvx * bvx + bvy * bvy
        fast = speed2 > _MAX_SPEED2
        scale = core.MAX_BALL_SPEED / np.sqrt(np.where(fast, speed2, 1.0))
        self.bvx[rows] = np.where(fast, bvx * scale, bvx)
        self.bvy[rows] = np.where(fast, bvy * scale, bvy)


def batch_for(env_id: str, n_matches: int, **kwargs) -> VolleyBatch:
    """A :class:`VolleyBatch` of the registered volleyball ``env_id`` (1v1, 2v2 or 3v3)."""
    sizes = {env_id_for(size): size for size in TEAM_SIZES}
    if env_id not in sizes:
        raise ValueError(f"{env_id}: no array core; expected one of {sorted(sizes)}")
    unknown = sorted(set(kwargs) - {"points_to_win", "max_cycles", "obs_mode"})
    if unknown or kwargs.pop("obs_mode", "state") != "state":
        raise ValueError(f"{env_id}: the array core takes points_to_win and max_cycles (state observations only);"
                         f" got {sorted(kwargs)}")
    return VolleyBatch(n_matches, team_size=sizes[env_id], **kwargs)


__all__ = ["DEFAULTS", "REASONS", "VolleyBatch", "batch_for"]
