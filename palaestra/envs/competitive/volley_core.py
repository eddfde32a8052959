"""Rules and physics of side-view volleyball (slime-volleyball-like) in scalar Python floats.

The court runs from ``x = -HALF_WIDTH`` to ``x = +HALF_WIDTH`` with the floor at ``y = 0`` and the net at
``x = 0``; side 0 ("left") plays on ``x < 0``, side 1 ("right") on ``x > 0``. A player is a disc of radius
``PLAYER_RADIUS`` whose centre sits on the floor when standing (a half-disc above the ground) and that can
jump; the ball is a disc that falls under gravity and bounces off players, the net and the side walls.
Scalar floats instead of numpy arrays keep one step at a few microseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Court and bodies, in court units and seconds (slime volleyball's proportions: a 48 x 3.5 court and net).
HALF_WIDTH = 24.0
NET_HALF = 0.5
NET_HEIGHT = 3.5
PLAYER_RADIUS = 1.5
BALL_RADIUS = 0.5
HIT_RADIUS = PLAYER_RADIUS + BALL_RADIUS
# A touch lasts while the ball stays this close to the player: resting or rolling contact is one touch.
CONTACT_MARGIN = 0.1
CONTACT_REACH2 = (HIT_RADIUS + CONTACT_MARGIN) ** 2
DT = 1.0 / 30.0
# The ball floats more than the players fall, so a good bounce carries it from deep court over the net.
GRAVITY = 29.4
BALL_GRAVITY = 18.0
PLAYER_SPEED = 17.5
JUMP_SPEED = 13.5
MAX_BALL_SPEED = 22.5
SERVE_HEIGHT = 9.0
MAX_TOUCHES = 3
SEPARATION_SPEED = 5.0
# Observations scale positions by POS_SCALE (the court spans -2..2) and velocities by VEL_SCALE.
POS_SCALE = 2.0 / HALF_WIDTH
VEL_SCALE = 1.0 / MAX_BALL_SPEED

# Discrete actions as (direction, jump), with the direction in the agent's own frame: -1 away from the
# net, +1 towards it (every side sees itself on the left, so "right" always means "towards the net").
ACTIONS: tuple[tuple[int, bool], ...] = ((0, False), (-1, False), (1, False), (0, True), (-1, True), (1, True))

# Why a rally ended (the ``"point"`` entry of the infos).
FLOOR, FOUR_TOUCHES, DOUBLE_TOUCH = "floor", "four-touches", "double-touch"


class Player:
    """One player's body: position of the disc centre and velocity, in world coordinates."""

    __slots__ = ("side", "vx", "vy", "x", "y")

    def __init__(self, side: int, x: float = 0.0) -> None:
        self.side = side
        self.x, self.y, self.vx, self.vy = x, 0.0, 0.0, 0.0


@dataclass(frozen=True)
class Rally:
    """The end of a rally: the side that won the point and why."""

    winner: int
    reason: str


