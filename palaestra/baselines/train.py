"""Learned baselines: one YAML config per task, trained with stable-baselines3 or sbx (extras baselines, sbx).

>>> from palaestra.baselines.train import load_config, train
>>> config = load_config("palaestra/Reach-v0")  # doctest: +SKIP
>>> run = train(config, seed=0, out="runs/Reach")  # doctest: +SKIP

A config names its ``library`` (``sb3``: PyTorch, or ``sbx``: the same API on JAX, faster on CPU for SAC/TQC)
and ``algo``, and its ``track``: ``rl`` (pure RL) or ``demos`` (RL with ``demo_episodes`` episodes of the
task's scripted expert: SAC and TQC sample half of every batch from them, RLPD-style, see
:mod:`palaestra.baselines.demos`; PPO starts from behaviour cloning on them). A run writes the folder
described in :mod:`palaestra.baselines.runs`: evaluation figures every ``eval_every`` steps in ``curve.csv``
(:func:`palaestra.evaluation.evaluate` on fixed seeds, or for a game :func:`palaestra.baselines.games.scores`
against each scripted level), a checkpoint at each evaluation and ``model.pt``; ``resume=True`` continues
from the last checkpoint. Goal-conditioned tasks train SAC or TQC with HER, other single-agent tasks PPO, and
games PPO in self-play against an opponent pool that gains frozen snapshots of the learner
(:mod:`palaestra.baselines.games`). Every registered ID has a config except those
:func:`palaestra.registry.baseline_exclusion` names with its reason. Model files hold weights only
(:mod:`palaestra.baselines.checkpoint`): :func:`load_model` rebuilds the model from its config.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from palaestra.extras import require

EVAL_SEED_BASE = 10_000  # evaluation seeds 10000.. are disjoint from training resets and from validate's 0..99
DEMO_SEED_BASE = 20_000  # expert demonstrations put in a replay buffer (``demo_episodes``) start here
# library -> algorithms. sbx's PPO takes no Dict observations and palaestra's PPO tasks all have them (or are
# games, which need torch policies), so sbx serves the off-policy learners.
ALGORITHMS = {"sb3": ("sac", "tqc", "ppo"), "sbx": ("sac", "tqc")}
TRACKS = ("rl", "demos")  # pure RL, or RL with expert demonstrations (reported apart)


CLONING_RATE = 1e-3  # Adam's step size for behaviour cloning (clone_demonstrations)
CLONING_SCHEDULES = ("constant", "cosine")


def cloning_rates(schedule: str, epochs: int) -> list[float]:
    """The step size of each of ``epochs`` passes of behaviour cloning: :data:`CLONING_RATE` throughout
    (``constant``), or decayed along a half cosine from it towards 0 (``cosine``; the last pass at
    ``CLONING_RATE * (1 + cos(pi * (epochs - 1) / epochs)) / 2``)."""
    if schedule == "constant":
        return [CLONING_RATE] * epochs
    return [CLONING_RATE * (1.0 + math.cos(math.pi * e / epochs)) / 2.0 for e in range(epochs)]


@dataclass(frozen=True)
class TrainConfig:
    """Everything one baseline needs: algorithm, hyperparameters, budget, seeds and how it is evaluated."""

    env_id: str
    algo: str
    timesteps: int
    library: str = "sb3"
    track: str = "rl"
    seeds: tuple[int, ...] = (0, 1, 2)
    policy: str = "MultiInputPolicy"
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    her: Mapping[str, Any] | None = None
    n_envs: int = 1
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    eval_every: int = 5000
    eval_episodes: int = 20
    opponents: tuple[str, ...] = ()  # games: the self-play pool's scripted levels, weakest first
    snapshot_every: int = 0  # games: add a frozen copy of the learner to the pool this often (0: never)
    # games: how often each level is met (relative weights, 1 when absent); "snapshots" is the weight all snapshots
    # share, so the scripted levels keep their share however many snapshots the pool gathers
    opponent_weights: Mapping[str, float] = field(default_factory=dict)
    selfplay_kwargs: Mapping[str, Any] = field(default_factory=dict)  # games: SelfPlayEnv options (illegal_action)
    vectorised: bool = False  # ARRAY_GAMES: all n_envs matches in one array core (baselines/array_vec.py)
    demo_episodes: int = 0  # scripted-expert episodes: in the replay buffer (sac, tqc) or cloned first (ppo)
    demo_epochs: int = 20  # ppo with demo_episodes: passes of behaviour cloning over the demonstrations
    # ppo with demo_episodes: the cloning step size, "constant" (1e-3) or "cosine" (1e-3 decayed towards 0 over the
    # passes, one value per pass)
    demo_schedule: str = "constant"
    demo_ratio: float = 0.5  # sac, tqc with demo_episodes: the share of every batch drawn from the demonstrations
    # games with demo_episodes: the scripted level whose moves are cloned (default: the config's strongest opponent)
    demo_level: str | None = None
    # tasks with demo_episodes: the registered ID the expert's episodes are recorded in, when not env_id (same
    # observation and action spaces); PlayroomLanguage records chains (PlayroomChain-v0), so the demonstrations
    # hold the states that a chain's later instructions start from
    demo_id: str | None = None
    split: str | None = None  # playroom IDs: a CALVIN-like split ("ABC->D"): train in its scenes, evaluate in its last

    def __post_init__(self) -> None:
        if self.library not in ALGORITHMS:
            raise ValueError(f"{self.env_id}: unknown library {self.library!r}; expected one of {list(ALGORITHMS)}")
        if self.algo not in ALGORITHMS[self.library]:
            raise ValueError(f"{self.env_id}: unknown algo {self.algo!r} for {self.library}; "
                             f"expected one of {list(ALGORITHMS[self.library])}")
        if self.track not in TRACKS:
            raise ValueError(f"{self.env_id}: unknown track {self.track!r}; expected one of {list(TRACKS)}")
        if (self.track == "demos") != (self.demo_episodes > 0):
            raise ValueError(f"{self.env_id}: track 'demos' needs demo_episodes > 0, and demo_episodes needs track"
                             f" 'demos' (got track {self.track!r}, demo_episodes {self.demo_episodes})")
        if not 0.0 < self.demo_ratio < 1.0:
            raise ValueError(f"{self.env_id}: demo_ratio must be in (0, 1), got {self.demo_ratio}")
        if self.timesteps <= 0 or self.eval_every <= 0 or self.eval_episodes <= 0:
            raise ValueError(f"{self.env_id}: timesteps, eval_every and eval_episodes must be positive")
        from palaestra.baselines.imports import check_policy_kwargs

        check_policy_kwargs(self.env_id, self.hyperparams.get("policy_kwargs") or {}, self.library)
        if self.her is not None and self.algo == "ppo":
            raise ValueError(f"{self.env_id}: HER needs an off-policy algorithm (sac or tqc), not ppo")
        if self.demo_episodes < 0 or self.demo_epochs <= 0:
            raise ValueError(f"{self.env_id}: demo_episodes must be >= 0 and demo_epochs positive")
        if self.demo_schedule not in CLONING_SCHEDULES:
            raise ValueError(f"{self.env_id}: demo_schedule must be one of {list(CLONING_SCHEDULES)}, got "
                             f"{self.demo_schedule!r}")
        if self.demo_level is not None and not self.is_game:
            raise ValueError(f"{self.env_id}: demo_level names the scripted level a game's demonstrations come "
                             "from; this task has a scripted expert instead")
        if self.demo_id is not None:
            self._check_demo_id()
        if self.split is not None:
            from palaestra.envs.play.splits import check_split

            check_split(self.env_id, self.split, dict(self.env_kwargs), "env_kwargs ")
        from palaestra.baselines.games import check_config

        check_config(self)

    def _check_demo_id(self) -> None:
        from palaestra import registry

        if self.demo_episodes == 0 or self.is_game or self.split is not None:
            raise ValueError(f"{self.env_id}: demo_id names the ID a task's expert demonstrations are recorded in; "
                             "it needs demo_episodes > 0, a single-agent task and no split")
        if self.demo_id not in registry.ids():
            raise ValueError(f"{self.env_id}: demo_id {self.demo_id!r} is not a registered ID")
        if registry.get(self.demo_id).expert is None:
            raise ValueError(f"{self.env_id}: demo_id {self.demo_id!r} has no scripted expert to record")

    @property
    def evaluation_id(self) -> str:
        """The ID evaluations run in: ``env_id``, or with a split its evaluation scene's variant."""
        if self.split is None:
            return self.env_id
        from palaestra.envs.play.splits import split

        return split(self.split).eval_id(self.env_id)

    @property
    def demonstrator(self) -> str | None:
        """A game's demonstrating level: ``demo_level``, or the strongest of ``opponents`` (listed weakest
        first); ``None`` for a task, whose demonstrations come from its scripted expert."""
        if not self.is_game:
            return None
        return self.demo_level or self.opponents[-1]

    @property
    def is_game(self) -> bool:
        from palaestra import registry

        return registry.get(self.env_id).multi_agent


