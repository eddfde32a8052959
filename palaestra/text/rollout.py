"""Batched self-play rollouts of the text games for training language models.

``rollout`` plays ``games`` matches at once: every round it gathers the prompts of all games waiting for the
learner and asks ``policy(prompts) -> answers`` once, so a vLLM or transformers model sees one batch. The
opponent is the same policy (``"self"``, self-play), another such callable, or the name of one of the game's
scripted levels. Which role (``player_0``/``player_1``) the learner takes in each game follows from ``seed``.
Every turn is recorded as a :class:`Turn` (prompt, answer, well-formed, legal, and the final reward and
outcome of its role), written to and read back from JSONL by :func:`save_jsonl` / :func:`load_jsonl`;
:func:`rates` gives per-side, per-role win, draw, loss and invalid-answer rates.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.text.facade import PLAYERS, text_game_ids

TextPolicy = Callable[[list[str]], list[str]]
SELF = "self"


@dataclass(frozen=True)
class Turn:
    """One answer in one game. ``reward`` and ``outcome`` are the final ones of ``role`` in that game (what a
    policy-gradient update credits the answer with); ``side`` is ``learner`` or ``opponent``."""

    env_id: str
    game: int
    seed: int
    turn: int
    role: str
    side: str
    prompt: str
    answer: str
    well_formed: bool
    legal: bool
    error: str
    reward: float
    outcome: int


FIELDS = tuple(f.name for f in dataclasses.fields(Turn))


def _check_answers(who: str, prompts: list[str], answers: Any) -> list[str]:
    if not isinstance(answers, Sequence) or isinstance(answers, str) or len(answers) != len(prompts):
        raise ValueError(f"rollout: {who} returned {type(answers).__name__} for {len(prompts)} prompts; "
                         "expected a list with one answer string per prompt")
    for answer in answers:
        if not isinstance(answer, str):
            raise ValueError(f"rollout: {who} answered {answer!r}; expected a str per prompt")
    return list(answers)


def game_plan(seed: int, games: int) -> list[tuple[int, str]]:
    """``(env seed, learner role)`` of each game: a function of ``seed`` alone."""
    plan = []
    for g in range(games):
        rng = np.random.default_rng([seed, g])
        plan.append((int(rng.integers(2**31)), PLAYERS[int(rng.integers(2))]))
    return plan


def rollout(
    env_id: str,
    policy: TextPolicy,
    games: int = 8,
    opponent: str | TextPolicy = SELF,
    seed: int = 0,
    invalid_move: str = "lose",
    max_retries: int = 0,
    env_kwargs: dict[str, Any] | None = None,
) -> list[Turn]:
    """Play ``games`` matches of ``env_id`` in text mode, batching the policies' calls; every turn, in order."""
    import palaestra
    from palaestra.competitive.match import opponent_table

    if env_id not in text_game_ids():
        env_id = palaestra.get(env_id).id
        if env_id not in text_game_ids():
            raise ValueError(f"rollout: {env_id} is not a text game; expected one of {text_game_ids()}")
    if not callable(policy):
        raise ValueError(f"rollout({env_id}): policy={policy!r}; expected a callable policy(prompts) -> answers")
    if isinstance(games, bool) or not isinstance(games, int) or games < 1:
        raise ValueError(f"rollout({env_id}): games={games!r}; expected a positive integer")
    kwargs = dict(env_kwargs or {})
    plan = game_plan(seed, games)
    scripted = None
    if isinstance(opponent, str) and opponent != SELF:
        table = opponent_table(env_id)
        if opponent not in table:
            raise ValueError(f"rollout({env_id}): opponent={opponent!r}; expected 'self', a callable or one of {list(table)}")
        rules = palaestra.make_aec(env_id, **kwargs)  # scripted levels read spaces and rules from a state-mode env
        scripted = [table[opponent](rules) for _ in range(games)]
        for g, level in enumerate(scripted):
            level.reset(plan[g][0])
    elif not isinstance(opponent, str) and not callable(opponent):
        raise ValueError(f"rollout({env_id}): opponent={opponent!r}; expected 'self', a callable or a level name")

    envs = [palaestra.make_aec(env_id, obs_mode="text", invalid_move=invalid_move, max_retries=max_retries, **kwargs)
            for _ in range(games)]
    for g, env in enumerate(envs):
        env.reset(seed=plan[g][0])
    returns = [dict.fromkeys(PLAYERS, 0.0) for _ in envs]
    open_turns: list[list[dict[str, Any]]] = [[] for _ in envs]
    finished: list[Turn] = []
    live = list(range(games))
    while live:
        asks: dict[str, list[tuple[int, str, str]]] = {"learner": [], "opponent": []}
        for g in live:
            agent = envs[g].agent_selection
            side = "learner" if opponent == SELF or agent == plan[g][1] else "opponent"
            asks[side].append((g, agent, envs[g].observe(agent)))
        answers = {}
        if asks["learner"]:
            answers["learner"] = _check_answers("policy", [p for _, _, p in asks["learner"]],
                                                policy([p for _, _, p in asks["learner"]]))
        if asks["opponent"]:
            prompts = [p for _, _, p in asks["opponent"]]
            if scripted is None:
                answers["opponent"] = _check_answers("opponent", prompts, opponent(prompts))  # type: ignore[operator]
            else:
                answers["opponent"] = [scripted_answer(scripted[g], envs[g], agent) for g, agent, _ in asks["opponent"]]
        for side, batch in asks.items():
            for (g, agent, prompt), answer in zip(batch, answers.get(side, [])):
                env = envs[g]
                env.step(answer)
                info = env.infos[agent]
                for role in PLAYERS:
                    returns[g][role] += float(env.rewards[role])
                open_turns[g].append(dict(
                    env_id=env_id, game=g, seed=plan[g][0], turn=len(open_turns[g]), role=agent, side=side,
                    prompt=prompt, answer=answer, well_formed=bool(info.get("well_formed", False)),
                    legal=bool(info.get("legal", False)), error=str(info.get("error", "")),
                ))
        still = []
        for g in live:
            env = envs[g]
            if all(env.terminations.values()) or all(env.truncations.values()):
                outcomes = {role: int(env.infos[role].get("outcome", 0)) for role in PLAYERS}
                finished += [Turn(**t, reward=returns[g][t["role"]], outcome=outcomes[t["role"]]) for t in open_turns[g]]
            else:
                still.append(g)
        live = still
    finished.sort(key=lambda t: (t.game, t.turn))
    return finished


