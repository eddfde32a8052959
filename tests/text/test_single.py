"""One seat of a text game as a Gymnasium env: Gymnasium's checker, the opponent's turns inside step, refusals."""

import pytest
from gymnasium.utils.env_checker import check_env

import palaestra.text as pt


@pytest.mark.parametrize("env_id", pt.text_game_ids())
def test_passes_gymnasium_check_env(env_id):
    check_env(pt.TextGameEnv(env_id, opponent="random"), skip_render_check=True)


def test_learner_meets_perfect_play_and_never_wins():
    env = pt.TextGameEnv("palaestra/TicTacToe-v0", opponent="perfect", role="player_1")
    policy = pt.NoisyTextPolicy(0, malformed=0.0, illegal=0.0)
    for seed in range(10):
        prompt, info = env.reset(seed=seed)
        assert info["role"] == "player_1" and "You (O) to move" in prompt  # the opponent's X is already down
        terminated, total = False, 0.0
        while not terminated:
            prompt, reward, terminated, truncated, info = env.step(policy([prompt])[0])
            total += reward
            assert info["legal"] and not truncated
        assert info["outcome"] <= 0 and total == info["outcome"]


def test_text_policy_opponent_and_random_roles():
    env = pt.TextGameEnv("palaestra/KuhnPokerHand-v0", opponent=pt.NoisyTextPolicy(1, malformed=0.0))
    roles = {env.reset(seed=s)[1]["role"] for s in range(12)}
    assert roles == {"player_0", "player_1"}
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("no idea")
    assert terminated and reward == -1.0 and info["well_formed"] is False and info["outcome"] == -1
    with pytest.raises(ValueError, match="KuhnPokerHand-v0: step.*after the match ended"):
        env.step("[bet]")


def test_bad_arguments_name_the_game():
    with pytest.raises(ValueError, match="TicTacToe-v0: role='player_2'"):
        pt.TextGameEnv("palaestra/TicTacToe-v0", role="player_2")
    with pytest.raises(ValueError, match="TicTacToe-v0: opponent='grandmaster'.*'perfect'"):
        pt.TextGameEnv("palaestra/TicTacToe-v0", opponent="grandmaster")
    with pytest.raises(ValueError, match="Push-v0 is not a text game"):
        pt.TextGameEnv("palaestra/Push-v0")
