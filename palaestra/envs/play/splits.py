"""Train and evaluation splits over the playroom's scenes, as CALVIN defines them.

A split names the scenes a policy may see in training and the scene it is evaluated in. CALVIN's
``ABC->D`` trains on three environments and evaluates zero-shot on the fourth, whose furniture stands
elsewhere and looks different; ``D->D`` trains and evaluates in one; ``ABCD->D`` trains on all four.
Training data comes from the train scenes (``palaestra.data.collect.collect_play(..., scenes=split.train)``)
and the evaluation runs chains in the evaluation scene (``split.eval_ids("palaestra/PlayroomChain-v0")``, or
:func:`palaestra.envs.play.chains.evaluate_chains` with ``env_kwargs={"scene": split.evaluate}``).

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
    if name not in SPLITS:
        raise ValueError(f"unknown playroom split {name!r}; expected one of {list(SPLITS)}")
    return SPLITS[name]
