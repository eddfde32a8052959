"""The results page from training runs: IQM with stratified bootstrap intervals, expert-normalised scores, the
two tracks apart, one row per trainable task, and learning-curve plots."""

import json

import numpy as np
import pytest

from palaestra.baselines.report import main, read
from palaestra.baselines.scores import iqm, normalise, stratified_bootstrap
from palaestra.cli import main as cli
from palaestra.sim.drones.arena import PHYSICS_REVISION as DRONE_REVISION
from palaestra.sim.robot import PHYSICS_REVISION


def _run(root, name, finals, env_id="palaestra/Reach-v0", track="rl", reference=(0.2, 1.0), physics=PHYSICS_REVISION):
    for seed, final in enumerate(finals):
        folder = root / name / f"seed_{seed}"
        folder.mkdir(parents=True)
        rows = ["timesteps,success_rate,ci_low,ci_high,mean_return", "1000,0.0,0,0.2,-50"]
        rows += [f"2000,{final},0,1,-10"] + (["3000,1.0,0,1,-1"] if seed == 0 else [])
        (folder / "curve.csv").write_text("\n".join(rows) + "\n")
        demos = "demo_episodes: 10\n" if track == "demos" else ""
        (folder / "config.yaml").write_text(f"env_id: {env_id}\nalgo: sac\nlibrary: sbx\ntrack: {track}\n{demos}"
                                            "timesteps: 2000\nher: {n_sampled_goal: 4}\n")
    if reference:
        payload = {"metrics": {"success_rate": {"random": reference[0], "expert": reference[1]}}}
        if physics is not None:
            payload["panda_physics"] = physics
        (root / name / "reference.json").write_text(json.dumps(payload))


def test_iqm_cuts_a_quarter_each_side_and_the_bootstrap_resamples_within_each_task():
    assert iqm([0, 1, 2, 3, 4, 5, 6, 100]) == pytest.approx(3.5)  # 2 cut each side
    assert iqm([0.5, 0.6, 0.9]) == pytest.approx(2 / 3)  # fewer than 4 runs: nothing cut
    # Runs identical within each task: a stratified bootstrap has nothing to vary, a pooled one would.
    constant = stratified_bootstrap([np.full(3, 0.2), np.full(3, 0.8)])
    assert (constant.value, constant.low, constant.high) == pytest.approx((0.5, 0.5, 0.5))
    spread = stratified_bootstrap([np.array([0.0, 0.5, 1.0, 0.25])])
    assert spread.low < spread.value < spread.high and 0.0 <= spread.low and spread.high <= 1.0
    np.testing.assert_allclose(normalise([0.2, 0.6, 1.0], 0.2, 1.0), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="must differ"):
        normalise([0.5], 1.0, 1.0)


def test_curves_align_on_the_shortest_seed(tmp_path):
    _run(tmp_path, "Reach", [0.5, 1.0])
    curves = read(tmp_path / "Reach")
    assert curves.metric == "success_rate" and curves.seeds == (0, 1)
    np.testing.assert_array_equal(curves.timesteps, [1000, 2000])
    np.testing.assert_array_equal(curves.final, [0.5, 1.0])


def test_the_page_reports_tracks_apart_with_intervals_and_every_trainable_task(tmp_path, capsys):
    runs = tmp_path / "runs"
    _run(runs, "Reach", [0.6, 1.0, 1.0])
    _run(runs, "Push-demos", [0.4, 0.6, 0.8], env_id="palaestra/Push-v0", track="demos", reference=(0.0, 0.8))
    _run(runs, "PickAndPlace", [0.1], env_id="palaestra/PickAndPlace-v0", reference=None)
    out = tmp_path / "docs" / "results.md"
    assert cli(["report", str(runs), "--out", str(out)]) == 0
    page = out.read_text()
    rl, demos = page.split("## RL with expert demonstrations")
    reach = stratified_bootstrap([np.array([0.6, 1.0, 1.0])])
    normalised = stratified_bootstrap([normalise(np.array([0.6, 1.0, 1.0]), 0.2, 1.0)])
    assert f"| Reach | sbx SAC + HER | success_rate | 2,000 | 3 | {reach} | {normalised} | 0.20 / 1.00 |" in rl
    assert "| PickAndPlace | sbx SAC + HER | success_rate | 3,000 | 1 | 1.00 [1.00, 1.00] | n/a | n/a |" in rl
    assert f"Aggregate expert-normalised IQM over 1 tasks: {normalised}" in rl  # PickAndPlace has no references
    assert "| Push | sbx SAC + HER, 10 demos |" in demos and "| Push |" not in rl.split("not yet trained")[0]
    assert "Stack" in rl.split("not yet trained")[0].splitlines()[-1]  # never dropped: marked untrained
    assert sorted(p.name for p in (tmp_path / "docs" / "results").iterdir()) == [
        "PickAndPlace.png", "Push-demos.png", "Reach.png"]
    assert "![Reach](results/Reach.png)" in page
    main([str(runs)])
    printed = capsys.readouterr().out
    assert printed.split("## Earlier")[0] == page.split("## Curves")[0] and "## Curves" not in printed