def _config_dir():
    return resources.files("palaestra").joinpath("baselines", "configs")


def load_config(source: str | Path, **overrides: Any) -> TrainConfig:
    """A config from a YAML path, or the registered baseline of an environment ID; ``overrides`` replace fields.

    A file that is missing, not YAML, not a mapping, or holds unknown keys or values of the wrong type raises
    ``ValueError`` (``FileNotFoundError`` when missing) naming the path; without PyYAML,
    :class:`~palaestra.extras.MissingExtraError` naming the extra to install.
    """
    yaml = require("yaml", "reading a training config")

    path = Path(source)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such config file")
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: cannot read the config ({type(error).__name__})") from None
    else:
        from palaestra import registry

        record = registry.get(str(source))
        if record.baseline is None:
            why = registry.baseline_exclusion(record)
            raise LookupError(f"{record.id} has no reference baseline config{f' ({why})' if why else ''};"
                              " pass --config PATH")
        text = _config_dir().joinpath(record.baseline).read_text()
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ValueError(f"{source}: not valid YAML{line} ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: a config is a mapping of keys (env_id, algo, timesteps, ...); "
                         f"this file holds {type(raw).__name__ if raw is not None else 'nothing'}")
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(map(str, raw)) - known
    if unknown:
        raise ValueError(f"{source}: unknown config keys {sorted(unknown)}; known: {sorted(known)}")
    raw.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("seeds", "opponents"):
        if key in raw and isinstance(raw[key], (list, tuple)):
            raw[key] = tuple(raw[key])
    try:
        return TrainConfig(**raw)
    except TypeError as error:
        raise ValueError(f"{source}: a config value has the wrong type ({error})") from None


