"""Playing one seeded match between policies, whichever PettingZoo API the game offers.

A match is defined by the game, one :class:`~palaestra.competitive.Policy` per team (it plays every agent of
its team, or, as a :class:`~palaestra.competitive.side.SidePolicy`, the whole team at once) and a seed: the
environment is reset with the seed and each policy is re-seeded from it, so the same seed replays the same match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.competitive.policy import Policy, PolicyFactory
from palaestra.competitive.side import Side, SidePolicy

# How a policy may be named: a Policy, a factory building one for an env, or a level of the game's OPPONENTS.
PolicySpec = Policy | PolicyFactory | str


@dataclass(frozen=True)
class MatchResult:
    """The outcome (1 win, 0 draw, -1 loss) and summed reward of each team, and the number of env steps."""

    outcome: Mapping[str, int]
    returns: Mapping[str, float]
    steps: int


def is_parallel(env: Any) -> bool:
    """Whether ``env`` has PettingZoo's parallel API (AEC environments iterate agents with ``agent_iter``)."""
    return not hasattr(env, "agent_iter")


def teams_of(env: Any) -> dict[str, tuple[str, ...]]:
    """The env's sides (``teams`` attribute, looked up through wrappers); one team per agent as a fallback."""
    probe = env
    while probe is not None:
        teams = getattr(probe, "teams", None)
        if teams:
            return {team: tuple(agents) for team, agents in teams.items()}
        probe = getattr(probe, "env", None) or getattr(probe, "aec_env", None) or getattr(probe, "par_env", None)
    return {agent: (agent,) for agent in env.possible_agents}


def opponent_table(env_id: str) -> dict[str, PolicyFactory]:
    """The game's scripted opponent levels, weakest first (the record's ``opponents`` entry)."""
    from palaestra import registry

    record = registry.get(env_id)
    if record.opponents is None:
        raise LookupError(f"{record.id} has no scripted opponents registered")
    return dict(registry.load(record.opponents))


def build_policy(spec: PolicySpec, env: Any, env_id: str | None = None) -> Policy:
    """A :class:`Policy` for ``env`` from a policy, a factory, or the name of one of the game's levels."""
    if isinstance(spec, Policy):
        return spec
    if isinstance(spec, str):
        if env_id is None:
            raise ValueError(f"policy level {spec!r} needs the game's env_id to look up its opponents")
        table = opponent_table(env_id)
        if spec not in table:
            raise KeyError(f"{env_id} has no opponent level {spec!r}; levels: {list(table)}")
        return table[spec](env)
    if callable(spec):
        policy = spec(env)
        if not isinstance(policy, Policy):
            raise TypeError(f"policy factory {spec!r} returned {type(policy).__name__}, expected a Policy")
        return policy
    raise TypeError(f"cannot make a policy from {spec!r}; pass a Policy, a factory or a level name")


def _seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def play_match(env: Any, policies: Mapping[str, Policy], seed: int, max_steps: int | None = None) -> MatchResult:
    """Play one match of ``env`` (parallel or AEC) with one policy per team, from ``reset(seed=seed)``.

    A policy acts for each agent of its team from that agent's observation; a :class:`SidePolicy` acts once per
    step for its whole team, from the team's observations joined, and its action is split among the teammates
    (see :class:`~palaestra.competitive.side.Side`). Raises ``RuntimeError`` when the match ends without an
    ``outcome`` for every team (a game convention: the agents still playing at the end report it) or runs past
    ``max_steps`` env steps.
    """
    teams = teams_of(env)
    if set(policies) != set(teams):
        raise ValueError(f"policies are given for teams {sorted(policies)}, the game's teams are {sorted(teams)}")
    sides = {team: Side.of(env, team, agents) for team, agents in teams.items()
             if isinstance(policies[team], SidePolicy)}
    if not is_parallel(env) and any(len(side.agents) > 1 for side in sides.values()):
        raise ValueError("a SidePolicy plays a turn-based (AEC) game only for a one-agent team; "
                         "use a Policy that acts for each agent")
    for index, team in enumerate(teams):
        policies[team].reset(_seed(seed, index + 1))
    team_of = {agent: team for team, agents in teams.items() for agent in agents}
    returns = {team: 0.0 for team in teams}
    final: dict[str, Mapping[str, Any]] = {}
    step = _play_parallel if is_parallel(env) else _play_aec
    steps = step(env, policies, sides, team_of, returns, final, seed, max_steps)
    # An agent that left before the end (a tagged prey) may not know the result; its team's does.
    outcome: dict[str, int] = {}
    for agent, team in team_of.items():
        info = final.get(agent, {})
        if "outcome" in info and outcome.setdefault(team, int(info["outcome"])) != int(info["outcome"]):
            raise RuntimeError(f"agents of team {team!r} report different outcomes")
    missing = [team for team in teams if team not in outcome]
    if missing:
        raise RuntimeError(f"match ended without an outcome for team(s) {missing} (final infos {final})")
    return MatchResult(outcome, returns, steps)


def _check_budget(steps: int, max_steps: int | None) -> None:
    if max_steps is not None and steps > max_steps:
        raise RuntimeError(f"match did not end within {max_steps} steps")


def _play_parallel(env, policies, sides, team_of, returns, final, seed, max_steps) -> int:
    # A side policy sees a teammate that left the game (tagged, knocked out) by its last observation.
    latest, _ = env.reset(seed=seed)
    steps = 0
    while env.agents:
        actions: dict[str, Any] = {}
        for agent in env.agents:
            team = team_of[agent]
            if team not in sides:
                actions[agent] = policies[team].act(latest[agent], agent)
            elif agent not in actions:
                side = sides[team]
                actions.update(side.actions(policies[team].act(side.observation(latest), team), env.agents))
        observations, rewards, terminations, truncations, infos = env.step(actions)
        latest = {**latest, **observations}
        steps += 1
        _check_budget(steps, max_steps)
        for agent, reward in rewards.items():
            returns[team_of[agent]] += float(reward)
            if terminations[agent] or truncations[agent]:
                final[agent] = infos[agent]
    return steps


def _play_aec(env, policies, sides, team_of, returns, final, seed, max_steps) -> int:
    env.reset(seed=seed)
    steps = 0
    for agent in env.agent_iter():
        observation, reward, terminated, truncated, info = env.last()
        returns[team_of[agent]] += float(reward)
        if terminated or truncated:
            final[agent] = info
            action = None
        else:
            team = team_of[agent]
            # A side policy's one-agent side: the agent's observation and action are the side's.
            action = policies[team].act(observation, team if team in sides else agent)
        env.step(action)
        steps += 1
        _check_budget(steps, max_steps)
    return steps

