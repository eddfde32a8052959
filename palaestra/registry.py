"""THE table of palaestra environments: one record per ID, the single source of truth.

Gymnasium registration, the PettingZoo factories, ``palaestra list``/``info``, the generated docs, the
conformance tests and ``palaestra validate`` all read :data:`RECORDS`. Adding an environment means adding
one record here and one module under ``palaestra/envs``.

Third parties add their own environments with ``palaestra.register`` (:mod:`palaestra.third_party`): their
records follow the built-in ones in :func:`records`, :func:`get` and :func:`ids`.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

Family = Literal["manipulation", "play", "competitive", "drones"]
FAMILIES: tuple[str, ...] = ("manipulation", "play", "competitive", "drones")
NAMESPACE = "palaestra"


@dataclass(frozen=True)
class EnvRecord:
    """Everything palaestra knows about one environment ID.

    ``expert`` is the ``module:Class`` of the scripted reference policy and ``expert_threshold`` the success
    rate it must reach in ``palaestra validate``; ``baseline`` names the learned-baseline config, if any.
    Every record names its ``baseline`` unless :func:`baseline_exclusion` says why it has none.
    A competitive game has no expert but ``opponents``: the ``module:attribute`` of its ordered mapping of
    scripted opponent levels (weakest first); ``palaestra validate`` plays the strongest level against the
    weakest and ``expert_threshold`` is the score (win 1, draw 1/2) the strongest must reach.
    """

    id: str
    family: Family
    entry_point: str | Callable[..., Any]
    summary: str
    success: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    tags: frozenset[str] = frozenset()
    reward_threshold: float | None = None
    expert: str | Callable[..., Any] | None = None
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

    @property
    def parallel(self) -> bool:
        """A game with PettingZoo's parallel API (its entry point is ``parallel_env``; AEC-only otherwise)."""
        return self.multi_agent and self.entry_point.endswith(":parallel_env")

    def load_entry_point(self) -> Callable[..., Any]:
        return load(self.entry_point)

    def load_expert(self) -> Callable[..., Any]:
        if self.expert is None:
            raise LookupError(f"{self.id} has no scripted expert registered")
        return load(self.expert)

    @property
    def expert_name(self) -> str | None:
        """The expert as ``module:Class`` (also for one registered as a class), ``None`` without one."""
        return None if self.expert is None else entry_point_name(self.expert)

    @property
    def builtin(self) -> bool:
        """A record of palaestra's own table (not added by ``palaestra.register``)."""
        return self.id in _BY_ID


_MANIP = "palaestra.envs.manipulation.env:ManipulationEnv"
_EXPERTS = "palaestra.baselines.experts"


