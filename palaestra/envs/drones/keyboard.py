"""Keyboard play of drone volleyball: a person flies one drone of a match against scripted drones, in real time.

>>> from palaestra.envs.drones.keyboard import screen_to_own
>>> screen_to_own(up=1.0, right=0.0, side="red").tolist()   # up the screen: towards the net for red
[1.0, 0.0]

Nobody can fly a quadrotor's collective thrust and body rates by key presses at 48 Hz, so the keys drive the
scripted drones' skills, the hierarchical interface's ``move`` and ``attack`` (VolleyBots' high-level
actions): the arrows slide a set-point over the floor that the position controller flies to, W and S raise
and lower it, and Space hits. A hit is the scripted strike (:meth:`~palaestra.envs.drones.skills.Skills.attack`)
for :data:`HIT_WINDOW` seconds or until the drone touches the ball: it meets the ball where it falls through
the hitting height and sends it over the net, aimed by the arrows held when Space went down (none: the middle
of the other half; up or down: deep or short; left or right: that side). So a person chooses where to stand,
when to go for the ball and where to send it; the controller does the flying.

Keys name screen directions. The window shows the court camera (behind red's baseline, so up the screen is
towards blue) beside a top-down map and a side view drawn in the same orientation, with the ball's predicted
landing point: depth is hard to judge from one camera. Frames are paced to the match's 48 control steps a
second; the camera view is redrawn only while the step keeps to real time (TinyRenderer takes tens of ms a
frame), the map every step.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.envs.drones.ballistics import landing
from palaestra.envs.drones.common import MIRROR, ball_of, court_camera, view_of
from palaestra.envs.drones.skills import Skills
from palaestra.envs.drones.teams import ATTACK_APEX, HIT_HEIGHT, OPPONENTS

SIDES = ("red", "blue")
SETPOINT_SPEED = 0.8  # m/s the set-point slides while an arrow is held
CLIMB_SPEED = 0.5  # m/s with W or S
HEIGHTS = (0.15, 1.0)  # m: the set-point's floor and ceiling
HIT_WINDOW = 0.8  # s a hit is tried for after Space
NET_GAP = 0.08  # m the set-point keeps from the net's plane
HELP = ("arrows: move", "W/S: up/down", "space: hit (arrows aim)", "Esc: quit")
VIEW = 384  # px of the camera view in the window
MAP_WIDTH = 240  # px of the map panel
VIEW_LAG = 0.06  # s a frame may end late to redraw the camera view
BACKGROUND = (24, 28, 32)
TEXT = (235, 235, 235)
RED, BLUE, BALL, LINE = (215, 60, 45), (45, 95, 215), (255, 140, 25), (230, 230, 230)


def screen_to_own(up: float, right: float, side: str) -> np.ndarray:
    """A screen direction (up: away from the camera, right) as (x, y) in ``side``'s own frame (net at +x).

    The camera looks down the court from behind red's baseline: up the screen is world +x, right is world -y;
    blue's frame is the world turned half round.
    """
    if side not in SIDES:
        raise ValueError(f"side={side!r} is not valid; expected one of {SIDES}")
    world = np.array((up, -right))
    return world if side == "red" else -world


class KeyboardDrone:
    """Turns held keys into one drone's CTBR actions: a set-point flown by the pilot, and hits on Space."""

    def __init__(self, env: Any, agent: str, fps: float) -> None:
        self.agent, self.side = agent, env.referee.team_of[agent]
        self.court = env.court
        self.dt = 1.0 / fps
        self.skills = Skills()
        self.setpoint = np.zeros(3)
        self.hit_left = 0.0
        self.aim = np.zeros(2)

    def reset(self, observation: np.ndarray) -> None:
        """A new rally: the set-point where the drone is, no hit under way."""
        self.setpoint = view_of(observation).position.copy()
        self.hit_left = 0.0

    def action(self, observation: np.ndarray, up: float, right: float, climb: float, hit: bool) -> np.ndarray:
        """The action for held arrows (``up``, ``right`` in -1..1), W/S (``climb``) and a Space press (``hit``)."""
        view = view_of(observation)
        move = screen_to_own(up, right, self.side)
        if hit:
            self.hit_left, self.aim = HIT_WINDOW, move
        half, width = self.court.half_length, self.court.half_width
        step = self.setpoint + self.dt * np.array((*(SETPOINT_SPEED * move), CLIMB_SPEED * climb))
        self.setpoint = np.clip(step, (-half, -width, HEIGHTS[0]), (-NET_GAP, width, HEIGHTS[1]))
        if self.hit_left <= 0.0:
            return self.skills.move_to(view, self.setpoint)
        self.hit_left -= self.dt
        ball, velocity = ball_of(observation)
        target = np.array(((0.5 + 0.3 * self.aim[0]) * half, 0.6 * width * self.aim[1]))
        return self.skills.attack(view, ball, velocity, HIT_HEIGHT, target, ATTACK_APEX)

    def touched(self, observation: np.ndarray) -> None:
        """The drone hit the ball: the hit is over and the set-point stays where the drone is."""
        self.hit_left = 0.0
        self.setpoint = view_of(observation).position.copy()


