"""Learned baselines: one YAML configuration per task, trained with stable-baselines3 (extra ``baselines``).

>>> from palaestra.baselines.train import load_config, train
>>> config = load_config("palaestra/Reach-v0")  # doctest: +SKIP
>>> run = train(config, seed=0, out="runs/reach")  # doctest: +SKIP

A run writes, under ``out/seed_<seed>/``: ``config.yaml`` (what was trained), ``curve.csv`` (evaluation
figures every ``eval_every`` steps, computed by :func:`palaestra.evaluation.evaluate` on fixed seeds, or for a
game by :func:`palaestra.baselines.games.scores` against each scripted level), ``checkpoint_<steps>.zip`` at each
evaluation, and ``model.zip``. Goal-conditioned tasks train SAC or TQC with HER, other single-agent tasks PPO
(``demo_episodes`` starts them from the scripted expert: in SAC's or TQC's replay buffer, or cloned into
PPO's policy), and games PPO in self-play against an opponent pool that gains frozen snapshots of the learner
(:mod:`palaestra.baselines.games`). Every registered ID has a config except those
:func:`palaestra.registry.baseline_exclusion` names with its reason.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

EVAL_SEED_BASE = 10_000  # evaluation seeds 10000.. are disjoint from training resets and from validate's 0..99
DEMO_SEED_BASE = 20_000  # expert demonstrations put in a replay buffer (``demo_episodes``) start here
ALGORITHMS = ("sac", "tqc", "ppo")


@dataclass(frozen=True)
class TrainConfig:
    """Everything one baseline needs: algorithm, hyperparameters, budget, seeds and how it is evaluated."""

    env_id: str
    algo: str
    timesteps: int
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
    selfplay_kwargs: Mapping[str, Any] = field(default_factory=dict)  # games: SelfPlayEnv options (illegal_action)
    demo_episodes: int = 0  # scripted-expert episodes: in the replay buffer (sac, tqc) or cloned first (ppo)
    demo_epochs: int = 20  # ppo with demo_episodes: passes of behaviour cloning over the demonstrations

    def __post_init__(self) -> None:
        if self.algo not in ALGORITHMS:
            raise ValueError(f"{self.env_id}: unknown algo {self.algo!r}; expected one of {list(ALGORITHMS)}")
        if self.timesteps <= 0 or self.eval_every <= 0 or self.eval_episodes <= 0:
            raise ValueError(f"{self.env_id}: timesteps, eval_every and eval_episodes must be positive")
        if self.her is not None and self.algo == "ppo":
            raise ValueError(f"{self.env_id}: HER needs an off-policy algorithm (sac or tqc), not ppo")
        if self.demo_episodes < 0 or self.demo_epochs <= 0:
            raise ValueError(f"{self.env_id}: demo_episodes must be >= 0 and demo_epochs positive")
        if self.demo_episodes and self.is_game:
            raise ValueError(f"{self.env_id}: demo_episodes needs a scripted expert; games have opponents instead")
        from palaestra.baselines.games import check_config

        check_config(self)

    @property
    def is_game(self) -> bool:
        from palaestra import registry

        return registry.get(self.env_id).multi_agent


def _config_dir():
    return resources.files("palaestra").joinpath("baselines", "configs")


def load_config(source: str | Path, **overrides: Any) -> TrainConfig:
    """A config from a YAML path, or the registered baseline of an environment ID; ``overrides`` replace fields."""
    import yaml

    path = Path(source)
    if path.suffix in (".yaml", ".yml"):
        text = path.read_text()
    else:
        from palaestra import registry

        record = registry.get(str(source))
        if record.baseline is None:
            why = registry.baseline_exclusion(record)
            raise LookupError(f"{record.id} has no reference baseline config{f' ({why})' if why else ''};"
                              " pass --config PATH")
        text = _config_dir().joinpath(record.baseline).read_text()
    raw = yaml.safe_load(text)
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{source}: unknown config keys {sorted(unknown)}; known: {sorted(known)}")
    raw.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("seeds", "opponents"):
        if key in raw:
            raw[key] = tuple(raw[key])
    return TrainConfig(**raw)


def _algorithm(name: str):
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
    import palaestra

    return palaestra.make(config.env_id, **config.env_kwargs)


def build_model(config: TrainConfig, seed: int, pool: Any = None):
    """The SB3 model for ``config`` on a (vectorised) training env, seeded with ``seed``."""
    from stable_baselines3.common.env_util import make_vec_env

    vec = make_vec_env(lambda: make_env(config, seed, pool), n_envs=config.n_envs, seed=seed)
    kwargs = dict(config.hyperparams)
    if "policy_kwargs" in kwargs:
        from palaestra.baselines.features import resolve_policy_kwargs

        kwargs["policy_kwargs"] = resolve_policy_kwargs(config.env_id, kwargs["policy_kwargs"])
    if config.her is not None:
        from stable_baselines3 import HerReplayBuffer

        kwargs.update(replay_buffer_class=HerReplayBuffer, replay_buffer_kwargs=dict(config.her))
    return _algorithm(config.algo)(config.policy, vec, seed=seed, device="cpu", verbose=0, **kwargs)


def evaluate_model(model: Any, config: TrainConfig, episodes: int | None = None) -> dict[str, float]:
    """Figures of a trained model on fixed evaluation seeds: success rate (tasks) or score per level (games)."""
    episodes = episodes or config.eval_episodes
    seeds = range(EVAL_SEED_BASE, EVAL_SEED_BASE + episodes)
    if config.is_game:
        from palaestra.baselines.games import scores

        return scores(model, config, seeds)
    from palaestra.evaluation import evaluate

    result = evaluate(lambda obs: model.predict(obs, deterministic=True)[0], config.env_id, seeds=seeds,
                      env_kwargs=dict(config.env_kwargs))
    return {"success_rate": result.success_rate, "ci_low": result.ci_low, "ci_high": result.ci_high,
            "mean_return": result.mean_return}


def train(config: TrainConfig, seed: int, out: str | Path, progress: bool = False) -> list[dict[str, float]]:
    """Train one seed, evaluating and checkpointing every ``eval_every`` steps; returns the curve's rows."""
    import torch
    import yaml
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)  # one core per run: seeds run side by side
    run_dir = Path(out) / f"seed_{seed}"
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(_plain(config), sort_keys=False))
    pool = None
    if config.is_game:
        from palaestra.wrappers.selfplay import OpponentPool

        pool = OpponentPool(list(config.opponents))
    model = build_model(config, seed, pool)
    rows: list[dict[str, float]] = []
    if config.demo_episodes and config.algo == "ppo":
        clone_demonstrations(model, config, config.demo_episodes, config.demo_epochs)
        rows.append({"timesteps": 0, **evaluate_model(model, config)})  # where fine-tuning starts from
    elif config.demo_episodes:
        add_demonstrations(model, config, config.demo_episodes)

    class Checkpoints(BaseCallback):
        def _on_step(self) -> bool:
            steps = self.num_timesteps
            if config.snapshot_every and pool is not None and steps % config.snapshot_every < config.n_envs:
                from palaestra.baselines.games import frozen

                pool.add_snapshot(frozen(model), name=f"snapshot-{steps}")
            if steps % config.eval_every < config.n_envs:
                rows.append({"timesteps": steps, **evaluate_model(model, config)})
                _write_curve(run_dir / "curve.csv", rows)
                model.save(run_dir / f"checkpoint_{steps}.zip")
            return True

    model.learn(config.timesteps, callback=Checkpoints(), progress_bar=progress)
    if not rows or rows[-1]["timesteps"] != model.num_timesteps:
        rows.append({"timesteps": model.num_timesteps, **evaluate_model(model, config)})
        _write_curve(run_dir / "curve.csv", rows)
    model.save(run_dir / "model.zip")
    return rows


