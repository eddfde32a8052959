"""THE table of palaestra environments: one record per ID, the single source of truth.

Gymnasium registration, the PettingZoo factories, ``palaestra list``/``info``, the generated docs, the
conformance tests and ``palaestra validate`` all read :data:`RECORDS`. Adding an environment means adding
one record here and one module under ``palaestra/envs``.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Literal, Mapping

Family = Literal["manipulation", "play", "competitive"]
FAMILIES: tuple[str, ...] = ("manipulation", "play", "competitive")
NAMESPACE = "palaestra"


@dataclass(frozen=True)
class EnvRecord:
    """Everything palaestra knows about one environment ID.

    ``expert`` is the ``module:Class`` of the scripted reference policy and ``expert_threshold`` the success
    rate it must reach in ``palaestra validate``; ``baseline`` names the learned-baseline config, if any.
    A competitive game has no expert but ``opponents``: the ``module:attribute`` of its ordered mapping of
    scripted opponent levels (weakest first); ``palaestra validate`` plays the strongest level against the
    weakest and ``expert_threshold`` is the score (win 1, draw 1/2) the strongest must reach.
    """

    id: str
    family: Family
    entry_point: str
    summary: str
    success: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    tags: frozenset[str] = frozenset()
    reward_threshold: float | None = None
    expert: str | None = None
    expert_threshold: float = 0.95
    baseline: str | None = None
    opponents: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kwargs", MappingProxyType(dict(self.kwargs)))
        object.__setattr__(self, "tags", frozenset(self.tags))

    @property
    def name(self) -> str:
        """The ID without namespace and version (``Push`` for ``palaestra/Push-v0``)."""
        return self.id.split("/", 1)[-1].rsplit("-v", 1)[0]

    @property
    def multi_agent(self) -> bool:
        return "multi-agent" in self.tags

    def load_entry_point(self) -> Callable[..., Any]:
        return load(self.entry_point)

    def load_expert(self) -> Callable[..., Any]:
        if self.expert is None:
            raise LookupError(f"{self.id} has no scripted expert registered")
        return load(self.expert)


_MANIP = "palaestra.envs.manipulation.env:ManipulationEnv"
_EXPERTS = "palaestra.baselines.experts"


def _manipulation(
    name: str, task: str, summary: str, success: str, steps: int = 50, tags: tuple[str, ...] = ()
) -> EnvRecord:
    experts = "articulated" if "articulated" in tags else "blocks"
    return EnvRecord(
        id=f"{NAMESPACE}/{name}-v0",
        family="manipulation",
        entry_point=_MANIP,
        kwargs={"task": task},
        max_episode_steps=steps,
        tags=frozenset(("goal", "state", "pixels", "panda") + tags),
        expert=f"{_EXPERTS}.{experts}:{name}Expert",
        summary=summary,
        success=success,
    )


MANIPULATION: tuple[EnvRecord, ...] = (
    _manipulation(
        "Reach", "reach", "Move the gripper to a target point in the air.",
        "gripper within 5 cm of the target",
    ),
    _manipulation(
        "Push", "push", "Push a cube across the table to a target on the table, gripper kept closed or open.",
        "cube centre within 5 cm of the target",
    ),
    _manipulation(
        "Slide", "slide", "Send a low-friction puck sliding to a target beyond the gripper's reach.",
        "puck centre within 5 cm of the target", steps=100, tags=("dynamic",),
    ),
    _manipulation(
        "PickAndPlace", "pick_and_place", "Grasp a cube and carry it to a target on the table or in the air.",
        "cube centre within 5 cm of the target", tags=("grasp",),
    ),
    _manipulation(
        "Stack", "stack", "Place two cubes at their targets, the second one on top of the first.",
        "both cube centres within 5 cm of their targets", steps=100, tags=("grasp", "multi-object"),
    ),
    _manipulation(
        "Flip", "flip", "Flip an upright block onto its side so that its long axis points along the goal direction.",
        "block axis within 0.3 (about 17 degrees) of the goal direction", tags=("dynamic",),
    ),
    _manipulation(
        "OpenDrawer", "open_drawer", "Pull a drawer open to a target opening.",
        "drawer opening within 2 cm of the target", tags=("articulated",),
    ),
    _manipulation(
        "CloseDrawer", "close_drawer", "Push an open drawer closed to a target opening.",
        "drawer opening within 2 cm of the target", tags=("articulated",),
    ),
    _manipulation(
        "SlideDoor", "slide_door", "Slide a door along its rail to a target position.",
        "door position within 2 cm of the target", tags=("articulated",),
    ),
    _manipulation(
        "PressButton", "press_button", "Press a spring-loaded button, placed anywhere in a 30 cm square, down to a target depth.",
        "button depth within 4 mm of the target", tags=("articulated",),
    ),
)

# The playroom family (palaestra/envs/play).
PLAY: tuple[EnvRecord, ...] = ()

# PettingZoo games (palaestra/envs/competitive): entry point ``module:parallel_env``, or ``module:env`` for a
# turn-based game that only has the AEC API. Grouped by kind of game.
_VOLLEYBALL: tuple[EnvRecord, ...] = ()
_FIELD_GAMES: tuple[EnvRecord, ...] = ()  # top-down team games: soccer, tag
_TURN_BASED: tuple[EnvRecord, ...] = ()  # text games for language-model self-play, matrix games
_FIGHTING: tuple[EnvRecord, ...] = ()  # PyBullet: sumo, boxing
COMPETITIVE: tuple[EnvRecord, ...] = _VOLLEYBALL + _FIELD_GAMES + _TURN_BASED + _FIGHTING

# Perturbation presets of manipulation tasks, registered as their own IDs (palaestra/wrappers/perturbations).
PERTURBED: tuple[EnvRecord, ...] = ()

RECORDS: tuple[EnvRecord, ...] = MANIPULATION + PLAY + COMPETITIVE + PERTURBED


def load(entry_point: str) -> Any:
    """The object named by ``module:attribute`` (entry points, experts), imported on demand."""
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


class UnknownEnvironmentError(LookupError):
    """An ID that is not in the registry; the message lists the closest registered IDs."""


_BY_ID: dict[str, EnvRecord] = {r.id: r for r in RECORDS}
if len(_BY_ID) != len(RECORDS):
    raise RuntimeError("palaestra registry: duplicate environment IDs")


def get(env_id: str) -> EnvRecord:
    """The record of ``env_id``; raises :class:`UnknownEnvironmentError` naming close matches."""
    record = _BY_ID.get(env_id)
    if record is not None:
        return record
    qualified = env_id if "/" in env_id else f"{NAMESPACE}/{env_id}"
    if qualified in _BY_ID:
        return _BY_ID[qualified]
    # A bare name (``Push``, ``palaestra/Push``) means its newest version.
    versions = [r for r in RECORDS if r.id.rsplit("-v", 1)[0] == qualified]
    if versions:
        return max(versions, key=lambda r: int(r.id.rsplit("-v", 1)[1]))
    lowered = {i.lower(): i for i in _BY_ID}
    close = difflib.get_close_matches(qualified.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(lowered[c] for c in close)}?" if close else ""
    raise UnknownEnvironmentError(
        f"{env_id!r} is not a registered palaestra environment.{hint} Run `palaestra list` to see all IDs."
    )


def ids(family: str | None = None, tag: str | None = None) -> list[str]:
    """Registered IDs in table order, optionally filtered by family and tag."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {list(FAMILIES)}")
    return [r.id for r in RECORDS if (family is None or r.family == family) and (tag is None or tag in r.tags)]


def id_for_entry(family: str, task: str) -> str:
    """The ID whose record builds ``task`` (used by environments to name themselves in errors)."""
    for r in RECORDS:
        if r.family == family and r.kwargs.get("task") == task:
            return r.id
    return f"{NAMESPACE}/<{family}:{task}>"


def register_gymnasium() -> None:
    """Register every single-agent record with Gymnasium (idempotent)."""
    import gymnasium as gym

    for r in RECORDS:
        if r.multi_agent or r.id in gym.registry:
            continue
        gym.register(
            id=r.id,
            entry_point=r.entry_point,
            kwargs=dict(r.kwargs),
            max_episode_steps=r.max_episode_steps,
            reward_threshold=r.reward_threshold,
        )