def test_a_damaged_curve_is_refused_in_one_line_with_its_folder(tmp_path, capsys):
    _run(tmp_path, "Reach", [0.5])
    (tmp_path / "Reach" / "seed_0" / "curve.csv").write_text("timesteps,success_rate\n1000,oops\n")
    assert cli(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "Reach") in err


def test_models_copies_the_median_seeds_final_model_with_its_config_and_names_the_check(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    _run(runs, "Reach", [0.9, 0.3, 0.6])  # median: seed 2
    for seed in range(3):
        folder = runs / "Reach" / f"seed_{seed}"
        (folder / "checkpoint_1000.pt").write_bytes(b"early")
        (folder / "checkpoint_2000.pt").write_bytes(f"final of seed {seed}".encode())
    (runs / "Reach" / "seed_2" / "model.pt").write_bytes(b"finished seed 2")
    monkeypatch.chdir(tmp_path)
    assert cli(["report", "runs", "--out", "docs/results.md", "--models", "docs/results/models"]) == 0
    copied = tmp_path / "docs" / "results" / "models" / "Reach"
    assert (copied / "model.pt").read_bytes() == b"finished seed 2"
    assert (copied / "config.yaml").read_text() == (runs / "Reach" / "seed_2" / "config.yaml").read_text()
    page = (tmp_path / "docs" / "results.md").read_text()
    assert "| Reach | 2 | 0.60 | success_rate | 2,000 |" in page
    assert "`palaestra evaluate palaestra/Reach-v0 --model docs/results/models/Reach/model.pt`" in page


def test_models_take_the_latest_checkpoint_of_an_unfinished_seed_and_refuse_past_the_limit(tmp_path):
    from palaestra.baselines.report import collect, copy_models

    runs = tmp_path / "runs"
    _run(runs, "Reach", [0.5])
    seed = runs / "Reach" / "seed_0"
    for steps in (900, 10000, 2000):  # numeric order, not text order
        (seed / f"checkpoint_{steps}.pt").write_bytes(str(steps).encode() * 1000)
    results = collect(runs)
    copied = copy_models(runs, results, tmp_path / "models")
    assert copied[0].path.read_bytes() == b"10000" * 1000 and copied[0].seed == 0
    with pytest.raises(ValueError, match=r"over the 0.001 MB limit \(largest: .*checkpoint_10000.pt"):
        copy_models(runs, results, tmp_path / "other", limit_mb=0.001)
    assert not (tmp_path / "other").exists()  # nothing copied when over the limit


def test_no_normalised_score_when_the_expert_is_not_clearly_better_than_random(tmp_path):
    from palaestra.baselines.report import collect

    _run(tmp_path, "Reach", [0.5, 0.6], reference=(0.36, 0.40))  # a gap inside evaluation noise
    _run(tmp_path, "Push", [0.5, 0.6], env_id="palaestra/Push-v0", reference=(0.48, 0.42))  # expert below random
    _run(tmp_path, "Slide", [0.5, 0.6], env_id="palaestra/Slide-v0", reference=(0.0, 0.8))
    normalised = {r.folder: r.normalised for r in collect(tmp_path)}
    assert normalised["Reach"] is None and normalised["Push"] is None and normalised["Slide"] is not None


def test_an_archive_keeps_the_curves_so_the_page_survives_the_run_folders(tmp_path, monkeypatch):
    """Run folders (checkpoints, replay buffers) do not outlive a machine; the archive's few kB of curves and
    references do, and the model copied earlier stays listed. A run in both places is read where it went furthest."""
    monkeypatch.chdir(tmp_path)
    _run(tmp_path / "runs", "Reach", [0.9, 0.3, 0.6])
    for seed in range(3):
        (tmp_path / "runs" / "Reach" / f"seed_{seed}" / "model.pt").write_bytes(f"seed {seed}".encode())
    command = ["report", "runs", "archive", "--archive", "archive", "--out", "docs/results.md",
               "--models", "docs/results/models"]
    assert cli(command) == 0  # the archive does not exist yet: created
    first = (tmp_path / "docs" / "results.md").read_text()
    kept = sorted(str(p.relative_to(tmp_path / "archive")) for p in (tmp_path / "archive").rglob("*") if p.is_file())
    assert kept == ["Reach/reference.json"] + [f"Reach/seed_{s}/{f}" for s in range(3) for f in ("config.yaml",
                                                                                                  "curve.csv")]
    import shutil

    shutil.rmtree(tmp_path / "runs")  # the machine is gone
    (tmp_path / "runs").mkdir()
    _run(tmp_path / "runs", "Push", [0.2, 0.4, 0.3], env_id="palaestra/Push-v0")  # a new run on the next one
    (tmp_path / "runs" / "Push" / "seed_2" / "model.pt").write_bytes(b"push")
    assert cli(command) == 0
    second = (tmp_path / "docs" / "results.md").read_text()
    assert first.split("| Reach |")[1].splitlines()[0] in second  # Reach's row is unchanged
    assert "| Reach | 2 | 0.60 | success_rate |" in second and "| Push | 2 | 0.30 |" in second
    assert (tmp_path / "docs" / "results" / "models" / "Reach" / "model.pt").read_bytes() == b"seed 2"
    assert (tmp_path / "archive" / "Push" / "seed_2" / "curve.csv").is_file()
    # A shorter rerun does not replace the archived run that went further; a longer one does.
    _run(tmp_path / "runs", "Reach", [0.1])
    (tmp_path / "runs" / "Reach" / "seed_0" / "curve.csv").write_text("timesteps,success_rate\n1000,0.1\n")
    from palaestra.baselines.report import run_folders

    assert run_folders([tmp_path / "runs", tmp_path / "archive"])["Reach"] == tmp_path / "archive" / "Reach"
    (tmp_path / "runs" / "Reach" / "seed_0" / "curve.csv").write_text("timesteps,success_rate\n1000,0.1\n9000,0.2\n")
    assert run_folders([tmp_path / "runs", tmp_path / "archive"])["Reach"] == tmp_path / "runs" / "Reach"


def test_an_archived_run_without_its_model_is_refused_naming_the_seed_folder(tmp_path):
    from palaestra.baselines.report import collect, copy_models

    _run(tmp_path / "archive", "Reach", [0.5, 0.7, 0.6])
    results = collect(tmp_path / "archive")
    with pytest.raises(FileNotFoundError, match="seed_2"):
        copy_models(tmp_path / "archive", results, tmp_path / "models")


def test_the_archive_never_replaces_a_training_run_nor_a_further_archived_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path / "archive", "Reach", [0.9, 0.8, 0.7])
    (tmp_path / "archive" / "Reach" / "seed_0" / "checkpoint_2000.pt").write_bytes(b"a training run")
    _run(tmp_path / "runs", "Reach", [0.1, 0.2, 0.3])
    for seed in range(3):  # a rerun as long as the archived run: it replaces it (once the archive is a copy)
        (tmp_path / "runs" / "Reach" / f"seed_{seed}" / "model.pt").write_bytes(b"rerun")
    with pytest.raises(ValueError, match=r"archive/Reach holds more than curves and references"):
        from palaestra.baselines.report import archive, run_folders

        archive(run_folders([tmp_path / "runs"]), tmp_path / "archive")
    assert (tmp_path / "archive" / "Reach" / "seed_0" / "checkpoint_2000.pt").read_bytes() == b"a training run"
    assert cli(["report", "runs", "--archive", "archive", "--models", "archive"]) == 2  # the two must differ
    (tmp_path / "archive" / "Reach" / "seed_0" / "checkpoint_2000.pt").unlink()
    (tmp_path / "archive" / ".Push.partial" / "seed_0").mkdir(parents=True)  # an interrupted copy is no run
    (tmp_path / "archive" / ".Push.partial" / "seed_0" / "curve.csv").write_text("timesteps,success_rate\n1,0\n")
    # The archive is read even when not listed: an interrupted (shorter) rerun does not replace it.
    (tmp_path / "runs" / "Reach" / "seed_1" / "curve.csv").write_text("timesteps,success_rate\n1000,0.2\n")
    assert cli(["report", "runs", "--archive", "archive", "--out", "results.md"]) == 0
    page = (tmp_path / "results.md").read_text()
    assert "0.90, 0.80, 0.70" in page and ".Push" not in page