def scripted_answer(policy: Any, env: Any, agent: str) -> str:
    """The move of scripted ``policy`` for ``agent`` of text-mode ``env``, written as the prompt asks."""
    base = env.unwrapped
    action = int(policy.act(base.state_observation(agent), agent))
    move = base.game.move_text(action)
    return move if move.startswith("[") else f"[{move}]"


def save_jsonl(turns: Iterable[Turn], path: str | Path, overwrite: bool = False) -> Path:
    """Write one JSON object per turn to ``path`` and return it. The file appears whole or not at all (written
    beside it, then renamed), and an existing file is kept unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"save_jsonl: {path} exists; pass overwrite=True to replace it")
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as f:
        for turn in turns:
            f.write(json.dumps(dataclasses.asdict(turn), ensure_ascii=False) + "\n")
    partial.replace(path)
    return path


def load_jsonl(path: str | Path) -> list[Turn]:
    """The turns written by :func:`save_jsonl`; ``ValueError`` naming the file and line for a bad record."""
    turns = []
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not JSON ({err.msg}); expected one turn object per line") from None
            if not isinstance(record, dict) or set(record) != set(FIELDS):
                got = sorted(record) if isinstance(record, dict) else type(record).__name__
                raise ValueError(f"{path}:{number}: turn fields {got}; expected {sorted(FIELDS)}")
            turns.append(Turn(**record))
    return turns


def rates(turns: Iterable[Turn]) -> dict[str, dict[str, float]]:
    """Per ``"side/role"`` (and ``"side"`` over both roles): the games played in that seat (in self-play each game
    counts once per role), win, draw and loss rates over them, and invalid and malformed rates over answers."""
    games: dict[str, dict[tuple[int, str], int]] = defaultdict(dict)
    answers: dict[str, list[Turn]] = defaultdict(list)
    for t in turns:
        for key in (f"{t.side}/{t.role}", t.side):
            games[key][t.game, t.role] = t.outcome
            answers[key].append(t)
    table = {}
    for key in sorted(games):
        outcomes = list(games[key].values())
        said = answers[key]
        table[key] = {
            "games": float(len(outcomes)),
            "win": sum(o > 0 for o in outcomes) / len(outcomes),
            "draw": sum(o == 0 for o in outcomes) / len(outcomes),
            "loss": sum(o < 0 for o in outcomes) / len(outcomes),
            "invalid": sum(not t.legal for t in said) / len(said),
            "malformed": sum(not t.well_formed for t in said) / len(said),
        }
    return table
