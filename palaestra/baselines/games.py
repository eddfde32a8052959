"""Self-play learners of the competitive games: config checks, how a trained model moves, and its scores.

A game's baseline trains PPO in :class:`~palaestra.wrappers.selfplay.SelfPlayEnv`, where the learner plays a
whole side (a team's observations joined, one action per teammate) against a pool of the game's scripted
levels and frozen snapshots of itself. None of palaestra's algorithms masks actions, so in a turn-based game
the learner trains with ``illegal_action="lose"``; once trained (evaluated or frozen into the pool) it plays
the most probable *legal* move, since the game itself refuses an illegal one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from palaestra.baselines.train import TrainConfig

_NOT_OPTIONS = ("self", "game", "opponents", "env_kwargs")  # SelfPlayEnv arguments a config sets otherwise
# Games whose self-play runs all matches in one array core with ``vectorised: true``: the module (in
# palaestra.baselines) and class of their self-play arrays (see baselines/array_vec.py).
ARRAY_GAMES = {
    "palaestra/Volleyball-v0": "volley_vec:VolleySelfPlayVecEnv",
    "palaestra/TeamVolleyball2v2-v0": "volley_vec:VolleySelfPlayVecEnv",
    "palaestra/TeamVolleyball3v3-v0": "volley_vec:VolleySelfPlayVecEnv",
    "palaestra/Tag-v0": "field_vec:TagSelfPlayVecEnv",
    "palaestra/Soccer2v2-v0": "field_vec:SoccerSelfPlayVecEnv",
}


def selfplay_options() -> list[str]:
    """The :class:`SelfPlayEnv` keyword arguments a config may set in ``selfplay_kwargs``."""
    from palaestra.wrappers.selfplay import SelfPlayEnv

    return [name for name in inspect.signature(SelfPlayEnv.__init__).parameters if name not in _NOT_OPTIONS]


def check_config(config: TrainConfig) -> None:
    """Raise ``ValueError`` naming the env when a game config's opponents or self-play options are wrong."""
    from palaestra import registry
    from palaestra.competitive.match import opponent_table

    record = registry.get(config.env_id)
    env_id = record.id
    if config.vectorised and record.id not in ARRAY_GAMES:
        raise ValueError(f"{record.id}: vectorised: true needs an array core; games with one: {list(ARRAY_GAMES)}")
    if not record.multi_agent:
        if config.opponents or config.snapshot_every or config.selfplay_kwargs or config.opponent_weights:
            raise ValueError(f"{env_id}: opponents, opponent_weights, snapshot_every and selfplay_kwargs are for"
                             " competitive games; it is a single-agent task")
        return
    levels = list(opponent_table(env_id))
    unknown = [name for name in config.opponents if name not in levels]
    if unknown or not config.opponents:
        raise ValueError(f"{env_id}: opponents must name the game's scripted levels {levels} (weakest first);"
                         f" got {list(config.opponents)}")
    if config.snapshot_every < 0:
        raise ValueError(f"{env_id}: snapshot_every must be >= 0 (0: no snapshots of the learner)")
    if config.demo_episodes and config.algo != "ppo":
        raise ValueError(f"{env_id}: a game's demonstrations are cloned into PPO's policy; algo is {config.algo!r}")
    if config.demo_episodes and "team" in record.tags:
        raise ValueError(f"{env_id}: demonstrations come from a scripted level playing the learner's seat, which"
                         " needs one agent a side; this is a team game")
    if config.demo_level is not None and config.demo_level not in levels:
        raise ValueError(f"{env_id}: demo_level names the scripted level whose moves are cloned: one of {levels};"
                         f" got {config.demo_level!r}")
    weighable = list(config.opponents) + (["snapshots"] if config.snapshot_every else [])
    if not isinstance(config.opponent_weights, Mapping):
        raise ValueError(f"{env_id}: opponent_weights must map names from {weighable} to weights, got "
                         f"{config.opponent_weights!r}")
    for name, weight in config.opponent_weights.items():
        if name not in weighable:
            raise ValueError(f"{env_id}: opponent_weights names {name!r}; expected one of {weighable} (the config's"
                             " opponents, and snapshots when snapshot_every > 0)")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < float("inf"):
            raise ValueError(f"{env_id}: opponent_weights[{name!r}] must be a positive number, got {weight!r}")
    options = selfplay_options()
    extra = sorted(set(config.selfplay_kwargs) - set(options))
    if extra:
        raise ValueError(f"{env_id}: unknown selfplay_kwargs {extra}; SelfPlayEnv takes {options}")
    illegal = config.selfplay_kwargs.get("illegal_action", "raise")
    if illegal not in ("raise", "lose"):
        raise ValueError(f"{env_id}: selfplay_kwargs illegal_action={illegal!r}; expected 'raise' or 'lose'")
    if config.vectorised and set(config.selfplay_kwargs) - {"side"}:
        raise ValueError(f"{env_id}: with vectorised: true the only selfplay_kwargs is side; got"
                         f" {sorted(config.selfplay_kwargs)}")
    if "action-mask" in record.tags and illegal != "lose":
        raise ValueError(f"{env_id} has illegal moves and {config.algo} cannot mask them: set"
                         " selfplay_kwargs: {illegal_action: lose} so that an illegal move loses the match")


def predict(policy: Any, observation: Any) -> Any:
    """The deterministic action of an SB3 ``policy``; with an ``action_mask``, its most probable legal move."""
    if not (isinstance(observation, Mapping) and "action_mask" in observation):
        return policy.predict(observation, deterministic=True)[0]
    import torch

    tensor, _ = policy.obs_to_tensor(observation)
    with torch.no_grad():
        probs = policy.get_distribution(tensor).distribution.probs[0].cpu().numpy()
    legal = np.flatnonzero(np.asarray(observation["action_mask"]))
    return int(legal[np.argmax(probs[legal])])


def frozen(model: Any) -> Callable[[Any], Any]:
    """A frozen copy of ``model``'s policy as ``observation -> action``, for the opponent pool."""
    import copy

    policy = copy.deepcopy(model.policy)
    policy.set_training_mode(False)
    return lambda observation: predict(policy, observation)


def scores(model: Any, config: TrainConfig, seeds: Sequence[int]) -> dict[str, float]:
    """The model's score (win 1, draw 1/2) against each of ``config.opponents``, sides alternating per seed.

    The model plays a whole side as it trained, through :func:`palaestra.competitive.evaluate` as a
    :class:`~palaestra.competitive.SidePolicy`: from the side's observations joined, one action per teammate.
    """
    from palaestra.competitive import SidePolicy
    from palaestra.competitive import evaluate as play

    def learner(env):
        return SidePolicy(env, lambda obs, side: predict(model.policy, obs), "learner")

    return {
        f"score_vs_{level}": play(learner, level, config.env_id, seeds=seeds, env_kwargs=config.env_kwargs).score
        for level in config.opponents
    }