def _manipulation(
    name: str, task: str, summary: str, success: str, steps: int = 50, tags: tuple[str, ...] = (),
    expert_threshold: float = 0.95,
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
        baseline=f"{name}.yaml",
        expert_threshold=expert_threshold,
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
        "both cube centres within 5 cm of their targets, the tower standing by itself (the green cube on the blue "
        "one, the gripper touching neither)", steps=100, tags=("grasp", "multi-object"),
        # The expert must now let go and leave the tower standing: 95/100 on seeds 0-99, 8/10 on 1000-1009.
        expert_threshold=0.9,
    ),
    _manipulation(
        "Flip", "flip", "Flip an upright block onto its side so that its long axis points along the goal direction.",
        "block axis within 0.3 (about 17 degrees) of the goal direction, the block lying on the table by itself",
        tags=("dynamic",),
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
_PLAY_TAGS = frozenset(("play", "state", "pixels", "panda"))
PLAY: tuple[EnvRecord, ...] = (
    EnvRecord(
        id=f"{NAMESPACE}/Playroom-v0", family="play", entry_point="palaestra.envs.play.env:PlayroomEnv",
        summary="Free play at a desk with a drawer, a sliding door, a button lamp, a lever bulb and three blocks.",
        success="none: no reward and no termination; the task oracle labels what was done",
        max_episode_steps=2400, tags=_PLAY_TAGS,
    ),
    EnvRecord(
        id=f"{NAMESPACE}/PlayroomGoal-v0", family="play", entry_point="palaestra.envs.play.goal_env:PlayroomGoalEnv",
        summary="Reach a target playroom state drawn from one of 35 tasks feasible from the start.",
        success="every feature the task changes within tolerance of the target (blocks 5 cm, joints 3 cm)",
        max_episode_steps=150, tags=_PLAY_TAGS | {"goal"}, baseline="PlayroomGoal.yaml",
        # The expert reaches 93 of 100 goals (seeds 0-99); all 7 misses are rotations (5 cm / 15 degree target).
        expert=f"{_EXPERTS}.play_goal:PlayroomGoalExpert", expert_threshold=0.9,
    ),
    EnvRecord(
        id=f"{NAMESPACE}/PlayroomLanguage-v0", family="play",
        entry_point="palaestra.envs.play.language_env:PlayroomLanguageEnv",
        summary="Follow one natural-language instruction in the playroom (35 tasks, train/held-out phrasings).",
        success="the task oracle sees the instructed task done between the episode's start and now",
        max_episode_steps=150, tags=_PLAY_TAGS | {"language"}, baseline="PlayroomLanguage.yaml",
        expert=f"{_EXPERTS}.play:PlayroomExpert", expert_threshold=0.9,
    ),
    EnvRecord(
        id=f"{NAMESPACE}/PlayroomChain-v0", family="play",
        entry_point="palaestra.envs.play.chain_env:PlayroomChainEnv",
        summary="Five instructions in a row without resets, each drawn from what the last one left (CALVIN).",
        success="all five instructions done, each within 150 steps; info['chain_completed'] counts them",
        max_episode_steps=750, tags=_PLAY_TAGS | {"language", "long-horizon"},
        # The experts complete whole chains in 66 of 100 seeds (average length 4.18; scenes B-D: 63, 59, 60).
        expert=f"{_EXPERTS}.play:PlayroomExpert", expert_threshold=0.55,
    ),
)

# The playroom's other scenes (palaestra/envs/play/scenes.py; the IDs above are scene A): every playroom env in
# every scene, so that splits name registered IDs and `palaestra validate` checks the experts in each scene
# against the base IDs' thresholds (figures in docs/playroom-scenes.md).
DEFAULT_SCENE, OTHER_SCENES = "A", ("B", "C", "D")


def scene_variant_id(base_id: str, scene: str) -> str:
    """The ID of ``base_id``'s variant in playroom scene ``scene`` (``PlayroomChain-D-v0``); the base ID in A."""
    if scene == DEFAULT_SCENE:
        return base_id
    stem, version = base_id.rsplit("-", 1)
    return f"{stem}-{scene}-{version}"


PLAY_SCENES: tuple[EnvRecord, ...] = tuple(
    replace(
        base, id=scene_variant_id(base.id, scene), kwargs={**base.kwargs, "scene": scene},
        summary=f"{base.summary.rstrip('.')}, in scene {scene} (furniture moved and recoloured, as CALVIN's {scene}).",
        tags=base.tags | {"scenes"}, baseline=None,
    )
    for base in PLAY
    for scene in OTHER_SCENES
)

# PettingZoo games (palaestra/envs/competitive): entry point ``module:parallel_env``, or ``module:env`` for a
# turn-based game that only has the AEC API. Grouped by kind of game.
_VOLLEY = "palaestra.envs.competitive.volleyball"
_VOLLEYBALL: tuple[EnvRecord, ...] = tuple(
    EnvRecord(
        id=f"{NAMESPACE}/{name}-v0", family="competitive", entry_point=f"{_VOLLEY}:parallel_env",
        summary=summary, success=f"win the match: first side to {points} points (by score at {cycles} steps)",
        kwargs={"team_size": size}, max_episode_steps=cycles,
        tags=frozenset({"multi-agent", "two-player" if size == 1 else "team", "2d", "state", "pixels"}),
        opponents=f"{_VOLLEY}:OPPONENTS", expert_threshold=0.9,
        baseline=f"{name}.yaml",
    )
    for name, size, points, cycles, summary in (
        ("Volleyball", 1, 5, 3000, "Slime-volleyball-like 1v1: move, jump and bounce the ball over the net."),
        ("TeamVolleyball2v2", 2, 7, 4500, "2v2 side-view volleyball with three touches a side and no double touch."),
        ("TeamVolleyball3v3", 3, 7, 4500, "3v3 side-view volleyball with three touches a side and no double touch."),
    )
)
_FIELD_GAMES: tuple[EnvRecord, ...] = (  # top-down team games: soccer, tag
    EnvRecord(
        id=f"{NAMESPACE}/Soccer2v2-v0", family="competitive",
        entry_point="palaestra.envs.competitive.soccer:parallel_env",
        summary="Two teams of two discs push a ball into the other side's goal on a walled top-down pitch.",
        success="win the match: first side to 3 goals, else more goals after 400 steps",
        max_episode_steps=400,
        tags=frozenset({"multi-agent", "team", "2d", "state", "pixels"}),
        opponents="palaestra.envs.competitive.soccer:OPPONENTS", baseline="Soccer2v2.yaml",
        expert_threshold=0.9,
    ),
    EnvRecord(
        id=f"{NAMESPACE}/Tag-v0", family="competitive",
        entry_point="palaestra.envs.competitive.tag:parallel_env",
        summary="Two predators try to touch two faster, more agile prey in a walled square; tagged prey are out.",
        success="predators: tag both prey within 300 steps; prey: keep one untagged until then",
        max_episode_steps=300,
        tags=frozenset({"multi-agent", "team", "2d", "state", "pixels"}),
        opponents="palaestra.envs.competitive.tag:OPPONENTS", baseline="Tag.yaml",
        expert_threshold=0.9,
    ),
)
_CG = "palaestra.envs.competitive"
_TEXT_GAME_TAGS = frozenset({"multi-agent", "two-player", "turn-based", "text", "language", "action-mask"})
_TURN_BASED: tuple[EnvRecord, ...] = (  # text games for language-model self-play, matrix games
    EnvRecord(
        id="palaestra/TicTacToe-v0", family="competitive", entry_point=f"{_CG}.tictactoe:env",
        summary="3x3 tic-tac-toe with action masks, text observations and a text-move parser.",
        success="win the game (three in a row); a full board is a draw",
        max_episode_steps=9, tags=_TEXT_GAME_TAGS,
        opponents=f"{_CG}.tictactoe:OPPONENTS", baseline="TicTacToe.yaml", expert_threshold=0.9,
    ),
    EnvRecord(
        id="palaestra/KuhnPoker-v0", family="competitive", entry_point=f"{_CG}.kuhn_poker:env",
        summary="Kuhn's three-card poker over a match of 100 hands (hands=1 for the one-hand game).",
        success="end the match with more chips than the opponent",
        kwargs={"hands": 100}, max_episode_steps=300, tags=_TEXT_GAME_TAGS | {"imperfect-information"},
        opponents=f"{_CG}.kuhn_poker:OPPONENTS", baseline="KuhnPoker.yaml", expert_threshold=0.7,
    ),
    EnvRecord(
        id="palaestra/KuhnPokerHand-v0", family="competitive", entry_point=f"{_CG}.kuhn_hand:env",
        summary="One hand of Kuhn's three-card poker, player_0 first (the game OpenSpiel and game theory study).",
        success="win the hand's chips (a fold or the higher card at showdown)",
        max_episode_steps=3, tags=_TEXT_GAME_TAGS | {"imperfect-information"},
        # Nash play wins chips on average but not most single hands (it folds the J cheaply): measured 44.5%
        # of 400 hands against random, so the check guards against a broken level, not for dominance.
        opponents=f"{_CG}.kuhn_hand:OPPONENTS", baseline="KuhnPokerHand.yaml", expert_threshold=0.4,
    ),
    EnvRecord(
        id="palaestra/Negotiation-v0", family="competitive", entry_point=f"{_CG}.negotiation:env",
        summary="Alternating-offers bargaining over three kinds of items with private values.",
        success="agree on a deal worth more to you than the other's share is to them",
        max_episode_steps=10, tags=_TEXT_GAME_TAGS | {"imperfect-information", "mixed-motive"},
        opponents=f"{_CG}.negotiation:OPPONENTS", baseline="Negotiation.yaml", expert_threshold=0.75,
    ),
    EnvRecord(
        id="palaestra/SimpleNegotiation-v0", family="competitive", entry_point=f"{_CG}.simple_negotiation:env",
        summary="SPIRAL's Simple Negotiation: free-text messages with [Offer]/[Accept]/[Deny] trading Wood and Gold.",
        success="end the 10 turns with a larger rise in your inventory value than the other's",
        max_episode_steps=10, tags=_TEXT_GAME_TAGS | {"imperfect-information", "free-text"},
        opponents=f"{_CG}.simple_negotiation:OPPONENTS", baseline="SimpleNegotiation.yaml", expert_threshold=0.8,
    ),
    EnvRecord(
        id="palaestra/LiarsDice-v0", family="competitive", entry_point=f"{_CG}.liars_dice:env",
        summary="One round of Liar's Dice, two dice each, 6s wild: raise the bid or call liar (OpenSpiel's rules).",
        success="win the liar call: your bid holds when called, or the bid you call does not",
        kwargs={"dice": 2}, max_episode_steps=25, tags=_TEXT_GAME_TAGS | {"imperfect-information"},
        opponents=f"{_CG}.liars_dice:OPPONENTS", baseline="LiarsDice.yaml", expert_threshold=0.8,  # measured 91%
    ),
    EnvRecord(
        id="palaestra/RockPaperScissors-v0", family="competitive", entry_point=f"{_CG}.matrix_games:parallel_env",
        summary="Iterated rock-paper-scissors, 20 simultaneous rounds.",
        success="a higher payoff total than the opponent after 20 rounds",
        kwargs={"game": "rps"}, max_episode_steps=20,
        tags=frozenset({"multi-agent", "two-player", "simultaneous", "matrix-game", "text"}),
        # Nothing beats uniform random in expectation: the check only guards against a broken strongest level.
        opponents=f"{_CG}.matrix_games:OPPONENTS", baseline="RockPaperScissors.yaml", expert_threshold=0.35,
    ),
    EnvRecord(
        id="palaestra/FarmRaidGuard-v0", family="competitive", entry_point=f"{_CG}.matrix_games:parallel_env",
        summary="Iterated 3-action game: cyclic raids (zero-sum) plus a trade bonus when the other farms.",
        success="a higher payoff total than the opponent after 20 rounds",
        kwargs={"game": "frg"}, max_episode_steps=20,
        tags=frozenset({"multi-agent", "two-player", "simultaneous", "matrix-game", "text", "mixed-motive"}),
        opponents=f"{_CG}.matrix_games:OPPONENTS", baseline="FarmRaidGuard.yaml", expert_threshold=0.7,
    ),
)
_FIGHTING: tuple[EnvRecord, ...] = (  # PyBullet: sumo, boxing
    EnvRecord(
        id=f"{NAMESPACE}/Sumo-v0", family="competitive",
        entry_point="palaestra.envs.competitive.sumo:parallel_env",
        summary="Two fighters on a raised round ring push each other; leaving the ring or falling loses.",
        success="win the bout: the opponent leaves the ring or falls first",
        max_episode_steps=400,
        tags=frozenset({"multi-agent", "two-player", "3d", "pybullet", "state", "pixels"}),
        opponents="palaestra.envs.competitive.sumo:OPPONENTS", baseline="Sumo.yaml",
        expert_threshold=0.9,
    ),
    EnvRecord(
        id=f"{NAMESPACE}/Boxing-v0", family="competitive",
        entry_point="palaestra.envs.competitive.boxing:parallel_env",
        summary="Two fighters with punching arms in a roped ring score clean hits; more hits or a 5-point lead wins.",
        success="win the round: more clean hits at the bell, or a 5-hit lead",
        max_episode_steps=480,
        tags=frozenset({"multi-agent", "two-player", "3d", "pybullet", "state", "pixels"}),
        opponents="palaestra.envs.competitive.boxing:OPPONENTS", baseline="Boxing.yaml",
        expert_threshold=0.9,
    ),
)
COMPETITIVE: tuple[EnvRecord, ...] = _VOLLEYBALL + _FIELD_GAMES + _TURN_BASED + _FIGHTING

# Perturbation presets of manipulation tasks, registered as their own IDs (palaestra/wrappers/perturbations).
# Same expert as the base task; its threshold is the expert's measured success over seeds 0-99 minus a margin.
PERTURBED: tuple[EnvRecord, ...] = tuple(
    EnvRecord(
        id=f"{NAMESPACE}/{base.name}-Perturbed-{level.title()}-v0",
        family="manipulation",
        entry_point="palaestra.wrappers.perturbations:make_perturbed",
        kwargs={"base_id": base.id, "preset": level},
        max_episode_steps=base.max_episode_steps,
        tags=base.tags | {"perturbed"},
        expert=base.expert,
        expert_threshold=threshold,
        summary=f"{base.summary} Under the {level!r} perturbation preset (sensor and action noise, delays, "
        "object dynamics, pushes).",
        success=base.success,
    )
    for base in MANIPULATION
    for level, threshold in {
        # Measured (seeds 0-99): Reach 100/100/100, Push 99/99/58, PickAndPlace 100/97/70 (easy/medium/hard).
        "Reach": {"easy": 0.95, "medium": 0.95, "hard": 0.95},
        "Push": {"easy": 0.9, "medium": 0.9, "hard": 0.5},
        "PickAndPlace": {"easy": 0.95, "medium": 0.9, "hard": 0.6},
    }.get(base.name, {}).items()
)

# Drone volleyball (palaestra/envs/drones): VolleyBots' curriculum with Crazyflie 2.x quadrotors in PyBullet.
_DRONE_TAGS = frozenset({"drones", "3d", "pybullet", "state", "pixels"})
_DRILLS = "palaestra.envs.drones.drills"
DRONES: tuple[EnvRecord, ...] = tuple(
    EnvRecord(
        id=f"{NAMESPACE}/Drone{name}-v0", family="drones", entry_point=f"{_DRILLS}:{name}Env",
        summary=summary, success=success, max_episode_steps=steps, tags=_DRONE_TAGS | {"drill"},
        expert=f"{_EXPERTS}.drones:Drone{name}Expert", expert_threshold=0.9,
        baseline=f"Drone{name}.yaml" if name == "HitToTarget" else None,
    )
    for name, steps, summary, success in (
        ("BackAndForth", 240, "Fly a quadrotor back and forth between two marks for 5 s.",
         "at least 6 marks reached (within 5 cm) in 240 steps"),
        ("HitToTarget", 150, "Hit a dropped ball once so that it lands in a target zone over the net.",
         "one touch, and the ball lands within 12 cm of the target"),
        ("Juggle", 480, "Keep bumping a table-tennis ball up alone for 10 s.",
         "at least 10 bumps (each sending the ball up at 1.5 m/s or more) before it drops"),
    )
)

_MATCH = "palaestra.envs.drones.match"
DRONES += tuple(
    EnvRecord(
        id=f"{NAMESPACE}/DroneVolleyball{size}v{size}-v0", family="drones", entry_point=f"{_MATCH}:parallel_env",
        summary=summary, success="win the match: first side to 3 points (by score after the step limit)",
        kwargs={"team_size": size}, max_episode_steps=cycles,
        tags=_DRONE_TAGS | {"multi-agent", "two-player" if size == 1 else "team"},
        opponents="palaestra.envs.drones.teams:OPPONENTS", expert_threshold=0.8,
        baseline="DroneVolleyball1v1.yaml" if size == 1 else None,
    )
    for size, cycles, summary in (
        (1, 1440, "1v1 drone volleyball: one Crazyflie a side, full rules, a referee's record of every point."),
        (3, 1440, "3v3 drone volleyball: three touches a side, no drone twice in a row, drones keep to their side."),
        (6, 1440, "6v6 drone volleyball on an indoor court's proportions: two rows of three a side, full rules."),
    )
)

_COOP = "palaestra.envs.drones.coop"
DRONES += tuple(
    EnvRecord(
        id=f"{NAMESPACE}/Drone{name}-v0", family="drones", entry_point=f"{_COOP}:parallel_env",
        summary=summary, success=success, kwargs={"drill": drill}, max_episode_steps=480,
        tags=_DRONE_TAGS | {"drill", "multi-agent", "cooperative"},
        expert=f"{_EXPERTS}.drones:{expert}", expert_threshold=0.9,
    )
    for name, drill, expert, summary, success in (
        ("Pass", "pass", "DronePassExpert", "Two drones bump a ball back and forth between them.",
         "8 passes (alternate touches sending the ball up at 1.5 m/s or more) before it drops"),
        ("SetSpike", "set_spike", "DroneSetSpikeExpert", "One drone sets a dropped ball, the other spikes it over the net.",
         "a set by drone_0, a spike by drone_1, and the ball lands in the other half"),
        ("SetSpikeBlock", "set_spike_block", "DroneSetSpikeExpert",
         "Set and spike against a scripted blocker drone guarding the net.",
         "a set, a spike past the blocker, and the ball lands in the other half"),
    )
)

RECORDS: tuple[EnvRecord, ...] = MANIPULATION + PLAY + PLAY_SCENES + COMPETITIVE + PERTURBED + DRONES


def load(entry_point: str | Callable[..., Any]) -> Any:
    """The object named by ``module:attribute`` (entry points, experts), imported on demand; a callable as is."""
    if callable(entry_point):
        return entry_point
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


class UnknownEnvironmentError(LookupError):
    """An ID that is not in the registry; the message lists the closest registered IDs."""


_BY_ID: dict[str, EnvRecord] = {r.id: r for r in RECORDS}
if len(_BY_ID) != len(RECORDS):
    raise RuntimeError("palaestra registry: duplicate environment IDs")


def get(env_id: str) -> EnvRecord:
    """The record of ``env_id``; raises :class:`UnknownEnvironmentError` naming close matches."""
    record = _BY_ID.get(env_id) or THIRD_PARTY.get(env_id)
    if record is not None:
        return record
    by_id = {**_BY_ID, **THIRD_PARTY}
    qualified = env_id if "/" in env_id else f"{NAMESPACE}/{env_id}"
    if qualified in by_id:
        return by_id[qualified]
    # A bare name (``Push``, ``palaestra/Push``) means its newest version.
    versions = [r for r in by_id.values() if r.id.rsplit("-v", 1)[0] == qualified]
    if versions:
        return max(versions, key=lambda r: int(r.id.rsplit("-v", 1)[1]))
    lowered = {i.lower(): i for i in by_id}
    close = difflib.get_close_matches(qualified.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(lowered[c] for c in close)}?" if close else ""
    raise UnknownEnvironmentError(
        f"{env_id!r} is not a registered palaestra environment.{hint} Run `palaestra list` to see all IDs."
    )


DRONE_BASELINES = (f"{NAMESPACE}/DroneHitToTarget-v0", f"{NAMESPACE}/DroneVolleyball1v1-v0")


def baseline_exclusion(record: EnvRecord) -> str | None:
    """Why ``record`` has no learned-baseline config of its own, or ``None`` when it must have one.

    The one rule for which IDs go without a config (the registry tests hold every record to it).
    """
    if "perturbed" in record.tags:
        return "a perturbation preset: train on the base task, then evaluate under the preset"
    if "scene" in record.kwargs:
        return "a playroom scene: train the base ID's config on a split's scenes (palaestra.envs.play.splits)"
    if record.id == f"{NAMESPACE}/Playroom-v0":
        return "free play without reward or success: a scene for collecting play data"
    if record.family == "drones" and record.id not in DRONE_BASELINES:
        return ("the drone family's learned baselines are VolleyBots' two anchors, PPO on the hit-to-target drill "
                "and self-play PPO on 1v1; the other drills and matches ship scripted experts and levels")
    if record.id == f"{NAMESPACE}/PlayroomChain-v0":
        return "evaluated, not trained: a PlayroomLanguage-v0 policy follows the chains, as in CALVIN"
    return None


def ids(family: str | None = None, tag: str | None = None) -> list[str]:
    """Registered IDs in table order (third-party ones last), optionally filtered by family and tag."""
    if family is not None and family not in families():
        raise ValueError(f"unknown family {family!r}; expected one of {list(families())}")
    return [r.id for r in records() if (family is None or r.family == family) and (tag is None or tag in r.tags)]


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


# -- third-party environments (added by palaestra.third_party.register) ----------------------------------------

# Records added by palaestra.third_party.register, by ID, in registration order.
THIRD_PARTY: dict[str, EnvRecord] = {}


def families() -> tuple[str, ...]:
    """palaestra's families, then any new family a registered third-party record names."""
    return FAMILIES + tuple(dict.fromkeys(r.family for r in THIRD_PARTY.values() if r.family not in FAMILIES))


def records() -> tuple[EnvRecord, ...]:
    """Every record: the built-in :data:`RECORDS`, then those added with ``palaestra.register``, in that order."""
    return RECORDS + tuple(THIRD_PARTY.values())


def entry_point_name(entry_point: str | Callable[..., Any]) -> str:
    """``module:attribute`` of an entry point given as that string or as the object itself."""
    if isinstance(entry_point, str):
        return entry_point
    return f"{getattr(entry_point, '__module__', '?')}:{getattr(entry_point, '__qualname__', repr(entry_point))}"