def _algorithm(library: str, name: str):
    if library == "sbx":
        import sbx

        return getattr(sbx, name.upper())
    if name == "tqc":
        from sb3_contrib import TQC

        return TQC
    import stable_baselines3

    return getattr(stable_baselines3, name.upper())


def make_env(config: TrainConfig, seed: int, pool: Any = None):
    """The training environment: the registered env, or for a game the self-play env over ``pool``."""
    if config.is_game:
        from palaestra.wrappers.selfplay import SelfPlayEnv

        pool = pool if pool is not None else list(config.opponents)
        return SelfPlayEnv(config.env_id, opponents=pool, env_kwargs=config.env_kwargs, **config.selfplay_kwargs)
    if config.split is not None:
        from palaestra.envs.play.splits import SplitEnv

        return SplitEnv(config.env_id, config.split, **config.env_kwargs)
    import palaestra

    return palaestra.make(config.env_id, **config.env_kwargs)


def build_model(config: TrainConfig, seed: int, pool: Any = None, env_seed: int | None = None,
                n_envs: int | None = None, buffer_size: int | None = None):
    """The model for ``config`` on a (vectorised) training env, seeded with ``seed`` (the env with ``env_seed``,
    by default ``seed``); ``n_envs`` and ``buffer_size`` override the config's for a model only loaded."""
    from stable_baselines3.common.env_util import make_vec_env

    if config.vectorised:
        from palaestra.baselines.array_vec import array_selfplay

        vec = array_selfplay(config.env_id, n_envs or config.n_envs, pool if pool is not None else
                             list(config.opponents), seed=seed if env_seed is None else env_seed,
                             env_kwargs=config.env_kwargs, **config.selfplay_kwargs)
    else:
        vec = make_vec_env(lambda: make_env(config, seed, pool), n_envs=n_envs or config.n_envs,
                           seed=seed if env_seed is None else env_seed)
    kwargs = dict(config.hyperparams)
    if buffer_size is not None and config.algo != "ppo":
        kwargs["buffer_size"] = buffer_size
    if buffer_size is not None and config.algo == "ppo":
        # Only loaded, never updated: a batch larger than the one env's rollout would only make SB3 warn about
        # truncated mini-batches on every `palaestra evaluate` of a config trained on many envs.
        kwargs["batch_size"] = min(kwargs.get("batch_size", 64), kwargs.get("n_steps", 2048) * vec.num_envs)
    if "policy_kwargs" in kwargs:
        from palaestra.baselines.imports import resolve_policy_kwargs

        kwargs["policy_kwargs"] = resolve_policy_kwargs(config.env_id, kwargs["policy_kwargs"], config.library)
    buffer_kwargs: dict[str, Any] = {}
    if config.her is not None:
        from stable_baselines3 import HerReplayBuffer

        kwargs["replay_buffer_class"] = HerReplayBuffer
        buffer_kwargs.update(config.her)
    if config.demo_episodes and config.algo != "ppo":
        from gymnasium import spaces

        from palaestra import registry
        from palaestra.baselines.demos import buffer_class

        dict_observations = isinstance(vec.observation_space, spaces.Dict)
        kwargs["replay_buffer_class"] = buffer_class(config.her is not None, dict_observations)
        horizon = registry.get(config.env_id).max_episode_steps or 1000
        capacity = 1 if buffer_size is not None else config.demo_episodes * horizon
        buffer_kwargs.update(demo_capacity=capacity, demo_ratio=config.demo_ratio)
    if buffer_kwargs:
        kwargs["replay_buffer_kwargs"] = buffer_kwargs
    return _algorithm(config.library, config.algo)(config.policy, vec, seed=seed, device="cpu", verbose=0, **kwargs)


