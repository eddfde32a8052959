"""A vector env that scales with cores: several environments per worker process, observations in shared memory.

Gymnasium's ``AsyncVectorEnv`` runs one environment per process and pays two pipe messages per environment
per step; at a few thousand steps/s per environment that traffic costs more than the simulation, so two
workers on two cores come out slower than one environment in-process. :class:`BatchedVectorEnv` gives each
worker a contiguous slice of the environments: one message out (the slice's actions) and one back (rewards,
flags, infos) per worker per step, observations written straight into shared memory.

>>> import palaestra
>>> from palaestra.vector import make_batched
>>> envs = make_batched("palaestra/Push-v0", num_envs=8, workers=2)  # doctest: +SKIP
>>> obs, infos = envs.reset(seed=0)  # doctest: +SKIP

Semantics are those of Gymnasium's ``SyncVectorEnv`` over the same environment factories, bit for bit:
``reset(seed=s)`` seeds environment ``i`` with ``s + i``; ``autoreset_mode`` is ``NEXT_STEP`` (the default:
the step after an episode ends resets that environment, ignores its action and returns its first observation
with reward 0) or ``SAME_STEP`` (the ending step resets at once and puts the last observation and info in
``infos["final_obs"]`` / ``infos["final_info"]``). :func:`palaestra.baselines.vector.to_sb3` adapts it to a
stable-baselines3 ``VecEnv``.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import (
    CloudpickleWrapper,
    batch_space,
    create_shared_memory,
    iterate,
    read_from_shared_memory,
)


class BatchedVectorEnv(VectorEnv):
    """``len(env_fns)`` environments stepped by ``workers`` processes, each owning a contiguous slice.

    ``context`` is the multiprocessing start method (``"spawn"`` by default: a forked child must not inherit
    the parent's PyBullet clients). With ``copy=False`` the returned observations are views of the shared
    buffer that the next ``step``/``reset`` overwrites.
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], gym.Env]],
        workers: int = 2,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        context: str | None = "spawn",
        copy: bool = True,
    ) -> None:
        self.num_envs = len(env_fns)
        if self.num_envs < 1:
            raise ValueError("BatchedVectorEnv: env_fns is empty; expected at least one environment factory")
        if not isinstance(workers, int) or not 1 <= workers <= self.num_envs:
            raise ValueError(f"BatchedVectorEnv: workers={workers!r}; expected an integer in [1, {self.num_envs}]")
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode is AutoresetMode.DISABLED:
            raise ValueError("BatchedVectorEnv: autoreset_mode DISABLED is not supported; use NEXT_STEP or SAME_STEP")
        self.copy = copy
        dummy = env_fns[0]()
        self.metadata = {**dummy.metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = dummy.render_mode
        self.single_observation_space = dummy.observation_space
        self.single_action_space = dummy.action_space
        dummy.close()
        del dummy
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

        ctx = mp.get_context(context)
        shared = create_shared_memory(self.single_observation_space, n=self.num_envs, ctx=ctx)
        self._observations = read_from_shared_memory(self.single_observation_space, shared, n=self.num_envs)
        bounds = np.linspace(0, self.num_envs, workers + 1).round().astype(int)
        self._slices = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self._pipes, self._processes = [], []
        for lo, hi in self._slices:
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_work,
                args=(CloudpickleWrapper(list(env_fns[lo:hi])), lo, self.num_envs, child, parent, shared,
                      self.single_observation_space, self.autoreset_mode),
                daemon=True,
            )
            process.start()
            child.close()
            self._pipes.append(parent)
            self._processes.append(process)
        self._closed = False
        self._receive_all()  # each worker reports once its environments are built

    # -- VectorEnv API -------------------------------------------------------------------------------
    def reset(self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None):
        if options and "reset_mask" in options:
            raise ValueError("BatchedVectorEnv.reset: options['reset_mask'] (partial resets) is not supported; "
                             "use the default autoreset instead")
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"BatchedVectorEnv.reset: {len(seeds)} seeds given; expected {self.num_envs}")
        observations, env_infos = self.reset_each(seeds, [options] * self.num_envs)
        infos: dict[str, Any] = {}
        for i, info in enumerate(env_infos):
            infos = self._add_info(infos, info, i)
        return observations, infos

    def reset_each(self, seeds: Sequence[int | None], options: Sequence[dict[str, Any] | None]):
        """Reset environment ``i`` with ``seeds[i]`` and ``options[i]``: the batched observations and the list
        of the environments' own info dicts (for adapters that keep infos per environment)."""
        for pipe, (lo, hi) in zip(self._pipes, self._slices):
            pipe.send(("reset", (seeds[lo:hi], options[lo:hi])))
        infos = [info for replies in self._receive_all() for info in replies]  # the workers have written
        return self._read(), infos

    def env_is_wrapped(self, wrapper_class: type) -> tuple[bool, ...]:
        """Whether each environment has a ``wrapper_class`` wrapper (stable-baselines3 asks for ``Monitor``)."""
        for pipe in self._pipes:
            pipe.send(("wrapped", wrapper_class))
        return tuple(value for values in self._receive_all() for value in values)

    def step(self, actions):
        if isinstance(actions, np.ndarray):
            rows = actions
        else:
            rows = list(iterate(self.action_space, actions))
        for pipe, (lo, hi) in zip(self._pipes, self._slices):
            pipe.send(("step", rows[lo:hi]))
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        truncations = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[str, Any] = {}
        for (lo, hi), (r, te, tr, env_infos, finals) in zip(self._slices, self._receive_all()):
            rewards[lo:hi], terminations[lo:hi], truncations[lo:hi] = r, te, tr
            for i, (info, final) in enumerate(zip(env_infos, finals), start=lo):
                if final is not None:
                    infos = self._add_info(infos, {"final_obs": final[0], "final_info": final[1]}, i)
                infos = self._add_info(infos, info, i)
        return self._read(), rewards, terminations, truncations, infos

    def render(self) -> tuple[Any, ...] | None:
        return tuple(self.call("render"))

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """``getattr(env, name)`` of every environment (called with the arguments when it is callable)."""
        for pipe in self._pipes:
            pipe.send(("call", (name, args, kwargs)))
        return tuple(value for values in self._receive_all() for value in values)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        return self.call(name)

    def set_attr(self, name: str, values: Any | Sequence[Any]) -> None:
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(f"BatchedVectorEnv.set_attr: {len(values)} values given; expected {self.num_envs}")
        for pipe, (lo, hi) in zip(self._pipes, self._slices):
            pipe.send(("set", (name, list(values[lo:hi]))))
        self._receive_all()

    def worker_cpu_seconds(self) -> tuple[float, ...]:
        """CPU seconds each worker process has used so far (for benchmarks: load-independent costs)."""
        for pipe in self._pipes:
            pipe.send(("cpu", None))
        return tuple(self._receive_all())

    def close_extras(self, **kwargs: Any) -> None:
        if self._closed:
            return
        self._closed = True
        for pipe in self._pipes:
            try:
                pipe.send(("close", None))
            except (BrokenPipeError, OSError):
                pass
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        for pipe in self._pipes:
            pipe.close()

    # -- helpers ---------------------------------------------------------------------------------------
    def _read(self):
        return deepcopy(self._observations) if self.copy else self._observations

    def _receive_all(self) -> list[Any]:
        replies = []
        errors = []
        for pipe, process in zip(self._pipes, self._processes):
            try:
                ok, payload = pipe.recv()
            except EOFError:
                process.join(timeout=1)
                ok, payload = False, f"worker {process.pid} exited without replying (exit code {process.exitcode})"
            (replies if ok else errors).append(payload)
        if errors:
            raise RuntimeError("BatchedVectorEnv: a worker failed:\n" + "\n".join(errors))
        return replies


