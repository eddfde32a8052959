"""``AdversarialEnv``: a single-agent task as a two-player zero-sum game against a bounded disturber."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from palaestra.checks import check_options, env_name
from palaestra.wrappers.perturb.scene import Scene

PROTAGONIST, ADVERSARY = "protagonist_0", "adversary_0"


class AdversarialEnv(ParallelEnv):
    """Robust adversarial RL (Pinto et al., 2017) on a palaestra manipulation env, as a PettingZoo ParallelEnv.

    ``protagonist_0`` has the wrapped environment's observation and action spaces and its reward.
    ``adversary_0`` acts with ``Box(-1, 1, (3,))``: a world-frame impulse (``mode="force"``, up to
    ``step_budget`` N s per step) or displacement (``mode="displacement"``, up to ``step_budget`` metres per
    step) of a free object (``target="object"``) or of the robot's hand (``"robot"``, impulse only). The
    sizes it uses add up against ``episode_budget``; once spent, its actions do nothing. It observes the
    protagonist's observation plus ``budget`` (the fraction left) and gets minus the protagonist's reward.
    Episodes end when the wrapped environment terminates or truncates. Every ``info`` holds
    ``"perturbations"`` (this step's disturbance event) and ``"budget_left"``.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "palaestra_adversarial_v0", "is_parallelizable": True}

    def __init__(
        self,
        env: gym.Env,
        step_budget: float = 0.05,
        episode_budget: float = 0.5,
        mode: Literal["force", "displacement"] = "force",
        target: Literal["object", "robot"] = "object",
    ) -> None:
        self.env = env
        self.env_id = env_name(env)
        where = f"AdversarialEnv({self.env_id})"
        if mode not in ("force", "displacement") or target not in ("object", "robot"):
            raise ValueError(f"{where}: mode={mode!r}, target={target!r}; expected mode 'force' or 'displacement' and target 'object' or 'robot'")
        if not (0 < step_budget <= episode_budget and np.isfinite(episode_budget)):
            raise ValueError(f"{where}: budgets must satisfy 0 < step_budget ({step_budget}) <= episode_budget ({episode_budget}) < inf")
        self.scene = Scene(env)
        if not self.scene.available:
            raise TypeError(f"{where}: the environment has no PyBullet world to disturb")
        if target == "object" and not self.scene.objects:
            raise ValueError(f"{where}: the environment has no free object; use target='robot'")
        if target == "robot" and mode == "displacement":
            raise ValueError(f"{where}: the robot can only be pushed (mode='force'), not displaced")
        self.step_budget, self.episode_budget, self.mode, self.target = step_budget, episode_budget, mode, target
        self.render_mode = env.render_mode
        self.possible_agents = [PROTAGONIST, ADVERSARY]
        self.agents: list[str] = []
        budget = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        base = env.observation_space
        adversary = spaces.Dict({**base.spaces, "budget": budget}) if isinstance(base, spaces.Dict) else spaces.Dict({"observation": base, "budget": budget})
        self._observation_spaces = {PROTAGONIST: base, ADVERSARY: adversary}
        self._action_spaces = {PROTAGONIST: env.action_space, ADVERSARY: spaces.Box(-1.0, 1.0, shape=(3,), dtype=np.float32)}
        self._left = episode_budget
        self._step = 0

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        options = check_options(self.env_id, options, None)
        try:
            taken = self.env.get_wrapper_attr("reset_options")
        except AttributeError:  # an env that does not say: it gets every key
            taken = tuple(options)
        # A PettingZoo env ignores options it does not use (PettingZoo's API test resets with {"options": 1});
        # the wrapped Gymnasium env gets the ones it takes.
        obs, info = self.env.reset(seed=seed, options={k: v for k, v in options.items() if k in taken} or None)
        self.agents = list(self.possible_agents)
        self._left, self._step = self.episode_budget, 0
        return self._observations(obs), self._infos(info, [])

    def step(self, actions: dict[str, Any]):
        self._step += 1
        events = self._disturb(actions.get(ADVERSARY))
        obs, reward, terminated, truncated, info = self.env.step(actions[PROTAGONIST])
        rewards = {PROTAGONIST: float(reward), ADVERSARY: -float(reward)}
        terminations = {a: bool(terminated) for a in self.agents}
        truncations = {a: bool(truncated) for a in self.agents}
        observations, infos = self._observations(obs), self._infos(info, events)
        if terminated or truncated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def _disturb(self, action: Any) -> list[dict[str, Any]]:
        if action is None:
            return []
        vector = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        if not np.all(np.isfinite(vector)) or vector.shape != (3,):
            raise ValueError(f"AdversarialEnv({self.env_id}): adversary action {action!r} must be 3 finite numbers")
        size = min(float(np.linalg.norm(vector)) * self.step_budget, self.step_budget, self._left)
        if size <= 0:
            return []
        vector = vector / np.linalg.norm(vector) * size
        self._left -= size
        scene = self.scene
        if self.target == "robot":
            scene.push(scene.robot.body, vector, link=scene.robot.EE_LINK)
            target = "robot"
        else:
            body = scene.objects[0]
            scene.push(body, vector) if self.mode == "force" else scene.move(body, vector)
            target = f"object:{body}"
        kind = "push" if self.mode == "force" else "displace"
        return [{"step": self._step, "kind": kind, "magnitude": size, "target": target, "agent": ADVERSARY}]

    def _observations(self, obs: Any) -> dict[str, Any]:
        budget = np.array([self._left / self.episode_budget], dtype=np.float32)
        adversary = {**obs, "budget": budget} if isinstance(obs, dict) else {"observation": obs, "budget": budget}
        return {PROTAGONIST: obs, ADVERSARY: adversary}

    def _infos(self, info: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            agent: {**info, "perturbations": [dict(e) for e in events], "budget_left": self._left}
            for agent in self.possible_agents
        }

    def render(self):
        return self.env.render()

    def close(self) -> None:
        self.env.close()