def evaluate_model(model: Any, config: TrainConfig, episodes: int | None = None) -> dict[str, float]:
    """Figures of a trained model on fixed evaluation seeds: success rate (tasks) or score per level (games)."""
    episodes = episodes or config.eval_episodes
    seeds = range(EVAL_SEED_BASE, EVAL_SEED_BASE + episodes)
    if config.is_game:
        from palaestra.baselines.games import scores

        return scores(model, config, seeds)
    from palaestra.evaluation import evaluate

    def policy(obs: Any) -> Any:
        return model.predict(obs, deterministic=True)[0]

    result = evaluate(policy, config.evaluation_id, seeds=seeds, env_kwargs=dict(config.env_kwargs))
    return {"success_rate": result.success_rate, "ci_low": result.ci_low, "ci_high": result.ci_high,
            "mean_return": result.mean_return, **language_figures(policy, config, seeds)}


LANGUAGE_ENTRY = "palaestra.envs.play.language_env:PlayroomLanguageEnv"


def language_figures(policy: Any, config: TrainConfig, seeds: range, factory: bool = False) -> dict[str, float]:
    """For an instruction-following ID (``PlayroomLanguage-v0`` and its scenes), the figures beyond success on
    the training phrasings; empty for any other ID.

    ``heldout_success_rate``: success on the same ``seeds`` (so the same tasks and scenes) with the instruction
    phrased in words kept out of training (the env's ``split="heldout"``). ``chain_length``: CALVIN's average
    length, instructions done in a row over ``len(seeds)`` chains of five without resets
    (:func:`palaestra.envs.play.chains.evaluate_chains`, chain ``i`` from seed ``seeds[i]``), in the run's
    evaluation scene and restricted to its ``tasks``. ``policy`` is ``obs -> action``, or with ``factory`` a
    class or callable ``env -> policy`` (a scripted expert).
    """
    from palaestra import registry
    from palaestra.evaluation import evaluate

    record = registry.get(config.evaluation_id)
    if registry.entry_point_name(record.entry_point) != LANGUAGE_ENTRY:
        return {}
    from palaestra.envs.play.chains import evaluate_chains

    kwargs = dict(config.env_kwargs)
    heldout = evaluate(policy, config.evaluation_id, seeds=seeds, env_kwargs={**kwargs, "split": "heldout"},
                       factory=factory)
    chains = evaluate_chains(policy if factory else (lambda env: policy), chains=len(seeds), seed=seeds[0],
                             env_kwargs={**record.kwargs, **kwargs})
    return {"heldout_success_rate": heldout.success_rate, "chain_length": chains.average_length}


