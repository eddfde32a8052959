"""The Franka Panda (pybullet_data's URDF) with end-effector and joint-space control."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pybullet as p

from palaestra.sim.world import World


# Bumped whenever the Panda scene's dynamics change, and written into each training run's reference.json, so
# that results trained on older dynamics are marked as such (palaestra.baselines.report). 1: re-targeting from
# the measured pose (the arm sagged); 2: a kept set-point, contact and solver settings measured beside
# panda-gym; 3: held axes integrate their offset away and the IK's posture pull stays out of the task space.
PHYSICS_REVISION = 3


class Control(str, Enum):
    """How an action moves the arm; the last action component always drives the gripper."""

    EE = "ee"  # (dx, dy, dz, gripper): Cartesian end-effector displacement, gripper pointing down
    JOINTS = "joints"  # (dq1..dq7, gripper): joint position increments


@dataclass(frozen=True)
class RobotState:
    """What the robot contributes to a scene snapshot."""

    ee_position: np.ndarray  # (3,) grasp point between the fingertips, world frame
    ee_velocity: np.ndarray  # (3,)
    finger_width: float  # distance between the fingers, 0 (closed) to 0.08 m (open)
    joints: np.ndarray  # (7,) arm joint positions


class Panda:
    """A fixed-base Panda at ``base_position`` facing +x over the table.

    End-effector control scales each displacement component by ``ee_step`` metres and keeps the gripper
    pointing down with a fixed yaw, solved by one damped-least-squares step on the Jacobian with a pull
    towards the rest posture in the null space (cheaper than ``calculateInverseKinematics`` and free of
    elbow drift over long episodes). The gripper command moves the finger-width target by up to
    ``grip_step`` metres. Actions are clipped to [-1, 1] before scaling.

    The displacement is added to a set-point kept from the last step, not to the measured pose: a position
    motor under gravity settles below its target, and re-targeting from the measured pose every step turned
    that offset into a sag of 31 mm per 50 zero-action steps at the rest pose (110 mm per 1,000). While an
    axis moves (a joint, in joint control) its set-point is kept within :attr:`SETPOINT_SLACK`
    (:attr:`JOINT_SLACK`) of the measured pose, so a blocked or lagging arm never winds up more than that.
    That slack alone still let the arm sink wherever the motors' steady offset exceeds it (0.7 mm at the rest
    pose, 3-5 mm at stretched and folded poses: up to 80 mm in 50 zero-action steps at the corners of Reach's
    goal box, panda-gym under 2 mm). So an axis whose command is below :attr:`HOLD_ACTION`, while the robot
    touches nothing, holds: the hold starts where the arm is and the error to that place is integrated into
    the set-point (an integral term, within :attr:`HOLD_SLACK` / :attr:`JOINT_HOLD_SLACK`), so the offset is
    absorbed; small commands move the held place. While the robot touches something (pressing, pushing,
    holding a block) every axis uses the narrow slack, so a blocked arm does not store centimetres of push.
    A wide slack on every axis would hold too, but lets the arm run on after each move by up to the slack,
    and the scripted experts, which steer from the measured pose, lost precision (PickAndPlace's hard preset:
    40% at 5 mm against 65-72% at 0 to 1.5 mm, over 40 episodes). Figures: ``palaestra bench --fidelity``.
    """

    ARM = tuple(range(7))
    FINGERS = (9, 10)
    EE_LINK = 11
    REST = np.array([0.0, 0.41, 0.0, -1.85, 0.0, 2.26, 0.79])
    ARM_FORCES = (87.0, 87.0, 87.0, 87.0, 12.0, 120.0, 120.0)
    FINGER_FORCE = 20.0
    MAX_WIDTH = 0.08
    # Gripper pointing straight down, fingers opening along the world y axis.
    DOWN = np.array([1.0, 0.0, 0.0, 0.0])
    IK_DAMPING = 0.05
    IK_POSTURE = 0.3  # gain of the null-space pull towards REST
    SETPOINT_SLACK = 0.0015  # metres the end-effector set-point may lead the measured grasp point, per axis
    JOINT_SLACK = 0.004  # radians a joint set-point may lead the measured joint
    HOLD_ACTION = 0.05  # an action component below this (in [-1, 1]) holds its axis or joint
    HOLD_SLACK = 0.02  # metres a held axis's set-point may differ from the measured grasp point
    JOINT_HOLD_SLACK = 0.03  # radians a held joint's set-point may differ from the measured joint

    def __init__(
        self,
        world: World,
        base_position: tuple[float, float, float] = (-0.6, 0.0, 0.0),
        control: Control = Control.EE,
        ee_step: float = 0.05,
        joint_step: float = 0.05,
        grip_step: float = 0.2,
        ee_low: tuple[float, float, float] = (-0.35, -0.35, 0.005),
        ee_high: tuple[float, float, float] = (0.35, 0.35, 0.45),
    ) -> None:
        self.world = world
        self.control = Control(control)
        self.ee_step, self.joint_step, self.grip_step = ee_step, joint_step, grip_step
        self.ee_low, self.ee_high = np.array(ee_low), np.array(ee_high)
        self._ee_low, self._ee_high = self.ee_low.tolist(), self.ee_high.tolist()
        c = world.client
        self.client = c
        self.body = world.load_urdf("franka_panda/panda.urdf", base_position, fixed=True)
        self._all = list(self.ARM + self.FINGERS)
        self._zeros = [0.0] * len(self._all)
        self._forces = list(self.ARM_FORCES) + [self.FINGER_FORCE] * 2
        self._gains = [world.physics.motor_gain] * len(self._all)
        for j in range(c.getNumJoints(self.body)):
            c.changeDynamics(self.body, j, activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING)
        for j in self.FINGERS:
            c.changeDynamics(self.body, j, lateralFriction=1.5, spinningFriction=0.01)
        self.action_dim = 4 if self.control is Control.EE else 8
        self.reset(self.REST, self.MAX_WIDTH)

    # -- state --------------------------------------------------------------------------------
    def reset(self, joints: np.ndarray, width: float) -> None:
        """Place the arm at ``joints`` with the fingers ``width`` apart, and hold it there."""
        for j, q in zip(self.ARM, joints):
            self.client.resetJointState(self.body, j, float(q))
        for j in self.FINGERS:
            self.client.resetJointState(self.body, j, width / 2)
        arm = np.asarray(joints, dtype=float)
        self._joint_setpoint = arm.tolist()
        self._held: list[float | None] = [None] * (3 if self.control is Control.EE else 7)
        self._setpoint = list(self.client.getLinkState(self.body, self.EE_LINK, computeForwardKinematics=1)[4])
        self._command(arm, width)

    def state(self) -> RobotState:
        c = self.client
        link = c.getLinkState(self.body, self.EE_LINK, computeLinkVelocity=1)
        joints = c.getJointStates(self.body, self._all)
        return RobotState(
            ee_position=np.array(link[0]),
            ee_velocity=np.array(link[6]),
            finger_width=joints[7][0] + joints[8][0],
            joints=np.array([s[0] for s in joints[:7]]),
        )

    def features(self) -> list[float]:
        """The robot's part of a state observation: ee position (3), ee velocity (3), finger width (1), the
        values of :meth:`state` as plain floats, read without the arm joints and without building arrays."""
        c = self.client
        link = c.getLinkState(self.body, self.EE_LINK, computeLinkVelocity=1)
        left, right = c.getJointStates(self.body, self.FINGERS)
        return [*link[0], *link[6], left[0] + right[0]]

    def ee_position(self) -> np.ndarray:
        return np.array(self.client.getLinkState(self.body, self.EE_LINK)[0])

    # -- control ------------------------------------------------------------------------------
    def apply_action(self, action: np.ndarray) -> None:
        """Set motor targets from an action already validated and clipped to [-1, 1]."""
        c = self.client
        q = [s[0] for s in c.getJointStates(self.body, self._all)]
        target_width = min(max(q[7] + q[8] + action[-1] * self.grip_step, 0.0), self.MAX_WIDTH)
        free = not c.getContactPoints(bodyA=self.body)
        if self.control is Control.EE:
            # Fresh forward kinematics, not the observation's read: the transforms PyBullet caches after a
            # substep differ from these in the last bits, and the IK is defined on these.
            link = c.getLinkState(self.body, self.EE_LINK, computeForwardKinematics=1)
            moves = action[:3].tolist()
            step, low, high = self.ee_step, self._ee_low, self._ee_high
            base = self._base(self._setpoint, link[4], moves, step, free, self.SETPOINT_SLACK, self.HOLD_SLACK)
            target = [min(max(x + a * step, lo), hi) for x, a, lo, hi in zip(base, moves, low, high)]
            self._setpoint = target
            arm = self._ik_step(q, link, target)
        else:
            moves = action[:7].tolist()
            step = self.joint_step
            base = self._base(self._joint_setpoint, q[:7], moves, step, free, self.JOINT_SLACK, self.JOINT_HOLD_SLACK)
            arm = np.array(base) + action[:7] * step
            self._joint_setpoint = arm.tolist()
        self._command(arm, target_width)

    def _base(self, setpoint: list[float], measured: Sequence[float], moves: list[float], step: float, free: bool,
              slack: float, hold_slack: float) -> list[float]:
        """The set-point this step's displacement is added to, per axis (per joint in joint control).

        A moving axis: the last set-point, within ``slack`` of ``measured``. A held axis (command below
        HOLD_ACTION while the robot touches nothing) starts its hold where the arm is (within ``slack``), then
        integrates the error to that hold position into its set-point, within ``hold_slack`` of ``measured``:
        the motors' steady offset under gravity is absorbed instead of showing as sag. The hold position
        follows the small commands themselves.
        """
        held = self._held
        base = []
        for i, (s, m, a) in enumerate(zip(setpoint, measured, moves)):
            d = slack
            if free and -self.HOLD_ACTION < a < self.HOLD_ACTION:
                if held[i] is None:
                    held[i] = m
                else:
                    s, d = s + held[i] - m, hold_slack
                held[i] += a * step
            else:
                held[i] = None
            base.append(m + min(max(s - m, -d), d))
        return base

    def _ik_step(self, q: list[float], link: tuple, target: list[float]) -> np.ndarray:
        """One damped-least-squares step from joints ``q`` (end-effector ``link`` state) towards ``target``.

        Scalar work is done on Python floats and only the matrix algebra in numpy: on 6 x 7 matrices each
        numpy call costs microseconds of dispatch, more than the arithmetic itself.
        """
        lin, ang = self.client.calculateJacobian(self.body, self.EE_LINK, (0.0, 0.0, 0.0), q, self._zeros, self._zeros)
        jac = np.array(lin + ang)[:, :7]
        position = link[4]
        error = np.array((target[0] - position[0], target[1] - position[1], target[2] - position[2],
                          *_orientation_error(link[5], _DOWN)))
        gram = jac @ jac.T
        arm = np.array(q[:7])
        # Null-space pull towards the rest posture keeps the elbow where it started. Its projector uses a
        # near-exact pseudo-inverse: projected with the damped one, the pull leaked into the task space and
        # stopped the gripper 3-5 mm short of targets at the edges of the workspace.
        # Both inverses in one batched call: half the dispatch cost, the same values as two calls.
        near, damped = np.linalg.inv(gram + _DAMPINGS)
        null = _EYE7 - jac.T @ near @ jac
        return arm + jac.T @ damped @ error + null @ (self.IK_POSTURE * (self.REST - arm))

    def _command(self, arm: np.ndarray, width: float) -> None:
        targets = arm.tolist() + [width / 2, width / 2]
        self.client.setJointMotorControlArray(
            self.body, self._all, p.POSITION_CONTROL, targetPositions=targets, forces=self._forces,
            positionGains=self._gains,
        )


_EYE7 = np.eye(7)
_DOWN = tuple(Panda.DOWN.tolist())
# The null-space projector's near-exact damping, then the task step's damping (see _ik_step).
_DAMPINGS = np.stack((1e-4 * np.eye(6), Panda.IK_DAMPING**2 * np.eye(6)))


def _orientation_error(current: Sequence[float], desired: Sequence[float]) -> tuple[float, float, float]:
    """Rotation vector (axis * angle, world frame) taking quaternion ``current`` (x, y, z, w) to ``desired``."""
    x1, y1, z1, w1 = desired
    x2, y2, z2, w2 = -current[0], -current[1], -current[2], current[3]  # conjugate of current
    # desired * conj(current)
    w = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
    x = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
    y = w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2
    z = w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
    if w < 0:
        w, x, y, z = -w, -x, -y, -z
    return 2.0 * x, 2.0 * y, 2.0 * z