def expert_transitions(config: TrainConfig, episodes: int) -> Iterator[tuple[Any, Any, float, Any, bool, bool]]:
    """``(obs, action, reward, next_obs, terminated, truncated)`` of ``episodes`` episodes of the task's scripted
    expert, on seeds from ``DEMO_SEED_BASE`` on (disjoint from training resets and evaluation); the action is
    the expert's, clipped to the action space."""
    import numpy as np

    from palaestra import registry

    expert = registry.get(config.env_id).load_expert()
    env = make_env(config, 0)
    space = env.action_space
    try:
        act = expert(env)
        for seed in range(DEMO_SEED_BASE, DEMO_SEED_BASE + episodes):
            obs, _ = env.reset(seed=seed)
            act.reset()
            done = False
            while not done:
                action = np.clip(np.asarray(act(obs), dtype=space.dtype), space.low, space.high)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                done = terminated or truncated
                yield obs, action, float(reward), next_obs, terminated, truncated
                obs = next_obs
    finally:
        env.close()


def add_demonstrations(model: Any, config: TrainConfig, episodes: int) -> int:
    """Put ``episodes`` episodes of the task's scripted expert into ``model``'s replay buffer; returns transitions.

    The episodes do not count towards ``model.num_timesteps``. Actions are stored as SB3 stores its own: scaled
    to [-1, 1]. A ``buffer_size`` below the budget plus these transitions overwrites the demonstrations first
    once it is full.
    """
    import numpy as np

    added = 0
    for obs, action, reward, next_obs, terminated, truncated in expert_transitions(config, episodes):
        model.replay_buffer.add(_batch(obs), _batch(next_obs), model.policy.scale_action(action)[None],
                                np.array([reward]), np.array([terminated or truncated]),
                                [{"TimeLimit.truncated": truncated and not terminated}])
        added += 1
    return added