def make_batched(
    env_id: str, num_envs: int, workers: int = 2, autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
    context: str | None = "spawn", **kwargs: Any,
) -> BatchedVectorEnv:
    """``num_envs`` copies of ``gym.make(env_id, **kwargs)`` in a :class:`BatchedVectorEnv` with ``workers``."""
    return BatchedVectorEnv(
        [_Maker(env_id, kwargs) for _ in range(num_envs)], workers=workers, autoreset_mode=autoreset_mode,
        context=context,
    )


class _Maker:
    """A picklable ``gym.make`` call (a lambda would need cloudpickle to reach a spawned worker by value)."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]) -> None:
        self.env_id, self.kwargs = env_id, kwargs

    def __call__(self) -> gym.Env:
        import palaestra  # noqa: F401  (registers the IDs in a fresh worker)

        return gym.make(self.env_id, **self.kwargs)


def _work(env_fns, offset, num_envs, pipe, parent_pipe, shared, space, autoreset_mode) -> None:
    """A worker's loop: the same per-environment logic as Gymnasium's ``SyncVectorEnv``, over its slice."""
    parent_pipe.close()
    envs: list[gym.Env] = []
    try:
        views = read_from_shared_memory(space, shared, n=num_envs)
        envs = [fn() for fn in env_fns.fn]
        needs_reset = [False] * len(envs)
        pipe.send((True, None))
        while True:
            command, data = pipe.recv()
            if command == "step":
                rewards, terminations, truncations, infos, finals = [], [], [], [], []
                for k, (env, action) in enumerate(zip(envs, data)):
                    final = None
                    if autoreset_mode is AutoresetMode.NEXT_STEP and needs_reset[k]:
                        obs, info = env.reset()
                        reward, terminated, truncated = 0.0, False, False
                    else:
                        obs, reward, terminated, truncated, info = env.step(action)
                        if autoreset_mode is AutoresetMode.SAME_STEP and (terminated or truncated):
                            final = (obs, info)
                            obs, info = env.reset()
                    needs_reset[k] = bool(terminated or truncated)
                    _assign(views, offset + k, obs)
                    rewards.append(reward)
                    terminations.append(terminated)
                    truncations.append(truncated)
                    infos.append(info)
                    finals.append(final)
                pipe.send((True, (rewards, terminations, truncations, infos, finals)))
            elif command == "reset":
                seeds, options = data
                infos = []
                for k, (env, seed, option) in enumerate(zip(envs, seeds, options)):
                    obs, info = env.reset(seed=seed, options=option)
                    needs_reset[k] = False
                    _assign(views, offset + k, obs)
                    infos.append(info)
                pipe.send((True, infos))
            elif command == "call":
                name, args, kwargs = data
                values = []
                for env in envs:
                    value = env.get_wrapper_attr(name)
                    values.append(value(*args, **kwargs) if callable(value) else value)
                pipe.send((True, values))
            elif command == "set":
                name, values = data
                for env, value in zip(envs, values):
                    env.set_wrapper_attr(name, value)
                pipe.send((True, None))
            elif command == "wrapped":
                pipe.send((True, [_is_wrapped(env, data) for env in envs]))
            elif command == "cpu":
                pipe.send((True, time.process_time()))
            elif command == "close":
                break
    except (KeyboardInterrupt, EOFError):
        pass
    except Exception:  # noqa: BLE001 - reported to the parent, which raises it with the worker's traceback
        pipe.send((False, f"environments {offset}..{offset + len(env_fns.fn) - 1}:\n{traceback.format_exc()}"))
    finally:
        for env in envs:
            env.close()
        pipe.close()


def _assign(views: Any, index: int, value: Any) -> None:
    """Write one observation into row ``index`` of the shared buffers' numpy views (made once per worker:
    Gymnasium's ``write_to_shared_memory`` rebuilds them on every call, at about 15x the cost)."""
    if isinstance(views, dict):
        for key, view in views.items():
            _assign(view, index, value[key])
    elif isinstance(views, tuple):
        for view, item in zip(views, value):
            _assign(view, index, item)
    else:
        views[index] = value


def _is_wrapped(env: gym.Env, wrapper_class: type) -> bool:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, wrapper_class):
            return True
        env = env.env
    return isinstance(env, wrapper_class)
