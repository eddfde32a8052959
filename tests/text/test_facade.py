"""The TextArena-shaped facade: a TextArena game loop runs unchanged; rewards, infos and refusals."""

import pytest

import palaestra.text as pt


def _play(env, answers):
    """TextArena's loop, verbatim in shape: get_observation, step(action=...), close."""
    env.reset(num_players=2, seed=0)
    done, infos, seen = False, [], []
    while not done:
        player_id, observation = env.get_observation()
        seen.append((player_id, observation))
        done, info = env.step(action=answers(player_id, observation))
        infos.append(info)
    return env.close(), infos, seen


def test_tictactoe_loop_ends_with_the_winner_rewarded():
    moves = iter(["[a1]", "[a2]", "[b1]", "[b2]", "I complete the row: [c1]"])
    rewards, infos, seen = _play(pt.make("palaestra/TicTacToe-v0"), lambda pid, obs: next(moves))
    assert rewards == {0: 1.0, 1: -1.0}
    assert [pid for pid, _ in seen] == [0, 1, 0, 1, 0]
    assert all(i["well_formed"] and i["legal"] for i in infos)
    assert "You are X (player_0)" in seen[0][1]


@pytest.mark.parametrize("env_id", pt.text_game_ids())
def test_every_text_game_runs_to_a_zero_sum_end_under_the_stand_in(env_id):
    policy = pt.NoisyTextPolicy(seed=2, malformed=0.2)
    rewards, infos, _ = _play(pt.make(env_id), lambda pid, obs: policy([obs])[0])
    assert sorted(rewards.values()) in ([-1.0, 1.0], [0.0, 0.0])
    assert all({"well_formed", "legal"} <= set(i) for i in infos)


def test_one_retry_then_loss_as_textarena_and_game_info():
    env = pt.make("TicTacToe", close_returns_info=True)
    env.reset(num_players=2)
    assert env.step("nonsense") == (False, env.env.infos["player_0"])
    assert "Your previous answer was invalid" in env.get_observation()[1]
    done, info = env.step("still nonsense")
    assert done and info["outcome"] == -1 and info["well_formed"] is False
    rewards, game_info = env.close()
    assert rewards == {0: -1.0, 1: 1.0}
    assert game_info[0]["invalid_move"] and not game_info[1]["invalid_move"]


def test_refusals_name_the_game():
    with pytest.raises(ValueError, match="Push-v0 is not a turn-based text game"):
        pt.make("palaestra/Push-v0")
    env = pt.make("palaestra/KuhnPoker-v0")
    with pytest.raises(RuntimeError, match="KuhnPoker-v0: step\\(\\) before reset"):
        env.step("[bet]")
    with pytest.raises(ValueError, match="KuhnPoker-v0: reset\\(num_players=3\\); expected 2"):
        env.reset(num_players=3)
    env.reset(num_players=2, seed=0)
    with pytest.raises(ValueError, match="KuhnPoker-v0: agent 'player_0' sent action 1"):
        env.step(1)
    _play(env, lambda pid, obs: "[fold]" if "fold" in obs.splitlines()[-2] else "[bet]")
    with pytest.raises(ValueError, match="after the game ended; call reset"):
        env.step("[bet]")
