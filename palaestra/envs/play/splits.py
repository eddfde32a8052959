"""Train and evaluation splits over the playroom's scenes, as CALVIN defines them.

A split names the scenes a policy may see in training and the scene it is evaluated in. CALVIN's
``ABC->D`` trains on three environments and evaluates zero-shot on the fourth, whose furniture stands
elsewhere and looks different; ``D->D`` trains and evaluates in one; ``ABCD->D`` trains on all four.
Training data comes from the train scenes (``palaestra.data.collect.collect_play(..., scenes=split.train)``)
and the evaluation runs chains in the evaluation scene (``split.eval_ids("palaestra/PlayroomChain-v0")``, or
:func:`palaestra.envs.play.chains.evaluate_chains` with ``env_kwargs={"scene": split.evaluate}``).
Online learners train in :class:`SplitEnv`, whose episodes are drawn from the train scenes
(``palaestra train PlayroomGoal --split "ABC->D"`` evaluates in D; ``split:`` in a config).

>>> s = split("ABC->D")
>>> s.train, s.evaluate
(('A', 'B', 'C'), 'D')
>>> s.train_ids("palaestra/PlayroomLanguage-v0")
('palaestra/PlayroomLanguage-v0', 'palaestra/PlayroomLanguage-B-v0', 'palaestra/PlayroomLanguage-C-v0')
>>> s.eval_id("palaestra/PlayroomChain-v0")
'palaestra/PlayroomChain-D-v0'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from palaestra.registry import scene_variant_id


@dataclass(frozen=True)
class Split:
    """Scenes to train in (``train``) and the scene to evaluate in (``evaluate``); ``zero_shot`` when the
    evaluation scene is not among the train scenes."""

    name: str
    train: tuple[str, ...]
    evaluate: str

    @property
    def zero_shot(self) -> bool:
        return self.evaluate not in self.train

    def train_ids(self, base_id: str) -> tuple[str, ...]:
        """The registered IDs of ``base_id`` (a scene-A playroom ID) in the train scenes."""
        return tuple(scene_variant_id(base_id, s) for s in self.train)

    def eval_id(self, base_id: str) -> str:
        """The registered ID of ``base_id`` in the evaluation scene."""
        return scene_variant_id(base_id, self.evaluate)


SPLITS: dict[str, Split] = {
    s.name: s
    for s in (
        Split("ABC->D", ("A", "B", "C"), "D"),
        Split("D->D", ("D",), "D"),
        Split("ABCD->D", ("A", "B", "C", "D"), "D"),
    )
}


def split(name: str) -> Split:
    """The split called ``name`` (``"ABC->D"``, ``"D->D"``, ``"ABCD->D"``); ``ValueError`` listing them otherwise."""
    if not isinstance(name, str) or name not in SPLITS:
        raise ValueError(f"unknown playroom split {name!r}; expected one of {list(SPLITS)}")
    return SPLITS[name]


def split_base_ids() -> tuple[str, ...]:
    """The scene-A playroom IDs a split applies to (each has a registered variant in every scene)."""
    from palaestra import registry

    return tuple(r.id for r in registry.PLAY)


def check_split(base_id: str, name: Any, kwargs: dict[str, Any], kwargs_name: str = "") -> Split:
    """The split ``name`` for training ``base_id`` with env keyword arguments ``kwargs`` (called ``kwargs_name``
    in messages): ``ValueError`` naming the env when the split is unknown, ``base_id`` is not a scene-A playroom
    ID, or ``kwargs`` choose a scene (the split chooses them)."""
    try:
        chosen = name if isinstance(name, Split) else split(name)
    except ValueError as error:
        raise ValueError(f"{base_id}: {error}") from None
    if base_id not in split_base_ids():
        raise ValueError(f"{base_id}: split {chosen.name!r} needs a scene-A playroom ID, one of "
                         f"{list(split_base_ids())}")
    if "scene" in kwargs:
        raise ValueError(f"{base_id}: {kwargs_name}scene={kwargs['scene']!r} with split {chosen.name!r}; the split "
                         "chooses the scenes")
    return chosen


class SplitEnv(gym.Env):
    """Episodes of a playroom env in a split's train scenes: each ``reset`` draws the scene from the env's
    generator (seeded by ``reset(seed=...)``, so a seed fixes the scenes and episodes that follow), and the
    episode runs in that scene's registered env. ``info["scene"]`` names it. Spaces and rendering are those of
    the scenes' env, and so are a goal env's ``compute_reward`` and friends (for HER; taken from the first
    scene: the scenes differ in looks and furniture places, not in how a goal is judged).
    """

    def __init__(self, base_id: str, split: str | Split, **kwargs: Any) -> None:
        import palaestra

        self.split = check_split(base_id, split, kwargs)
        self.ids = self.split.train_ids(base_id)
        self.envs = [palaestra.make(env_id, **kwargs) for env_id in self.ids]
        first = self.envs[0]
        self.observation_space, self.action_space = first.observation_space, first.action_space
        self.metadata, self.render_mode = first.metadata, first.render_mode
        self.current = 0
        if hasattr(first.unwrapped, "compute_reward"):  # a goal env: HER relabels through these
            for name in ("compute_reward", "compute_terminated", "compute_truncated"):
                setattr(self, name, getattr(first.unwrapped, name))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        self.current = int(self.np_random.integers(len(self.envs)))
        episode_seed = int(self.np_random.integers(2**31))
        observation, info = self.envs[self.current].reset(seed=episode_seed, options=options)
        return observation, {**info, "scene": self.split.train[self.current]}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.envs[self.current].step(action)
        return observation, reward, terminated, truncated, {**info, "scene": self.split.train[self.current]}

    def render(self) -> Any:
        return self.envs[self.current].render()

    def close(self) -> None:
        for env in self.envs:
            env.close()
