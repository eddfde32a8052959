"""Tag: two predators try to touch both of two faster, more agile prey in a walled square (top-down)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from palaestra.competitive.policy import Policy, RandomPolicy
from palaestra.envs.competitive.common import OUTCOME_LOSS, OUTCOME_WIN, CheckedAEC, ObsMode, check_reset
from palaestra.envs.competitive.topdown import Arena, Disc, FieldGame, Renderer, steer
from palaestra.checks import reject_unknown_kwargs

ENV_ID = "palaestra/Tag-v0"
HALF_SIZE = 1.0
TEAMS = {"predator": ("predator_0", "predator_1"), "prey": ("prey_0", "prey_1")}
PREDATOR = {"radius": 0.075, "mass": 1.0, "accel": 3.0, "max_speed": 1.0, "drag": 1.0}
PREY = {"radius": 0.05, "mass": 1.0, "accel": 5.0, "max_speed": 1.1, "drag": 1.0}
# State observation: own row, then one row per other agent (teammate first, then opponents), then time.
OWN, ROW = slice(0, 4), 5  # other rows: x, y, vx, vy, in play (1) or tagged (0)
OBS_SIZE = 4 + 3 * ROW + 1


class TagEnv(FieldGame):
    """Predator-prey tag with teams in a 2 m x 2 m walled square.

    ``predator_0, predator_1`` (larger, 3 m/s^2, top speed 1 m/s) chase the smaller, more agile and faster
    ``prey_0, prey_1`` (5 m/s^2, 1.1 m/s): a lone predator cannot catch a prey that runs well, two can. A prey touched by a predator is tagged: it gets a final step with ``terminated=True``
    and reward -1 and leaves ``agents`` (PettingZoo's dead-agent handling); every predator gets +1 per tag.
    Predators win (terminated) when both prey are tagged, prey win (truncated) when ``max_cycles`` pass
    with one still in play: there are no draws. The agents in the match at its end get ``outcome`` in their
    info. Actions are ``Box(-1, 1, (2,))`` accelerations. ``obs_mode="state"`` gives 20 floats: own position
    and velocity, then teammate and the two opponents (position, velocity, in play) and the fraction of
    time left; ``"pixels"`` a 64x64x3 picture, the same for every agent.

    Reward: +1 to every predator for each prey tagged, -1 to the prey tagged; 0 otherwise.
    """

    env_id = ENV_ID
    pixels_width = 64
    metadata: ClassVar[dict[str, Any]] = {**FieldGame.metadata, "name": "tag_v0"}

    def __init__(self, max_cycles: int = 300, obs_mode: str = "state", render_mode: str | None = None,
                 **unknown: Any) -> None:
        reject_unknown_kwargs(ENV_ID, unknown, ("max_cycles", "obs_mode", "render_mode"))
        discs = [Disc(**PREDATOR) for _ in TEAMS["predator"]] + [Disc(**PREY) for _ in TEAMS["prey"]]
        self.arena = Arena(discs, HALF_SIZE, HALF_SIZE)
        self.renderer = Renderer(self.arena, [(200, 50, 50)] * 2 + [(250, 210, 60)] * 2)
        super().__init__(TEAMS, OBS_SIZE, max_cycles, obs_mode, render_mode)
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._others = {
            a: [o for o in self.possible_agents if o != a and o[:4] == a[:4]]
            + [o for o in self.possible_agents if o[:4] != a[:4]]
            for a in self.possible_agents
        }

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        self._seed(check_reset(ENV_ID, self._life, seed, options))
        self.agents, self.cycle = self.possible_agents[:], 0
        # Predators start in the left band, prey in the right one, anywhere along y.
        spots = self.np_random.uniform((0.4, -0.8), (0.8, 0.8), size=(4, 2)).tolist()
        for disc, agent, (x, y) in zip(self.arena.discs, self.possible_agents, spots):
            disc.place(-x if agent[:4] == "pred" else x, y)
            disc.active = True
        return self._observations(self.agents), {a: {"prey_left": 2} for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        commands = self._commands(actions)
        discs = self.arena.discs
        for agent, (ax, ay) in zip(self.agents, commands):
            disc = discs[self._index[agent]]
            disc.ax, disc.ay = ax, ay
        contacts = self.arena.step()
        self.cycle += 1
        tagged = sorted({self.possible_agents[j] for i, j in contacts if i < 2 <= j})
        for prey in tagged:
            discs[self._index[prey]].active = False
        agents = self.agents
        prey_left = sum(discs[self._index[a]].active for a in TEAMS["prey"])
        won = prey_left == 0
        timed_out = not won and self.cycle >= self.max_cycles
        rewards = {a: float(len(tagged)) if a[:4] == "pred" else -1.0 if a in tagged else 0.0 for a in agents}
        terminated = {a: won or a in tagged for a in agents}
        truncated = dict.fromkeys(agents, timed_out)
        observations = self._observations(agents)
        infos = {a: {"prey_left": prey_left} for a in agents}
        if won or timed_out:
            for a in agents:
                infos[a]["outcome"] = OUTCOME_WIN if (a[:4] == "pred") == won else OUTCOME_LOSS
            self.agents = []
            self._life.end()
        else:
            self.agents = [a for a in agents if a not in tagged]
        return observations, rewards, terminated, truncated, infos

    def _state_obs(self, agents: list[str]) -> dict[str, np.ndarray]:
        rows = {
            a: (d.x / HALF_SIZE, d.y / HALF_SIZE, d.vx, d.vy, 1.0) if d.active else (0.0, 0.0, 0.0, 0.0, 0.0)
            for a, d in zip(self.possible_agents, self.arena.discs)
        }
        time_left = 1.0 - self.cycle / self.max_cycles
        out = {}
        for agent in agents:
            d = self.arena.discs[self._index[agent]]
            values = [d.x / HALF_SIZE, d.y / HALF_SIZE, d.vx, d.vy]
            for other in self._others[agent]:
                values += rows[other]
            values.append(time_left)
            out[agent] = np.array(values, dtype=np.float32)
        return out


def parallel_env(**kwargs: Any) -> TagEnv:
    """The Tag ``ParallelEnv``; keyword arguments as :class:`TagEnv`."""
    return TagEnv(**kwargs)


def env(**kwargs: Any):
    """The Tag AEC env (agents act in turn, the step resolves when all have acted)."""
    return CheckedAEC(parallel_env(**kwargs))


def _rows(observation: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """Teammate then the two opponents as ``(x, y, vx, vy, in_play)``."""
    values = observation[4:4 + 3 * ROW].tolist()
    return [tuple(values[k:k + ROW]) for k in range(0, 3 * ROW, ROW)]


class _TagPolicy(Policy):
    """Base of the scripted players: they read state observations and play the side their agent name says."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        if getattr(env.unwrapped, "obs_mode", ObsMode.STATE) is not ObsMode.STATE:
            raise ValueError(f"{ENV_ID}: scripted opponents read obs_mode='state' observations, not pixels")

    def act(self, observation: np.ndarray, agent: str) -> np.ndarray:
        own = observation[OWN].tolist()
        mate, *opponents = _rows(observation)
        live = [o for o in opponents if o[4]]
        if not live:
            return np.zeros(2, dtype=np.float32)
        if agent.startswith("predator"):
            return self.hunt(own, mate, live, agent)
        return self.flee(own, live)

    def hunt(self, own: list[float], mate: tuple, prey: list[tuple], agent: str) -> np.ndarray:
        x, y, vx, vy = own
        target = min(prey, key=lambda p: math.hypot(p[0] - x, p[1] - y))
        return steer(x, y, vx, vy, target[0], target[1])

    def flee(self, own: list[float], predators: list[tuple]) -> np.ndarray:
        x, y, vx, vy = own
        p = min(predators, key=lambda q: math.hypot(q[0] - x, q[1] - y))
        dx, dy = x - p[0], y - p[1]
        norm = max(1e-6, math.hypot(dx, dy))
        return steer(x, y, vx, vy, x + dx / norm, y + dy / norm, PREY["max_speed"])


class ChasePolicy(_TagPolicy):
    """Predators run at the nearest prey; prey run straight away from the nearest predator."""

    name = "chase"


class StrongPolicy(_TagPolicy):
    """Predators split the prey between them and aim where their prey is heading; the last prey is pursued
    by the nearer predator while the other cuts off its escape. Prey try 16 headings, each a one-second run
    against predators that head straight at them, and take the one whose closest call is farthest (so they
    circle away along open space instead of running into walls and corners)."""

    name = "strong"

    def hunt(self, own: list[float], mate: tuple, prey: list[tuple], agent: str) -> np.ndarray:
        x, y, vx, vy = own
        mx, my = mate[0], mate[1]
        if len(prey) == 2:
            a, b = prey
            keep = math.hypot(a[0] - x, a[1] - y) + math.hypot(b[0] - mx, b[1] - my)
            swap = math.hypot(b[0] - x, b[1] - y) + math.hypot(a[0] - mx, a[1] - my)
            # Equal costs: predator_0 takes the first prey, so the two never pick the same one.
            target = a if keep < swap or (keep == swap and agent.endswith("0")) else b
            return self._intercept(own, target)
        target = prey[0]
        mine = math.hypot(target[0] - x, target[1] - y)
        theirs = math.hypot(target[0] - mx, target[1] - my)
        if mine < theirs or (mine == theirs and agent.endswith("0")):
            return self._intercept(own, target)
        # Cut off: stand on the far side of the prey from the pursuing teammate.
        dx, dy = target[0] - mx, target[1] - my
        norm = max(1e-6, math.hypot(dx, dy))
        tx = min(0.9, max(-0.9, target[0] + 0.4 * dx / norm))
        ty = min(0.9, max(-0.9, target[1] + 0.4 * dy / norm))
        return steer(x, y, vx, vy, tx, ty)

    @staticmethod
    def _intercept(own: list[float], prey: tuple) -> np.ndarray:
        x, y, vx, vy = own
        lead = min(1.0, math.hypot(prey[0] - x, prey[1] - y))
        return steer(x, y, vx, vy, prey[0] + lead * prey[2], prey[1] + lead * prey[3])

    def flee(self, own: list[float], predators: list[tuple]) -> np.ndarray:
        x, y, vx, vy = own
        best, best_gap = _HEADINGS[0], -math.inf
        for cx, cy in _HEADINGS:
            # Run this way for a second (walls stop the run) while every predator heads straight at us:
            # the closest it gets along the way rates the heading.
            px, py, hunters, gap = x, y, [(p[0], p[1]) for p in predators], math.inf
            for _ in range(_SAMPLES):
                px = min(_ROOM, max(-_ROOM, px + _DT * PREY["max_speed"] * cx))
                py = min(_ROOM, max(-_ROOM, py + _DT * PREY["max_speed"] * cy))
                moved = []
                for hx, hy in hunters:
                    d = math.hypot(px - hx, py - hy)
                    step = min(1.0, _DT * PREDATOR["max_speed"] / d) if d > 1e-9 else 0.0
                    moved.append((hx + step * (px - hx), hy + step * (py - hy)))
                    gap = min(gap, d)
                hunters = moved
            if gap > best_gap:
                best, best_gap = (cx, cy), gap
        return steer(x, y, vx, vy, x + best[0], y + best[1], PREY["max_speed"])


# Strong prey try 16 headings, each a run of _SAMPLES steps of _DT s that the walls (at 1) stop at _ROOM.
_HEADINGS = [(math.cos(k * math.pi / 8), math.sin(k * math.pi / 8)) for k in range(16)]
_SAMPLES, _DT, _ROOM = 5, 0.2, 0.92


OPPONENTS = {"random": RandomPolicy, "chase": ChasePolicy, "strong": StrongPolicy}
