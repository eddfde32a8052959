"""Boxing: two PyBullet fighters with punching arms in a roped square ring; clean hits score points."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from palaestra.competitive.policy import RandomPolicy
from palaestra.envs.competitive.common import CheckedAEC
from palaestra.envs.competitive.fighting import AGENTS, INDEX, FighterPolicy, FightingEnv, game_metadata
from palaestra.sim.fighters import Fighter, build_square_ring
from palaestra.sim.world import PhysicsConfig
from palaestra.checks import check_positive_int, reject_unknown_kwargs

HIT_SPEED = 1.5  # m/s: a fist landing slower than this (a push, a resting glove) scores nothing
REARM = 0.3  # a fist that scored must come back within this fraction of its reach before it scores again
EXTRA_FEATURES = (
    "left", "right",  # own fist extensions, fractions of the reach
    "left_speed", "right_speed",  # own fist speeds, fractions of the motors' velocity limit
    "opp_left", "opp_right",  # opponent's fist extensions
    "lead",  # own points minus the opponent's
)
BOXING_INDEX = {**INDEX, **{name: len(INDEX) + i for i, name in enumerate(EXTRA_FEATURES)}}


class BoxingEnv(FightingEnv):
    """Boxing: a round of ``max_cycles`` steps in a roped square ring; the fighter with more clean hits wins.

    Each fighter has two fists on straight punching arms (the left held at head height, the right at body
    height). A clean hit is a fist touching the opponent's head or torso while moving out faster than
    1.5 m/s; a fist scores once per punch and must return near its guard before it scores again.
    Observation: with ``obs_mode="state"`` a float32 vector of the 18 sumo features (ring edge = nearest
    rope) plus own fist extensions and speeds, the opponent's fist extensions and the points lead (25);
    with ``"pixels"`` an RGB frame of the ring, the same for both agents.
    Action: ``Box(-1, 1, (5,))`` per agent: forward force, lateral force, turn torque, left and right
    punch (a positive value throws that fist full out, zero or less pulls it back to guard).
    Reward: +1 per clean hit landed, -1 per clean hit taken.
    The match ends early by knockout (a lead of ``knockout_lead`` points; ``None`` disables it) or when a
    fighter's torso leans more than 60 degrees (it loses); at ``max_cycles`` (truncation) more points win,
    equal points draw.
    """

    metadata: ClassVar[dict[str, Any]] = game_metadata("boxing_v0")
    env_id = "palaestra/Boxing-v0"
    radius = 1.6  # half the side of the ring, inside the ropes
    arms = True
    extra_features = EXTRA_FEATURES
    action_dim = 5

    def __init__(
        self,
        max_cycles: int = 480,
        knockout_lead: int | None = 5,
        obs_mode: str = "state",
        render_mode: str | None = None,
        image_size: int = 64,
        physics: PhysicsConfig | None = None,
        **unknown: Any,
    ) -> None:
        reject_unknown_kwargs(self.env_id, unknown, _BOXING_KWARGS)
        self.knockout_lead = (
            None if knockout_lead is None else check_positive_int(self.env_id, "knockout_lead", knockout_lead)
        )
        super().__init__(max_cycles, obs_mode, render_mode, image_size, physics)
        self._reset_game()

    def _build_arena(self) -> None:
        build_square_ring(self.world, self.radius, friction=0.6)

    def _edge_distance(self, position: np.ndarray) -> float:
        return self.radius - max(abs(position[0]), abs(position[1]))

    def _reset_game(self) -> None:
        self.points = {a: 0 for a in AGENTS}
        self._counted = dict(self.points)
        self._armed = {a: [True, True] for a in AGENTS}
        self._speeds = {a: [0.0, 0.0] for a in AGENTS}

    def _command(self, fighter: Fighter, action: np.ndarray) -> None:
        fighter.command(action[0], action[1], action[2], action[3:] > 0.0)

    def _substep(self) -> None:
        c = self.world.client
        for agent, opponent in (AGENTS, AGENTS[::-1]):
            fighter, target = self.fighters[agent], self.fighters[opponent].body
            armed, speeds = self._armed[agent], self._speeds[agent]
            for arm, (position, speed, _, _) in enumerate(c.getJointStates(fighter.body, fighter.arms)):
                if position < REARM * Fighter.REACH:
                    armed[arm] = True
                # The contact substep itself already slows the fist, so the speed just before it counts too.
                fast = max(speed, speeds[arm]) > HIT_SPEED
                speeds[arm] = speed
                if armed[arm] and fast and c.getContactPoints(fighter.body, target, fighter.arms[arm], -1):
                    armed[arm] = False
                    self.points[agent] += 1

    def _judge(self):
        landed = {a: self.points[a] - self._counted[a] for a in AGENTS}
        self._counted = dict(self.points)
        rewards = {a: float(landed[a] - landed[b]) for a, b in (AGENTS, AGENTS[::-1])}
        infos = {a: {"points": self.points[a], "landed": landed[a]} for a in AGENTS}
        fallen = {a: self._fallen(a) for a in AGENTS}
        winner = None
        if any(fallen.values()):
            if not all(fallen.values()):
                winner = next(a for a in AGENTS if not fallen[a])
            return rewards, infos, winner, True
        red, blue = (self.points[a] for a in AGENTS)
        if self.knockout_lead is not None and abs(red - blue) >= self.knockout_lead:
            return rewards, infos, self._timeout_winner(), True
        return rewards, infos, None, False

    def _timeout_winner(self) -> str | None:
        red, blue = (self.points[a] for a in AGENTS)
        return None if red == blue else AGENTS[0] if red > blue else AGENTS[1]

    def _extra(self, agent: str, opponent: str) -> list[float]:
        me, opp = self.states[agent], self.states[opponent]
        return [
            *me.arms / Fighter.REACH,
            *me.arm_speeds / Fighter.PUNCH_SPEED,
            *opp.arms / Fighter.REACH,
            float(self.points[agent] - self.points[opponent]),
        ]


_BOXING_KWARGS = ("max_cycles", "knockout_lead", "obs_mode", "render_mode", "image_size", "physics")


def parallel_env(**kwargs: Any) -> BoxingEnv:
    """The native PettingZoo ``ParallelEnv`` of ``palaestra/Boxing-v0``."""
    return BoxingEnv(**kwargs)


def env(**kwargs: Any):
    """The AEC form of ``palaestra/Boxing-v0`` (the parallel game, agents acting in turn order)."""
    return CheckedAEC(parallel_env(**kwargs))


# -- scripted opponents ----------------------------------------------------------------------------
RANGE = 0.92  # m between centres within which a full jab reaches the opponent's head or torso


class Puncher(FighterPolicy):
    """Walks straight at the opponent and throws both fists, one full punch after another, when in range."""

    name = "puncher"
    stand_off = 0.75  # m: the distance it closes to

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        o = observation
        ox, oy = float(o[BOXING_INDEX["opp_x"]]), float(o[BOXING_INDEX["opp_y"]])
        dist = math.hypot(ox, oy)
        turn = self.heading_to(ox, oy, o[BOXING_INDEX["yaw_rate"]])
        forward = float(np.clip(2.0 * (dist - self.stand_off), -1.0, 1.0))
        aimed = dist < RANGE and abs(math.atan2(oy, ox)) < 0.35
        return np.array((forward, 0.0, turn, *self.punches(o, aimed)), dtype=np.float32)

    def punches(self, o: np.ndarray, throw: bool) -> tuple[float, float]:
        """Full punch from a fist at guard when ``throw``; a fist out (or moving out) finishes its punch first."""
        out = []
        for arm in ("left", "right"):
            extension, speed = o[BOXING_INDEX[arm]], o[BOXING_INDEX[f"{arm}_speed"]]
            extending = speed > 0.05 and extension < 0.9
            out.append(1.0 if extending or (throw and extension < 0.1) else -1.0)
        return out[0], out[1]


class CounterPuncher(Puncher):
    """Keeps just outside the opponent's reach and steps in to punch while the opponent's fists are out.

    A fist that has just punched cannot score again until it is back at guard, so the moment after the
    opponent's punch is the safe one to attack; an opponent not facing it is attacked at once.
    """

    name = "counter"
    out_of_reach = 1.15  # m
    strafe = 0.6  # constant sideways drive: circling makes a straight-line attacker turn to re-aim

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        o = observation
        ox, oy = float(o[BOXING_INDEX["opp_x"]]), float(o[BOXING_INDEX["opp_y"]])
        dist = max(math.hypot(ox, oy), 1e-6)
        turn = self.heading_to(ox, oy, o[BOXING_INDEX["yaw_rate"]])
        facing = -(o[BOXING_INDEX["opp_cos"]] * ox + o[BOXING_INDEX["opp_sin"]] * oy) / dist
        opening = max(o[BOXING_INDEX["opp_left"]], o[BOXING_INDEX["opp_right"]]) > REARM or facing < 0.7
        goal = self.stand_off if opening else self.out_of_reach
        forward = float(np.clip(5.0 * (dist - goal), -1.0, 1.0))
        aimed = dist < RANGE and abs(math.atan2(oy, ox)) < 0.35
        return np.array((forward, self.strafe, turn, *self.punches(o, aimed)), dtype=np.float32)


OPPONENTS = {"random": RandomPolicy, "puncher": Puncher, "counter": CounterPuncher}
