"""The scripted-expert contract and the motion primitive every manipulation expert is built from."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

OPEN, CLOSE = 1.0, -1.0


class Expert:
    """A privileged scripted policy for one environment: ``expert = Cls(env); expert.reset(); a = expert(obs)``.

    Experts read named state from the unwrapped environment (``env.task.expert_state()``, the robot's
    state), never observation indices, so they survive observation changes. They assume the default
    end-effector control. Subclasses implement :meth:`act`; :meth:`reset` clears per-episode memory.
    """

    def __init__(self, env: gym.Env) -> None:
        self.env = env.unwrapped
        self.robot = self.env.robot
        self.task = self.env.task
        self.phase = 0

    def reset(self) -> None:
        self.phase = 0

    def __call__(self, obs: Any) -> np.ndarray:
        return np.asarray(self.act(), dtype=np.float32)

    def act(self) -> np.ndarray:
        raise NotImplementedError

    # -- primitives ------------------------------------------------------------------------------
    @property
    def ee(self) -> np.ndarray:
        return self.robot.ee_position()

    def move(self, target: np.ndarray, grip: float, gain: float = 1.0) -> np.ndarray:
        """An action moving the end effector towards ``target`` (full speed when far) with gripper command ``grip``."""
        delta = (np.asarray(target) - self.ee) / self.robot.ee_step * gain
        return np.concatenate((np.clip(delta, -1.0, 1.0), (grip,)))

    def near(self, target: np.ndarray, tol: float = 0.01) -> bool:
        return bool(np.linalg.norm(np.asarray(target) - self.ee) < tol)
