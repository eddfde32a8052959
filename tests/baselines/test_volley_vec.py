"""Volleyball self-play on the array core: the same slots as make_vec_env over SelfPlayEnv, and it trains."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402

from palaestra.baselines.train import load_config, train  # noqa: E402
from palaestra.competitive.policy import Policy  # noqa: E402
from palaestra.baselines import array_vec  # noqa: E402
from palaestra.baselines.volley_vec import VolleySelfPlayVecEnv  # noqa: E402
from palaestra.wrappers.selfplay import OpponentPool, SelfPlayEnv  # noqa: E402

KWARGS = {"points_to_win": 2, "max_cycles": 300}


class _Jittery(Policy):
    """An opponent the array core plays as one policy object per match: random moves from its seeded rng."""

    def act(self, observation, agent):
        return int(self.rng.integers(3))


def _pool(team_size: int) -> OpponentPool:
    pool = OpponentPool({"random": "random", "heuristic": "heuristic", "jittery": _Jittery})
    # A frozen "learner" that acts on one observation or a batch alike (as an SB3 policy's predict does):
    # forward while the ball is on the far side, one action per teammate in a team.
    ball_x = 10 * team_size
    if team_size == 1:
        pool.add_snapshot(lambda obs: (np.asarray(obs)[..., ball_x] > 0.0).astype(np.int64) * 2, name="snapshot-0")
    else:
        pool.add_snapshot(lambda obs: np.repeat((np.asarray(obs)[..., ball_x:ball_x + 1] > 0.0).astype(np.int64) * 2,
                                                team_size, axis=-1), name="snapshot-0")
    return pool


def _same_infos(ours: dict, theirs: dict) -> None:
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key == "terminal_observation":
            assert np.array_equal(ours[key], value)
        elif key == "episode":  # the wall-clock "t" differs
            assert (ours[key]["r"], ours[key]["l"]) == (value["r"], value["l"])
        else:
            assert ours[key] == value, key


@pytest.mark.parametrize(("game", "team_size"), [("palaestra/Volleyball-v0", 1), ("palaestra/TeamVolleyball2v2-v0", 2)])
def test_slots_reproduce_make_vec_env_over_selfplay_bit_for_bit(game, team_size, monkeypatch):
    monkeypatch.setattr(array_vec, "RANDOM_BLOCK", 5)  # the random level's draws refill every 5 steps
    n, seed = 6, 7
    theirs = make_vec_env(lambda: SelfPlayEnv(game, opponents=_pool(team_size), env_kwargs=KWARGS), n_envs=n, seed=seed)
    ours = VolleySelfPlayVecEnv(game, n_envs=n, opponents=_pool(team_size), seed=seed, env_kwargs=KWARGS)
    assert ours.observation_space == theirs.observation_space and ours.action_space == theirs.action_space
    assert np.array_equal(ours.reset(), theirs.reset())
    ours.action_space.seed(0)
    met, ends = set(), 0
    for _ in range(1500):
        actions = np.stack([ours.action_space.sample() for _ in range(n)])
        mine, reference = ours.step(actions), theirs.step(actions)
        for a, b in zip(mine[:3], reference[:3]):
            assert a.dtype == b.dtype and np.array_equal(a, b)
        for a, b in zip(mine[3], reference[3]):
            _same_infos(a, b)
            met.add(b["opponent"])
        ends += int(reference[2].sum())
    assert met == {"random", "heuristic", "jittery", "snapshot-0"} and ends > 20
    ours.close()
    theirs.close()


def test_a_tiny_vectorised_selfplay_run_trains_snapshots_evaluates_and_resumes(tmp_path):
    from palaestra.baselines import checkpoint

    def config(steps):
        return load_config("palaestra/Volleyball-v0", timesteps=steps, n_envs=8, eval_every=256, eval_episodes=1,
                           snapshot_every=128, vectorised=True, hyperparams={
                               "n_steps": 16, "batch_size": 64, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}})

    rows = train(config(256), seed=0, out=tmp_path)
    assert [r["timesteps"] for r in rows] == [256]
    assert all(0.0 <= rows[0][f"score_vs_{level}"] <= 1.0 for level in config(256).opponents)
    assert sorted(checkpoint.load(tmp_path / "seed_0" / "resume.pt")["snapshots"]) == ["snapshot-128", "snapshot-256"]
    rows = train(config(512), seed=0, out=tmp_path, resume=True)
    assert [r["timesteps"] for r in rows] == [256, 512]


def test_vectorised_is_refused_for_a_game_without_an_array_core():
    with pytest.raises(ValueError, match=r"Sumo-v0: vectorised: true needs an array core"):
        load_config("palaestra/Sumo-v0", vectorised=True)
    with pytest.raises(ValueError, match="the only selfplay_kwargs is side"):
        load_config("palaestra/Volleyball-v0", vectorised=True, selfplay_kwargs={"illegal_action": "lose"})
    with pytest.raises(ValueError, match="unknown side 'middle'"):
        VolleySelfPlayVecEnv("palaestra/Volleyball-v0", n_envs=2, side="middle")


def test_bench_row_times_one_match_and_the_arrays_in_the_same_run():
    from rich.console import Console

    from palaestra.bench.games import print_arrays, selfplay_arrays

    row = selfplay_arrays("palaestra/TeamVolleyball2v2-v0", steps=32, matches=4)
    assert row.error is None and row.single > 0 and row.arrays > 0 and row.ratio == row.arrays / row.single
    console = Console(record=True, width=200)
    print_arrays([row, selfplay_arrays("palaestra/Sumo-v0", steps=32, matches=4)], console)
    text = console.export_text()
    assert "Self-play arrays" in text and "palaestra/TeamVolleyball2v2-v0" in text
    assert "Sumo-v0: no array core" in text  # a game without one gets its row's error, not a crash


def test_a_frozen_sb3_policy_plays_all_its_matches_in_one_batched_call():
    from stable_baselines3 import PPO

    from palaestra.baselines.games import frozen

    pool = OpponentPool(["random"], weights={"random": 0.0})
    vec = VolleySelfPlayVecEnv("palaestra/TeamVolleyball2v2-v0", n_envs=4, opponents=pool, seed=0)
    model = PPO("MlpPolicy", vec, n_steps=8, batch_size=32, policy_kwargs={"net_arch": [8]}, device="cpu", seed=0)
    calls = []
    predict = frozen(model)
    pool.add_snapshot(lambda obs: calls.append(np.shape(obs)) or predict(obs), name="snapshot-0")
    vec.reset()
    assert vec.get_attr("opponent_name") == ["snapshot-0"] * 4
    for _ in range(5):
        vec.step(np.stack([vec.action_space.sample() for _ in range(4)]))
    assert calls == [(4, 2 * vec.batch.obs_dim)] * 5  # one forward pass a step for the 4 matches' joined sides
