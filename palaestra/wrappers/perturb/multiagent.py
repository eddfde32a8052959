"""``PerturbParallel``: perturbations on a PettingZoo ParallelEnv, each agent with its own streams."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo.utils.wrappers import BaseParallelWrapper

from palaestra.checks import check_options
from palaestra.wrappers.perturb.base import Perturbation
from palaestra.wrappers.perturb.presets import Spec, resolve
from palaestra.wrappers.perturb.scene import Scene
from palaestra.wrappers.perturb.session import Session
from palaestra.wrappers.perturb.wrapper import check_applicable, observed_part, on_sensors

_UNSET = object()


class PerturbParallel(BaseParallelWrapper):
    """A PettingZoo ParallelEnv whose ``agents`` (default: all) see perturbed observations and actions.

    Observation and action perturbations run once per perturbed agent, each (perturbation, agent) pair with
    its own generator; world perturbations (dynamics, pushes) run once, and only where the environment
    exposes a PyBullet ``world``. Spaces and rewards are unchanged; each agent's ``info`` gains
    ``"perturbations"``: this step's events for that agent and for the world. ``reset(options=
    {"perturbation": spec})`` chooses the perturbations of one episode.
    """

    def __init__(self, env: Any, spec: Spec = "medium", agents: list[str] | None = None) -> None:
        super().__init__(env)
        self.env_id = getattr(env, "metadata", {}).get("name", type(env).__name__)
        self.perturbed_agents = list(env.possible_agents if agents is None else agents)
        unknown = set(self.perturbed_agents) - set(env.possible_agents)
        if unknown:
            raise ValueError(f"{self.env_id}: agents {sorted(unknown)} are not among {env.possible_agents}")
        self.perturbations = self._resolve(spec)
        self._active = self.perturbations
        self.scene = Scene(env)
        self._session = Session(self.scene)

    def _resolve(self, spec: Spec) -> tuple[Perturbation, ...]:
        perturbations = resolve(spec, None, self.env_id)
        for agent in self.perturbed_agents:
            check_applicable(
                f"{self.env_id} ({agent})", perturbations,
                observed_part(self.env.observation_space(agent)), self.env.action_space(agent),
            )
        return perturbations

    def reset(self, seed: int | None = None, options: dict | None = None):
        options = check_options(self.env_id, options, None)  # the wrapped game checks the keys it takes
        chosen = options.pop("perturbation", _UNSET)
        self._active = self.perturbations if chosen is _UNSET else self._resolve(chosen)
        self.scene.restore()
        observations, infos = self.env.reset(seed=seed, options=options or None)
        bound = []
        for p in self._active:
            if p.acts_on in ("observation", "action"):
                bound += [(p, a, observed_part(self.env.observation_space(a))) for a in self.perturbed_agents]
            elif self.scene.available:
                bound.append((p, None, None))
        self._session.start(seed, bound)
        return self._observe(observations), self._infos(infos)

    def step(self, actions: dict[str, Any]):
        self._session.next_step()
        executed = dict(actions)
        for agent, action in actions.items():
            space = self.env.action_space(agent)
            if agent in self.perturbed_agents and isinstance(space, spaces.Box):
                clipped = np.clip(np.asarray(action, dtype=np.float64), space.low, space.high)
                executed[agent] = np.clip(self._session.action(clipped, agent), space.low, space.high)
        self._session.before_step()
        observations, rewards, terminations, truncations, infos = self.env.step(executed)
        self._session.after_step()
        return self._observe(observations), rewards, terminations, truncations, self._infos(infos)

    def _observe(self, observations: dict[str, Any]) -> dict[str, Any]:
        return {
            agent: on_sensors(obs, lambda part, a=agent: self._session.observation(part, a)) if agent in self.perturbed_agents else obs
            for agent, obs in observations.items()
        }

    def _infos(self, infos: dict[str, dict]) -> dict[str, dict]:
        events = self._session.events
        return {
            agent: {**info, "perturbations": [dict(e) for e in events if e.get("agent", agent) == agent]}
            for agent, info in infos.items()
        }