class Court:
    """A volleyball match between two sides of ``team_size`` players: physics, touches and score.

    With ``touch_rules`` a side may touch the ball at most three times before it crosses the net and no
    player may touch it twice in a row (a touch ends when the ball leaves the player); breaking either
    rule gives the point to the other side. The touch count and the double-touch guard reset whenever the
    ball crosses the net. The winner of a rally serves the next one (rally scoring).
    """

    def __init__(self, team_size: int, touch_rules: bool) -> None:
        self.team_size = team_size
        self.touch_rules = touch_rules
        self.players = [Player(side) for side in (0, 1) for _ in range(team_size)]
        # Only teammates are ever separated; the pairs are fixed, in the order the rules visit them.
        self._teammates = [
            (p, q) for a, p in enumerate(self.players) for q in self.players[a + 1:] if p.side == q.side
        ]
        self.bx = self.by = self.bvx = self.bvy = 0.0
        self.score = [0, 0]
        self.touches = [0, 0]
        self.last_touch = -1  # the player a touch would call for a double touch; -1 for nobody
        self.in_contact = [False] * len(self.players)

    def home_x(self, index: int) -> float:
        """Start position of player ``index``: its side's half split evenly between its players."""
        side, slot = divmod(index, self.team_size)
        x = HALF_WIDTH * (slot + 1) / (self.team_size + 1)
        return x if side else -x

    def serve(self, side: int, offset: float, vx: float, vy: float) -> None:
        """Players back home and the ball dropped above ``side``'s half (``offset`` from its middle)."""
        for i, p in enumerate(self.players):
            p.x, p.y, p.vx, p.vy = self.home_x(i), 0.0, 0.0, 0.0
        sign = 1.0 if side else -1.0
        self.bx, self.by = sign * (HALF_WIDTH / 2 + offset), SERVE_HEIGHT
        self.bvx, self.bvy = sign * vx, vy
        self.touches = [0, 0]
        self.last_touch = -1
        self.in_contact = [False] * len(self.players)

    def step(self, moves: list[tuple[int, bool]]) -> Rally | None:
        """Advance one tick; ``moves[i]`` is player ``i``'s (direction, jump) in its own frame."""
        for p, (direction, jump) in zip(self.players, moves):
            move_player(p, direction if p.side == 0 else -direction, jump)
        if self.team_size > 1:
            self._separate_teammates()
        was_left = self.bx < 0.0
        self.bx, self.by, self.bvx, self.bvy = fly(self.bx, self.by, self.bvx, self.bvy)
        if (self.bx < 0.0) != was_left:
            self.touches = [0, 0]
            self.last_touch = -1
        fault = self._collide_players()
        if fault is not None:
            return fault
        if self.by <= BALL_RADIUS:
            return Rally(1 if self.bx < 0.0 else 0, FLOOR)
        return None

    def award(self, rally: Rally) -> None:
        self.score[rally.winner] += 1

    def _collide_players(self) -> Rally | None:
        fault = None
        for i, p in enumerate(self.players):
            dx, dy = self.bx - p.x, self.by - p.y
            d2 = dx * dx + dy * dy
            touching = d2 < CONTACT_REACH2
            if touching and not self.in_contact[i] and fault is None:
                fault = self._touch(i, p.side)
            self.in_contact[i] = touching
            if d2 < HIT_RADIUS * HIT_RADIUS:
                self.bx, self.by, self.bvx, self.bvy = rebound(p, self.bvx, self.bvy, dx, dy, d2)
        return fault

    def _touch(self, index: int, side: int) -> Rally | None:
        double = self.last_touch == index
        self.touches[side] += 1
        self.touches[1 - side] = 0
        if not self.touch_rules:
            return None
        self.last_touch = index
        if double:
            return Rally(1 - side, DOUBLE_TOUCH)
        if self.touches[side] > MAX_TOUCHES:
            return Rally(1 - side, FOUR_TOUCHES)
        return None

    def _separate_teammates(self) -> None:
        # Overlapping teammates drift apart sideways at SEPARATION_SPEED: slower than a run, so a player
        # can run past a teammate, but two idle players never stay merged.
        for p, q in self._teammates:
            if abs(p.y - q.y) >= 2.0 * PLAYER_RADIUS:
                continue
            gap = q.x - p.x
            overlap = 2.0 * PLAYER_RADIUS - abs(gap)
            if overlap > 0.0:
                push = min(0.5 * overlap, SEPARATION_SPEED * DT)
                if gap < 0.0 or (gap == 0.0 and p.vx > q.vx):
                    push = -push
                p.x = _clamp_to_half(p.side, p.x - push)
                q.x = _clamp_to_half(q.side, q.x + push)


_NEAR, _FAR = NET_HALF + PLAYER_RADIUS, HALF_WIDTH - PLAYER_RADIUS  # a player's centre stays within these
OWN_HALF = (-_FAR, -_NEAR)  # where a player's centre may be, in its own frame (the court clamps it there)


def _clamp_to_half(side: int, x: float) -> float:
    if side:
        return _FAR if x > _FAR else (_NEAR if x < _NEAR else x)
    return -_NEAR if x > -_NEAR else (-_FAR if x < -_FAR else x)


def move_player(p: Player, direction: int, jump: bool) -> None:
    """Player ``p`` one tick later under a move (``direction`` -1, 0 or +1 in court x, ``jump``): its speed set,
    a jump started from the floor, gravity, the floor, and its x kept on its own half."""
    p.vx = direction * PLAYER_SPEED
    if jump and p.y == 0.0:
        p.vy = JUMP_SPEED
    if p.y > 0.0 or p.vy > 0.0:
        p.vy -= GRAVITY * DT
        p.y += p.vy * DT
        if p.y <= 0.0:
            p.y, p.vy = 0.0, 0.0
    x = p.x + p.vx * DT
    p.x = _clamp_to_half(p.side, x)
    if p.x != x:
        p.vx = 0.0


