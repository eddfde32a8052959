"""Text mode of every turn-based game (obs_mode="text"): Text spaces, prompts, answers parsed by the game, the
invalid-move policies and their info flags, and bad input refused with the game's name. Registry-driven."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import api_test, seed_test

import palaestra
from palaestra import registry
from palaestra.envs.competitive.turn_based import extract_answer

TEXT_GAMES = [r.id for r in registry.RECORDS if "turn-based" in r.tags]
_api = importlib.import_module("pettingzoo.test.api_test")
# Names no move in any game: two offers are malformed in free-text negotiation, and the last bracket names no
# cell, card move, bid or split.
MALFORMED = "[Offer: x -> y] [Offer: z -> w]"


@pytest.fixture
def str_observations(monkeypatch):
    """PettingZoo's api_test compares observation dtypes, which a str has not; everything else it checks runs."""
    check = _api._test_observation_space_compatibility

    def compatible(expected, seen, recursed_keys):
        if isinstance(seen, str):
            assert isinstance(expected, spaces.Text) and expected.contains(seen)
            return
        check(expected, seen, recursed_keys)

    monkeypatch.setattr(_api, "_test_observation_space_compatibility", compatible)


def _text(env_id, **kwargs):
    return palaestra.make_aec(env_id, obs_mode="text", **kwargs)


@pytest.mark.parametrize("invalid_move", ["lose", "reprompt"])
@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_text_mode_passes_pettingzoo_api_test(env_id, invalid_move, str_observations):
    api_test(_text(env_id, invalid_move=invalid_move, max_retries=2), num_cycles=100)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_text_mode_is_seeded(env_id):
    seed_test(lambda: _text(env_id), num_cycles=100)


def _play_legal(env, rng):
    """Answers the example-free way a model would: a legal move from the prompt's list, in brackets."""
    for agent in env.agent_iter():
        obs, _, term, trunc, _ = env.last()
        if term or trunc:
            env.step(None)
            continue
        assert isinstance(obs, str) and env.observation_space(agent).contains(obs)
        assert "Legal moves:" in obs and "square brackets" in obs
        moves = env.unwrapped.legal_moves()
        env.step(f"Thinking about {moves[0]} ... I choose [{moves[int(rng.integers(len(moves)))]}]")
        info = env.infos[agent]
        assert info["well_formed"] and info["legal"], info


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_legal_answers_play_a_whole_match(env_id):
    env = _text(env_id)
    env.reset(seed=3)
    _play_legal(env, np.random.default_rng(0))
    outcomes = sorted(env.unwrapped.infos[a]["outcome"] for a in env.possible_agents) if env.agents else None
    assert outcomes is None or outcomes in ([-1, 1], [0, 0])


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_malformed_answer_loses_under_lose(env_id):
    env = _text(env_id, invalid_move="lose")
    env.reset(seed=0)
    first = env.agent_selection
    env.step(MALFORMED)
    other = next(a for a in env.possible_agents if a != first)
    assert env.infos[first]["well_formed"] is False and env.infos[first]["legal"] is False
    assert env.infos[first]["outcome"] == -1 and env.infos[other]["outcome"] == 1
    assert env.rewards == {first: -1.0, other: 1.0}
    assert all(env.terminations.values())
    assert "forfeited" in env.observe(other)


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_reprompt_shows_the_error_then_forfeits_after_k_retries(env_id):
    env = _text(env_id, invalid_move="reprompt", max_retries=2)
    env.reset(seed=0)
    first = env.agent_selection
    for left in (1, 0):
        env.step(MALFORMED)
        assert env.agent_selection == first and not any(env.terminations.values())
        assert env.infos[first]["retries_left"] == left and env.rewards[first] == 0.0
        assert "Your previous answer was invalid: '[Offer: x" in env.observe(first)
    env.step(MALFORMED)
    assert env.infos[first]["outcome"] == -1 and env.infos[first]["forfeit"] == first
    # A good answer clears the error.
    env.reset(seed=0)
    env.step(MALFORMED)
    env.step(f"[{env.unwrapped.legal_moves()[0]}]")
    assert "invalid" not in env.observe(env.agent_selection)


def test_illegal_but_well_formed_is_told_apart_from_malformed():
    env = _text("palaestra/TicTacToe-v0", invalid_move="reprompt", max_retries=3)
    env.reset(seed=0)
    env.step("[b2]")
    env.step("b2 looks good: [b2]")
    assert env.infos["player_1"] == {
        "well_formed": True, "legal": False, "retries_left": 2, "error": env.infos["player_1"]["error"],
    }
    assert "b2 is taken" in env.infos["player_1"]["error"]
    env.step("I pass")
    assert env.infos["player_1"]["well_formed"] is False


def test_prompt_carries_rules_history_and_answer_format():
    env = _text("palaestra/KuhnPoker-v0", hands=3)
    env.reset(seed=1)
    env.step("I'll open with a [bet]")
    prompt = env.observe(env.agent_selection)
    assert "J < Q < K" in prompt and "Your card:" in prompt
    assert "History: player_0: bet" in prompt and "Legal moves: fold (or pass); call (or bet)" in prompt
    assert prompt.rstrip().endswith("for example [call].")


@pytest.mark.parametrize(
    ("answer", "move"),
    [("b2", "b2"), ("I think a1 then [c3]", "c3"), (r"so \boxed{a2}.", "a2"), ("[a1] no, [b1]", "b1")],
)
def test_answer_extraction(answer, move):
    assert extract_answer(answer) == move


@pytest.mark.parametrize("env_id", TEXT_GAMES)
def test_bad_input_names_the_game_the_argument_and_what_was_expected(env_id):
    for mode in ("state", "text"):
        env = palaestra.make_aec(env_id, obs_mode=mode)
        with pytest.raises(ValueError, match=f"{env_id}: step.*before the first reset"):
            env.step(0)
        env.reset(seed=0)
        bad = [float("nan"), float("inf"), 2**70, "3", [1, 2]] if mode == "state" else [0, None, 3.5, b"[a1]"]
        for action in bad:
            with pytest.raises(ValueError, match=f"{env_id}.*(expected|legal actions)"):
                env.step(action)
        while env.agents:  # finish the match (forfeit in text mode) and take the dead steps
            if any(env.terminations.values()):
                env.step(None)
            else:
                env.step(MALFORMED if mode == "text" else int(np.flatnonzero(env.observe(env.agent_selection)["action_mask"])[0]))
        with pytest.raises(ValueError, match=f"{env_id}: step.*after the match ended; call reset"):
            env.step(None)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"obs_mode": "pixels"}, "obs_mode"), ({"invalid_move": "skip"}, "invalid_move"), ({"max_retries": -1}, "max_retries"),
])
def test_bad_text_options_are_refused(kwargs, name):
    with pytest.raises(ValueError, match=f"TicTacToe-v0: {name}="):
        palaestra.make_aec("palaestra/TicTacToe-v0", **kwargs)