def play(
    env_id: str = "palaestra/DroneVolleyball1v1-v0",
    opponent: str = "bumper",
    side: str = "red",
    max_frames: int | None = None,
    events: Iterable[Sequence[Any]] | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Play one match in a window as ``<side>_0``; every other drone is the ``opponent`` scripted level.

    ``events`` replaces the keyboard with one list of pygame events per frame (tests, replays); the frames are
    then not paced to real time. The match ends when it is decided, at ``max_frames``, on Esc or when the window
    is closed. ``out`` (``.mp4`` or ``.gif``) records the window as a clip. Returns the ID, side, opponent,
    ``score`` (own, other), ``outcome`` (1, 0, -1, or ``None`` when stopped early), ``frames``, ``touches``
    (the person's drone's touches of the ball), ``track`` (its world position each frame) and ``clip``.
    """
    import pygame

    import palaestra
    from palaestra import registry

    record = registry.get(env_id)
    if record.family != "drones" or not record.opponents:
        raise ValueError(f"{env_id}: keyboard drone play supports the drone volleyball matches only")
    if side not in SIDES:
        raise ValueError(f"{env_id}: side={side!r} is not valid; expected one of {SIDES}")
    if opponent not in OPPONENTS:
        raise ValueError(f"{env_id}: opponent={opponent!r} is not a level; expected one of {list(OPPONENTS)}")
    if out is not None and Path(out).suffix.lower() not in (".mp4", ".gif"):
        raise ValueError(f"{env_id}: cannot record to {str(out)!r}; expected a file ending in .mp4 or .gif")
    env = palaestra.make_parallel(env_id)
    me = f"{side}_0"
    fps = env.metadata["render_fps"]
    pilot = KeyboardDrone(env, me, fps)
    screen = _Screen(env, me, pygame)
    feed = iter(events) if events is not None else None
    keys = {pygame.K_UP: "up", pygame.K_DOWN: "down", pygame.K_LEFT: "left", pygame.K_RIGHT: "right",
            pygame.K_w: "rise", pygame.K_s: "sink"}
    held = dict.fromkeys(keys.values(), False)
    clip: list[np.ndarray] = []
    try:
        observations, _ = env.reset(seed=seed)
        bots = {a: OPPONENTS[opponent](env) for a in env.possible_agents if a != me}
        pilot.reset(observations[me])
        pacer = _Pacer(fps) if feed is None else None
        frames, quit_, track, infos = 0, False, [], {}
        while env.agents and (max_frames is None or frames < max_frames):
            hit = False
            for event in (next(feed, ()) if feed is not None else pygame.event.get()):
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                    quit_ = True
                elif event.type in (pygame.KEYDOWN, pygame.KEYUP) and event.key in keys:
                    held[keys[event.key]] = event.type == pygame.KEYDOWN
                elif event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
                    hit = True
            if quit_:
                break
            actions = {a: bot.act(observations[a], a) for a, bot in bots.items()}
            actions[me] = pilot.action(observations[me], float(held["up"]) - float(held["down"]),
                                       float(held["right"]) - float(held["left"]),
                                       float(held["rise"]) - float(held["sink"]), hit)
            points, touched = len(env.referee.record), _touches(env.referee, me)
            observations, _, _, _, infos = env.step(actions)
            if len(env.referee.record) > points:
                pilot.reset(observations[me])  # a new rally: everyone is back home
            elif _touches(env.referee, me) > touched:
                pilot.touched(observations[me])
            frames += 1
            track.append(env.state.position[env.possible_agents.index(me)].copy())
            redraw = pacer is None or pacer.view_due()
            cost = screen.draw(pilot, redraw)
            if out is not None:
                clip.append(screen.pixels())
            if pacer is not None:
                pacer.wait(cost if redraw else None)
        final = infos.get(me, {})
        score = tuple(int(s) for s in final.get("score", (0, 0)))
        written = _write(clip, out, fps) if out is not None and clip else None
        return {"env_id": env_id, "side": side, "opponent": opponent, "score": score,
                "outcome": final.get("outcome"), "frames": frames, "touches": _touches(env.referee, me),
                "track": track, "clip": written}
    finally:
        screen.close()
        env.close()


def _touches(referee: Any, agent: str) -> int:
    """``agent``'s touches of the ball so far in the match (points played and the rally under way)."""
    return sum(point.touches.count(agent) for point in referee.record) + referee.rally_touches.count(agent)


class _Pacer:
    """Keeps frames to real time: frame k ends ``k / fps`` s after the start. The camera view (the slow part)
    is redrawn when the frame would end at most :data:`VIEW_LAG` late for it, and at least once a second: the
    frames after a redraw catch up (a step and the map take a few ms of the 21 ms a frame has). A lag of more
    than a quarter second (a slow machine) is forgiven rather than made up by running fast."""

    def __init__(self, fps: int) -> None:
        self.fps = fps
        self.start = time.perf_counter()
        self.frame = 0
        self.view_cost = 0.0  # s the last camera redraw took
        self.stale = 0  # frames since the last redraw

    def view_due(self) -> bool:
        due = self.start + (self.frame + 1) / self.fps
        if time.perf_counter() + self.view_cost > due + VIEW_LAG and self.stale < self.fps:
            self.stale += 1
            return False
        self.stale = 0
        return True

    def wait(self, view_cost: float | None) -> None:
        """End the frame; ``view_cost`` is what this frame's camera redraw took, if it had one."""
        if view_cost is not None:
            self.view_cost = view_cost
        self.frame += 1
        due = self.start + self.frame / self.fps
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        elif now - due > 0.25:
            self.start += now - due


def _write(images: list[np.ndarray], out: str | Path, fps: int) -> Path:
    from palaestra.video import write_clip

    return write_clip(images, out, fps)


class _Screen:
    """The window: the court camera, a top-down map and a side view, the score and the keys."""

    def __init__(self, env: Any, me: str, pygame: Any) -> None:
        self.env, self.me, self.pg = env, me, pygame
        self.court = env.court
        self.index = env.possible_agents.index(me)
        # Steeper than the env's camera: at -35 degrees the net hides most of the far half.
        self.camera = replace(court_camera(self.court.length, 256), pitch=-60.0, distance=1.7 * self.court.length)
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption(f"palaestra: {env.env_id}")
        self.surface = pygame.display.set_mode((VIEW + MAP_WIDTH, VIEW))
        self.font = pygame.font.Font(None, 20)
        self.view = pygame.Surface((VIEW, VIEW))
        # The map's scale: the court's length plus the airspace fits the panel's height.
        self.scale = min((VIEW * 0.62) / (self.court.length + 1.0), (MAP_WIDTH - 20) / (self.court.width + 1.0))

    def draw(self, pilot: KeyboardDrone, redraw_view: bool) -> float:
        """Draw a frame; returns the seconds the camera view's redraw took (0 without one)."""
        pg, surface = self.pg, self.surface
        begin = time.perf_counter()
        if redraw_view:
            frame = self.env.arena.world.render(self.camera)
            image = pg.surfarray.make_surface(np.ascontiguousarray(frame[..., :3].transpose(1, 0, 2)))
            self.view = pg.transform.scale(image, (VIEW, VIEW))
        cost = time.perf_counter() - begin
        surface.fill(BACKGROUND)
        surface.blit(self.view, (0, 0))
        self._map(pilot)
        ref = self.env.referee
        team = ref.team_of[self.me]
        lines = [f"you: {self.me}   score {ref.score[team]} - {ref.score[ref.other(team)]}",
                 "HIT" if pilot.hit_left > 0.0 else "", *HELP]
        for row, line in enumerate(lines):
            surface.blit(self.font.render(line, True, TEXT), (VIEW + 8, VIEW - 18 * (len(lines) - row) - 4))
        pg.event.pump()
        pg.display.flip()
        return cost

    def _map(self, pilot: KeyboardDrone) -> None:
        """Top-down (up: world +x, right: world -y, as the camera) and a side view (right: world +x)."""
        pg, surface, s, court = self.pg, self.surface, self.scale, self.court
        state = self.env.state
        cx, cy = VIEW + MAP_WIDTH // 2, int(VIEW * 0.33)

        def top(x: float, y: float) -> tuple[int, int]:
            return int(cx - y * s), int(cy - x * s)

        corners = [top(court.half_length, court.half_width), top(-court.half_length, -court.half_width)]
        pg.draw.rect(surface, LINE, pg.Rect(corners[0], (corners[1][0] - corners[0][0], corners[1][1] - corners[0][1])), 1)
        pg.draw.line(surface, LINE, top(0.0, court.half_width + 0.05), top(0.0, -court.half_width - 0.05), 3)
        n = len(self.env.possible_agents) // 2
        for i, (x, y, _) in enumerate(state.position):
            color = RED if i < n else BLUE
            pg.draw.circle(surface, color, top(x, y), 5)
            if i == self.index:
                pg.draw.circle(surface, TEXT, top(x, y), 8, 2)
        setpoint = pilot.setpoint * (1.0 if pilot.side == "red" else MIRROR)
        px, py = top(setpoint[0], setpoint[1])
        pg.draw.line(surface, TEXT, (px - 4, py), (px + 4, py))
        pg.draw.line(surface, TEXT, (px, py - 4), (px, py + 4))
        ball, velocity = state.ball_position, state.ball_velocity
        land, _ = landing(ball, velocity)
        lx, ly = top(land[0], land[1])
        pg.draw.line(surface, BALL, (lx - 5, ly - 5), (lx + 5, ly + 5), 2)
        pg.draw.line(surface, BALL, (lx - 5, ly + 5), (lx + 5, ly - 5), 2)
        pg.draw.circle(surface, BALL, top(ball[0], ball[1]), 4)
        # Side view under the map: x across (red's baseline left), height up.
        base = int(VIEW * 0.72)

        def side(x: float, z: float) -> tuple[int, int]:
            return int(cx + x * s), int(base - z * s)

        pg.draw.line(surface, LINE, side(-court.half_length, 0.0), side(court.half_length, 0.0), 1)
        pg.draw.line(surface, LINE, side(0.0, 0.0), side(0.0, court.net_height), 3)
        for i, (x, _, z) in enumerate(state.position):
            pg.draw.circle(surface, RED if i < n else BLUE, side(x, z), 4)
        pg.draw.circle(surface, BALL, side(ball[0], ball[2]), 3)

    def pixels(self) -> np.ndarray:
        """The window's current frame, (height, width, 3) uint8."""
        return np.ascontiguousarray(self.pg.surfarray.pixels3d(self.surface).transpose(1, 0, 2))

    def close(self) -> None:
        self.pg.display.quit()