def train(config: TrainConfig, seed: int, out: str | Path, progress: bool = False, resume: bool = False,
          core: int | None = None, position: int = 0) -> list[dict[str, float]]:
    """Train one seed, evaluating and checkpointing every ``eval_every`` steps; returns the curve's rows.

    ``out`` is the task's run folder; the seed writes ``out/seed_<seed>/`` and refuses one that holds a run
    unless ``resume``, which continues from its last checkpoint: weights, optimisers, replay buffer, random
    generators, opponent snapshots and the curve's rows, so the curve has no gap and no repeated row (the
    episodes in progress at the checkpoint restart). ``core`` pins the process to that core first.
    """
    if core is not None:
        from palaestra.baselines.runs import pin_to_core

        pin_to_core(core)  # before torch or JAX start their thread pools
    import torch

    from palaestra.baselines import checkpoint, runs

    yaml = require("yaml", "writing a run's config.yaml")

    torch.set_num_threads(1)  # one core per run: seeds run side by side
    resuming = runs.check_run(config, out, seed, resume)
    run_dir = runs.seed_dir(out, seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.atomic_write(run_dir / "config.yaml",
                            lambda tmp: tmp.write_text(yaml.safe_dump(_plain(config), sort_keys=False)))
    runs.write_reference(config, out)
    pool, snapshots = None, {}
    if config.is_game:
        from palaestra.wrappers.selfplay import OpponentPool

        weights = {k: float(v) for k, v in config.opponent_weights.items() if k != "snapshots"}
        pool = OpponentPool(list(config.opponents), weights=weights,
                            snapshot_share=config.opponent_weights.get("snapshots"))
    if resuming:
        model, rows, snapshots = _resume(config, seed, run_dir, pool)
    else:
        model = build_model(config, seed, pool)
        rows = []
        if config.demo_episodes and config.algo == "ppo":
            clone_demonstrations(model, config, config.demo_episodes, config.demo_epochs)
            rows.append({"timesteps": 0, **evaluate_model(model, config)})  # where fine-tuning starts from
        elif config.demo_episodes:
            add_demonstrations(model, config, config.demo_episodes)

    def save_checkpoint() -> None:
        steps = model.num_timesteps
        buffer = getattr(model, "replay_buffer", None)
        # The buffer file is named for its step and resume.pt names it: a kill between the two writes leaves
        # resume.pt pointing at the previous, matching buffer.
        buffer_name = f"replay_{steps}.npz" if buffer is not None else None
        if buffer is not None:
            checkpoint.save_buffer(buffer, run_dir / buffer_name)
        checkpoint.save(_header(config, "resume", rows=rows, snapshots=snapshots, buffer=buffer_name,
                                training=checkpoint.training_state(model, config.library)), run_dir / "resume.pt")
        for old in run_dir.glob("replay_*.npz"):
            if old.name != buffer_name:
                old.unlink()
        checkpoint.save(_header(config, "weights", steps=steps, weights=checkpoint.weights(model, config.library)),
                        run_dir / f"checkpoint_{steps}.pt")
        runs.write_curve(run_dir / "curve.csv", rows)

    bar = runs.progress_bar(config, seed, model.num_timesteps, position, progress)
    from stable_baselines3.common.callbacks import BaseCallback

    class Checkpoints(BaseCallback):
        def _on_step(self) -> bool:
            steps = self.num_timesteps
            bar.update(steps - bar.n)
            if config.snapshot_every and pool is not None and steps % config.snapshot_every < config.n_envs:
                name = f"snapshot-{steps}"
                snapshots[name] = checkpoint.weights(model, config.library)
                _add_snapshot(pool, model, snapshots[name], name)
            if steps % config.eval_every < config.n_envs:
                rows.append({"timesteps": steps, **evaluate_model(model, config)})
                save_checkpoint()
            return True

    remaining = config.timesteps - model.num_timesteps
    try:
        if remaining > 0:
            model.learn(remaining, callback=Checkpoints(), reset_num_timesteps=not resuming)
        if not rows or rows[-1]["timesteps"] != model.num_timesteps:
            rows.append({"timesteps": model.num_timesteps, **evaluate_model(model, config)})
            save_checkpoint()
    finally:
        bar.close()
    checkpoint.save(_header(config, "weights", steps=model.num_timesteps,
                            weights=checkpoint.weights(model, config.library)), run_dir / "model.pt")
    model.get_env().close()
    return rows


def _header(config: TrainConfig, kind: str, **content: Any) -> dict[str, Any]:
    from palaestra.baselines.checkpoint import FORMAT

    return {"format": FORMAT, "kind": kind, "env_id": config.env_id, "library": config.library,
            "algo": config.algo, **content}


def _resume(config: TrainConfig, seed: int, run_dir: Path, pool: Any) -> tuple[Any, list[dict[str, float]], dict]:
    """The model, curve rows and snapshots of ``run_dir``'s last checkpoint, ready to learn on."""
    import warnings

    import numpy as np

    from palaestra.baselines import checkpoint

    state = checkpoint.load(run_dir / "resume.pt")
    if state.get("kind") != "resume" or (state["library"], state["algo"]) != (config.library, config.algo):
        raise checkpoint.ModelFileError(f"{run_dir / 'resume.pt'}: not a resume checkpoint of {config.library} "
                                        f"{config.algo}")
    steps = int(state["training"]["num_timesteps"])
    # A fresh stream of training episodes for the rest of the run (not a replay of the first ones).
    env_seed = int(np.random.SeedSequence([seed, steps]).generate_state(1)[0] % 2**31)
    model = build_model(config, seed, pool, env_seed=env_seed)
    checkpoint.restore_training_state(model, state["training"], config.library)
    if getattr(model, "replay_buffer", None) is not None:
        checkpoint.load_buffer(model.replay_buffer, run_dir / str(state["buffer"]))
        if hasattr(model.replay_buffer, "truncate_last_trajectory"):
            with warnings.catch_warnings():  # the episode in progress ends here: the env restarts
                warnings.simplefilter("ignore")
                model.replay_buffer.truncate_last_trajectory()
    snapshots = dict(state.get("snapshots") or {})
    for name, weights in snapshots.items():
        _add_snapshot(pool, model, weights, name)
    return model, [dict(row) for row in state["rows"]], snapshots


def _add_snapshot(pool: Any, model: Any, weights: Any, name: str) -> None:
    """Add a frozen learner with ``weights`` (a policy of ``model``'s shape) to the opponent pool."""
    import copy
    from types import SimpleNamespace

    from palaestra.baselines.games import frozen

    policy = copy.deepcopy(model.policy)
    policy.load_state_dict(weights["policy"])
    pool.add_snapshot(frozen(SimpleNamespace(policy=policy)), name=name)


def expert_transitions(config: TrainConfig, episodes: int) -> Iterator[tuple[Any, Any, float, Any, bool, bool]]:
    """``(obs, action, reward, next_obs, terminated, truncated)`` of ``episodes`` episodes of the task's scripted
    expert (for a game: its ``demo_level`` in the learner's seat, against the config's pool), on seeds from
    ``DEMO_SEED_BASE`` on (disjoint from training resets and evaluation); the action is the expert's, clipped
    to a Box action space."""
    import numpy as np
    from gymnasium import spaces

    from palaestra import registry

    env = make_env(config, 0) if config.demo_id is None else _demo_env(config)
    space = env.action_space
    try:
        if config.is_game:
            acts = [_level_demonstrator(config, env)]
            scenes = None
        else:
            expert = registry.get(config.demo_id or config.env_id).load_expert()
            scenes = getattr(env, "envs", None)  # a split's SplitEnv: an expert per scene's env
            acts = [expert(e) for e in scenes] if scenes else [expert(env)]
        for seed in range(DEMO_SEED_BASE, DEMO_SEED_BASE + episodes):
            obs, _ = env.reset(seed=seed)
            act = acts[env.current] if scenes else acts[0]
            act.reset()
            done = False
            while not done:
                action = np.asarray(act(obs), dtype=space.dtype)
                if isinstance(space, spaces.Box):
                    action = np.clip(action, space.low, space.high)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                done = terminated or truncated
                yield obs, action, float(reward), next_obs, terminated, truncated
                obs = next_obs
    finally:
        env.close()


def _demo_env(config: TrainConfig) -> Any:
    """``config.demo_id``'s env (with the config's ``env_kwargs``), refused unless its spaces are the task's."""
    import palaestra

    demo = palaestra.make(config.demo_id, **config.env_kwargs)
    task = make_env(config, 0)
    try:
        if demo.observation_space != task.observation_space or demo.action_space != task.action_space:
            demo.close()
            raise ValueError(f"{config.env_id}: demo_id {config.demo_id!r} has other spaces than the task "
                             f"(observation {demo.observation_space} vs {task.observation_space}, action "
                             f"{demo.action_space} vs {task.action_space}); its demonstrations cannot train it")
    finally:
        task.close()
    return demo


class _LevelDemonstrator:
    """A game's scripted level playing the learner's seat of a :class:`~palaestra.wrappers.selfplay.SelfPlayEnv`
    (``reset()``, ``act(obs) -> action``), as a task's expert plays a single-agent env."""

    def __init__(self, level: Any, env: Any) -> None:
        self.level, self.env, self.episode = level, env, 0

    def reset(self) -> None:
        self.level.reset(DEMO_SEED_BASE + self.episode)
        self.episode += 1

    def __call__(self, obs: Any) -> Any:
        return self.level.act(obs, self.env.mine[0])


def _level_demonstrator(config: TrainConfig, env: Any) -> _LevelDemonstrator:
    from palaestra.competitive.match import build_policy

    if any(len(agents) != 1 for agents in env.teams.values()):
        raise ValueError(f"{config.env_id}: demonstrations from a scripted level need one agent a side; this game's"
                         f" sides are {dict(env.teams)}")
    return _LevelDemonstrator(build_policy(config.demonstrator, env.game, config.env_id), env)


def add_demonstrations(model: Any, config: TrainConfig, episodes: int) -> int:
    """Put ``episodes`` episodes of the task's scripted expert into ``model``'s demonstration buffer (the
    ``demos`` track's, :mod:`palaestra.baselines.demos`), or its replay buffer when it has none; returns the
    number of transitions.

    The episodes do not count towards ``model.num_timesteps``. Actions are stored as SB3 stores its own: scaled
    to [-1, 1].
    """
    import numpy as np

    buffer = getattr(model.replay_buffer, "demos", model.replay_buffer)
    added = 0
    for obs, action, reward, next_obs, terminated, truncated in expert_transitions(config, episodes):
        buffer.add(_batch(obs), _batch(next_obs), _scale_action(model, action)[None],
                                np.array([reward]), np.array([terminated or truncated]),
                                [{"TimeLimit.truncated": truncated and not terminated}])
        added += 1
    return added


def clone_demonstrations(model: Any, config: TrainConfig, episodes: int, epochs: int, batch_size: int = 256,
                         schedule: str | None = None) -> float:
    """Behaviour cloning: fit ``model``'s (PPO) policy to the scripted expert's actions over ``episodes``
    episodes (a game's: its ``demo_level``'s moves), ``epochs`` passes with Adam (each pass's step size from
    :func:`cloning_rates` of ``schedule``, by default the config's ``demo_schedule``) of the mean squared error
    of the mean action (a Box action) or the negative log-likelihood of the expert's move (a discrete action);
    returns the last pass's mean loss. A feature extractor with ``fit_normalisation``
    (:mod:`palaestra.baselines.features`) first takes the demonstrations' statistics.

    The policy then starts PPO where the expert's demonstrations put it (the value function is left to PPO).
    Deterministic for a given model seed: batches are shuffled by torch's generator, which SB3 seeded.
    """
    import numpy as np
    import torch
    from gymnasium import spaces
    from stable_baselines3.common.utils import obs_as_tensor

    continuous = isinstance(model.action_space, spaces.Box)
    if not (continuous or isinstance(model.action_space, (spaces.Discrete, spaces.MultiDiscrete))):
        raise ValueError(f"{config.env_id}: behaviour cloning fits a Box, Discrete or MultiDiscrete action; "
                         f"this action space is {model.action_space}")
    observations, actions = [], []
    for obs, action, *_ in expert_transitions(config, episodes):
        observations.append(obs)
        actions.append(action)
    if isinstance(observations[0], Mapping):
        stacked: Any = {key: np.stack([o[key] for o in observations]) for key in observations[0]}
    else:
        stacked = np.stack(observations)
    policy = model.policy
    for module in policy.modules():  # an extractor built with normalise=True standardises by the demonstrations
        if hasattr(module, "fit_normalisation"):
            module.fit_normalisation(stacked)
    inputs = obs_as_tensor(stacked, policy.device)
    targets = torch.as_tensor(np.stack(actions), dtype=torch.float32 if continuous else torch.long)
    optimizer = torch.optim.Adam(policy.parameters(), lr=CLONING_RATE)
    count, loss_sum = len(targets), 0.0
    policy.set_training_mode(True)
    for rate in cloning_rates(schedule or config.demo_schedule, epochs):
        for group in optimizer.param_groups:
            group["lr"] = rate
        loss_sum = 0.0
        for batch in torch.randperm(count).split(batch_size):
            features = {k: v[batch] for k, v in inputs.items()} if isinstance(inputs, dict) else inputs[batch]
            distribution = policy.get_distribution(features)
            if continuous:
                loss = torch.nn.functional.mse_loss(distribution.distribution.mean, targets[batch])
            else:
                loss = -distribution.log_prob(targets[batch]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
    policy.set_training_mode(False)
    return loss_sum / count


def _scale_action(model: Any, action: Any) -> Any:
    """An action in [-1, 1] as SB3 and sbx store a Box action (sbx policies have no ``scale_action``)."""
    space = model.action_space
    return 2.0 * (action - space.low) / (space.high - space.low) - 1.0


def _batch(obs: Any) -> Any:
    import numpy as np

    if isinstance(obs, Mapping):
        return {key: np.asarray(value)[None] for key, value in obs.items()}
    return np.asarray(obs)[None]


def _plain(config: TrainConfig) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value

    return {f.name: plain(getattr(config, f.name)) for f in dataclasses.fields(config)}


def load_model(path: str | Path, unsafe_pickle: bool = False) -> tuple[Any, TrainConfig]:
    """A saved model and its config: the model is rebuilt from the ``config.yaml`` beside the file, and only
    its weights are read (``model.pt`` or ``checkpoint_<steps>.pt``; see :mod:`palaestra.baselines.checkpoint`).

    An SB3 ``.zip`` (written by older versions) holds cloudpickled objects that can run code when loaded: it is
    refused unless ``unsafe_pickle`` (``--unsafe-pickle``) says its source is trusted.
    """
    from palaestra.baselines import checkpoint

    path = Path(path)
    config_path = path.parent / "config.yaml"
    if not path.is_file():
        raise checkpoint.ModelFileError(f"{path}: no such model file")
    if not config_path.is_file():
        raise checkpoint.ModelFileError(f"{path}: no config.yaml beside the model; it says which model to rebuild")
    config = load_config(config_path)
    if path.suffix == ".zip":
        if not unsafe_pickle:
            raise checkpoint.ModelFileError(
                f"{path}: an SB3 zip holds pickled Python objects that can run code when loaded; load it only if "
                "you trust its source, with --unsafe-pickle (or use a model.pt written by palaestra train)")
        env = None
        if config.her is not None:  # a HER replay buffer is rebuilt around the env's compute_reward
            from stable_baselines3.common.env_util import make_vec_env

            env = make_vec_env(lambda: make_env(config, 0), n_envs=1)
        return _algorithm(config.library, config.algo).load(path, env=env, device="cpu"), config
    payload = checkpoint.load(path)
    saved = (payload.get("library"), payload.get("algo"))
    if payload.get("kind") != "weights" or saved != (config.library, config.algo):
        raise checkpoint.ModelFileError(f"{path}: holds {payload.get('kind')} of {payload.get('library')} "
                                        f"{payload.get('algo')}, but config.yaml says {config.library} {config.algo}")
    model = build_model(config, 0, n_envs=1, buffer_size=1000)
    try:
        checkpoint.set_weights(model, payload["weights"], config.library)
    except (KeyError, RuntimeError, ValueError, TypeError) as error:
        raise checkpoint.ModelFileError(f"{path}: weights do not fit the model of config.yaml ({error})") from None
    return model, config


def train_seeds(config: TrainConfig, out: str | Path, backend: str = "process", workers: int = 2,
                resume: bool = False, progress: bool = False) -> dict[int, Any]:
    """Train every seed of ``config`` side by side on a backend (``process`` or ``ray``); seed -> curve or error.

    Local seeds are pinned one per core (cycling over the cores this process may use; with one worker they run
    in this process, whose affinity is restored afterwards) and each shows a progress bar when ``progress``.
    """
    from palaestra.baselines.backends import run_all
    from palaestra.baselines.runs import check_run, cores, write_reference

    for seed in config.seeds:  # refuse before anything starts
        check_run(config, out, seed, resume)
    write_reference(config, out)  # once, before the seeds start (each would compute the same figures)
    available = cores()
    pin = backend == "process"
    jobs = [(config, seed, str(out), progress, resume, available[i % len(available)] if pin else None, i)
            for i, seed in enumerate(config.seeds)]
    try:
        return {config.seeds[i]: outcome for i, outcome in run_all(train, jobs, workers, backend)}
    finally:
        if pin and hasattr(os, "sched_setaffinity"):  # seeds run in this process when workers == 1
            os.sched_setaffinity(0, available)
