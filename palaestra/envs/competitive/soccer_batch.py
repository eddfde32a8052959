"""Many Soccer 2v2 matches stepped at once as numpy arrays, bit-identical to the single-match game.

>>> from palaestra.envs.competitive.soccer_batch import SoccerBatch
>>> batch = SoccerBatch(n_matches=4)
>>> batch.reset(seeds=[0, 1, 2, 3]).shape  # matches, agents (left_0, left_1, right_0, right_1), features
(4, 4, 24)

Match ``i`` reset with seed ``s`` reproduces :class:`~palaestra.envs.competitive.soccer.SoccerEnv` reset with
``s`` bit for bit: the discs move in a :class:`~palaestra.envs.competitive.disc_batch.DiscBatch`; the
kickoffs (at a reset and after each goal, the only random draws) run per match on its own generator.
"""

from __future__ import annotations

import numpy as np

from palaestra.envs.competitive.common import outcome
from palaestra.envs.competitive.disc_batch import FieldBatch, py_hypot, steer
from palaestra.envs.competitive.soccer import (
    BEHIND, ENV_ID, FORMATION, HALF_LENGTH, JITTER, PLAYER_SPEED, SWING, TAKER, ChaserPolicy, SoccerEnv, StrongPolicy,
)

_BALL = 4  # the ball's disc, after the four players
# Each agent's view: own, mate, the two opponents (SoccerEnv._state_obs), as disc indices.
_VIEW = np.array([[0, 1, 2, 3], [1, 0, 2, 3], [2, 3, 0, 1], [3, 2, 0, 1]])
_RIGHT = np.array([False, False, True, True])


