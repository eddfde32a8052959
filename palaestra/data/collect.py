"""Record an agent's play in the playroom as a play dataset (``palaestra collect play``).

An agent is anything built as ``agent(env, rng)`` with ``act(obs) -> action`` and a ``current_task``
attribute (the task it pursues, or ``None``): the scripted :class:`~palaestra.baselines.play_agent.PlayAgent`
by default. A new agent is built after every reset, with the environment's own generator.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from palaestra.data.annotate import GRID, WindowGrid
from palaestra.data.dataset import PlayDataset, PlayDatasetWriter, load_play_dataset, stop_signals_interrupt

PLAYROOM, LANGUAGE = "palaestra/Playroom-v0", "palaestra/PlayroomLanguage-v0"


class Agent(Protocol):
    current_task: str | None

    def act(self, obs: Any) -> np.ndarray: ...


AgentFactory = Callable[[gym.Env, np.random.Generator], Agent]


class SmoothRandomAgent:
    """Random but smooth arm motion: an exponentially smoothed Gaussian walk of the end effector, the gripper
    toggled now and then. The stand-in for scripted play, and the floor a play dataset's coverage should beat."""

    def __init__(self, env: gym.Env, rng: np.random.Generator, smoothing: float = 0.85, toggle: float = 0.03) -> None:
        self.rng, self.smoothing, self.toggle = rng, smoothing, toggle
        self.motion = np.zeros(3)
        self.grip = 1.0
        self.current_task: str | None = None

    def act(self, obs: Any) -> np.ndarray:
        self.motion = self.smoothing * self.motion + (1 - self.smoothing) * self.rng.normal(0.0, 1.5, 3)
        if self.rng.random() < self.toggle:
            self.grip = -self.grip
        return np.clip(np.append(self.motion, self.grip), -1.0, 1.0).astype(np.float32)


def default_agent() -> AgentFactory:
    """The scripted play agent (:class:`~palaestra.baselines.play_agent.PlayAgent`)."""
    from palaestra.baselines.play_agent import PlayAgent

    return PlayAgent


def agent_by_name(name: str, style: float | None = None) -> AgentFactory:
    """``"play"`` (the scripted play agent, in ``style`` if given) or ``"random"`` (:class:`SmoothRandomAgent`),
    for the command line."""
    if name == "play":
        if style is None:
            return default_agent()
        if not 0.0 <= style <= 1.0:
            raise ValueError(f"{PLAYROOM}: play style must be in [0, 1], got {style}")
        return functools.partial(default_agent(), style=style)
    if name == "random":
        return SmoothRandomAgent
    raise ValueError(f"{PLAYROOM}: unknown play agent {name!r}; expected 'play' or 'random'")


def agent_name(agent: AgentFactory) -> str:
    if isinstance(agent, functools.partial):  # a configured agent: its class and settings
        settings = ", ".join(f"{k}={v!r}" for k, v in agent.keywords.items())
        return f"{agent_name(agent.func)}({settings})"
    return f"{getattr(agent, '__module__', '?')}.{getattr(agent, '__qualname__', type(agent).__name__)}"


def record_episode(env: gym.Env, agent: AgentFactory, seed: int, steps: int) -> dict[str, Any]:
    """Reset ``env`` with ``seed`` and run a fresh agent until the episode ends or for ``steps`` steps;
    returns :meth:`PlayDatasetWriter.add_episode`'s arguments."""
    obs, _ = env.reset(seed=seed)
    play = env.unwrapped
    actor = agent(env, play.np_random)
    observations, actions, states, tasks = [obs], [], [play.state], [actor.current_task or ""]
    rewards: list[float] = []
    terminated = truncated = False
    while not (terminated or truncated) and len(actions) < steps:
        action = np.asarray(actor.act(obs), dtype=np.float32)
        obs, reward, terminated, truncated, _ = env.step(action)
        rewards.append(float(reward))
        observations.append(obs)
        actions.append(action)
        states.append(play.state)
        tasks.append(actor.current_task or "")
    return {"observations": observations, "actions": actions, "states": states, "agent_tasks": tasks, "seed": seed,
            "rewards": rewards, "terminated": bool(terminated)}


