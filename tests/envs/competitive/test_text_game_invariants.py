"""Rules proven by invariants, over random legal and illegal play (hypothesis), for every turn-based game:
zero-sum returns, conserved quantities (chips, items, marks), legal moves never refused and illegal ones never
accepted (as ints and as text), every move's text parsing back to it, and the same seed giving the same game."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import palaestra
from palaestra import registry
from palaestra.envs.competitive.turn_based import IllegalMoveError

TEXT_GAMES = [r.id for r in registry.RECORDS if "turn-based" in r.tags]
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _conserved(game) -> tuple:
    """What the rules must never create or destroy, per game."""
    name = type(game).__name__
    if name == "TicTacToe":
        return (game.board.count(1) - game.board.count(2) in (0, 1),)
    if name == "SimpleNegotiation":
        return tuple(game.holdings[0][r] + game.holdings[1][r] for r in range(2))
    if name == "Negotiation":
        return (game.deal is None or tuple(a + b for a, b in zip(*game.deal)) == game.counts,)
    return (sum(game.scores),)  # poker chips and dice stakes: one player's gain is the other's loss


def _play(env_id, seed, picks, text, legal_only=False):
    """Plays ``picks`` (indices into all actions, legal or not; into the legal ones with ``legal_only``) and
    checks every invariant on the way; returns the trace of (prompt or observation text, rewards)."""
    env = palaestra.make_aec(env_id, obs_mode="text" if text else "state")
    base = env.unwrapped
    env.reset(seed=seed)
    game = base.game
    start = _conserved(game)
    totals = dict.fromkeys(env.possible_agents, 0.0)
    trace = []
    for pick in picks:
        if not env.agents or any(env.terminations.values()):
            break
        agent = env.agent_selection
        mask = base.state_observation(agent)["action_mask"]
        legal = np.flatnonzero(mask)
        action = int(legal[pick % len(legal)]) if legal_only else int(pick % game.num_actions)
        before = base.observe_text(agent)
        if text:
            trace.append(env.observe(agent))
            move = game.move_text(action)
            if mask[action]:
                assert base.parse_action(agent, move) == action  # render then parse
                assert base.parse_action(agent, f"My answer: [{move}]") == action or game.free_text
                env.step(move if game.free_text else f"[{move}]")
                assert env.infos[agent]["legal"]
            else:
                with pytest.raises(IllegalMoveError):
                    base.parse_action(agent, move)
                continue
        else:
            trace.append(before)
            if mask[action]:
                env.step(action)
            else:
                with pytest.raises(ValueError, match=env_id):
                    env.step(action)
                assert base.observe_text(agent) == before  # a refused move changes nothing
                continue
        for a in totals:
            totals[a] += env.rewards[a]
        assert _conserved(game) == start, f"{env_id}: conserved quantity changed"
        trace.append(dict(env.rewards))
    if all(env.terminations.values()) and "mixed-motive" not in registry.get(env_id).tags:
        assert sum(totals.values()) == 0.0, f"{env_id}: returns {totals} do not sum to zero"
    return trace


PICKS = st.lists(st.integers(0, 2**20), min_size=1, max_size=80)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), picks=PICKS, legal_only=st.booleans())
def test_state_mode_invariants(env_id, seed, picks, legal_only):
    _play(env_id, seed, picks, text=False, legal_only=legal_only)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), picks=PICKS, legal_only=st.booleans())
def test_text_mode_invariants(env_id, seed, picks, legal_only):
    _play(env_id, seed, picks, text=True, legal_only=legal_only)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), picks=PICKS)
def test_same_seed_same_game(env_id, seed, picks):
    assert _play(env_id, seed, picks, text=True) == _play(env_id, seed, picks, text=True)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_random_legal_play_always_ends_zero_sum(env_id):
    """Longer legal play than the hypothesis examples: every match ends, with its invariants checked."""
    rng = np.random.default_rng(0)
    for seed in range(3):
        trace = _play(env_id, seed, rng.integers(0, 2**20, 400).tolist(), text=False, legal_only=True)
        assert len(trace) < 800, f"{env_id}: a match of 400 legal moves did not end"


# Answers a model might write: free text around move-like fragments of every game.
FRAGMENTS = st.sampled_from([
    "[b2]", "a1", "X at c3", "bet", "call", "fold", "check", "[liar]", "bid 2 x 5", "3 x 6", "[Accept]", "[Deny]",
    "[Offer: 2 Wood -> 1 Gold]", "[Offer: 30 Gold -> 1 Wood]", "propose 1 book 0 hats 2 balls", "accept", "\\boxed{a2}",
])
ANSWERS = st.lists(st.one_of(st.text(max_size=12), FRAGMENTS), max_size=4).map(" ".join)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), answers=st.lists(ANSWERS, min_size=1, max_size=12))
def test_any_text_is_refused_or_read_as_a_legal_move(env_id, seed, answers):
    env = palaestra.make_aec(env_id, obs_mode="text", invalid_move="reprompt", max_retries=100)
    env.reset(seed=seed)
    base = env.unwrapped
    for answer in answers:
        if any(env.terminations.values()):
            break
        agent = env.agent_selection
        legal = set(base.game.legal())
        try:
            action = base.parse_action(agent, answer)
        except IllegalMoveError:
            action = None
        env.step(answer)
        assert env.infos[agent]["legal"] == (action is not None)
        assert action is None or action in legal