class SoccerBatch(FieldBatch):
    """``n_matches`` matches of :class:`SoccerEnv` (state observations) as arrays.

    :meth:`step` takes one ``Box(-1, 1, (2,))`` command per agent per match, ``(n_matches, 4, 2)``, and returns
    observations ``(n_matches, 4, 24)`` float32, rewards, terminations and truncations ``(n_matches, 4)``. A
    match that ended stays ended until it is reset; stepping it is refused. :attr:`score` holds each match's
    goals (left, right); :meth:`outcome` is an ended match's ``info["outcome"]`` for each agent.
    """

    env_id = ENV_ID

    def __init__(self, n_matches: int, goals_to_win: int = 3, max_cycles: int = 400, shaping: float = 0.0,
                 obs_mode: str = "state") -> None:
        template = SoccerEnv(goals_to_win=goals_to_win, max_cycles=max_cycles, shaping=shaping, obs_mode=obs_mode)
        super().__init__(template, n_matches)
        self.goals_to_win, self.shaping = template.goals_to_win, template.shaping
        self.score = np.zeros((self.n, 2), dtype=np.int64)
        self._sign = np.where(_RIGHT, -1.0, 1.0)

    def _start(self, row: int, rng: np.random.Generator) -> None:
        self.score[row] = 0
        self._kickoff(row, rng, 0 if rng.random() < 0.5 else 1)

    def _kickoff(self, row: int, rng: np.random.Generator, taker: int) -> None:
        """SoccerEnv._kickoff: ``taker`` (0 left, 1 right) kicks off; both sides on jittered spots."""
        jitter = rng.uniform(-JITTER, JITTER, size=(5, 2)).tolist()
        for index in range(4):
            side, k = index // 2, index % 2
            x, y = TAKER if (side == taker and k == 0) else FORMATION[k]
            sign = 1.0 if side == 0 else -1.0
            self.discs.place(row, index, sign * x + jitter[index][0], sign * y + jitter[index][1])
        self.discs.place(row, _BALL, 0.0, jitter[4][1])

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every match one step: (observations, rewards, terminations, truncations)."""
        discs = self.discs
        ax, ay = self._commands(actions)
        discs.ax[:, :4], discs.ay[:, :4] = self._sign * ax, self._sign * ay
        ball_x = discs.x[:, _BALL].copy()
        discs.step()
        self.cycles += 1
        gain = np.zeros((self.n, 2))  # each side's reward: left, right
        goals = np.flatnonzero(discs.crossed)
        for row in goals.tolist():
            scorer = 0 if discs.crossed[row] > 0 else 1
            self.score[row, scorer] += 1
            gain[row] = (1.0, -1.0) if scorer == 0 else (-1.0, 1.0)
            self._kickoff(row, self.rngs[row], 1 - scorer)
        if self.shaping:
            progress = self.shaping * (discs.x[:, _BALL] - ball_x) / HALF_LENGTH
            gain = np.where(discs.crossed[:, None] != 0, gain, np.stack((progress, -progress), axis=1))
        rewards = gain[:, _RIGHT.astype(np.int64)]
        terminated = self.score.max(axis=1) >= self.goals_to_win
        truncated = ~terminated & (self.cycles >= self.max_cycles)
        self.stepped = self.live.copy()
        ended = terminated | truncated
        self.live[ended] = False
        self.running &= ~ended
        return (self.observations(), rewards, np.repeat(terminated[:, None], 4, axis=1),
                np.repeat(truncated[:, None], 4, axis=1))

    def outcome(self, row: int) -> list[int]:
        """Each agent's ``info["outcome"]`` in the ended match ``row``, decided by the score."""
        left, right = self.score[row].tolist()
        return [outcome(left, right)] * 2 + [outcome(right, left)] * 2

    def observations(self) -> np.ndarray:
        """Every agent's observation in every match, ``(n_matches, 4, 24)`` float32 (SoccerEnv._state_obs)."""
        d, inv = self.discs, 1.0 / HALF_LENGTH
        rows = np.stack((d.x * inv, d.y * inv, d.vx / PLAYER_SPEED, d.vy / PLAYER_SPEED), axis=-1)  # (n, 5, 4)
        ball = rows[:, _BALL]
        players = rows[:, _VIEW].reshape(self.n, 4, 16)
        relative = ball[:, None, :2] - rows[:, :4, :2]
        values = np.concatenate((players, np.broadcast_to(ball[:, None], (self.n, 4, 4)), relative), axis=2)
        values = np.where(_RIGHT[None, :, None], -values, values)
        diff = (self.score[:, 0] - self.score[:, 1])[:, None]
        diff = np.where(_RIGHT, -diff, diff) / self.goals_to_win
        time_left = np.broadcast_to((1.0 - self.cycles / self.max_cycles)[:, None], (self.n, 4))
        return np.concatenate((values, diff[..., None], time_left[..., None]), axis=2).astype(np.float32)


def _press(observations: np.ndarray, swing: bool) -> np.ndarray:
    """The soccer scripted players (``_SoccerPolicy.act``) for many agents at once, bit for bit."""
    obs = observations.astype(np.float64)
    x, y, vx, vy = obs[:, 0], obs[:, 1], obs[:, 2], obs[:, 3]
    bx, by = obs[:, 16], obs[:, 17]
    dx, dy = 1.0 - bx, -by  # the opponent goal is at +x in every agent's frame
    norm = np.maximum(1e-6, py_hypot(dx, dy))
    ux, uy = dx / norm, dy / norm
    tx, ty = bx - BEHIND * ux, by - BEHIND * uy
    if swing:
        behind = (bx - x) * ux + (by - y) * uy < 0.0
        side = np.where((x - bx) * uy - (y - by) * ux > 0, 1.0, -1.0)
        tx = np.where(behind, bx - SWING * (ux - side * uy), tx)
        ty = np.where(behind, by - SWING * (uy + side * ux), ty)
    return steer(x, y, vx, vy, tx, ty)


def chaser(observations: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """:class:`~palaestra.envs.competitive.soccer.ChaserPolicy` for rows of agents' own observations."""
    return _press(observations, swing=False)


def strong(observations: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """:class:`~palaestra.envs.competitive.soccer.StrongPolicy` for rows of agents' own observations."""
    return _press(observations, swing=True)


BATCHED = {ChaserPolicy: chaser, StrongPolicy: strong}  # scripted levels that act for many matches in one call
