"""The top-down disc physics of :mod:`~palaestra.envs.competitive.topdown` for many matches at once, as arrays.

:class:`DiscBatch` steps ``n`` copies of an :class:`~palaestra.envs.competitive.topdown.Arena` held as
``(n, discs)`` arrays with the scalar code's float operations in its order, so every row reproduces the scalar
arena bit for bit; :class:`FieldBatch` is the part of the field games' array cores (Tag, Soccer 2v2) that does
not depend on the rules: one generator per match, resets of chosen rows, and the commands' checks, clipping
and scaling. :func:`py_hypot` and :func:`steer` serve the scripted players acting for many matches at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from palaestra.checks import check_positive_int
from palaestra.envs.competitive.common import reseed_matches
from palaestra.envs.competitive.topdown import Arena, FieldGame


def py_hypot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``math.hypot`` elementwise, bit for bit: numpy's ``hypot`` (the C library's) rounds differently in
    about one case in 200, so this follows CPython's algorithm: scale by a power of two, square exactly
    into a high and a low part, take the root of the sum and correct it once by its residual."""
    with np.errstate(all="ignore"):  # zero and subnormal vectors divide by zero; they are answered below
        return _hypot(np.abs(x), np.abs(y))


def _hypot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    top = np.maximum(x, y)
    _, exponent = np.frexp(top)
    scale = np.ldexp(1.0, -exponent)
    total, frac1, frac2 = np.ones_like(top), np.zeros_like(top), np.zeros_like(top)
    for value in (x * scale, y * scale):
        high, low = _square(value)
        total, lost = _fast_sum(total, high)
        frac1 = frac1 + low
        frac2 = frac2 + lost
    root = np.sqrt(total - 1.0 + (frac1 + frac2))
    high, low = _square(root, -root)
    total, lost = _fast_sum(total, high)
    frac1 = frac1 + low
    frac2 = frac2 + lost
    root = root + (total - 1.0 + (frac1 + frac2)) / (2.0 * root)
    # Zero vectors return 0; subnormal ones (never met here) fall back to the scalar function.
    out = np.where(top == 0.0, 0.0, root / scale)
    tiny = (top != 0.0) & (exponent < -1021)
    if tiny.any():
        out[tiny] = [math.hypot(a, b) for a, b in zip(x[tiny].tolist(), y[tiny].tolist())]
    return out


_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter for doubles


