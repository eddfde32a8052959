"""Scripted experts for the free-object tasks (Reach, Push, Slide, PickAndPlace, Stack, Flip)."""

from __future__ import annotations

import numpy as np

from palaestra.baselines.experts.base import CLOSE, OPEN, Expert
from palaestra.envs.manipulation.tasks.blocks import CUBE


class ReachExpert(Expert):
    """Straight line to the target."""

    def act(self) -> np.ndarray:
        return self.move(self.task.expert_state()["target"], CLOSE)


class _PushAlong(Expert):
    """Put the closed gripper behind an object (seen from the target) and drive it towards the target.

    Phases: 0 go above the contact point, 1 descend beside the object, 2 push; if the object gets away
    from the line of push, start again from 0.
    """

    standoff = CUBE + 0.02
    push_height = CUBE
    clearance = 0.07
    push_gain = 1.0

    def plan(self) -> tuple[np.ndarray, np.ndarray]:
        """(object position, unit push direction in the plane)."""
        s = self.task.expert_state()
        direction = s["target"][:2] - s["object"][:2]
        return s["object"], direction / max(np.linalg.norm(direction), 1e-6)

    def act(self) -> np.ndarray:
        obj, u = self.plan()
        contact = np.array([*(obj[:2] - u * self.standoff), self.push_height])
        ee = self.ee
        if self.phase == 2:
            rel = ee[:2] - obj[:2]
            along = rel @ u
            lateral = np.linalg.norm(rel - along * u)
            if lateral > 0.02 or along > -CUBE:
                self.phase = 0
        if self.phase == 0:
            above = contact + (0.0, 0.0, self.clearance)
            if np.linalg.norm(above[:2] - ee[:2]) < 0.015:
                self.phase = 1
            return self.move(above, CLOSE)
        if self.phase == 1:
            if abs(ee[2] - contact[2]) < 0.012 and np.linalg.norm(contact[:2] - ee[:2]) < 0.015:
                self.phase = 2
            return self.move(contact, CLOSE)
        return self.push(obj, u, contact)

    def push(self, obj: np.ndarray, u: np.ndarray, contact: np.ndarray) -> np.ndarray:
        return self.move(np.array([*(contact[:2] + u * 0.05), self.push_height]), CLOSE, gain=self.push_gain)


class PushExpert(_PushAlong):
    """Push the cube along the line from the cube to the target."""

    standoff = CUBE + 0.03
    push_gain = 0.6


class SlideExpert(_PushAlong):
    """Push the puck towards the target at a steady speed, then brake and let it slide the rest.

    A puck leaving at speed v on friction mu stops after v^2 / (2 mu g). The expert picks, once, the speed
    that brings the release about ``runup`` metres into the push, holds it with integral feedback on the
    gripper's measured velocity (the flat finger face and the puck stick, so the puck moves with it), and
    brakes when that speed's stopping distance covers what is left.
    """

    standoff = 0.03 + 0.02
    push_height = 0.017
    runup = 0.15

    @property
    def decel(self) -> float:
        """The puck's sliding deceleration: the ice sheet's friction times the puck's (1.0), times g."""
        return self.task.ice_friction * -self.env.world.physics.gravity

    def reset(self) -> None:
        super().reset()
        self.planned = None

    def act(self) -> np.ndarray:
        if self.phase == 3:  # brake and lift clear
            return self.move(self.ee + (-0.05, 0.0, 0.05), CLOSE)
        return super().act()

    def push(self, obj: np.ndarray, u: np.ndarray, contact: np.ndarray) -> np.ndarray:
        remaining = np.linalg.norm(self.task.expert_state()["target"][:2] - obj[:2])
        max_speed = self.robot.ee_step / self.env.world.physics.control_dt
        if self.planned is None:
            self.planned = np.sqrt(2 * self.decel * max(remaining - self.runup, 0.05))
            self.command, self.pushed = min(2 * self.planned / max_speed, 1.0), 0
        # The gripper's velocity is the puck's while they stick, and far less jittery than the puck's own.
        velocity = self.robot.state().ee_velocity[:2]
        speed = velocity @ u
        sideways = velocity - speed * u
        self.pushed += 1
        if self.pushed > 2:
            self.command = float(np.clip(self.command + 0.5 * (self.planned - speed) / max_speed, 0.0, 1.0))
        if self.pushed >= 4 and np.linalg.norm(sideways) < 0.03 and speed**2 / (2 * self.decel) >= remaining:
            self.phase = 3
            return self.move(self.ee + (-0.05, 0.0, 0.05), CLOSE)
        # Hold the contact height; correct sideways drift of the gripper.
        action = np.clip(u * self.command - sideways / max_speed, -1.0, 1.0)
        return np.array([*action, (self.push_height - self.ee[2]) / self.robot.ee_step, CLOSE])


