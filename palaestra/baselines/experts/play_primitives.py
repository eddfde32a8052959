"""Motion primitives for the playroom: closed-loop skills over the ``PlayState``, shared by the scripted
experts (:mod:`palaestra.baselines.experts.play`) and the play agent (:mod:`palaestra.baselines.play_agent`).

A skill is a generator of end-effector actions (``dx, dy, dz, grip`` in [-1, 1]) that re-reads the scene
every step, so it follows objects that move under it; it returns ``True`` when it reached what it aimed for
and ``False`` when it gave up (a step budget ran out, a grasp closed on nothing). Skills chain with
``yield from``. Everything is read by name: blocks from ``env.state``, handles from the scene's objects.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator

import gymnasium as gym
import numpy as np

from palaestra.baselines.experts.base import CLOSE, OPEN
from palaestra.envs.play.state import PlayState, wrap_angle
from palaestra.sim.articulated import Button

Skill = Iterator[np.ndarray]
Target = np.ndarray | Callable[[], np.ndarray]

CARRY_Z = 0.22  # travel height: a held block clears the drawer front, the cabinet and the door
HOVER = 0.06  # approach height above a grasp or contact point
STALL_STEPS = 5  # steps without getting 0.5 mm closer after which a motion gives up
GRASP_SLACK = 0.02  # how far off its grasp point the arm may stop (reach limit, contact) and still close
CLEAR_Z = 0.1  # lowest travel height: the hand (3.5 cm above the grasp point) clears the cabinet's top
# The closed fingers make a paddle 6.8 cm wide along y and 3 cm thick along x around the grasp point.
FINGER_SIDE, FINGER_EDGE = 0.034, 0.015
HAND_HALF_WIDTH, HAND_HALF_DEPTH = 0.106, 0.037  # the hand above the fingers, along y and x
HAND_ABOVE = 0.045  # height of the hand's underside above the grasp point (the fingers' length)
DRAWER_HANDLE_REACH = 0.07  # how far the drawer's front and handle stand out of the cabinet
PUSH_STANDOFF = 0.02 + FINGER_SIDE + 0.008  # block centre to the grasp point before a push along y
ROTATE_TURN = math.radians(40.0)  # how far a rotation turns a block (the oracle asks for 30 degrees)
ROTATE_OVERLAP = 0.012  # how far the paddle overlaps the block's side when turning it
ROTATE_TRAVEL = 0.06  # a rotation that moved the block this far gives up (the oracle allows 8 cm)
ROTATE_STEP, ROTATE_STEP_ON_BLOCK = 0.03, 0.012  # how far one push of a rotation may shift the block
ROTATE_PUSHES = 4  # pushes a rotation tries, alternating sides where the hand has room
LEVER_REACH = FINGER_SIDE + 0.012 + 0.006  # knob centre to the grasp point: the paddle clears the 12 mm knob
# An arm arriving towards the knob overshoots by about 1 cm and would knock the lever the wrong way: it stops
# this much further off (the push then covers the gap).
LEVER_APPROACH = 0.015
BUTTON_DEPTH = 0.025  # press depth (the lamp toggles past 1.5 cm of the 3 cm travel)


class Skills:
    """The playroom's motion primitives for one environment (``env.unwrapped`` is a ``PlayroomEnv``)."""

    def __init__(self, env: gym.Env) -> None:
        self.env = env.unwrapped
        self.scene = self.env.scene
        self.robot = self.scene.robot
        self.layout = self.scene.layout
        # Where to put things: the first free spot (experts), or a random free one when a generator is set (play).
        self.rng: np.random.Generator | None = None

    # -- reading ----------------------------------------------------------------------------------
    @property
    def state(self) -> PlayState:
        return self.env.state

    @property
    def ee(self) -> np.ndarray:
        return self.state.ee_position

    def block(self, name: str) -> np.ndarray:
        return self.state.block(name).position

    def holding(self, name: str) -> bool:
        """Block ``name`` sits between the fingers (within 3 cm of the grasp point, fingers not shut)."""
        return bool(np.linalg.norm(self.block(name) - self.ee) < 0.03 and self.state.gripper > 0.01)

    # -- single actions ---------------------------------------------------------------------------
    def move(self, target: np.ndarray, grip: float, gain: float = 1.0) -> np.ndarray:
        """An action moving the end effector towards ``target`` (full speed when far) with ``grip``."""
        delta = (np.asarray(target, dtype=float) - self.ee) / self.robot.ee_step * gain
        return np.concatenate((np.clip(delta, -1.0, 1.0), (grip,))).astype(np.float32)

    def hold(self, grip: float) -> np.ndarray:
        return self.move(self.ee, grip)

    # -- motion -----------------------------------------------------------------------------------
    def go(self, target: Target, grip: float, tol: float = 0.01, limit: int = 60, gain: float = 1.0) -> Skill:
        """Straight to ``target`` (a point, or a function re-evaluated every step); gives up when the arm
        stalls (something is in the way, or the point is out of reach) or after ``limit`` steps."""
        best, since = np.inf, 0
        for _ in range(limit):
            point = target() if callable(target) else target
            distance = float(np.linalg.norm(point - self.ee))
            if distance < tol:
                return True
            best, since = (distance, 0) if distance < best - 5e-4 else (best, since + 1)
            if since > STALL_STEPS:
                return False
            yield self.move(point, grip, gain)
        return False

    def transit(self, target: Target, grip: float, height: float = CARRY_Z, tol: float = 0.01) -> Skill:
        """Up to ``height``, across, then down to ``target``: the arm never sweeps low over the furniture."""
        def point() -> np.ndarray:
            return target() if callable(target) else target

        top = max(height, point()[2], CLEAR_Z)
        if self.ee[2] < top - 0.03 and np.linalg.norm(point()[:2] - self.ee[:2]) > 0.03:
            yield from self.go(lambda: np.array([*self.ee[:2], top]), grip, tol=0.02, limit=20)
        if np.linalg.norm(point()[:2] - self.ee[:2]) > 0.02:
            yield from self.go(lambda: np.array([*point()[:2], top]), grip, tol=0.015, limit=40)
        return (yield from self.go(point, grip, tol=tol, limit=40))

    def grip(self, command: float, limit: int = 12) -> Skill:
        """Open or close in place until the fingers stop moving (holding the point where it began: the
        fingers' contact forces would otherwise push the hand away, most at the end of the arm's reach)."""
        last, here = self.state.gripper, self.ee.copy()
        for i in range(limit):
            yield self.move(here, command)
            width = self.state.gripper
            if i >= 2 and abs(width - last) < 5e-4:
                return True
            last = width
        return True

    def retreat(self, grip: float = OPEN, rise: float = 0.08) -> Skill:
        """Straight up by ``rise``, letting go of whatever is held (``grip`` open)."""
        yield from self.go(self.ee + (0.0, 0.0, rise), grip, tol=0.02, limit=10)
        return True

    # -- blocks -----------------------------------------------------------------------------------
    def pick(self, name: str) -> Skill:
        """Grasp block ``name`` from above and lift it ``HOVER`` over where it lay."""
        for _ in range(2):  # one retry when the fingers close on nothing
            if not (yield from self.transit(lambda: self.block(name) + (0.0, 0.0, HOVER), OPEN, tol=0.012)):
                return False
            yield from self.go(lambda: self.block(name), OPEN, tol=0.008, limit=20)
            if np.linalg.norm(self.block(name) - self.ee) > GRASP_SLACK:
                return False
            yield from self.grip(CLOSE)
            if self.holding(name):
                lifted = self.block(name) + (0.0, 0.0, HOVER)
                yield from self.go(lifted, CLOSE, tol=0.015, limit=20)
                return self.holding(name)
            yield from self.retreat()
        return False

    def place(self, name: str, target: Target, release: bool = True) -> Skill:
        """Carry held block ``name`` so its centre reaches ``target``, then let go and back off."""
        def offset() -> np.ndarray:  # steer the block, not the fingers: the grasp may hold it off-centre
            goal = target() if callable(target) else target
            return goal + (self.ee - self.block(name))

        reached = yield from self.transit(lambda: offset() + (0.0, 0.0, 0.02), CLOSE, tol=0.012)
        if not reached or not self.holding(name):
            return False
        yield from self.go(offset, CLOSE, tol=0.006, limit=15, gain=0.5)
        if release:
            yield from self.grip(OPEN, limit=6)
            yield from self.retreat()
        return True

    def pick_and_place(self, name: str, target: Target, release: bool = True) -> Skill:
        return (yield from self.pick(name)) and (yield from self.place(name, target, release))

    def push(self, name: str, direction: np.ndarray, distance: float) -> Skill:
        """Push block ``name`` along the desk direction ``direction`` by ``distance`` with the closed fingers'
        side; where the 21 cm wide hand would hit the drawer or the button behind the block, drag it instead."""
        u = np.array([*direction[:2], 0.0]) / np.linalg.norm(direction[:2])
        if not self.hand_fits(self.block(name) - u * PUSH_STANDOFF, name):
            return (yield from self.drag(name, u, distance))
        start = self.block(name).copy()
        height = start[2] - self.layout.block_half * 0.25

        def contact() -> np.ndarray:
            centre = self.block(name)
            return np.array([*(centre[:2] - u[:2] * PUSH_STANDOFF), height])

        yield from self.grip(CLOSE, limit=4)
        if not (yield from self.transit(contact, CLOSE, height=contact()[2] + HOVER, tol=0.012)):
            return False
        for _ in range(60):
            centre = self.block(name)
            travelled = (centre - start) @ u
            if travelled >= distance:
                break
            # Aim a little ahead of the block; the sideways term keeps the block on the line of push.
            aim = centre + u * 0.03
            lateral = centre - start - u * travelled
            target = np.array([*(aim[:2] - u[:2] * PUSH_STANDOFF - lateral[:2]), height])
            yield self.move(target, CLOSE, gain=0.6)
        yield from self.go(self.ee - u * 0.02 + (0.0, 0.0, 0.06), CLOSE, tol=0.02, limit=8)
        return (self.block(name) - start) @ u >= distance

    def drag(self, name: str, u: np.ndarray, distance: float) -> Skill:
        """Pinch block ``name`` where it rests and slide it along ``u`` by ``distance`` without lifting it."""
        start = self.block(name).copy()
        if not (yield from self.transit(lambda: self.block(name) + (0.0, 0.0, HOVER), OPEN, tol=0.012)):
            return False
        if not (yield from self.go(lambda: self.block(name), OPEN, tol=0.008, limit=20)):
            return False
        yield from self.grip(CLOSE)
        goal = self.ee + u * (distance + 0.01)
        yield from self.go(goal, CLOSE, tol=0.008, limit=30, gain=0.5)
        yield from self.grip(OPEN, limit=4)
        yield from self.retreat()
        return (self.block(name) - start) @ u >= distance

    def hand_fits(self, point: np.ndarray, name: str | None = None) -> bool:
        """Whether the hand fits low with its grasp point at ``point``: clear of the drawer's front and handle
        and of the button's cap, and (given the block ``name`` it acts on) its closed fingers clear of the
        other blocks and the hand clear of stacks."""
        lay = self.layout
        handle_x = lay.drawer_position[0] - lay.drawer_size[0] / 2 - self.state.drawer - DRAWER_HANDLE_REACH
        # The cabinet may stand on either side (the scenes move it): the hand's span along y meets its width.
        beside = abs(point[1] - lay.drawer_position[1]) < HAND_HALF_WIDTH + lay.drawer_size[1] / 2
        over_drawer = beside and point[0] + HAND_HALF_DEPTH > handle_x
        gap = np.abs(point[:2] - np.asarray(lay.button_position[:2])) - (HAND_HALF_DEPTH, HAND_HALF_WIDTH)
        over_button = bool(np.all(gap < Button.CAP[0] + 0.005))
        others = [b.position for b in self.state.blocks if b.name != name and b.position[2] < 3 * lay.block_half]
        reach = (FINGER_EDGE + lay.block_half * 1.5, FINGER_SIDE + lay.block_half * 1.5)
        fingers_hit = any(np.all(np.abs(o[:2] - point[:2]) < reach) for o in others)
        # A block standing taller than the fingers (the top of a stack) meets the hand itself.
        top = point[2] + HAND_ABOVE - lay.block_half  # a block centre above this reaches the hand
        tall = [b.position for b in self.state.blocks if b.name != name and b.position[2] > top]
        span = (HAND_HALF_DEPTH + lay.block_half, HAND_HALF_WIDTH + lay.block_half)
        hand_hits = any(np.all(np.abs(o[:2] - point[:2]) < span) for o in tall)
        return not (over_drawer or over_button or fingers_hit or hand_hits)

    def rotate(self, name: str, sign: float, turn: float = ROTATE_TURN) -> Skill:
        """Turn block ``name`` about the vertical (``sign`` +1 counter-clockwise) by pushing it along x with
        only the edge of the closed fingers' paddle, off to one side of its centre: the lever arm turns the
        block while the push moves it a little. Short pushes alternate between the near side (pushing away
        from the robot) and the far side (pushing towards it, on the block's other flank) where the hand has
        room for both: both turn the block the same way while their shifts cancel."""
        h = self.layout.block_half
        first = self.state.block(name)
        # A block on another block falls off once shifted by a few centimetres: it gets shorter pushes.
        step = ROTATE_STEP_ON_BLOCK if first.on_block else ROTATE_STEP

        def contact(way: float, press: bool = False) -> np.ndarray:
            b = self.state.block(name)
            reach = h * (abs(math.cos(b.yaw)) + abs(math.sin(b.yaw)))  # the block's extent along x
            # Pressing, the paddle's face aims 9 mm past the block's centre: the turning block backs away from it.
            behind = FINGER_EDGE - 0.009 if press else reach + FINGER_EDGE + 0.006
            # The torque of a push along +x (way) at side y is -y * way: the side sets the sense of turning.
            side = -sign * way * (FINGER_SIDE + h - ROTATE_OVERLAP)
            return np.array([b.position[0] - way * behind, b.position[1] + side, b.position[2] - h * 0.25])

        def turned() -> float:
            return sign * wrap_angle(self.state.block(name).yaw - first.yaw)

        def shift(origin: np.ndarray) -> float:
            return float(np.linalg.norm(self.block(name)[:2] - origin[:2]))

        ways = [w for w in (1.0, -1.0) if self.hand_fits(contact(w), name)] or [1.0]
        yield from self.grip(CLOSE, limit=4)
        for i in range(ROTATE_PUSHES):
            if turned() >= turn or shift(first.position) > ROTATE_TRAVEL:
                break
            way = ways[i % len(ways)]
            approach = functools.partial(contact, way)  # re-read every step: the block moves
            if not (yield from self.transit(approach, CLOSE, height=first.position[2] + HOVER, tol=0.01)):
                return False
            origin = self.block(name).copy()
            for _ in range(40):
                if turned() >= turn or shift(origin) > step or shift(first.position) > ROTATE_TRAVEL:
                    break
                yield self.move(contact(way, press=True), CLOSE, gain=0.3)
            yield from self.retreat(CLOSE, rise=0.05)
        return turned() >= turn

    # -- furniture --------------------------------------------------------------------------------
    def drawer(self, opening: float) -> Skill:
        """Hook the closed fingers behind the handle bar (opening) or in front of it (closing), drive to ``opening``."""
        d = self.scene.drawer
        pull = opening > self.state.drawer
        standoff = d.axis * (d.BAR + 0.025)

        def contact() -> np.ndarray:
            return d.hook_position() if pull else d.handle_position() + standoff

        yield from self.grip(CLOSE, limit=4)
        return (yield from self._drive(contact, d.axis, lambda: self.state.drawer, opening, CLOSE, tol=0.01))

    def door(self, offset: float) -> Skill:
        """Straddle the door's knob with open fingers, pinch it, slide the door to ``offset``, let go."""
        knob = self.scene.door.handle_position
        if not (yield from self.transit(knob, OPEN, height=knob()[2] + HOVER, tol=0.01)):
            return False
        yield from self.grip(CLOSE, limit=8)
        done = yield from self._drive(knob, self.scene.door.axis, lambda: self.state.door, offset, CLOSE, tol=0.01)
        yield from self.grip(OPEN, limit=4)
        yield from self.go(self.ee + (-0.06, 0.0, 0.03), OPEN, tol=0.02, limit=8)
        return done

    def _drive(self, contact: Callable[[], np.ndarray], axis: np.ndarray, value: Callable[[], float],
               goal: float, grip: float, tol: float) -> Skill:
        """From above ``contact`` down onto it, then move along ``axis`` by the remaining error until
        ``value()`` is within ``tol`` of ``goal`` (closed loop: slack and lag need no model)."""
        if not (yield from self.transit(contact, grip, height=contact()[2] + HOVER, tol=0.012)):
            return False
        for _ in range(40):
            error = goal - value()
            if abs(error) < tol:
                break
            point = contact()
            target = self.ee + axis * error
            yield self.move(point + axis * np.dot(target - point, axis), grip)
        yield from self.go(self.ee + (-0.05, 0.0, 0.05), grip, tol=0.02, limit=6)
        return abs(goal - value()) < tol * 2

    def press_button(self) -> Skill:
        """Fingertips onto the button's cap, down past the press depth, back up (one toggle of the lamp)."""
        cap = self.scene.button.handle_position(0.0) + (0.0, 0.0, 0.01)
        if not (yield from self.transit(cap, CLOSE, height=cap[2] + HOVER, tol=0.01)):
            return False
        pressed = False
        for _ in range(20):
            if self.state.button > BUTTON_DEPTH - 0.003:
                pressed = True
                break
            yield self.move(cap - (0.0, 0.0, BUTTON_DEPTH + 0.01), CLOSE)
        yield from self.retreat(CLOSE, rise=0.06)
        return pressed

    def flip_lever(self, sign: float) -> Skill:
        """Push the lever's knob sideways (``sign`` +1 towards +y) until it leans past the middle."""
        lever = self.scene.lever

        def behind(reach: float) -> np.ndarray:
            return lever.knob_position() + (0.0, -sign * reach, 0.006)

        approach = functools.partial(behind, LEVER_REACH + LEVER_APPROACH)
        if not (yield from self.transit(approach, CLOSE, height=behind(0.0)[2] + 0.05)):
            return False
        for _ in range(30):
            if sign * self.state.lever > 0.3:
                break
            yield self.move(behind(LEVER_REACH - 0.04), CLOSE, gain=0.6)
        yield from self.go(self.ee + (0.0, -sign * 0.03, 0.05), CLOSE, tol=0.02, limit=6)
        return sign * self.state.lever > 0.0