def _square(a: np.ndarray, b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The product ``a * b`` (default ``a * a``) as its rounded value and exact error (Dekker's product)."""
    b = a if b is None else b
    product = a * b
    ta = _SPLIT * a
    a_hi = ta - (ta - a)
    a_lo = a - a_hi
    tb = _SPLIT * b
    b_hi = tb - (tb - b)
    b_lo = b - b_hi
    error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return product, error


def _fast_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = a + b
    return total, (a - total) + b


def steer(x: np.ndarray, y: np.ndarray, vx: np.ndarray, vy: np.ndarray, tx: np.ndarray, ty: np.ndarray,
          speed: float | np.ndarray = 1.0) -> np.ndarray:
    """:func:`~palaestra.envs.competitive.topdown.steer` for rows of discs, bit for bit: ``(rows, 2)`` float32."""
    dx, dy = tx - x, ty - y
    dist = py_hypot(dx, dy)
    moving = dist > 1e-9
    safe = np.where(moving, dist, 1.0)
    want = np.where(moving, speed * np.minimum(1.0, dist / 0.1) / safe, 0.0)
    ex, ey = dx * want - vx, dy * want - vy
    norm = py_hypot(ex, ey)
    pushing = norm > 1e-9
    gain = np.where(pushing, np.minimum(1.0, 5.0 * norm) / np.where(pushing, norm, 1.0), 0.0)
    return np.stack((ex * gain, ey * gain), axis=-1).astype(np.float32)


class DiscBatch:
    """``n`` copies of ``arena`` as ``(n, discs)`` arrays ``x, y, vx, vy, ax, ay, active``.

    :meth:`step` is :meth:`Arena.step <palaestra.envs.competitive.topdown.Arena.step>` on every row: it
    returns which disc pairs (in ``itertools.combinations`` order, :attr:`pairs`) touched, ``(n, pairs)``, and
    sets :attr:`crossed`. Contacts are summed per disc in pair order and wall bounces run only on the rows
    and discs the scalar code sends to them, so that no float differs.
    """

    def __init__(self, arena: Arena, n: int) -> None:
        discs, h = arena.discs, arena.h
        self.n, self.k, self.h, self.substeps = n, len(discs), h, arena.substeps
        self.arena = arena
        self.x, self.y, self.vx, self.vy, self.ax, self.ay = (np.zeros((n, self.k)) for _ in range(6))
        self.active = np.ones((n, self.k), dtype=np.bool_)
        self.crossed = np.zeros(n, dtype=np.int64)
        # Per-disc constants as the scalar code computes them, in Python floats.
        self._accel = np.array([d.accel for d in discs])
        self._damp = np.array([1.0 - d.drag * h for d in discs])
        self._max_speed = np.array([d.max_speed for d in discs])
        self._max_speed2 = np.array([d.max_speed * d.max_speed for d in discs])
        self._radius = np.array([d.radius for d in discs])
        self._inner = np.array(arena._inner).T  # (3, discs): |x|, |y|, |x| + |y| before a wall may touch
        self._mouth = np.array([d.through_mouth for d in discs])
        self.pairs = [(i, j) for i, j, _ in arena._pairs]
        self._i = np.array([i for i, _ in self.pairs])
        self._j = np.array([j for _, j in self.pairs])
        self._reach2 = np.array([reach2 for _, _, reach2 in arena._pairs])
        self._reach = np.array([discs[i].radius + discs[j].radius for i, j in self.pairs])
        self._reach_sq = self._reach * self._reach
        self._inverse_mass = np.array([1.0 / discs[i].mass + 1.0 / discs[j].mass for i, j in self.pairs])
        # Disc k's contacts are summed in pair order: its t-th pair, and the sign and mass of its share.
        involved = [[p for p, pair in enumerate(self.pairs) if k in pair] for k in range(self.k)]
        self._partner_pair = np.array(involved).T  # (discs - 1, discs)
        self._share = np.array([[-1.0 / discs[k].mass if self.pairs[p][0] == k else 1.0 / discs[k].mass
                                 for k, p in enumerate(row)] for row in self._partner_pair])

    def place(self, row: int, index: int, x: float, y: float) -> None:
        """:meth:`Disc.place <palaestra.envs.competitive.topdown.Disc.place>` for disc ``index`` of ``row``."""
        self.x[row, index], self.y[row, index] = x, y
        self.vx[row, index] = self.vy[row, index] = self.ax[row, index] = self.ay[row, index] = 0.0

    def step(self) -> np.ndarray:
        contacts = np.zeros((self.n, len(self.pairs)), dtype=np.bool_)
        self.crossed[:] = 0
        for _ in range(self.substeps):
            self._move()
            self._collide(contacts)
            self._walls()
        return contacts

    def _move(self) -> None:
        h, active = self.h, self.active
        vx = (self.vx + self.ax * self._accel * h) * self._damp
        vy = (self.vy + self.ay * self._accel * h) * self._damp
        speed2 = vx * vx + vy * vy
        fast = speed2 > self._max_speed2
        if fast.any():
            scale = self._max_speed / np.sqrt(np.where(fast, speed2, 1.0))
            vx, vy = np.where(fast, vx * scale, vx), np.where(fast, vy * scale, vy)
        self.vx, self.vy = np.where(active, vx, self.vx), np.where(active, vy, self.vy)
        self.x, self.y = np.where(active, self.x + vx * h, self.x), np.where(active, self.y + vy * h, self.y)

    def _collide(self, contacts: np.ndarray) -> None:
        i, j = self._i, self._j
        dx, dy = self.x[:, j] - self.x[:, i], self.y[:, j] - self.y[:, i]
        d2 = dx * dx + dy * dy
        hit = (d2 < self._reach2) & (d2 < self._reach_sq) & self.active[:, i] & self.active[:, j]
        rows = np.flatnonzero(hit.any(axis=1))
        if not rows.size:
            return
        contacts |= hit
        hit, dx, dy, d2 = hit[rows], dx[rows], dy[rows], d2[rows]
        vx, vy = self.vx[rows], self.vy[rows]
        dist = np.sqrt(d2)
        apart = dist > 1e-9  # coincident centres take the fixed normal (1, 0), as the scalar code
        safe = np.where(apart, dist, 1.0)
        nx, ny = np.where(apart, dx / safe, 1.0), np.where(apart, dy / safe, 0.0)
        push = (self._reach - dist) / self._inverse_mass
        closing = (vx[:, j] - vx[:, i]) * nx + (vy[:, j] - vy[:, i]) * ny
        bounce = -(1.0 + self.arena.restitution)
        impulse = np.where(closing < 0.0, bounce * closing / self._inverse_mass, 0.0)
        parts = np.where(hit[..., None], np.stack((nx * push, ny * push, nx * impulse, ny * impulse), axis=-1), 0.0)
        moves = np.zeros((rows.size, self.k, 4))
        for pair, share in zip(self._partner_pair, self._share):
            moves += share[:, None] * parts[:, pair]
        self.x[rows] += moves[..., 0]
        self.y[rows] += moves[..., 1]
        self.vx[rows] += moves[..., 2]
        self.vy[rows] += moves[..., 3]

    def _walls(self) -> None:
        x, y = self.x, self.y
        ax, ay = np.abs(x), np.abs(y)
        reach_x, reach_y, reach_corner = self._inner
        gate = self.active & ((ax > reach_x) | (ay > reach_y) | (ax + ay > reach_corner))
        if not gate.any():
            return
        a, r, e = self.arena, self._radius, self.arena.wall_restitution
        vx, vy = self.vx, self.vy
        low = gate & (y - r < -a.half_width)
        high = gate & ~low & (y + r > a.half_width)
        y[:] = np.where(low, -a.half_width + r, np.where(high, a.half_width - r, y))
        vy[:] = np.where(low, np.abs(vy) * e, np.where(high, -np.abs(vy) * e, vy))
        if a.corner:
            self._corners(gate & (np.abs(x) + np.abs(y) > reach_corner))
        mouth = gate & self._mouth & (-a.mouth < y) & (y < a.mouth)
        through = mouth & (np.abs(x) > a.half_length)
        for k in np.flatnonzero(through.any(axis=0)).tolist():  # the first such disc (in order) sets crossed
            first = through[:, k] & (self.crossed == 0)
            self.crossed[first] = np.where(x[first, k] > 0, 1, -1)
        sides = gate & ~mouth
        low = sides & (x - r < -a.half_length)
        high = sides & ~low & (x + r > a.half_length)
        x[:] = np.where(low, -a.half_length + r, np.where(high, a.half_length - r, x))
        vx[:] = np.where(low, np.abs(vx) * e, np.where(high, -np.abs(vx) * e, vx))

    def _corners(self, near: np.ndarray) -> None:
        if not near.any():
            return
        a, x, y, vx, vy = self.arena, self.x, self.y, self.vx, self.vy
        root_half = math.sqrt(0.5)
        nx, ny = np.copysign(1.0, x) * root_half, np.copysign(1.0, y) * root_half
        depth = x * nx + y * ny + self._radius - a._corner_reach * root_half
        inside = near & (depth > 0.0)
        x[:] = np.where(inside, x - depth * nx, x)
        y[:] = np.where(inside, y - depth * ny, y)
        normal = vx * nx + vy * ny
        bounce = inside & (normal > 0.0)
        factor = 1.0 + a.wall_restitution
        vx[:] = np.where(bounce, vx - factor * normal * nx, vx)
        vy[:] = np.where(bounce, vy - factor * normal * ny, vy)


class FieldBatch:
    """What the field games' array cores share: ``n`` matches of ``template`` (a
    :class:`~palaestra.envs.competitive.topdown.FieldGame`, state observations) with one generator each.

    A subclass implements :meth:`_start` (a match's first state, drawn from its generator), :meth:`step` and
    :meth:`observations`. :attr:`live` marks the agents in each match (in ``possible_agents`` order),
    :attr:`stepped` those that took part in the last step, :attr:`running` the matches not yet ended.
    """

    def __init__(self, template: FieldGame, n_matches: int) -> None:
        if template.obs_mode.value != "state":
            raise ValueError(f"{template.env_id} batch: the array core has state observations only;"
                             f" got obs_mode={template.obs_mode.value!r}")
        self.template, self.env_id = template, template.env_id
        self.n = check_positive_int(f"{self.env_id} batch", "n_matches", n_matches)
        self.possible_agents = list(template.possible_agents)
        self.n_agents = len(self.possible_agents)
        self.max_cycles = template.max_cycles
        self.obs_dim = template.observation_space(self.possible_agents[0]).shape[0]
        self.discs = DiscBatch(template.arena, self.n)
        self.cycles = np.zeros(self.n, dtype=np.int64)
        self.running = np.zeros(self.n, dtype=np.bool_)
        self.live = np.zeros((self.n, self.n_agents), dtype=np.bool_)
        self.stepped = np.zeros((self.n, self.n_agents), dtype=np.bool_)
        self.rngs: list[np.random.Generator | None] = [None] * self.n
        self._rows = np.arange(self.n)

    def reset(self, seeds: Sequence[int | None] | None = None, rows: Sequence[int] | None = None) -> np.ndarray:
        """Start the matches ``rows`` (default all) from ``seeds`` (one each; ``None`` keeps a match's
        generator, as the single game's ``reset()`` does); returns every match's observations."""
        for row in reseed_matches(self.env_id, self.rngs, seeds, self._rows if rows is None else rows):
            self.cycles[row] = 0
            self.running[row] = True
            self.live[row] = True
            self._start(row, self.rngs[row])
        return self.observations()

    def _start(self, row: int, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def observations(self) -> np.ndarray:
        raise NotImplementedError

    def _commands(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every agent's command ``(n, agents)`` x and y, clipped to [-1, 1] and scaled down to unit length
        as :meth:`FieldGame._commands`; the actions of agents out of their match are ignored but checked."""
        actions = np.asarray(actions)
        if (actions.shape != (self.n, self.n_agents, 2) or actions.dtype.kind not in "fiu"
                or not np.isfinite(actions).all()):
            raise ValueError(f"{self.env_id} batch: actions must be finite numbers of shape"
                             f" ({self.n}, {self.n_agents}, 2); got {actions.dtype} {actions.shape}")
        if not self.running.all():
            raise RuntimeError(f"{self.env_id} batch: matches {np.flatnonzero(~self.running).tolist()} have ended;"
                               " reset them before stepping")
        values = np.minimum(1.0, np.maximum(-1.0, actions.astype(np.float64)))
        ax, ay = values[..., 0], values[..., 1]
        norm2 = ax * ax + ay * ay
        long = norm2 > 1.0
        norm = np.sqrt(np.where(long, norm2, 1.0))
        return np.where(long, ax / norm, ax), np.where(long, ay / norm, ay)
