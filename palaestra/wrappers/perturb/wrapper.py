"""``Perturb``: any combination of perturbations on a Gymnasium environment, seeded and logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import RecordConstructorArgs

from palaestra.checks import EnvironmentClosed, check_action, check_options
from palaestra.wrappers.goal_api import GoalAPIPassthrough
from palaestra.wrappers.perturb.base import Perturbation
from palaestra.wrappers.perturb.presets import Spec, resolve
from palaestra.wrappers.perturb.scene import Scene
from palaestra.wrappers.perturb.session import Session

_UNSET = object()


def observed_part(space: spaces.Space) -> spaces.Space | None:
    """The part of an observation space that sensor perturbations act on: a goal dict's ``observation``."""
    if isinstance(space, spaces.Dict):
        return space.spaces.get("observation")
    return space


def check_applicable(where: str, perturbations: tuple[Perturbation, ...], observation: Any, action: Any) -> None:
    """Refuse sensor perturbations on non-Box observations and actuation ones on non-Box actions."""
    for p in perturbations:
        needed = {"observation": observation, "action": action}.get(p.acts_on, spaces.Box(0, 1))
        if not isinstance(needed, spaces.Box):
            raise TypeError(f"{where}: {type(p).__name__} needs a Box {p.acts_on} space, got {needed}")


def on_sensors(obs: Any, transform: Callable[[np.ndarray], np.ndarray]) -> Any:
    """``obs`` with ``transform`` applied to its sensor part (see :func:`observed_part`), as a fresh dict."""
    if isinstance(obs, dict):
        return {**obs, "observation": transform(obs["observation"])} if "observation" in obs else dict(obs)
    return transform(obs)


class Perturb(GoalAPIPassthrough, gym.Wrapper, RecordConstructorArgs):
    """An environment disturbed by perturbations: sensors, actuation, dynamics, interventions, appearance.

    ``spec`` is a preset name (``"hard"``, or ``"push-hard"`` on Push), a :class:`Perturbation` or a list of
    them; ``reset(options={"perturbation": spec})`` replaces it for one episode. Spaces and reward are the
    wrapped environment's: sensor perturbations change only a goal dict's ``observation`` entry, so
    ``achieved_goal``, ``desired_goal`` and the reward stay exact. Every ``info`` gains ``"perturbations"``:
    this step's events (``step``, ``kind``, ``magnitude``, ``target``). Perturbations draw from their own
    streams seeded by ``reset(seed=...)``, never from the environment's ``np_random``.

    >>> import gymnasium as gym, palaestra
    >>> from palaestra.wrappers import Perturb, Push
    >>> env = Perturb(gym.make("palaestra/Push-v0"), ["medium", Push(0.05, rate=1.0)])
    >>> obs, info = env.reset(seed=0)
    >>> [e["kind"] for e in env.step(env.action_space.sample())[-1]["perturbations"]]
    ['push']
    """

    def __init__(self, env: gym.Env, spec: Spec = "medium", env_id: str | None = None) -> None:
        RecordConstructorArgs.__init__(self, spec=spec, env_id=env_id)
        gym.Wrapper.__init__(self, env)
        base = env.unwrapped
        self.env_id = env_id or getattr(base, "env_id", None) or type(base).__name__
        self._task = getattr(getattr(base, "task", None), "name", None)
        self.perturbations = self._resolve(spec)
        self.scene = Scene(env)
        self._session = Session(self.scene)
        self._active = self.perturbations
        self._pixels = getattr(getattr(base, "obs_mode", None), "value", None) == "pixels"
        self._closed = False

    def _resolve(self, spec: Spec) -> tuple[Perturbation, ...]:
        perturbations = resolve(spec, self._task, self.env_id)
        check_applicable(self.env_id, perturbations, observed_part(self.observation_space), self.action_space)
        return perturbations

    @property
    def reset_options(self) -> tuple[str, ...]:
        """The keys ``reset(options=...)`` takes: ``perturbation`` and those of the wrapped env."""
        return ("perturbation", *self.env.get_wrapper_attr("reset_options"))

    @property
    def active(self) -> tuple[Perturbation, ...]:
        """The perturbations of the current episode."""
        return self._active

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._closed:  # the scene is restored before the wrapped env could refuse
            raise EnvironmentClosed(f"{self.env_id}: reset() after close(); expected a new environment")
        # The wrapped env checks the other keys; it names the same ID (make_perturbed renames it).
        options = check_options(self.env_id, options, None)
        chosen = options.pop("perturbation", _UNSET)
        self._active = self.perturbations if chosen is _UNSET else self._resolve(chosen)
        # Undo the last episode's dynamics, gravity and colours before the base env restores its snapshot.
        self.scene.restore()
        for p in self._active:
            if p.acts_on == "visual":
                p.prepare(self.scene)
        obs, info = self.env.reset(seed=seed, options=options or None)
        part = observed_part(self.observation_space)
        self._session.start(seed, [(p, None, part) for p in self._active])
        visual = self._pixels and any(p.acts_on == "visual" for p in self._active)
        return self._observe(obs, rerender=visual), {**info, "perturbations": self._session.logged()}

    def step(self, action: Any):
        if self._closed:
            raise EnvironmentClosed(f"{self.env_id}: step() after close(); expected a new environment")
        if isinstance(self.action_space, spaces.Box):
            action = check_action(self.env_id, action, self.action_space)
        self._session.next_step()
        action = self._session.action(action)
        if isinstance(self.action_space, spaces.Box):
            # Kept in float64: casting back to the space's float32 would round the agent's own action.
            action = np.clip(action, self.action_space.low, self.action_space.high)
        self._session.before_step()
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._session.after_step()
        obs = self._observe(obs, rerender=self._pixels and self.scene.rerenders)
        return obs, reward, terminated, truncated, {**info, "perturbations": self._session.logged()}

    def close(self) -> None:
        self._closed = True
        super().close()

    def render(self):
        if self.scene.rerenders and self.render_mode == "rgb_array":
            return self.scene.render()
        return self.env.render()

    def _observe(self, obs: Any, rerender: bool) -> Any:
        if rerender:
            obs = {**obs, "observation": self.scene.render()}
        return on_sensors(obs, self._session.observation)
