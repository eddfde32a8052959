"""Many Tag matches stepped at once as numpy arrays, bit-identical to the single-match game.

>>> from palaestra.envs.competitive.tag_batch import TagBatch
>>> batch = TagBatch(n_matches=4)
>>> batch.reset(seeds=[0, 1, 2, 3]).shape  # matches, agents (predator_0, predator_1, prey_0, prey_1), features
(4, 4, 20)

Match ``i`` reset with seed ``s`` reproduces :class:`~palaestra.envs.competitive.tag.TagEnv` reset with ``s``
bit for bit: the discs move in a :class:`~palaestra.envs.competitive.disc_batch.DiscBatch`, the starting
spots (the only random draws) come from one generator per match. A tagged prey leaves its match as in the
single game: :attr:`live` turns false, its later actions are ignored and its observation row is only
meaningful for the step that tagged it (the single game returns none after that).
"""

from __future__ import annotations

import numpy as np

from palaestra.envs.competitive.common import OUTCOME_LOSS, OUTCOME_WIN
from palaestra.envs.competitive.disc_batch import FieldBatch, py_hypot, steer
from palaestra.envs.competitive.tag import ENV_ID, HALF_SIZE, PREY, ChasePolicy, TagEnv

_PREDATORS, _PREY = (0, 1), (2, 3)  # columns, in possible_agents order


class TagBatch(FieldBatch):
    """``n_matches`` matches of :class:`TagEnv` (state observations) as arrays.

    :meth:`step` takes one ``Box(-1, 1, (2,))`` command per agent per match, ``(n_matches, 4, 2)``, and returns
    observations ``(n_matches, 4, 20)`` float32, rewards, terminations and truncations ``(n_matches, 4)`` (zero
    and false for agents not in the step, :attr:`stepped`). A match that ended stays ended until it is reset;
    stepping it is refused. :meth:`outcome` is an ended match's ``info["outcome"]`` for each agent.
    """

    env_id = ENV_ID

    def __init__(self, n_matches: int, max_cycles: int = 300, obs_mode: str = "state") -> None:
        super().__init__(TagEnv(max_cycles=max_cycles, obs_mode=obs_mode), n_matches)
        agents = self.possible_agents
        # Each agent's view of the others: teammate first, then the opponents (TagEnv._others), as columns.
        self._others = np.array([[agents.index(o) for o in self.template._others[a]] for a in agents])
        pairs = self.discs.pairs
        self._tags = {prey: [pairs.index((hunter, prey)) for hunter in _PREDATORS] for prey in _PREY}
        self.won = np.zeros(self.n, dtype=np.bool_)

    def _start(self, row: int, rng: np.random.Generator) -> None:
        # Predators start in the left band, prey in the right one, anywhere along y (TagEnv.reset).
        spots = rng.uniform((0.4, -0.8), (0.8, 0.8), size=(4, 2)).tolist()
        for index, (x, y) in enumerate(spots):
            self.discs.place(row, index, -x if index in _PREDATORS else x, y)
        self.discs.active[row] = True
        self.won[row] = False

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Advance every match one step: (observations, rewards, terminations, truncations)."""
        discs = self.discs
        discs.ax, discs.ay = self._commands(actions)
        contacts = discs.step()
        self.cycles += 1
        tagged = np.zeros((self.n, 4), dtype=np.bool_)
        for prey, pairs in self._tags.items():
            tagged[:, prey] = contacts[:, pairs].any(axis=1)
        discs.active &= ~tagged
        won = ~discs.active[:, _PREY].any(axis=1)
        timed_out = ~won & (self.cycles >= self.max_cycles)
        stepped = self.stepped = self.live.copy()
        count = tagged.sum(axis=1).astype(np.float64)
        rewards = np.zeros((self.n, 4))
        rewards[:, _PREDATORS] = count[:, None]
        rewards[:, _PREY] = np.where(tagged[:, _PREY], -1.0, 0.0)
        rewards = np.where(stepped, rewards, 0.0)
        terminated = stepped & (won[:, None] | tagged)
        truncated = stepped & timed_out[:, None]
        ended = won | timed_out
        self.won = won
        self.live = np.where(ended[:, None], False, stepped & ~tagged)
        self.running &= ~ended
        return self.observations(), rewards, terminated, truncated

    def outcome(self, row: int) -> list[int]:
        """Each agent's ``info["outcome"]`` in the ended match ``row``: predators win when no prey is left."""
        won = bool(self.won[row])
        return [OUTCOME_WIN if (index in _PREDATORS) == won else OUTCOME_LOSS for index in range(4)]

    def observations(self) -> np.ndarray:
        """Every agent's observation in every match, ``(n_matches, 4, 20)`` float32 (TagEnv._state_obs)."""
        d = self.discs
        x, y = d.x / HALF_SIZE, d.y / HALF_SIZE
        own = np.stack((x, y, d.vx, d.vy), axis=-1)
        rows = np.where(d.active[..., None], np.stack((x, y, d.vx, d.vy, np.ones_like(x)), axis=-1), 0.0)
        others = rows[:, self._others].reshape(self.n, 4, -1)
        time_left = np.broadcast_to((1.0 - self.cycles / self.max_cycles)[:, None, None], (self.n, 4, 1))
        return np.concatenate((own, others, time_left), axis=2).astype(np.float32)


def chase(observations: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """:class:`~palaestra.envs.competitive.tag.ChasePolicy` for many agents at once, bit for bit.

    ``observations`` ``(rows, 20)`` are the agents' own; ``agents`` their columns in ``possible_agents``
    (predators hunt the nearest prey in play, prey run straight away from the nearest predator).
    """
    obs = observations.astype(np.float64)
    x, y, vx, vy = obs[:, 0], obs[:, 1], obs[:, 2], obs[:, 3]
    first, second = obs[:, 9:14], obs[:, 14:19]  # the two opponents (x, y, vx, vy, in play)
    in_play = np.stack((first[:, 4] != 0.0, second[:, 4] != 0.0), axis=1)
    gaps = np.stack([py_hypot(o[:, 0] - x, o[:, 1] - y) for o in (first, second)], axis=1)
    # min() keeps the first of equal distances: the second opponent only when strictly nearer (or alone).
    pick_second = ~in_play[:, 0] | (in_play[:, 1] & (gaps[:, 1] < gaps[:, 0]))
    target = np.where(pick_second[:, None], second, first)
    hunter = np.asarray(agents) < len(_PREDATORS)
    dx, dy = x - target[:, 0], y - target[:, 1]
    norm = np.maximum(1e-6, np.where(pick_second, gaps[:, 1], gaps[:, 0]))
    tx = np.where(hunter, target[:, 0], x + dx / norm)
    ty = np.where(hunter, target[:, 1], y + dy / norm)
    speed = np.where(hunter, 1.0, PREY["max_speed"])
    moves = steer(x, y, vx, vy, tx, ty, speed)
    return np.where(in_play.any(axis=1)[:, None], moves, np.float32(0.0))


BATCHED = {ChasePolicy: chase}  # scripted levels that act for many matches in one call