def collect_play(
    episodes: int,
    out: str | os.PathLike,
    steps_per_episode: int = 1200,
    seed: int = 0,
    agent: AgentFactory | None = None,
    obs_mode: str = "state",
    progress: bool = True,
    grid: WindowGrid = GRID,
    scenes: Sequence[str] | None = None,
) -> PlayDataset:
    """Record ``episodes`` episodes of ``steps_per_episode`` steps of ``agent`` on ``palaestra/Playroom-v0``
    into a new play dataset at ``out`` (layout in :mod:`palaestra.data.dataset`) and return it opened.
    ``scenes`` (playroom scene names, e.g. a split's ``train``) records episode ``i`` in
    ``scenes[i % len(scenes)]``; the metadata lists them under ``scenes``. By default the one scene A.

    Episode ``i`` is reset with seed ``seed + i``, so any episode can be replayed alone. Ctrl-C (or SIGTERM,
    SIGHUP) stops the collection: the unfinished episode is dropped, the finished ones stay, the metadata says
    ``interrupted`` and the dataset is returned as usual. A kill (SIGKILL) keeps every finished episode too
    (:mod:`palaestra.data.storage`).
    """
    if episodes < 1 or steps_per_episode < 1:
        raise ValueError(f"{PLAYROOM}: need episodes >= 1 and steps_per_episode >= 1, got {episodes}, {steps_per_episode}")
    agent = agent or default_agent()
    info = {"env_id": PLAYROOM, "env_kwargs": {"obs_mode": obs_mode}, "seed": seed, "agent": agent_name(agent),
            "source": "play", "steps_per_episode": steps_per_episode, **_scenes(PLAYROOM, scenes)}
    return _collect(out, info, agent, grid, progress, episodes * steps_per_episode,
                    lambda i, done: (seed + i, steps_per_episode) if i < episodes else None)


def collect_demos(
    steps: int,
    out: str | os.PathLike,
    seed: int = 0,
    steps_per_episode: int = 150,
    tasks: Sequence[str] | None = None,
    progress: bool = True,
    grid: WindowGrid = GRID,
    scenes: Sequence[str] | None = None,
) -> PlayDataset:
    """Per-task scripted demonstrations for a budget of ``steps`` steps, in the play-data format: episodes of
    ``palaestra/PlayroomLanguage-v0`` (one feasible task each, among ``tasks``) performed by the scripted
    :class:`~palaestra.baselines.experts.play.PlayroomExpert`, each ending when its task is done or after
    ``steps_per_episode`` steps; the last one is cut at the budget. The baseline play is compared with
    (:func:`palaestra.data.report.compare`). Episode ``i`` is reset with seed ``seed + i``, in
    ``scenes[i % len(scenes)]`` when ``scenes`` is given (as in :func:`collect_play`).
    """
    if steps < 1 or steps_per_episode < 1:
        raise ValueError(f"{LANGUAGE}: need steps >= 1 and steps_per_episode >= 1, got {steps}, {steps_per_episode}")
    kwargs = {} if tasks is None else {"tasks": list(tasks)}
    info = {"env_id": LANGUAGE, "env_kwargs": kwargs, "seed": seed, "agent": agent_name(ExpertAgent),
            "source": "scripted", "steps_per_episode": steps_per_episode, **_scenes(LANGUAGE, scenes)}
    return _collect(out, info, ExpertAgent, grid, progress, steps,
                    lambda i, done: (seed + i, min(steps_per_episode, steps - done)) if done < steps else None)


class ExpertAgent:
    """The scripted playroom expert behind the agent interface: it performs the language env's instruction."""

    def __init__(self, env: gym.Env, rng: np.random.Generator) -> None:
        from palaestra.baselines.experts.play import PlayroomExpert

        self.env, self.expert = env.unwrapped, PlayroomExpert(env)

    @property
    def current_task(self) -> str:
        return self.env.instruction_task

    def act(self, obs: Any) -> np.ndarray:
        return self.expert(obs)


def _collect(out: str | os.PathLike, info: dict[str, Any], agent: AgentFactory, grid: WindowGrid, progress: bool,
             total: int, plan: Callable[[int, int], tuple[int, int] | None]) -> PlayDataset:
    """Record episodes while ``plan(index, steps done)`` gives their ``(seed, most steps)``; Ctrl-C stops."""
    import palaestra
    from palaestra.progress import progress_bar

    envs = [
        palaestra.make(info["env_id"], max_episode_steps=info["steps_per_episode"], **info["env_kwargs"], **scene)
        for scene in ([{"scene": name} for name in info["scenes"]] if "scenes" in info else [{}])
    ]
    interrupted = False
    try:
        writer = PlayDatasetWriter(out, envs[0], info, grid)
        try:
            with stop_signals_interrupt(), progress_bar("steps", disable=not progress) as bar:
                task = bar.add_task(f"recording {info['source']} data", total=total)
                done = 0
                while (episode := plan(writer.episodes, done)) is not None:
                    record = record_episode(envs[writer.episodes % len(envs)], agent, *episode)
                    writer.add_episode(**record)
                    done += len(record["actions"])
                    bar.update(task, completed=done)
        except KeyboardInterrupt:
            interrupted = True
        writer.finish(interrupted)
    finally:
        for env in envs:
            env.close()
    return load_play_dataset(writer.root)


def _scenes(env_id: str, scenes: Sequence[str] | None) -> dict[str, list[str]]:
    """The metadata entry for ``scenes`` (none for the default, so single-scene datasets read as before)."""
    if scenes is None:
        return {}
    from palaestra.envs.play.scenes import SCENES

    if isinstance(scenes, str) or not scenes or any(s not in SCENES for s in scenes):
        raise ValueError(f"{env_id}: scenes={scenes!r}; expected a non-empty list of scene names from {list(SCENES)}")
    return {"scenes": list(scenes)}
