"""A vector env that scales with cores: several environments per worker process, observations in shared memory.

Gymnasium's ``AsyncVectorEnv`` runs one environment per process and pays two pipe messages per environment
per step; at a few thousand steps/s per environment that traffic costs more than the simulation, so two
workers on two cores come out slower than one environment in-process. :class:`BatchedVectorEnv` gives each
worker a contiguous slice of the environments: one message out and one back (rewards, flags, infos) per
worker per step, observations written straight into shared memory, ``Box`` actions read from shared memory.

>>> import palaestra
>>> from palaestra.vector import make_batched
>>> envs = make_batched("palaestra/Push-v0", num_envs=8, workers=2)  # doctest: +SKIP
>>> obs, infos = envs.reset(seed=0)  # doctest: +SKIP

Semantics are those of Gymnasium's ``SyncVectorEnv`` over the same environment factories, bit for bit:
``reset(seed=s)`` seeds environment ``i`` with ``s + i``; ``autoreset_mode`` is ``NEXT_STEP`` (the default:
the step after an episode ends resets that environment, ignores its action and returns its first observation
with reward 0) or ``SAME_STEP`` (the ending step resets at once and puts the last observation and info in
``infos["final_obs"]`` / ``infos["final_info"]``). :mod:`palaestra.baselines.vector` adapts it to a
stable-baselines3 ``VecEnv``; :mod:`palaestra.vector_games` batches the parallel games the same way.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Sequence
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

from palaestra.checks import check_real

# Seconds a process polls for the other side's message before sleeping (see BatchedVectorEnv).
SPIN = 5e-4


def resolve_spin(owner: str, spin: Any, workers: int) -> float:
    """A batched env's ``spin`` checked (seconds in [0, 1]), or for ``None`` the default: :data:`SPIN` when this
    process may run on at least ``workers`` cores, else 0 (a polling worker would take the core its partner
    needs)."""
    if spin is not None:
        return check_real(owner, "spin", spin, low=0.0, high=1.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return SPIN if cores >= workers else 0.0


class BatchedVectorEnv(VectorEnv):
    """``len(env_fns)`` environments stepped by ``workers`` processes, each owning a contiguous slice.

    The calling process is one of the workers: it steps the first slice while the others step theirs, so
    ``workers=2`` keeps exactly two cores busy and a step costs one wake-up of each other worker.
    ``context`` is the multiprocessing start method of the others (``"spawn"`` by default: a forked child
    must not inherit the parent's PyBullet clients). With ``copy=False`` the returned observations are views
    of the shared buffer that the next ``step``/``reset`` overwrites. ``pin=True`` (Linux) binds worker ``i``
    to core ``i`` (the calling process to core 0 until ``close``): a woken worker is otherwise often queued
    on its waker's core, which serialises the two (-20% time per step measured with 2 x 2 Push envs). Only
    worth it when the cores are yours.

    ``spin`` is how long (seconds) a process polls for the other side's message before it sleeps in the kernel:
    the calling process for the workers' replies, each worker for its next command. Waking a sleeping process
    costs 0.1-0.2 ms here, as much as half a Panda step, so with 2 workers x 4 Push envs the default (0.5 ms)
    takes a step from 1.44 to 1.28 ms (quiet 2-core machine). A polling process holds its core meanwhile, so
    the default (``None``) polls only when this process may run on at least ``workers`` cores; pass ``spin=0``
    on a machine whose cores are busy with other work.
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], gym.Env]],
        workers: int = 2,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        context: str | None = "spawn",
        copy: bool = True,
        pin: bool = False,
        spin: float | None = None,
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
        if pin and not hasattr(os, "sched_setaffinity"):
            raise ValueError("BatchedVectorEnv: pin=True binds processes to cores, which needs Linux; use pin=False")
        self._pool = _Workers(env_fns, workers, functools.partial(_Slice, autoreset_mode=self.autoreset_mode),
                              lambda env: env.observation_space, context, pin,
                              resolve_spin("BatchedVectorEnv", spin, workers))
        first = self._pool.local.envs[0]
        self.metadata = {**first.metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = first.render_mode
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._slices = self._pool.slices
        self._run = self._pool.run

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
        replies = self._run("reset", [(seeds[lo:hi], options[lo:hi]) for lo, hi in self._slices])
        return self._read(), [info for infos in replies for info in infos]

    def step(self, actions):
        shared = self._pool.actions
        if shared is not None and isinstance(actions, np.ndarray) and actions.dtype == shared.dtype \
                and actions.shape == shared.shape:
            shared[...] = actions  # the workers read their rows there: no actions in the messages
            replies = self._run("step_shared", [None] * len(self._slices))
        else:
            rows = actions if isinstance(actions, np.ndarray) else list(iterate(self.action_space, actions))
            replies = self._run("step", [rows[lo:hi] for lo, hi in self._slices])
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        truncations = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[str, Any] = {}
        for (lo, hi), (r, te, tr, env_infos, finals) in zip(self._slices, replies):
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
        return tuple(v for values in self._run("call", [(name, args, kwargs)] * len(self._slices)) for v in values)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        return self.call(name)

    def set_attr(self, name: str, values: Any | Sequence[Any]) -> None:
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(f"BatchedVectorEnv.set_attr: {len(values)} values given; expected {self.num_envs}")
        self._run("set", [(name, list(values[lo:hi])) for lo, hi in self._slices])

    def env_is_wrapped(self, wrapper_class: type) -> tuple[bool, ...]:
        """Whether each environment has a ``wrapper_class`` wrapper (stable-baselines3 asks for ``Monitor``)."""
        return tuple(v for values in self._run("wrapped", [wrapper_class] * len(self._slices)) for v in values)

    def worker_cpu_seconds(self) -> tuple[float, ...]:
        """CPU seconds each worker process has used so far, the calling process first (for benchmarks)."""
        return tuple(self._run("cpu", [None] * len(self._slices)))

    def close_extras(self, **kwargs: Any) -> None:
        self._pool.close()

    def _read(self):
        return _copy(self._pool.observations) if self.copy else self._pool.observations


class _Workers:
    """The processes behind a batched env: contiguous slices of ``env_fns``, the first stepped by the calling
    process, the others by spawned workers, with one shared observation buffer of ``space_of(first env)``.

    ``make_slice(envs, offset, views)`` builds what handles a slice's commands (a :class:`_Slice`); ``spin`` is
    the seconds each side polls for a message before sleeping (see :class:`BatchedVectorEnv`). When the
    environments have a ``Box`` action space, ``actions`` is a shared ``(n, *shape)`` buffer that every slice
    can read its rows from (``step_shared``), else ``None``.
    """

    def __init__(self, env_fns: Sequence[Callable[[], Any]], workers: int, make_slice: Callable[..., _Slice],
                 space_of: Callable[[Any], gym.Space], context: str | None, pin: bool = False,
                 spin: float = 0.0) -> None:
        n = len(env_fns)
        bounds = np.linspace(0, n, workers + 1).round().astype(int)
        self.slices = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self._failed, self._closed, self._spin = False, True, spin
        self._pipes: list[Any] = []
        self._processes: list[Any] = []
        envs = [fn() for fn in env_fns[: self.slices[0][1]]]
        space = space_of(envs[0])
        ctx = mp.get_context(context)
        shared = create_shared_memory(space, n=n, ctx=ctx)
        self.observations = read_from_shared_memory(space, shared, n=n)
        self.local = make_slice(envs, 0, views=self.observations)
        action_space = getattr(envs[0], "action_space", None)
        action_buffer = None
        self.actions = None
        if isinstance(action_space, gym.spaces.Box):
            action_buffer = create_shared_memory(action_space, n=n, ctx=ctx)
            self.actions = self.local.actions = read_from_shared_memory(action_space, action_buffer, n=n)
        self._closed = False
        for lo, hi in self.slices[1:]:
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_work, args=(CloudpickleWrapper(list(env_fns[lo:hi])), lo, n, child, parent, shared, space,
                                    make_slice, spin, action_buffer, action_space),
                daemon=True,
            )
            process.start()
            if pin:
                os.sched_setaffinity(process.pid, {(len(self._processes) + 1) % (os.cpu_count() or 1)})
            child.close()
            self._pipes.append(parent)
            self._processes.append(process)
        self._affinity = None
        if pin:
            self._affinity = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {0})
        self._receive_all()  # each worker reports once its environments are built

    def run(self, command: str, data: list[Any]) -> list[Any]:
        """Send each worker its part of ``command``, do the calling process's part meanwhile, gather replies."""
        if self._failed:
            raise RuntimeError("a batched env's worker failed earlier (see the first error); close it and make "
                               "a new one")
        for pipe, part in zip(self._pipes, data[1:]):
            pipe.send((command, part))
        try:
            mine = self.local.handle(command, data[0])
        finally:
            others = self._receive_all()  # drain the replies even when the local part failed
        return [mine, *others]

    def _receive_all(self) -> list[Any]:
        replies = []
        errors = []
        for pipe, process in zip(self._pipes, self._processes):
            try:
                _wait(pipe, self._spin)
                ok, payload = pipe.recv()
            except EOFError:
                process.join(timeout=1)
                ok, payload = False, f"worker {process.pid} exited without replying (exit code {process.exitcode})"
            (replies if ok else errors).append(payload)
        if errors:
            self._failed = True
            raise RuntimeError("a batched env's worker failed:\n" + "\n".join(errors))
        return replies

    def close(self) -> None:
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
        self.local.close()
        if self._affinity is not None:
            os.sched_setaffinity(0, self._affinity)


