"""Learned-baseline plumbing: configs load and validate, a tiny run writes its curve, checkpoints and model."""

import csv

import pytest

from palaestra.baselines.train import load_config, train
from palaestra.cli import main


def test_registered_configs_load_and_bad_keys_are_named(tmp_path):
    config = load_config("palaestra/Reach-v0")
    assert config.algo == "sac" and config.her is not None and config.seeds == (0, 1, 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("env_id: palaestra/Reach-v0\nalgo: sac\ntimesteps: 10\nlearning_rte: 1\n")
    with pytest.raises(ValueError, match="unknown config keys.*learning_rte"):
        load_config(bad)
    with pytest.raises(ValueError, match="HER needs an off-policy"):
        load_config("palaestra/Reach-v0", library="sb3", algo="ppo")
    with pytest.raises(LookupError, match="no reference baseline config .free play"):
        load_config("palaestra/Playroom-v0")


def test_opponent_weights_name_the_pool_s_levels_or_snapshots():
    config = load_config("palaestra/TicTacToe-v0", opponent_weights={"perfect": 2, "snapshots": 3})
    assert config.opponent_weights["snapshots"] == 3
    with pytest.raises(ValueError, match=r"TicTacToe-v0: opponent_weights names 'strong'; expected one of"):
        load_config("palaestra/TicTacToe-v0", opponent_weights={"strong": 1})
    with pytest.raises(ValueError, match=r"opponent_weights\['random'\] must be a positive number, got -1"):
        load_config("palaestra/TicTacToe-v0", opponent_weights={"random": -1})
    with pytest.raises(ValueError, match=r"expected one of .*'perfect'\]"):  # no snapshots: none to weigh
        load_config("palaestra/TicTacToe-v0", snapshot_every=0, opponent_weights={"snapshots": 1})
    with pytest.raises(ValueError, match="Reach-v0: opponents, opponent_weights"):
        load_config("palaestra/Reach-v0", opponent_weights={"random": 1})
    with pytest.raises(ValueError, match=r"TicTacToe-v0: opponent_weights must map names .* got \[1, 2\]"):
        load_config("palaestra/TicTacToe-v0", opponent_weights=[1, 2])


def test_a_tiny_her_run_writes_curve_checkpoints_and_a_loadable_model(tmp_path, capsys):
    config = load_config(
        "palaestra/Reach-v0", timesteps=200, eval_every=100, eval_episodes=2,
        hyperparams={"learning_starts": 100, "batch_size": 32, "buffer_size": 1000},
    )
    rows = train(config, seed=0, out=tmp_path)
    reference = (tmp_path / "reference.json").read_text()
    assert '"expert": 1.0' in reference  # Reach's scripted expert succeeds on the evaluation seeds
    run = tmp_path / "seed_0"
    assert [r["timesteps"] for r in rows] == [100, 200]
    assert all(0.0 <= r["success_rate"] <= 1.0 for r in rows)
    with open(run / "curve.csv") as file:
        assert [int(r["timesteps"]) for r in csv.DictReader(file)] == [100, 200]
    assert (run / "checkpoint_100.pt").exists() and (run / "model.pt").exists()
    assert main(["evaluate", "Reach", "--model", str(run / "model.pt"), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{rows[-1]['success_rate']:.3f} [" in out  # the loaded weights act as the trained model
    assert main(["evaluate", "Reach-Perturbed-Hard", "--model", str(run / "model.pt"), "--episodes", "2"]) == 0
    assert "palaestra/Reach-Perturbed-Hard-v0 over 2 seeded episodes" in capsys.readouterr().out
    assert main(["evaluate", "Push", "--model", str(run / "model.pt")]) == 2
    assert "trained on palaestra/Reach-v0" in capsys.readouterr().err


@pytest.mark.parametrize("env_id", ["palaestra/Tag-v0", "palaestra/TicTacToe-v0"])
def test_tiny_self_play_runs_for_a_team_learner_and_a_game_with_illegal_moves(env_id, tmp_path):
    # Tag: one learner plays both predators (or both prey) and its snapshots play a whole side; TicTacToe: the
    # learner loses on an illegal move, and evaluation and snapshots play its most probable legal move.
    config = load_config(env_id, timesteps=128, n_envs=1, eval_every=128, eval_episodes=2, snapshot_every=32,
                         hyperparams={"n_steps": 64, "batch_size": 32, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}})
    rows = train(config, seed=0, out=tmp_path)
    assert [r["timesteps"] for r in rows] == [128]
    scores = {k: v for k, v in rows[0].items() if k != "timesteps"}
    assert list(scores) == [f"score_vs_{level}" for level in config.opponents]
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_writers_of_one_file_at_once_each_rename_a_whole_file(tmp_path):
    # Seeds sharing a task folder wrote reference.json through one temporary name: one seed renamed it away
    # under the other, which died with FileNotFoundError (a LiarsDice and a FarmRaidGuard seed were lost so).
    import threading
    import time

    from palaestra.baselines.checkpoint import atomic_write

    target, errors = tmp_path / "reference.json", []

    def write(text):
        def slow(tmp):
            tmp.write_text(text)
            time.sleep(0.05)  # every writer holds its temporary file while the others write theirs

        try:
            atomic_write(target, slow)
        except OSError as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f"writer {i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and target.read_text().startswith("writer ")
    assert [p.name for p in tmp_path.iterdir()] == ["reference.json"]  # no temporary file left behind


def test_a_split_trains_in_its_scenes_and_evaluates_in_the_held_out_one(tmp_path, capsys):
    config = load_config("palaestra/PlayroomGoal-v0", timesteps=64, eval_every=64, eval_episodes=1, split="ABC->D",
                         env_kwargs={"max_episode_steps": 16},
                         hyperparams={"learning_starts": 40, "batch_size": 16, "buffer_size": 500,
                                      "policy_kwargs": {"net_arch": [8]}})
    assert config.evaluation_id == "palaestra/PlayroomGoal-D-v0"
    rows = train(config, seed=0, out=tmp_path)
    assert [r["timesteps"] for r in rows] == [64]
    reference = (tmp_path / "reference.json").read_text()
    assert '"evaluated_in": "palaestra/PlayroomGoal-D-v0"' in reference and '"env_id": "palaestra/PlayroomGoal-v0"' in reference
    assert "split: ABC->D" in (tmp_path / "seed_0" / "config.yaml").read_text()
    assert main(["evaluate", "PlayroomGoal-C", "--model", str(tmp_path / "seed_0" / "model.pt"),
                 "--episodes", "1"]) == 0  # any scene of the trained playroom
    assert "palaestra/PlayroomGoal-C-v0 over 1 seeded episodes" in capsys.readouterr().out
    from palaestra.baselines.report import collect

    assert collect({"PlayroomGoal-ABC-to-D": tmp_path})[0].method == "sbx SAC + HER, scenes ABC->D"
    assert main(["train", "PlayroomGoal", "--split", "AB->D", "--out", str(tmp_path / "runs")]) == 2
    assert "unknown playroom split 'AB->D'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="PlayroomGoal-v0: unknown playroom split 'AB->D'"):
        load_config("palaestra/PlayroomGoal-v0", split="AB->D")
    with pytest.raises(ValueError, match=r"PlayroomGoal-v0: unknown playroom split \['A'\]"):
        load_config("palaestra/PlayroomGoal-v0", split=["A"])
    with pytest.raises(ValueError, match="PlayroomGoal-v0: env_kwargs scene='B' with split 'ABC->D'"):
        load_config("palaestra/PlayroomGoal-v0", split="ABC->D", env_kwargs={"scene": "B"})
    with pytest.raises(ValueError, match="Reach-v0: split 'ABC->D' needs a scene-A playroom ID"):
        load_config("palaestra/Reach-v0", split="ABC->D")


def test_demos_flag_trains_the_demonstrations_track_into_its_own_folder(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "Reach", "--demos", "2", "--timesteps", "64", "--seeds", "1", "--workers", "1",
                 "--no-progress", "--out", str(out)]) == 0
    assert "track demos" in capsys.readouterr().out
    saved = (out / "Reach-demos" / "seed_0" / "config.yaml").read_text()
    assert "track: demos" in saved and "demo_episodes: 2" in saved
    assert not (out / "Reach").exists()  # the pure-RL run's folder is left alone
    assert main(["train", "Soccer2v2", "--demos", "2", "--out", str(out)]) == 2
    assert "Soccer2v2-v0: demonstrations come from a scripted level playing the learner's seat" in \
        capsys.readouterr().err
