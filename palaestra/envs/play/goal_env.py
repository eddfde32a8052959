"""``palaestra/PlayroomGoal-v0``: reach a target scene state drawn from a task feasible at the start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.envs.play.env import PlayroomEnv
from palaestra.envs.play.goal import SceneGoal, target_state
from palaestra.sim.world import CameraConfig

GOAL_LEVER = 0.35  # rad: how far a goal image's lever leans when the goal switches the bulb


class PlayroomGoalEnv(PlayroomEnv):
    """The playroom with a goal state (Gymnasium-Robotics GoalEnv semantics, so HER works unchanged).

    Observation: ``Dict(observation, achieved_goal, desired_goal)``; ``observation`` is the free playroom's
    (state vector or camera frames). A goal is 32 floats: a target scene's 16 goal features followed by
    the 0/1 mask of those that count (see :class:`~palaestra.envs.play.goal.SceneGoal`); each episode's
    target comes from one oracle task feasible from its start (``tasks`` restricts them), named in
    ``info["task"]``. Other keyword arguments are those of the free playroom (``obs_mode``...).
    Reward: 0 when every masked feature is within tolerance of the target, -1 otherwise; the episode
    terminates then. ``compute_reward``/``compute_terminated``/``compute_truncated`` are pure and
    vectorised over a leading batch axis. :meth:`render_goal` draws the goal scene (for goal images).
    """

    env_id = "palaestra/PlayroomGoal-v0"
    accepted = PlayroomEnv.accepted + ("tasks",)

    def __init__(
        self,
        tasks: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        self.task = SceneGoal()
        self.tasks = tasks  # checked with the other options before the scene is built
        super().__init__(**options)  # obs_mode, render_mode, camera, gripper_size, physics
        self.goal = np.zeros(self.task.goal_dim)
        self.goal_task = ""
        self._succeeded = False  # judged once per reset and step, read by reward, termination and info

    def _check_arguments(self) -> None:
        self.tasks = self._task_names(self.tasks)

    def _observation_space(self) -> spaces.Space:
        # Unbounded: a block knocked off the desk can go anywhere.
        goal = spaces.Box(-np.inf, np.inf, shape=(self.task.goal_dim,), dtype=np.float32)
        return spaces.Dict({"observation": self.scene_space, "achieved_goal": goal, "desired_goal": goal})

    def _begin_episode(self) -> None:
        self.goal, self.goal_task = self.task.sample(self.start_state, self.np_random, self.tasks)
        self._succeeded = self._success()

    def _obs(self) -> dict[str, Any]:
        return {
            "observation": self._scene_obs(),
            "achieved_goal": self.task.achieved(self.state, self.goal).astype(np.float32),
            "desired_goal": self.goal.astype(np.float32),
        }

    def _success(self) -> bool:
        achieved = self.task.achieved(self.state, self.goal).astype(np.float32)
        return bool(self.task.is_success(achieved, self.goal.astype(np.float32)))

    def _judge(self) -> tuple[float, bool]:
        self._succeeded = self._success()
        return (0.0 if self._succeeded else -1.0), self._succeeded

    def _info(self) -> dict[str, Any]:
        return {"is_success": self._succeeded, "task": self.goal_task}

    def render_goal(self, camera: CameraConfig | None = None) -> np.ndarray:
        """An RGB frame of the episode's goal scene from ``camera`` (the env's by default).

        The scene is posed at the goal (the start state with the goal's features applied; the arm stays where
        it is), rendered, and returned to the live state: a saved simulation state for bodies and joints, and
        the lights' colours, which PyBullet does not save. Nothing is stepped and no generator is drawn from,
        so the episode goes on bit for bit as if nothing had been rendered.
        """
        if self.start_state is None:
            raise RuntimeError(f"{self.env_id}: render_goal() needs a goal: call reset() first")
        scene, goal = self.scene, target_state(self.start_state, self.goal)
        client, lights = scene.world.client, (scene.lamp.on, scene.bulb.on)
        snapshot = client.saveState()
        try:
            scene.set_drawer(goal.drawer)
            scene.set_door(goal.door)
            if goal.bulb != scene.bulb.on:
                scene.set_lever(GOAL_LEVER if goal.bulb else -GOAL_LEVER)
            scene.lamp.set(goal.lamp)
            scene.bulb.set(goal.bulb)
            for block in goal.blocks:
                scene.set_block(block.name, block.position, block.yaw)
            return scene.render_static(camera or self.camera)
        finally:
            client.restoreState(stateId=snapshot)
            client.removeState(snapshot)
            scene.lamp.set(lights[0])
            scene.bulb.set(lights[1])

    # -- GoalEnv API (vectorised over a leading batch axis, pure) ------------------------------------
    def compute_reward(self, achieved_goal, desired_goal, info) -> np.ndarray:
        return self.task.is_success(achieved_goal, desired_goal).astype(np.float32) - 1.0

    def compute_terminated(self, achieved_goal, desired_goal, info) -> np.ndarray:
        return self.task.is_success(achieved_goal, desired_goal)

    def compute_truncated(self, achieved_goal, desired_goal, info) -> np.ndarray:
        return np.zeros(np.shape(achieved_goal)[:-1], dtype=bool)
