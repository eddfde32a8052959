"""Scripted experts for the articulated tasks (OpenDrawer, CloseDrawer, SlideDoor, PressButton).

Each expert brings the gripper above a contact point on the object's handle, lowers it there, then drives
the joint value to the goal in closed loop: every step it moves the end effector along the object's axis
by the remaining error (``target - value``) while staying on the line through the contact point, so slack
between fingers and handle and the object's lag are absorbed without knowing them.
"""

from __future__ import annotations

import numpy as np

from palaestra.baselines.experts.base import CLOSE, OPEN, Expert
from palaestra.sim.articulated import Drawer, SlidingDoor

ABOVE = np.array([0.0, 0.0, 0.06])  # approach height over a contact point, clear of the object


class _ArticulatedExpert(Expert):
    """Phases: 0 above the contact point, 1 down onto it, 2 drive the joint value (fingers closed)."""

    approach_grip = CLOSE

    def contact(self, state: dict[str, np.ndarray]) -> np.ndarray:
        """Where the end effector must be to move the object, from the task's named expert state."""
        raise NotImplementedError

    def act(self) -> np.ndarray:
        state = self.task.expert_state()
        if self.phase == 0:
            target = self.contact(state) + ABOVE
            if self.near(target, 0.02):
                self.phase = 1
            return self.move(target, self.approach_grip)
        if self.phase == 1:
            target = self.contact(state)
            if self.near(target, 0.01):
                self.phase = 2
            return self.move(target, self.approach_grip)
        return self.drive(state)

    def drive(self, state: dict[str, np.ndarray]) -> np.ndarray:
        axis, contact = state["axis"], self.contact(state)
        target = self.ee + axis * (state["target"][0] - state["value"][0])
        # Keep only the motion along the axis; the other components stay at the contact point.
        return self.move(contact + axis * np.dot(target - contact, axis), CLOSE)


class OpenDrawerExpert(_ArticulatedExpert):
    """Lower the closed gripper between handle bar and drawer front, then pull along the drawer's axis."""

    def contact(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["hook"]


class CloseDrawerExpert(_ArticulatedExpert):
    """Lower the closed gripper in front of the handle bar, then push the drawer in along its axis."""

    STANDOFF = Drawer.BAR + 0.025  # bar centre to grasp point: half a fingertip (1.5 cm) plus clearance

    def contact(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["handle"] + state["axis"] * self.STANDOFF


class SlideDoorExpert(_ArticulatedExpert):
    """Straddle the knob with open fingers, pinch it, then slide the door along its rail."""

    approach_grip = OPEN
    PINCHED = 2 * SlidingDoor.KNOB[1] + 0.004  # finger width once closed on the knob

    def contact(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["handle"]

    def drive(self, state: dict[str, np.ndarray]) -> np.ndarray:
        if self.robot.state().finger_width > self.PINCHED:  # close in place before sliding
            return self.move(self.contact(state), CLOSE)
        return super().drive(state)


class PressButtonExpert(_ArticulatedExpert):
    """Touch the cap's top with the closed fingertips, then press down until the depth matches the goal."""

    FINGERTIP = np.array([0.0, 0.0, 0.01])  # grasp point above the fingertips' lowest point

    def contact(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["handle"] + self.FINGERTIP