def fly(bx: float, by: float, bvx: float, bvy: float) -> tuple[float, float, float, float]:
    """The ball (position, velocity) one tick later, players left aside: gravity, side walls and net."""
    bvy -= BALL_GRAVITY * DT
    bx += bvx * DT
    by += bvy * DT
    wall = HALF_WIDTH - BALL_RADIUS
    if bx < -wall:
        bx, bvx = -wall, abs(bvx)
    elif bx > wall:
        bx, bvx = wall, -abs(bvx)
    # The net is a rectangle: bounce off its nearest point (its sides, top or rounded top corners).
    cx = min(max(bx, -NET_HALF), NET_HALF)
    cy = min(by, NET_HEIGHT)
    dx, dy = bx - cx, by - cy
    d2 = dx * dx + dy * dy
    if d2 < BALL_RADIUS * BALL_RADIUS:
        if d2 == 0.0:  # centre inside the net: push back to the side it came from
            nx, ny = (-1.0 if bvx > 0.0 else 1.0), 0.0
        else:
            d = math.sqrt(d2)
            nx, ny = dx / d, dy / d
        bx, by = cx + nx * BALL_RADIUS, cy + ny * BALL_RADIUS
        vn = bvx * nx + bvy * ny
        if vn < 0.0:
            bvx -= 2.0 * vn * nx
            bvy -= 2.0 * vn * ny
    return bx, by, bvx, bvy


def rebound(p: Player, bvx: float, bvy: float, rx: float, ry: float, d2: float) -> tuple[float, float, float, float]:
    """The ball (position, velocity) after bouncing off player ``p``, from its velocity, its offset ``(rx, ry)``
    from the player and the squared distance ``d2`` (under ``HIT_RADIUS`` squared)."""
    # Elastic bounce off a body much heavier than the ball, in the player's frame. The ball is first
    # backed up along its relative path to the moment of contact, so the bounce angle does not depend
    # on how deep one tick carried it into the player.
    wx, wy = bvx - p.vx, bvy - p.vy
    a = wx * wx + wy * wy
    b = rx * wx + ry * wy
    back = (b + math.sqrt(b * b - a * (d2 - HIT_RADIUS * HIT_RADIUS))) / a if a > 0.0 else 0.0
    if 0.0 < back <= DT:
        rx, ry = rx - wx * back, ry - wy * back
        d = HIT_RADIUS
    else:  # resting contact, or the player moved into the ball: push it straight out
        back, d = 0.0, math.sqrt(d2)
        if d == 0.0:
            rx, ry, d = 0.0, 1.0, 1.0
    nx, ny = rx / d, ry / d
    un = wx * nx + wy * ny
    if un < 0.0:
        wx -= 2.0 * un * nx
        wy -= 2.0 * un * ny
    bvx, bvy = p.vx + wx, p.vy + wy
    speed2 = bvx * bvx + bvy * bvy
    if speed2 > MAX_BALL_SPEED * MAX_BALL_SPEED:
        scale = MAX_BALL_SPEED / math.sqrt(speed2)
        bvx *= scale
        bvy *= scale
    return p.x + nx * HIT_RADIUS + wx * back, p.y + ny * HIT_RADIUS + wy * back, bvx, bvy


def landing(x: float, y: float, vx: float, vy: float, height: float) -> tuple[float, float, float] | None:
    """Where, when and how fast sideways (x, seconds, vx) a ball at (x, y) moving at (vx, vy) next comes
    down through ``height``.

    Integrates the ballistic path in closed form, folding the side walls in as mirrors and ignoring the
    net; ``None`` when the ball never comes down to ``height`` (it is already below it and rising less).
    """
    disc = vy * vy + 2.0 * BALL_GRAVITY * (y - height)
    if disc < 0.0:
        return None
    t = (vy + math.sqrt(disc)) / BALL_GRAVITY
    wall = HALF_WIDTH - BALL_RADIUS
    # Reflections off two walls make the path periodic with period 4 * wall.
    u = (x + vx * t + wall) % (4.0 * wall)
    if u <= 2.0 * wall:
        return u - wall, t, vx
    return 3.0 * wall - u, t, -vx
