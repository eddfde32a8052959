"""Self-play: any two-sided PettingZoo game as a single-agent Gymnasium env against an opponent pool.

>>> from palaestra.wrappers.selfplay import SelfPlayEnv
>>> env = SelfPlayEnv("palaestra/TicTacToe-v0", opponents=["random", "heuristic"])  # doctest: +SKIP
>>> obs, info = env.reset(seed=0)  # doctest: +SKIP

The learner plays one side (alternating per episode unless ``side`` is fixed); the other side is played by an
opponent drawn from an :class:`OpponentPool` at every reset: scripted levels of the game and frozen snapshots
of the learner. Because the result is a plain ``gymnasium.Env``, stable-baselines3's ``make_vec_env`` and
``DummyVecEnv``/``SubprocVecEnv`` take it directly; no SuperSuit conversion is needed.

In a team game the learner controls its whole side as one joint agent (observations concatenated, one
action per teammate: ``MultiDiscrete`` or a concatenated ``Box``): one learner per team. For one policy shared
by the teammates (each acting from its own observation), use
:class:`palaestra.baselines.team_vec.SharedTeamVecEnv`, a stable-baselines3 VecEnv with a slot per teammate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import RecordConstructorArgs

from palaestra.evaluation.matches import make_game
from palaestra.competitive.match import PolicySpec, build_policy, is_parallel, teams_of
from palaestra.competitive.policy import Policy
from palaestra.competitive.side import Side, SidePolicy


class OpponentPool:
    """The opponents a learner meets: named policy specs, sampled per episode (uniformly, or by ``weights``).

    Members are level names of the game's scripted opponents, :class:`Policy` factories, or frozen
    snapshots added during training with :meth:`add_snapshot`. With ``snapshot_share``, the snapshots together
    weigh that much (each ``snapshot_share / count``), so the other members keep their share of the matches
    however many snapshots accumulate; without it each snapshot weighs 1 like an unweighted member.
    """

    def __init__(self, members: Mapping[str, PolicySpec] | Sequence[str] = ("random",),
                 weights: Mapping[str, float] | None = None, snapshot_share: float | None = None) -> None:
        self.members: dict[str, PolicySpec] = (
            dict(members) if isinstance(members, Mapping) else {name: name for name in members}
        )
        if not self.members:
            raise ValueError("an opponent pool needs at least one member")
        self.weights = dict(weights or {})
        number = isinstance(snapshot_share, (int, float)) and not isinstance(snapshot_share, bool)
        if snapshot_share is not None and not (number and 0 < snapshot_share < float("inf")):
            raise ValueError(f"an opponent pool's snapshot_share must be a positive number, got {snapshot_share!r}")
        self.snapshot_share = snapshot_share
        # Snapshots' ``predict`` by name: it takes a batch of observations too (array cores act in batches).
        self.batched: dict[str, Callable[[Any], Any]] = {}

    def add(self, name: str, spec: PolicySpec, weight: float | None = None) -> None:
        self.members[name] = spec
        if weight is not None:
            self.weights[name] = weight

    def add_snapshot(self, predict: Callable[[Any], Any], name: str | None = None) -> str:
        """Freeze a learner: ``predict(observation) -> action`` (e.g. a copied SB3 policy's ``predict``).

        The snapshot plays a whole side as the learner does: from the side's joined observation, one action
        per teammate (see :class:`SidePolicy`).
        """
        name = name or f"snapshot-{sum(n.startswith('snapshot-') for n in self.members)}"
        self.batched[name] = predict
        self.add(name, lambda env: SidePolicy(env, lambda obs, side: predict(obs), name=name))
        if self.snapshot_share is not None:
            for snapshot in self.batched:
                self.weights[snapshot] = self.snapshot_share / len(self.batched)
        return name

    def sample(self, rng: np.random.Generator) -> str:
        names = list(self.members)
        p = np.array([self.weights.get(n, 1.0) for n in names], dtype=np.float64)
        return names[int(rng.choice(len(names), p=p / p.sum()))]


class SelfPlayEnv(gym.Env, RecordConstructorArgs):
    """One side of a two-sided game as a Gymnasium env; the other side is an opponent from a pool.

    Spaces are those of the learner's agent (a team's are joined, see the module docstring). The reward is the
    sum of the learner side's rewards; the episode terminates when the match ends, and the final ``info``
    carries the match ``outcome`` (1/0/-1) and the ``opponent``'s name. For turn-based games with action masks,
    :meth:`action_masks` serves sb3-contrib's MaskablePPO; ``illegal_action="lose"`` turns an illegal move
    into a lost match (reward -1) instead of an error, for learners without masking.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "ansi"]}

    def __init__(
        self,
        game: str | Callable[..., Any],
        opponents: OpponentPool | Mapping[str, PolicySpec] | Sequence[str] | str = "random",
        side: str | None = None,
        illegal_action: Literal["raise", "lose"] = "raise",
        env_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        RecordConstructorArgs.__init__(self, game=game, opponents=opponents, side=side,
                                       illegal_action=illegal_action, env_kwargs=env_kwargs)
        self.game_id = game if isinstance(game, str) else getattr(game, "__name__", repr(game))
        self.game = make_game(game, env_kwargs)
        self.render_mode = getattr(self.game, "render_mode", None)
        self.teams = teams_of(self.game)
        if len(self.teams) != 2:
            raise ValueError(f"{self.game_id} has {len(self.teams)} sides; self-play needs a two-sided game")
        if side is not None and side not in self.teams:
            raise ValueError(f"{self.game_id}: unknown side {side!r}; sides: {list(self.teams)}")
        if illegal_action not in ("raise", "lose"):
            raise ValueError(f"illegal_action={illegal_action!r}; expected 'raise' or 'lose'")
        if isinstance(opponents, str):
            opponents = [opponents]
        self.pool = opponents if isinstance(opponents, OpponentPool) else OpponentPool(opponents)
        self.fixed_side, self.illegal_action = side, illegal_action
        self.parallel = is_parallel(self.game)
        sizes = {len(agents) for agents in self.teams.values()}
        if len(sizes) != 1:
            raise ValueError(f"{self.game_id}: sides of different sizes cannot share one learner's spaces")
        first = Side.of(self.game, *next(iter(self.teams.items())))
        self.observation_space, self.action_space = first.observation_space, first.action_space
        self._sides = {team: Side(team, tuple(agents), self.observation_space, self.action_space)
                      for team, agents in self.teams.items()}
        self._policies: dict[str, Policy] = {}
        self.side = self.opponent_name = None

    # -- episode ---------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.side = self.fixed_side or list(self.teams)[int(self.np_random.integers(2))]
        self.other = next(t for t in self.teams if t != self.side)
        self.opponent_name = self.pool.sample(self.np_random)
        if self.opponent_name not in self._policies:
            spec = self.pool.members[self.opponent_name]
            self._policies[self.opponent_name] = build_policy(spec, self.game, self.game_id)
        self.opponent = self._policies[self.opponent_name]
        game_seed = int(self.np_random.integers(2**31))
        self.opponent.reset(int(self.np_random.integers(2**31)))
        self.mine = self.teams[self.side]
        if self.parallel:
            self._obs, _ = self.game.reset(seed=game_seed)
        else:
            self.game.reset(seed=game_seed)
            self._obs, self._returns, self._final = {}, 0.0, None
            self._advance()
        return self._observation(), {"side": self.side, "opponent": self.opponent_name}

    def step(self, action: Any):
        if self.parallel:
            return self._step_parallel(action)
        return self._step_aec(action)

    def action_masks(self) -> np.ndarray:
        """The legal-action mask of the learner's current observation (for sb3-contrib MaskablePPO)."""
        obs = self._observation()
        if not (isinstance(obs, dict) and "action_mask" in obs):
            return np.ones(self.action_space.n if isinstance(self.action_space, spaces.Discrete) else 1, dtype=bool)
        return np.asarray(obs["action_mask"], dtype=bool)

    def render(self):
        return self.game.render()

    def close(self) -> None:
        self.game.close()

    # -- parallel games ----------------------------------------------------------------------------------
    def _step_parallel(self, action):
        actions = self._opponent_actions()
        actions.update(self._sides[self.side].actions(action, self.game.agents))
        observations, rewards, terminations, _, infos = self.game.step(actions)
        # A teammate that left the game (tagged, knocked out) keeps its last observation in the joint one.
        self._obs = {**self._obs, **observations}
        reward = float(sum(rewards.get(a, 0.0) for a in self.mine))
        live = [a for a in self.mine if a in self.game.agents]
        info = {"side": self.side, "opponent": self.opponent_name}
        if live:
            return self._observation(), reward, False, False, info
        outcome = next((infos[a]["outcome"] for a in self.mine if "outcome" in infos.get(a, {})), None)
        if outcome is not None:
            info["outcome"] = int(outcome)
        terminated = any(terminations.get(a, False) for a in self.mine)
        return self._observation(), reward, terminated, not terminated, info

    # -- turn-based (AEC) games ---------------------------------------------------------------------------
    def _advance(self) -> None:
        """Let the opponent (and finished agents) move until the learner must act or the match is over."""
        for agent in self.game.agent_iter():
            obs, reward, terminated, truncated, info = self.game.last()
            if agent in self.mine:
                self._returns += float(reward)
                self._obs[agent] = obs
                if terminated or truncated:
                    self._final = info
                else:
                    return
            if terminated or truncated:
                self.game.step(None)
            else:
                self.game.step(self.opponent.act(obs, agent))

    def _step_aec(self, action):
        agent = self.game.agent_selection
        if self._final is not None or agent not in self.mine:
            raise RuntimeError(f"{self.game_id}: the match is over; call reset()")
        mask = self.action_masks()
        if self.illegal_action == "lose" and not (0 <= int(action) < len(mask) and mask[int(action)]):
            info = {"side": self.side, "opponent": self.opponent_name, "outcome": -1, "illegal_action": int(action)}
            self._final = info
            return self._observation(), -1.0, True, False, info
        self._returns = 0.0
        self.game.step(action)
        self._advance()
        info = {"side": self.side, "opponent": self.opponent_name}
        if self._final is not None and "outcome" in self._final:
            info["outcome"] = int(self._final["outcome"])
        return self._observation(), self._returns, self._final is not None, False, info

    def agent_observations(self) -> list[Any]:
        """The current observation of each agent of the learner's side, in team order."""
        return [self._obs[a] for a in self.mine if a in self._obs]

    def _observation(self):
        return self._sides[self.side].observation(self._obs)

    def _opponent_actions(self) -> dict[str, Any]:
        theirs = self._sides[self.other]
        if isinstance(self.opponent, SidePolicy):
            return theirs.actions(self.opponent.act(theirs.observation(self._obs), self.other), self.game.agents)
        return {a: self.opponent.act(self._obs[a], a) for a in theirs.agents if a in self.game.agents}