class _Slice:
    """A worker's environments ``offset, offset + 1, ...``: the same per-environment logic as Gymnasium's
    ``SyncVectorEnv``, observations written into rows of the shared buffers' numpy ``views``."""

    def __init__(self, envs: list[Any], offset: int, views: Any, autoreset_mode: AutoresetMode) -> None:
        self.envs, self.offset, self.autoreset_mode, self.views = envs, offset, autoreset_mode, views
        self.leaves = _leaves(views)
        self.needs_reset = [False] * len(envs)
        self.actions: np.ndarray | None = None  # the shared action buffer, when there is one

    def handle(self, command: str, data: Any) -> Any:
        return getattr(self, f"_{command}")(data)

    def _step(self, actions) -> tuple[list, list, list, list, list]:
        rewards, terminations, truncations, infos, finals = [], [], [], [], []
        for k, (env, action) in enumerate(zip(self.envs, actions)):
            final = None
            if self.autoreset_mode is AutoresetMode.NEXT_STEP and self.needs_reset[k]:
                obs, info = env.reset()
                reward, terminated, truncated = 0.0, False, False
            else:
                obs, reward, terminated, truncated, info = env.step(action)
                if self.autoreset_mode is AutoresetMode.SAME_STEP and (terminated or truncated):
                    final = (obs, info)
                    obs, info = env.reset()
            self.needs_reset[k] = bool(terminated or truncated)
            _assign(self.leaves, self.offset + k, obs)
            rewards.append(reward)
            terminations.append(terminated)
            truncations.append(truncated)
            infos.append(info)
            finals.append(final)
        return rewards, terminations, truncations, infos, finals

    def _step_shared(self, _: None) -> tuple[list, list, list, list, list]:
        # A private copy: an environment may keep its action, and the next step overwrites the buffer.
        return self._step(self.actions[self.offset:self.offset + len(self.envs)].copy())

    def _reset(self, data) -> list[dict]:
        seeds, options = data
        infos = []
        for k, (env, seed, option) in enumerate(zip(self.envs, seeds, options)):
            obs, info = env.reset(seed=seed, options=option)
            self.needs_reset[k] = False
            _assign(self.leaves, self.offset + k, obs)
            infos.append(info)
        return infos

    def _call(self, data) -> list[Any]:
        name, args, kwargs = data
        values = []
        for env in self.envs:
            value = env.get_wrapper_attr(name)
            values.append(value(*args, **kwargs) if callable(value) else value)
        return values

    def _set(self, data) -> None:
        name, values = data
        for env, value in zip(self.envs, values):
            env.set_wrapper_attr(name, value)

    def _wrapped(self, wrapper_class: type) -> list[bool]:
        return [_is_wrapped(env, wrapper_class) for env in self.envs]

    def _cpu(self, _: Any) -> float:
        return time.process_time()

    def close(self) -> None:
        for env in self.envs:
            env.close()


