"""Every algorithm path trains a tiny config end to end, and a stopped or killed run resumes from its last
checkpoint with no gap and no repeated row in its curve."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from palaestra.baselines import checkpoint
from palaestra.baselines.train import load_config, load_model, train
from palaestra.cli import main

TINY_OFF_POLICY = {"learning_starts": 100, "batch_size": 32, "buffer_size": 1000, "policy_kwargs": {"net_arch": [8]}}


def _curve(path):
    with open(path) as file:
        return [int(row["timesteps"]) for row in csv.DictReader(file)]


@pytest.mark.parametrize("library, env_id, extra", [
    ("sb3", "palaestra/Reach-v0", {}),
    ("sbx", "palaestra/Push-v0", {"track": "demos", "demo_episodes": 2}),  # sbx, and the RLPD-style demos track
])
def test_a_stopped_off_policy_run_resumes_where_it_stopped(library, env_id, extra, tmp_path):
    def config(steps):
        return load_config(env_id, library=library, timesteps=steps, eval_every=100, eval_episodes=2,
                           hyperparams=TINY_OFF_POLICY, **extra)

    first = train(config(200), seed=0, out=tmp_path / "a")
    state = checkpoint.load(tmp_path / "a" / "seed_0" / "resume.pt")
    assert state["training"]["num_timesteps"] == 200 and state["rows"] == first
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    with pytest.raises(FileExistsError, match="already holds a run; pass --resume"):
        train(config(300), seed=0, out=tmp_path / "a")  # never overwritten
    resumed = train(config(300), seed=0, out=tmp_path / "a", resume=True)
    assert [r["timesteps"] for r in resumed] == [100, 200, 300] and resumed[:2] == first
    assert _curve(tmp_path / "a" / "seed_0" / "curve.csv") == [100, 200, 300]
    # The buffer came back whole: the resumed run continued from 200 transitions, not from an empty buffer.
    state = checkpoint.load(tmp_path / "a" / "seed_0" / "resume.pt")
    assert state["training"]["num_timesteps"] == 300 and state["buffer"] == "replay_300.npz"
    assert [p.name for p in (tmp_path / "a" / "seed_0").glob("replay_*.npz")] == ["replay_300.npz"]
    # Resuming is deterministic: the same checkpoint continues the same way.
    assert train(config(300), seed=0, out=tmp_path / "b", resume=True) == resumed
    model, loaded = load_model(tmp_path / "a" / "seed_0" / "model.pt")
    assert loaded.library == library and model.num_timesteps == 0  # rebuilt from config.yaml, weights only


@pytest.mark.parametrize("library", ["sb3", "sbx"])
def test_a_replay_buffer_and_training_state_survive_the_round_trip(library, tmp_path):
    import numpy as np

    from palaestra.baselines.train import build_model

    config = load_config("palaestra/Reach-v0", library=library, timesteps=150, hyperparams=TINY_OFF_POLICY)
    model = build_model(config, seed=0)
    model.learn(150)
    checkpoint.save_buffer(model.replay_buffer, tmp_path / "replay.npz")
    checkpoint.save({"format": 1, "training": checkpoint.training_state(model, library)}, tmp_path / "state.pt")
    again = build_model(config, seed=5)
    checkpoint.load_buffer(again.replay_buffer, tmp_path / "replay.npz")
    checkpoint.restore_training_state(again, checkpoint.load(tmp_path / "state.pt")["training"], library)
    for key in model.replay_buffer.observations:
        np.testing.assert_array_equal(again.replay_buffer.observations[key], model.replay_buffer.observations[key])
    np.testing.assert_array_equal(again.replay_buffer.ep_length, model.replay_buffer.ep_length)
    assert again.replay_buffer.pos == model.replay_buffer.pos == 150 and again.num_timesteps == 150
    assert list(again.replay_buffer.infos[:150, 0]) == [dict(i) for i in model.replay_buffer.infos[:150, 0]]
    observation = model.get_env().reset()
    action, _ = model.predict(observation, deterministic=True)
    assert (again.predict(observation, deterministic=True)[0] == action).all()
    if library == "sb3":
        for name, tensor in model.policy.state_dict().items():
            assert (again.policy.state_dict()[name] == tensor).all(), name
        assert again.log_ent_coef.item() == model.log_ent_coef.item()
        steps = [m.actor.optimizer.state_dict()["state"][0]["step"] for m in (model, again)]
        assert steps[0] == steps[1] > 0
    else:
        import jax

        for name in ("actor_state", "qf_state"):
            saved, restored = (jax.tree_util.tree_leaves(getattr(m.policy, name)) for m in (model, again))
            assert len(saved) == len(restored) > 4, name  # parameters, target parameters, optimiser state
            assert all((np.asarray(a) == np.asarray(b)).all() for a, b in zip(saved, restored)), name
        assert float(again.ent_coef_state.params["log_ent_coef"]) == float(model.ent_coef_state.params["log_ent_coef"])
        assert (np.asarray(again.key) == np.asarray(model.key)).all()


def test_a_self_play_run_resumes_with_its_opponent_snapshots(tmp_path):
    def config(steps):
        return load_config("palaestra/TicTacToe-v0", timesteps=steps, n_envs=1, eval_every=64, eval_episodes=2,
                           snapshot_every=64, hyperparams={"n_steps": 64, "batch_size": 32, "n_epochs": 1,
                                                           "policy_kwargs": {"net_arch": [8]}})

    train(config(128), seed=0, out=tmp_path)
    assert sorted(checkpoint.load(tmp_path / "seed_0" / "resume.pt")["snapshots"]) == ["snapshot-128", "snapshot-64"]
    rows = train(config(192), seed=0, out=tmp_path, resume=True)
    assert [r["timesteps"] for r in rows] == [64, 128, 192]
    assert sorted(checkpoint.load(tmp_path / "seed_0" / "resume.pt")["snapshots"]) == [
        "snapshot-128", "snapshot-192", "snapshot-64"]
    from palaestra.baselines.train import evaluate_model

    model, loaded = load_model(tmp_path / "seed_0" / "model.pt")  # the final weights play as the trained learner
    assert {"timesteps": 192, **evaluate_model(model, loaded)} == rows[-1]


def test_a_killed_run_resumes_from_its_last_checkpoint_without_gap_or_duplicate(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text("env_id: palaestra/Reach-v0\nalgo: sac\nlibrary: sb3\ntrack: rl\ntimesteps: 400\n"
                      "seeds: [0]\nher: {goal_selection_strategy: future, n_sampled_goal: 4}\n"
                      "hyperparams: {learning_starts: 100, batch_size: 32, buffer_size: 1000, "
                      "policy_kwargs: {net_arch: [8]}}\neval_every: 100\neval_episodes: 2\n")
    command = [sys.executable, "-m", "palaestra.cli", "train", "Reach", "--config", str(config),
               "--out", str(tmp_path / "runs"), "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = tmp_path / "runs" / "Reach" / "seed_0" / "resume.pt"
    # curve.csv is the last file a checkpoint writes: once it exists the first checkpoint is whole, and the kill
    # lands in training or in a later checkpoint's writes (each atomic). A loaded machine may take minutes.
    deadline = time.monotonic() + 600
    while not (state.parent / "curve.csv").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (state.parent / "curve.csv").exists(), "no checkpoint within 600 s (or the run died: rerun it alone)"
    before = _curve(state.parent / "curve.csv")
    assert before and before[-1] < 400, "the run was killed before it finished"
    assert main(command[3:]) == 2
    refused = capsys.readouterr().err
    assert refused.count("\n") == 1 and "--resume" in refused
    assert main([*command[3:], "--resume", "--no-progress"]) == 0
    assert _curve(state.parent / "curve.csv") == [100, 200, 300, 400]


def test_train_refuses_an_occupied_out_in_one_line(tmp_path, capsys):
    (tmp_path / "Reach" / "seed_0").mkdir(parents=True)
    (tmp_path / "Reach" / "seed_0" / "curve.csv").write_text("timesteps,success_rate\n100,1.0\n")
    assert main(["train", "Reach", "--out", str(tmp_path), "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "Reach" / "seed_0") in err and "--resume" in err
    assert (tmp_path / "Reach" / "seed_0" / "curve.csv").read_text().endswith("100,1.0\n")


def test_resume_without_a_run_is_refused_naming_the_folder_it_looked_in(tmp_path, capsys):
    # --out is the parent of the run folder: passing the run folder itself used to print "(resuming)" and train
    # from zero in runs/Reach/Reach.
    (tmp_path / "Reach" / "seed_0").mkdir(parents=True)
    assert main(["train", "Reach", "--out", str(tmp_path / "Reach"), "--resume", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert "palaestra/Reach-v0" in err and str(tmp_path / "Reach" / "Reach") in err and "--out" in err
    assert not (tmp_path / "Reach" / "Reach").exists()
