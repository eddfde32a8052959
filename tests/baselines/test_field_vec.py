"""Tag and Soccer 2v2 self-play on their array cores: the same slots as make_vec_env over SelfPlayEnv, bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402

from palaestra.baselines import array_vec  # noqa: E402
from palaestra.baselines.array_vec import array_selfplay  # noqa: E402
from palaestra.baselines.field_vec import SoccerSelfPlayVecEnv, TagSelfPlayVecEnv  # noqa: E402
from palaestra.baselines.train import load_config, load_model  # noqa: E402
from palaestra.competitive.policy import Policy  # noqa: E402
from palaestra.wrappers.selfplay import OpponentPool, SelfPlayEnv  # noqa: E402

# Short matches (and soccer's shaping, for fractional rewards) so that many episodes end within the test.
GAMES = {
    "palaestra/Tag-v0": ({"max_cycles": 40}, ["random", "chase", "strong"]),
    "palaestra/Soccer2v2-v0": ({"goals_to_win": 1, "max_cycles": 60, "shaping": 0.5}, ["random", "chaser", "strong"]),
}


class _Wobbly(Policy):
    """An opponent the array core plays as one policy object per match: commands from its seeded rng."""

    def act(self, observation, agent):
        return self.rng.uniform(-1.2, 1.2, size=2).astype(np.float32)


def _pool(levels: list[str]) -> OpponentPool:
    pool = OpponentPool({**{level: level for level in levels}, "wobbly": _Wobbly})
    # A frozen "learner" that acts on one joined observation or a batch alike (as an SB3 policy's predict
    # does): both discs push toward the other side's first disc.
    pool.add_snapshot(lambda obs: np.clip(np.asarray(obs)[..., [10, 11, 10, 11]], -1, 1).astype(np.float32),
                      name="snapshot-0")
    return pool


def _same_infos(ours: dict, theirs: dict) -> None:
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key == "terminal_observation":
            assert ours[key].tobytes() == value.tobytes()
        elif key == "episode":  # the wall-clock "t" differs
            assert (ours[key]["r"], ours[key]["l"]) == (value["r"], value["l"])
        else:
            assert ours[key] == value, key


@pytest.mark.parametrize("game", list(GAMES))
def test_slots_reproduce_make_vec_env_over_selfplay_bit_for_bit(game, monkeypatch):
    monkeypatch.setattr(array_vec, "RANDOM_BLOCK", 5)  # the random level's draws refill every few steps
    kwargs, levels = GAMES[game]
    n, seed = 6, 3
    theirs = make_vec_env(lambda: SelfPlayEnv(game, opponents=_pool(levels), env_kwargs=kwargs), n_envs=n, seed=seed)
    ours = array_selfplay(game, n_envs=n, opponents=_pool(levels), seed=seed, env_kwargs=kwargs)
    assert ours.observation_space == theirs.observation_space and ours.action_space == theirs.action_space
    assert ours.reset().tobytes() == theirs.reset().tobytes()
    rng = np.random.default_rng(0)
    met, ends, outcomes = set(), 0, set()
    for _ in range(500):
        actions = rng.uniform(-1.2, 1.2, size=(n, 4))  # float64, beyond the box: cast and clipped as SelfPlayEnv
        mine, reference = ours.step(actions), theirs.step(actions)
        for a, b in zip(mine[:3], reference[:3]):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        for a, b in zip(mine[3], reference[3]):
            _same_infos(a, b)
            met.add(b["opponent"])
            outcomes.add(b.get("outcome"))
        ends += int(reference[2].sum())
    assert met == {*levels, "wobbly", "snapshot-0"} and ends > 30 and {1, -1} <= outcomes
    ours.close()
    theirs.close()


def test_bad_input_is_refused_naming_the_game():
    with pytest.raises(ValueError, match=r"Sumo-v0: no array core; games with one: \[.*Tag-v0"):
        array_selfplay("palaestra/Sumo-v0", n_envs=2)
    with pytest.raises(ValueError, match="Soccer2v2-v0: TagBatch is the array core of palaestra/Tag-v0"):
        TagSelfPlayVecEnv("palaestra/Soccer2v2-v0", n_envs=2)
    with pytest.raises(ValueError, match=r"Soccer2v2-v0: the array core takes env_kwargs \[.*\]; got \['ball'\]"):
        SoccerSelfPlayVecEnv(n_envs=2, env_kwargs={"ball": 2})
    with pytest.raises(ValueError, match="Tag-v0 batch: the array core has state observations only"):
        TagSelfPlayVecEnv(n_envs=2, env_kwargs={"obs_mode": "pixels"})
    with pytest.raises(ValueError, match="Tag-v0: unknown side 'middle'"):
        TagSelfPlayVecEnv(n_envs=2, side="middle")
    assert load_config("palaestra/Tag-v0", vectorised=True).vectorised  # configs may now select the arrays


def test_a_tiny_vectorised_tag_run_trains_with_box_actions_snapshots_and_evaluates(tmp_path):
    from palaestra.baselines import checkpoint
    from palaestra.baselines.train import train

    tiny = {"n_steps": 16, "batch_size": 64, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}}
    config = load_config("palaestra/Tag-v0", timesteps=256, n_envs=8, eval_every=256, eval_episodes=1,
                         snapshot_every=128, vectorised=True, env_kwargs={"max_cycles": 30}, hyperparams=tiny)
    rows = train(config, seed=0, out=tmp_path)
    assert [r["timesteps"] for r in rows] == [256]
    assert all(0.0 <= rows[0][f"score_vs_{level}"] <= 1.0 for level in config.opponents)
    assert sorted(checkpoint.load(tmp_path / "seed_0" / "resume.pt")["snapshots"]) == ["snapshot-128", "snapshot-256"]
    # Loading it for evaluation (one env) builds no PPO update machinery that warns about its batch size.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*mini-batch size")
        model, _ = load_model(tmp_path / "seed_0" / "model.pt")
    assert model.policy is not None