def make_batched(
    env_id: str, num_envs: int, workers: int = 2, autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
    context: str | None = "spawn", pin: bool = False, spin: float | None = None, **kwargs: Any,
) -> BatchedVectorEnv:
    """``num_envs`` copies of ``gym.make(env_id, **kwargs)`` in a :class:`BatchedVectorEnv` with ``workers``."""
    return BatchedVectorEnv(
        [_Maker(env_id, kwargs) for _ in range(num_envs)], workers=workers, autoreset_mode=autoreset_mode,
        context=context, pin=pin, spin=spin,
    )


class _Maker:
    """A picklable ``gym.make`` call (a lambda would need cloudpickle to reach a spawned worker by value)."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]) -> None:
        self.env_id, self.kwargs = env_id, kwargs

    def __call__(self) -> gym.Env:
        import palaestra  # noqa: F401  (registers the IDs in a fresh worker)

        return gym.make(self.env_id, **self.kwargs)


def _work(env_fns, offset, num_envs, pipe, parent_pipe, shared, space, make_slice, spin, action_buffer=None,
          action_space=None) -> None:
    """A worker process's loop: build its slice, then answer commands until ``close``."""
    parent_pipe.close()
    part = None
    try:
        part = make_slice([fn() for fn in env_fns.fn], offset, views=read_from_shared_memory(space, shared, n=num_envs))
        if action_buffer is not None:
            part.actions = read_from_shared_memory(action_space, action_buffer, n=num_envs)
        pipe.send((True, None))
        while True:
            _wait(pipe, spin)
            command, data = pipe.recv()
            if command == "close":
                break
            pipe.send((True, part.handle(command, data)))
    except (KeyboardInterrupt, EOFError):
        pass
    except Exception:  # noqa: BLE001 - reported to the parent, which raises it with the worker's traceback
        pipe.send((False, f"environments from {offset}:\n{traceback.format_exc()}"))
    finally:
        if part is not None:
            part.close()
        pipe.close()