def clone_demonstrations(model: Any, config: TrainConfig, episodes: int, epochs: int, batch_size: int = 256) -> float:
    """Behaviour cloning: fit the mean action of ``model``'s (PPO) policy to the scripted expert's actions over
    ``episodes`` episodes, ``epochs`` passes of mean squared error with Adam; returns the last pass's mean loss.

    The policy then starts PPO where the expert's demonstrations put it (the value function is left to PPO).
    Deterministic for a given model seed: batches are shuffled by torch's generator, which SB3 seeded.
    """
    import numpy as np
    import torch
    from gymnasium import spaces
    from stable_baselines3.common.utils import obs_as_tensor

    if not isinstance(model.action_space, spaces.Box):
        raise ValueError(f"{config.env_id}: behaviour cloning fits a continuous (Box) action; "
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
    inputs = obs_as_tensor(stacked, policy.device)
    targets = torch.as_tensor(np.stack(actions), dtype=torch.float32)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
    count, loss_sum = len(targets), 0.0
    policy.set_training_mode(True)
    for _ in range(epochs):
        loss_sum = 0.0
        for batch in torch.randperm(count).split(batch_size):
            features = {k: v[batch] for k, v in inputs.items()} if isinstance(inputs, dict) else inputs[batch]
            mean = policy.get_distribution(features).distribution.mean
            loss = torch.nn.functional.mse_loss(mean, targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
    policy.set_training_mode(False)
    return loss_sum / count


def _batch(obs: Any) -> Any:
    import numpy as np

    if isinstance(obs, Mapping):
        return {key: np.asarray(value)[None] for key, value in obs.items()}
    return np.asarray(obs)[None]


def _write_curve(path: Path, rows: list[dict[str, float]]) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _plain(config: TrainConfig) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value

    return {f.name: plain(getattr(config, f.name)) for f in dataclasses.fields(config)}


def load_model(path: str | Path) -> tuple[Any, TrainConfig]:
    """A saved model and its config, the algorithm read from the ``config.yaml`` beside it."""
    path = Path(path)
    config_path = path.parent / "config.yaml"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    if not config_path.exists():
        raise FileNotFoundError(f"{path}: no config.yaml beside the model; it says which algorithm to load")
    config = load_config(config_path)
    env = None
    if config.her is not None:  # a HER replay buffer is rebuilt around the env's compute_reward
        from stable_baselines3.common.env_util import make_vec_env

        env = make_vec_env(lambda: make_env(config, 0), n_envs=1)
    return _algorithm(config.algo).load(path, env=env, device="cpu"), config


def train_seeds(config: TrainConfig, out: str | Path, backend: str = "process", workers: int = 2) -> dict[int, Any]:
    """Train every seed of ``config`` side by side on a backend (``process`` or ``ray``); seed -> curve or error."""
    from palaestra.baselines.backends import run_all

    jobs = [(config, seed, str(out)) for seed in config.seeds]
    return {config.seeds[i]: outcome for i, outcome in run_all(train, jobs, workers, backend)}