def test_a_kept_model_must_be_the_median_seed_the_curves_give(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(tmp_path / "runs", "Reach", [0.9, 0.3, 0.6])
    for seed in range(3):
        (tmp_path / "runs" / "Reach" / f"seed_{seed}" / "model.pt").write_bytes(f"seed {seed}".encode())
    command = ["report", "runs", "--archive", "archive", "--out", "results.md", "--models", "models"]
    assert cli(command) == 0
    assert (tmp_path / "models" / "Reach" / "model.json").read_text() == '{"seed": 2, "steps": 2000}\n'
    import shutil

    shutil.rmtree(tmp_path / "runs" / "Reach")
    assert cli(command) == 0  # the kept model is the archived run's median seed
    (tmp_path / "models" / "Reach" / "model.json").write_text('{"seed": 0, "steps": 2000}\n')
    from palaestra.baselines.report import collect, copy_models

    with pytest.raises(ValueError, match="it is seed 0 at 2000 steps, not the median seed 2 at 2000 steps"):
        copy_models(tmp_path / "archive", collect(tmp_path / "archive"), tmp_path / "models")


def test_runs_on_a_scene_split_are_listed_but_left_out_of_the_aggregate(tmp_path):
    from palaestra.baselines.report import aggregate, collect

    _run(tmp_path, "Reach", [0.6, 1.0, 1.0])
    _run(tmp_path, "PlayroomGoal-ABC-to-D", [0.0, 0.0, 0.1], env_id="palaestra/PlayroomGoal-v0", reference=(0.0, 0.9))
    for seed in range(3):
        config = tmp_path / "PlayroomGoal-ABC-to-D" / f"seed_{seed}" / "config.yaml"
        config.write_text(config.read_text() + "split: ABC->D\n")
    results = collect(tmp_path)
    assert {r.folder: r.method for r in results}["PlayroomGoal-ABC-to-D"] == "sbx SAC + HER, scenes ABC->D"
    alone = aggregate([r for r in results if r.folder == "Reach"])
    assert str(aggregate(results)) == str(alone)


def test_panda_and_drone_runs_on_older_dynamics_say_so_and_others_never_do(tmp_path):
    from palaestra.baselines.report import collect

    _run(tmp_path, "Reach", [1.0, 1.0, 1.0])
    _run(tmp_path, "Push", [0.5, 0.6, 0.7], env_id="palaestra/Push-v0", physics=None)  # before the field
    _run(tmp_path, "DroneHitToTarget", [0.5, 0.6, 0.7], env_id="palaestra/DroneHitToTarget-v0", physics=None)
    _run(tmp_path, "KuhnPokerHand", [0.5, 0.6, 0.7], env_id="palaestra/KuhnPokerHand-v0", physics=None)
    for config in (tmp_path / "KuhnPokerHand").glob("seed_*/config.yaml"):
        config.write_text(f"env_id: palaestra/KuhnPokerHand-v0\nalgo: ppo\nlibrary: sb3\ntimesteps: 2000\n"
                          "opponents: [random, heuristic, nash]\nselfplay_kwargs: {illegal_action: lose}\n")
    methods = {r.folder: r.method for r in collect(tmp_path)}
    assert methods["Reach"] == "sbx SAC + HER"
    assert methods["Push"] == f"sbx SAC + HER, Panda physics 2, now {PHYSICS_REVISION}"
    assert methods["DroneHitToTarget"] == f"sbx SAC + HER, drone physics 1, now {DRONE_REVISION}"
    assert methods["KuhnPokerHand"] == "sb3 PPO"


def test_a_panda_runs_reference_records_the_dynamics_it_trained_on(tmp_path, monkeypatch):
    from palaestra.baselines import runs
    from palaestra.baselines.train import load_config

    monkeypatch.setattr(runs, "_task_references", lambda config, seeds: {})
    monkeypatch.setattr(runs, "_game_references", lambda config, seeds: {})
    for env_id, name in (("palaestra/Reach-v0", "Reach"), ("palaestra/DroneHitToTarget-v0", "Drone"),
                         ("palaestra/KuhnPokerHand-v0", "Kuhn")):
        config = tmp_path / f"{name}.yaml"
        levels = "opponents: [random, heuristic, nash]\nselfplay_kwargs: {illegal_action: lose}\n" if name == "Kuhn" else ""
        config.write_text(f"env_id: {env_id}\nalgo: ppo\nlibrary: sb3\ntimesteps: 1000\n{levels}")
        runs.write_reference(load_config(config), tmp_path / name)
    assert json.loads((tmp_path / "Reach" / "reference.json").read_text())["panda_physics"] == PHYSICS_REVISION
    assert json.loads((tmp_path / "Drone" / "reference.json").read_text())["drone_physics"] == DRONE_REVISION
    assert not {"panda_physics", "drone_physics"} & set(json.loads((tmp_path / "Kuhn" / "reference.json").read_text()))


def test_instruction_following_reports_heldout_phrasings_and_chains_but_aggregates_success_only(tmp_path):
    runs = tmp_path / "runs"
    for seed, (train, heldout, chain) in enumerate([(0.8, 0.5, 2.5), (0.6, 0.5, 1.5), (0.7, 0.4, 2.0)]):
        folder = runs / "PlayroomLanguage" / f"seed_{seed}"
        folder.mkdir(parents=True)
        (folder / "curve.csv").write_text("timesteps,success_rate,ci_low,ci_high,mean_return,heldout_success_rate,"
                                          f"chain_length\n1000,0.1,0,1,0,0.0,0.2\n2000,{train},0,1,0,{heldout},{chain}\n")
        (folder / "config.yaml").write_text("env_id: palaestra/PlayroomLanguage-v0\nalgo: ppo\nlibrary: sb3\n"
                                            "track: demos\ndemo_episodes: 10\ntimesteps: 2000\n"
                                            "env_kwargs: {tasks: [open_drawer, turn_on_lamp]}\n")
    references = {"success_rate": (0.0, 1.0), "heldout_success_rate": (0.0, 0.9), "chain_length": (0.0, 4.0)}
    payload = {"metrics": {m: {"random": r, "expert": e} for m, (r, e) in references.items()},
               "panda_physics": PHYSICS_REVISION}
    (runs / "PlayroomLanguage" / "reference.json").write_text(json.dumps(payload))
    out = tmp_path / "results.md"
    assert cli(["report", str(runs), "--out", str(out)]) == 0
    demos = out.read_text().split("## RL with expert demonstrations")[1]
    assert "| PlayroomLanguage | sb3 PPO, 10 demos, 2 of 35 tasks | heldout_success_rate | 2,000 | 3 | 0.47 [" in demos
    assert "| chain_length | 2,000 | 3 | 2.00 [" in demos and "0.00 / 4.00 | 2.50, 1.50, 2.00 |" in demos
    # Only success on the training phrasings enters the aggregate, not the chain length (whose scale is 0-5).
    success = stratified_bootstrap([np.array([0.8, 0.6, 0.7])])
    assert f"Aggregate expert-normalised IQM over 1 tasks: {success}" in demos


def test_a_games_demonstrations_name_the_scripted_level_they_come_from(tmp_path):
    from palaestra.baselines.report import collect

    folder = tmp_path / "SimpleNegotiation-demos" / "seed_0"
    folder.mkdir(parents=True)
    (folder / "curve.csv").write_text("timesteps,score_vs_random\n0,0.8\n1000,0.9\n")
    (folder / "config.yaml").write_text("env_id: palaestra/SimpleNegotiation-v0\nalgo: ppo\nlibrary: sb3\n"
                                        "track: demos\ndemo_episodes: 10\ntimesteps: 1000\n"
                                        "opponents: [random, shrewd]\nselfplay_kwargs: {illegal_action: lose}\n")
    [result] = collect(tmp_path)
    assert result.method == "sb3 PPO, 10 demos of shrewd"
