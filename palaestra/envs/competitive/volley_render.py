"""Pygame drawing of a volleyball court: windows, off-screen frames and small pixel observations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pygame

from palaestra.envs.competitive.volley_core import (
    BALL_RADIUS,
    HALF_WIDTH,
    NET_HALF,
    NET_HEIGHT,
    PLAYER_RADIUS,
    Court,
)

SKY = (150, 205, 235)
FLOOR = (196, 164, 120)
NET = (60, 60, 60)
BALL = (250, 220, 40)
TEAM_COLOURS = ((230, 110, 60), (60, 110, 220))
HIGHLIGHT = (255, 255, 255)
TEXT = (20, 20, 20)


class CourtPainter:
    """Draws a :class:`Court` on a ``width`` x ``height`` surface showing ``view_height`` units above the floor.

    Horizontal and vertical scales may differ (a square pixel observation of a wide court), so bodies are
    drawn as ellipses; the ball is never drawn smaller than 2 pixels across so that it survives small frames.
    """

    def __init__(self, width: int, height: int, view_height: float, text: bool) -> None:
        self.size = (width, height)
        self.sx = width / (2.0 * HALF_WIDTH)
        self.ground = height - max(2, height // 16)
        self.sy = self.ground / view_height
        self.font = None
        if text:
            pygame.font.init()
            self.font = pygame.font.Font(None, max(14, height // 12))

    def _ellipse(self, surface: pygame.Surface, colour, x: float, y: float, rx: float, ry: float) -> None:
        px, py = (x + HALF_WIDTH) * self.sx, self.ground - y * self.sy
        pygame.draw.ellipse(surface, colour, pygame.Rect(px - rx, py - ry, 2.0 * rx, 2.0 * ry))

    def draw(self, surface: pygame.Surface, court: Court, highlight: int | None = None,
             lines: Sequence[str] = ()) -> None:
        """Paint the court; ``highlight`` outlines one player, ``lines`` are drawn top-left (text mode only)."""
        surface.fill(SKY)
        for i, p in enumerate(court.players):
            rx, ry = PLAYER_RADIUS * self.sx, PLAYER_RADIUS * self.sy
            if i == highlight:
                self._ellipse(surface, HIGHLIGHT, p.x, p.y, rx + 2, ry + 2)
            self._ellipse(surface, TEAM_COLOURS[p.side], p.x, p.y, rx, ry)
        net_top = self.ground - NET_HEIGHT * self.sy
        net_left = (HALF_WIDTH - NET_HALF) * self.sx
        pygame.draw.rect(surface, NET, pygame.Rect(net_left, net_top, max(1.0, 2 * NET_HALF * self.sx),
                                                   self.ground - net_top))
        pygame.draw.rect(surface, FLOOR, pygame.Rect(0, self.ground, self.size[0], self.size[1] - self.ground))
        self._ellipse(surface, BALL, court.bx, court.by, max(1.0, BALL_RADIUS * self.sx),
                      max(1.0, BALL_RADIUS * self.sy))
        if self.font is None:
            return
        score = self.font.render(f"{court.score[0]}  :  {court.score[1]}", True, TEXT)
        surface.blit(score, score.get_rect(midtop=(self.size[0] // 2, 4)))
        for row, line in enumerate(lines):
            surface.blit(self.font.render(line, True, TEXT), (6, 4 + row * self.font.get_linesize()))


def frame(surface: pygame.Surface) -> np.ndarray:
    """The surface's pixels as a fresh ``(height, width, 3)`` uint8 array."""
    return np.ascontiguousarray(pygame.surfarray.pixels3d(surface).transpose(1, 0, 2))


class Window:
    """The ``render_mode="human"`` window, shown at most ``fps`` frames a second (``0``: as fast as drawn)."""

    def __init__(self, painter: CourtPainter, caption: str, fps: float) -> None:
        pygame.display.init()
        pygame.display.set_caption(caption)
        self.surface = pygame.display.set_mode(painter.size)
        self.clock = pygame.time.Clock()
        self.painter = painter
        self.fps = fps

    def show(self, court: Court, highlight: int | None, lines: Sequence[str]) -> None:
        self.painter.draw(self.surface, court, highlight, lines)
        pygame.event.pump()
        pygame.display.flip()
        self.clock.tick(self.fps)

    def close(self) -> None:
        pygame.display.quit()
