"""Top-down 2D disc physics, a pygame renderer and the PettingZoo shell shared by the field games (soccer, tag).

The physics is scalar Python on purpose: with five discs, float arithmetic on attributes is several times
faster than numpy's per-call overhead, which is what keeps these games at tens of thousands of steps/s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.envs.competitive.common import ObsMode, SeededSpaces, check_parallel_actions, check_render_mode
from palaestra.checks import Lifecycle, check_choice, check_positive_int

Color = tuple[int, int, int]


@dataclass(slots=True)
class Disc:
    """A round body moving in the plane (metres, seconds, kilograms).

    ``accel`` is the acceleration (m/s^2) of a full command, ``max_speed`` caps the speed, ``drag`` (1/s) is
    linear damping. ``ax, ay`` is the current command as a fraction of ``accel``. An inactive disc (a tagged
    player) neither moves nor collides. ``through_mouth`` discs (the ball) pass the goal mouths.
    """

    radius: float
    mass: float
    accel: float
    max_speed: float
    drag: float
    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    ax: float = 0.0
    ay: float = 0.0
    active: bool = True
    through_mouth: bool = False

    def place(self, x: float, y: float) -> None:
        """Put the disc at rest at ``(x, y)`` with no command."""
        self.x, self.y = x, y
        self.vx = self.vy = self.ax = self.ay = 0.0


class Arena:
    """Discs in the walled rectangle ``|x| <= half_length, |y| <= half_width``.

    A control step of ``dt`` seconds runs semi-implicit Euler substeps: command, drag, speed
    cap, motion, then disc-disc collisions (impulses with ``restitution``, overlap removed in proportion to
    inverse mass, so momentum is conserved; see :func:`contact`) and wall bounces. ``corner`` cuts each corner with a 45-degree
    wall that far along both sides, so a ball cannot be pinned there. The end walls have an opening ``|y| < mouth``
    that only ``through_mouth`` discs pass; :attr:`crossed` is the end line (-1 left, +1 right, 0 none) such a
    disc's centre crossed during the last step. Substeps are short enough that no pair closes by more than its
    contact distance in one, so discs never pass through each other (their centres would cross unseen).
    """

    def __init__(
        self, discs: Sequence[Disc], half_length: float, half_width: float, dt: float = 0.1, restitution: float = 0.8, wall_restitution: float = 0.6, mouth: float = 0.0,
        corner: float = 0.0,
    ) -> None:
        self.discs = list(discs)
        self.half_length, self.half_width, self.mouth = half_length, half_width, mouth
        closing = max((a.max_speed + b.max_speed) / (a.radius + b.radius) for a, b in combinations(self.discs, 2))
        self.substeps = max(1, math.ceil(dt * closing))
        self.h = dt / self.substeps
        self.restitution, self.wall_restitution = restitution, wall_restitution
        self.corner = corner
        # The corner walls are the lines |x| + |y| = reach (in each quadrant).
        self._corner_reach = half_length + half_width - corner
        n = len(self.discs)
        self._pairs = [(i, j, (self.discs[i].radius + self.discs[j].radius) ** 2) for i in range(n) for j in range(i + 1, n)]
        # Per disc, how far its centre can go (|x|, |y|, |x| + |y|) before it may touch a wall.
        self._inner = [
            (half_length - d.radius, half_width - d.radius,
             self._corner_reach - d.radius * math.sqrt(2.0) if corner else math.inf)
            for d in self.discs
        ]
        self.crossed = 0

    def step(self) -> set[tuple[int, int]]:
        """Advance one control step; return the index pairs of discs that touched during it."""
        h, discs, contacts = self.h, self.discs, set()
        self.crossed = 0
        for _ in range(self.substeps):
            for d in discs:
                if not d.active:
                    continue
                damp = 1.0 - d.drag * h
                d.vx = (d.vx + d.ax * d.accel * h) * damp
                d.vy = (d.vy + d.ay * d.accel * h) * damp
                speed2 = d.vx * d.vx + d.vy * d.vy
                if speed2 > d.max_speed * d.max_speed:
                    scale = d.max_speed / math.sqrt(speed2)
                    d.vx *= scale
                    d.vy *= scale
                d.x += d.vx * h
                d.y += d.vy * h
            # Jacobi resolution: every contact is computed from the same state and applied together, so
            # the result does not depend on pair order (which would favour one team in a scrum).
            moves = None
            for i, j, reach2 in self._pairs:
                a, b = discs[i], discs[j]
                dx, dy = b.x - a.x, b.y - a.y
                if dx * dx + dy * dy >= reach2 or not (a.active and b.active):
                    continue
                hit = contact(a, b, self.restitution)
                if hit is None:
                    continue
                contacts.add((i, j))
                if moves is None:
                    moves = [[0.0, 0.0, 0.0, 0.0] for _ in discs]
                px, py, jx, jy = hit
                for k, sign in ((i, -1.0 / a.mass), (j, 1.0 / b.mass)):
                    m = moves[k]
                    m[0] += sign * px
                    m[1] += sign * py
                    m[2] += sign * jx
                    m[3] += sign * jy
            if moves is not None:
                for d, (mx, my, mvx, mvy) in zip(discs, moves):
                    d.x += mx
                    d.y += my
                    d.vx += mvx
                    d.vy += mvy
            for d, (reach_x, reach_y, reach_corner) in zip(discs, self._inner):
                x, y = abs(d.x), abs(d.y)
                if d.active and (x > reach_x or y > reach_y or x + y > reach_corner):
                    self._walls(d)
        return contacts

    def _walls(self, d: Disc) -> None:
        e, r = self.wall_restitution, d.radius
        if d.y - r < -self.half_width:
            d.y, d.vy = -self.half_width + r, abs(d.vy) * e
        elif d.y + r > self.half_width:
            d.y, d.vy = self.half_width - r, -abs(d.vy) * e
        if self.corner and abs(d.x) + abs(d.y) > self._corner_reach - r * math.sqrt(2.0):
            self._corner(d)
        if d.through_mouth and -self.mouth < d.y < self.mouth:
            if abs(d.x) > self.half_length and not self.crossed:
                self.crossed = 1 if d.x > 0 else -1
            return
        if d.x - r < -self.half_length:
            d.x, d.vx = -self.half_length + r, abs(d.vx) * e
        elif d.x + r > self.half_length:
            d.x, d.vx = self.half_length - r, -abs(d.vx) * e

    def _corner(self, d: Disc) -> None:
        sx, sy = math.copysign(1.0, d.x), math.copysign(1.0, d.y)
        nx, ny = sx * math.sqrt(0.5), sy * math.sqrt(0.5)  # outward normal of this quadrant's corner wall
        depth = d.x * nx + d.y * ny + d.radius - self._corner_reach * math.sqrt(0.5)
        if depth <= 0.0:
            return
        d.x -= depth * nx
        d.y -= depth * ny
        normal = d.vx * nx + d.vy * ny
        if normal > 0.0:
            d.vx -= (1.0 + self.wall_restitution) * normal * nx
            d.vy -= (1.0 + self.wall_restitution) * normal * ny


def contact(a: Disc, b: Disc, restitution: float) -> tuple[float, float, float, float] | None:
    """``None`` unless ``a`` and ``b`` overlap; else ``(px, py, jx, jy)``: moving ``b`` by ``p / b.mass`` and
    ``a`` by ``-p / a.mass`` separates them, and the impulse ``j`` (on ``b``; ``-j`` on ``a``) makes them
    bounce with ``restitution`` (zero when they already move apart)."""
    dx, dy = b.x - a.x, b.y - a.y
    reach = a.radius + b.radius
    dist2 = dx * dx + dy * dy
    if dist2 >= reach * reach:
        return None
    dist = math.sqrt(dist2)
    # Coincident centres have no normal; any fixed one keeps the result deterministic.
    nx, ny = (dx / dist, dy / dist) if dist > 1e-9 else (1.0, 0.0)
    inverse_mass = 1.0 / a.mass + 1.0 / b.mass
    push = (reach - dist) / inverse_mass
    closing = (b.vx - a.vx) * nx + (b.vy - a.vy) * ny
    impulse = -(1.0 + restitution) * closing / inverse_mass if closing < 0.0 else 0.0
    return nx * push, ny * push, nx * impulse, ny * impulse


def steer(x: float, y: float, vx: float, vy: float, tx: float, ty: float, speed: float = 1.0) -> np.ndarray:
    """The unit-bounded command that drives a disc at ``(x, y)`` moving at ``(vx, vy)`` to ``(tx, ty)``.

    Units are the observation's (velocities as fractions of top speed): the desired velocity points at the
    target with ``speed``, slowing inside 0.1 of it, and the command corrects the velocity error.
    """
    dx, dy = tx - x, ty - y
    dist = math.hypot(dx, dy)
    want = speed * min(1.0, dist / 0.1) / dist if dist > 1e-9 else 0.0
    ex, ey = dx * want - vx, dy * want - vy
    norm = math.hypot(ex, ey)
    gain = min(1.0, 5.0 * norm) / norm if norm > 1e-9 else 0.0
    return np.array([ex * gain, ey * gain], dtype=np.float32)


class Renderer:
    """Draws an :class:`Arena` with pygame: pitch, goal mouths and halfway line (when there are mouths), discs."""

    FIELD, LINE = (46, 125, 50), (235, 235, 235)

    def __init__(self, arena: Arena, colors: Sequence[Color]) -> None:
        self.arena, self.colors = arena, list(colors)
        self._window: Any = None
        self._clock: Any = None

    def frame(self, width: int) -> np.ndarray:
        """A fresh ``(height, width, 3)`` uint8 picture, ``+x`` to the right and ``+y`` up."""
        import pygame

        a = self.arena
        scale = width / (2 * a.half_length)
        height = round(2 * a.half_width * scale)
        surface = pygame.Surface((width, height))
        surface.fill(self.FIELD)
        line = max(1, width // 160)
        if a.mouth > 0:
            pygame.draw.line(surface, self.LINE, (width // 2, 0), (width // 2, height), line)
            top, span = round((a.half_width - a.mouth) * scale), round(2 * a.mouth * scale)
            for x, color in ((0, self.colors[0]), (width - 2 * line, self.colors[-2])):
                pygame.draw.rect(surface, color, (x, top, 2 * line, span))
        pygame.draw.rect(surface, self.LINE, (0, 0, width, height), line)
        cut = round(a.corner * scale)
        if cut:
            for cx, cy, ox, oy in ((0, 0, 1, 1), (width, 0, -1, 1), (0, height, 1, -1), (width, height, -1, -1)):
                pygame.draw.polygon(surface, self.LINE, [(cx, cy), (cx + ox * cut, cy), (cx, cy + oy * cut)])
        for disc, color in zip(a.discs, self.colors):
            if disc.active:
                centre = ((disc.x + a.half_length) * scale, (a.half_width - disc.y) * scale)
                pygame.draw.circle(surface, color, centre, max(1.0, disc.radius * scale))
        return np.ascontiguousarray(pygame.surfarray.pixels3d(surface).transpose(1, 0, 2))

    def show(self, width: int, fps: int) -> None:
        """Draw into a window (opened on first use) at ``fps`` frames per second."""
        import pygame

        image = self.frame(width)
        if self._window is None:
            pygame.display.init()
            self._window = pygame.display.set_mode((image.shape[1], image.shape[0]))
            self._clock = pygame.time.Clock()
        pygame.event.pump()
        pygame.surfarray.blit_array(self._window, image.transpose(1, 0, 2))
        pygame.display.flip()
        self._clock.tick(fps)

    def close(self) -> None:
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None


class FieldGame(SeededSpaces, ParallelEnv):
    """PettingZoo shell of a disc game: option checks, cached spaces, Box(2,) commands, rendering.

    A subclass sets ``env_id``, ``teams``, ``arena`` and ``renderer`` and implements ``reset``, ``step`` and
    ``_state_obs``. Every action is a ``Box(-1, 1, (2,))`` acceleration command; out-of-range components are
    clipped and the vector is scaled down to unit length, so diagonals are no faster.
    """

    env_id = "palaestra/<field game>"
    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 10,
                                          "is_parallelizable": True}
    render_width, pixels_width = 480, 80

    def __init__(self, teams: Mapping[str, tuple[str, ...]], obs_size: int, max_cycles: int, obs_mode: str,
                 render_mode: str | None) -> None:
        obs_mode = check_choice(self.env_id, "obs_mode", obs_mode, ObsMode)
        check_render_mode(self.env_id, render_mode, self.metadata["render_modes"])
        max_cycles = check_positive_int(self.env_id, "max_cycles", max_cycles)
        self.teams = dict(teams)
        self.possible_agents = [a for agents in self.teams.values() for a in agents]
        self.agents: list[str] = []
        self._life = Lifecycle()
        self.max_cycles, self.obs_mode, self.render_mode = max_cycles, obs_mode, render_mode
        self.cycle = 0
        height = round(self.pixels_width * self.arena.half_width / self.arena.half_length)
        self._observation_spaces = {
            a: spaces.Box(-np.inf, np.inf, (obs_size,), np.float32) if self.obs_mode is ObsMode.STATE
            else spaces.Box(0, 255, (height, self.pixels_width, 3), np.uint8)
            for a in self.possible_agents
        }
        self._action_spaces = {a: spaces.Box(-1.0, 1.0, (2,), np.float32) for a in self.possible_agents}

    def _commands(self, actions: Mapping[str, Any]) -> list[tuple[float, float]]:
        """Each live agent's command, in ``self.agents`` order, clipped and limited to unit length."""
        if not self._life.running:
            raise self._life.refusal(self.env_id, "match")
        raw: list[tuple[float, float]] = []
        if type(actions) is dict and len(actions) == len(self.agents):
            # Fast path for well-formed float arrays; anything else gets the shared checks and their messages.
            for agent in self.agents:
                a = actions.get(agent)
                if type(a) is not np.ndarray or a.shape != (2,) or a.dtype.kind not in "fiu":
                    break
                ax, ay = a.tolist()
                if not (math.isfinite(ax) and math.isfinite(ay)):
                    break
                raw.append((ax, ay))
        if len(raw) != len(self.agents):
            checked = check_parallel_actions(self.env_id, actions, self.agents, self.possible_agents,
                                             self.action_space)
            raw = [(float(checked[a][0]), float(checked[a][1])) for a in self.agents]
        commands = []
        for ax, ay in raw:
            ax, ay = min(1.0, max(-1.0, ax)), min(1.0, max(-1.0, ay))
            norm2 = ax * ax + ay * ay
            if norm2 > 1.0:
                norm = math.sqrt(norm2)
                ax, ay = ax / norm, ay / norm
            commands.append((ax, ay))
        return commands

    def _observations(self, agents: Sequence[str]) -> dict[str, np.ndarray]:
        """Observations of ``agents`` for the state reached by a reset or step (which draws it in human mode)."""
        if self.render_mode == "human":
            self.render()
        if self.obs_mode is ObsMode.STATE:
            return self._state_obs(agents)
        image = self.renderer.frame(self.pixels_width)
        return {a: self._pixels_for(a, image) for a in agents}

    def _pixels_for(self, agent: str, image: np.ndarray) -> np.ndarray:
        return image.copy()

    def render(self) -> np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self.renderer.frame(self.render_width)
        if self.render_mode == "human":
            self.renderer.show(self.render_width, self.metadata["render_fps"])
        return None

    def close(self) -> None:
        self._life.close()
        self.renderer.close()