def _wait(pipe: Any, seconds: float) -> None:
    """Poll ``pipe`` for up to ``seconds`` (a sleeping reader costs a wake-up when the message comes)."""
    if seconds > 0.0 and not pipe.poll():
        end = time.perf_counter() + seconds
        while not pipe.poll() and time.perf_counter() < end:
            pass


def _leaves(views: Any, path: tuple = ()) -> list[tuple[tuple, np.ndarray]]:
    """The numpy views of a (nested dict / tuple) observation buffer, each with its key path."""
    if isinstance(views, dict):
        return [leaf for key, view in views.items() for leaf in _leaves(view, (*path, key))]
    if isinstance(views, tuple):
        return [leaf for i, view in enumerate(views) for leaf in _leaves(view, (*path, i))]
    return [(path, views)]


def _assign(leaves: list[tuple[tuple, np.ndarray]], index: int, value: Any) -> None:
    """Write one observation into row ``index`` of the shared buffers' numpy views (made once per worker:
    Gymnasium's ``write_to_shared_memory`` rebuilds them on every call, at about 15x the cost)."""
    for path, view in leaves:
        item = value
        for key in path:
            item = item[key]
        view[index] = item


def _copy(views: Any) -> Any:
    """A copy of the batched observations (``deepcopy`` costs 4x as much for a dict of three arrays)."""
    if isinstance(views, dict):
        return {key: _copy(view) for key, view in views.items()}
    if isinstance(views, tuple):
        return tuple(_copy(view) for view in views)
    return views.copy()


def _is_wrapped(env: gym.Env, wrapper_class: type) -> bool:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, wrapper_class):
            return True
        env = env.env
    return isinstance(env, wrapper_class)