class _Grasping(Expert):
    """Pick an object and bring it to a place; subclasses choose what and where."""

    hover = 0.07
    held_width = 2 * CUBE  # finger width once closed square on the object

    def pick_and_place(self, obj: np.ndarray, target: np.ndarray, release: bool) -> np.ndarray:
        ee = self.ee
        width = self.robot.state().finger_width
        if self.phase == 0:  # above the object, gripper open
            above = obj + (0.0, 0.0, self.hover)
            if np.linalg.norm(above[:2] - ee[:2]) < 0.01:
                self.phase = 1
            return self.move(above, OPEN)
        if self.phase == 1:  # down around it
            if np.linalg.norm(obj - ee) < 0.008:
                self.phase, self.closing, self.last_width = 2, 0, width
            return self.move(obj, OPEN)
        if self.phase == 2:  # close until the fingers stop on the object (a turned cube stops them wider)
            self.closing += 1
            settled = self.closing >= 3 and abs(width - self.last_width) < 0.001
            self.last_width = width
            if settled and width < 0.01:  # closed on nothing: try again
                self.phase = 0
            elif settled and width < self.held_width * 1.5:
                self.phase = 3
            return self.move(obj, CLOSE)
        if self.phase == 3:  # carry: lift first, then travel over, then down
            if np.linalg.norm(obj - ee) > 0.03:  # dropped it
                self.phase = 0
                return self.move(ee + (0.0, 0.0, 0.05), OPEN)
            # Steer the object, not the gripper: the grasp may hold it off-centre.
            grip_offset = ee - obj
            high = target[2] + 0.04
            lowering = obj[2] < high - 0.02
            off_target = np.linalg.norm(target[:2] - obj[:2])
            # Hysteresis: a held object sways while it is lowered; correct that on the way down and only
            # climb back up when it is well off, or the expert cycles up and down over the target.
            if off_target > (0.03 if lowering else 0.015):
                waypoint = np.array([*target[:2], high]) if not lowering else np.array([*obj[:2], high])
                return self.move(waypoint + grip_offset, CLOSE)
            if release and off_target < 0.012 and abs(target[2] - obj[2]) < 0.01:
                self.phase = 4  # let go well inside the half-width (2 cm), or a stacked cube topples
            if release and off_target > 0.012 and obj[2] - target[2] < 0.015:
                # Touching what it is set on and off-centre: lift straight up before correcting, since a
                # sideways correction in contact drags the cube below along (Stack's tower).
                return self.move(ee + (0.0, 0.0, 0.03), CLOSE)
            return self.move(target + grip_offset, CLOSE, gain=2.0)
        return self.move(ee + (0.0, 0.0, 0.05), OPEN)  # release and back off


class PickAndPlaceExpert(_Grasping):
    """Grasp from above, lift, carry to the target and hold it there."""

    def act(self) -> np.ndarray:
        s = self.task.expert_state()
        return self.pick_and_place(s["object"], s["target"], release=False)


class StackExpert(_Grasping):
    """Place the lower cube at its target, let go, then stack the upper cube on it, let go and back off."""

    def reset(self) -> None:
        super().reset()
        self.stage = 0

    def act(self) -> np.ndarray:
        s = self.task.expert_state()
        if self.stage == 0:
            action = self.pick_and_place(s["lower"], s["lower_target"], release=True)
            if self.phase == 4:
                self.stage, self.phase, self.backoff = 1, 4, 0
            return action
        if self.stage == 1 and self.phase == 4 and self.backoff < 3:  # let go of the first cube
            self.backoff += 1
            return self.move(self.ee + (0.0, 0.0, 0.05), OPEN)
        if self.stage == 1 and self.phase == 4:
            self.stage, self.phase = 2, 0
        target = s["lower"] + (0.0, 0.0, 2 * CUBE)  # on the cube as it lies, not on the ideal target
        # Stage 2 ends in phase 4: the upper cube let go, the gripper backing off, the tower left standing.
        return self.pick_and_place(s["upper"], target, release=True)


class FlipExpert(_PushAlong):
    """Push the upright block's face near its top, towards the goal direction, until it tips over; then back off."""

    standoff = 0.02 + 0.04
    push_height = 0.085
    clearance = 0.06
    push_gain = 0.5

    def plan(self) -> tuple[np.ndarray, np.ndarray]:
        s = self.task.expert_state()
        return s["object"], s["target"][:2] / max(np.linalg.norm(s["target"][:2]), 1e-6)

    def act(self) -> np.ndarray:
        axis = self.task.expert_state()["axis"]
        if self.phase == 3 or axis[2] < 0.5:
            self.phase = 3
            return self.move(self.ee + (0.0, 0.0, 0.05), CLOSE)
        return super().act()
