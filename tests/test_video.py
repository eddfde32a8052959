"""``palaestra record`` and :mod:`palaestra.video`: a few frames per family, read back with imageio."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.cli import main
from palaestra.video import MIN_SIZE, frames, record

imageio = pytest.importorskip("imageio.v2", reason="the video extra: pip install 'palaestra[video]'")


def _read(path):
    return [np.asarray(frame)[..., :3] for frame in imageio.mimread(path)]


@pytest.mark.parametrize(
    "env_id, policy, suffix",
    [
        ("palaestra/Reach-v0", "expert", ".mp4"),  # manipulation, the scripted expert
        ("palaestra/Playroom-v0", "random", ".gif"),  # play
        ("palaestra/Sumo-v0", "expert", ".mp4"),  # a 3D game, strongest level on both sides
        ("palaestra/TicTacToe-v0", "perfect", ".gif"),  # a turn-based game: its text board
    ],
)
def test_record_writes_a_readable_clip_of_at_least_256_px(env_id, policy, suffix, tmp_path):
    out = tmp_path / "nested" / f"clip{suffix}"
    clip = record(env_id, out, policy, steps=4)
    images = _read(out)
    assert images and all(i.shape == (clip.height, clip.width, 3) for i in images)
    assert min(clip.height, clip.width) >= MIN_SIZE
    if suffix == ".mp4":  # a GIF merges identical consecutive frames; an mp4 keeps each
        assert len(images) == clip.frames == 5  # the frame after reset, then one per step
    assert not np.array_equal(images[0], images[-1]), "the policy's moves show in the clip"


@pytest.mark.parametrize("env_id", ["palaestra/Push-Perturbed-Hard-v0", "palaestra/PlayroomGoal-v0"])
def test_camera_scenes_render_by_a_camera_of_the_requested_size(env_id):
    # A preset's kwargs do not list the camera: its frames used to stay at the 84 px observation size.
    assert frames(env_id, "random", steps=1, size=320)[0].shape == (320, 320, 3)


def test_record_cli_names_the_env_and_what_was_expected(tmp_path, capsys):
    out = tmp_path / "rps.mp4"
    assert main(["record", "RockPaperScissors", "--policy", "random", "--steps", "3", "--out", str(out)]) == 0
    assert f"{out}: 4 frames" in capsys.readouterr().out
    assert main(["record", "Push", "--policy", "nope", "--out", str(tmp_path / "x.mp4")]) == 2
    expected = "palaestra/Push-v0: unknown policy 'nope'; expected one of ['random', 'expert'] or the path"
    assert expected in capsys.readouterr().err
    assert main(["record", "Push", "--out", str(tmp_path / "x.avi")]) == 2
    assert "expected a file ending in .mp4 or .gif" in capsys.readouterr().err
    assert main(["record", "Playroom", "--out", str(tmp_path / "x.gif")]) == 2
    assert "palaestra/Playroom-v0 has no scripted expert" in capsys.readouterr().err
    assert main(["record", "Reach", "--size", "84", "--out", str(tmp_path / "x.gif")]) == 2
    assert "size must be at least 256 px, got 84" in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))


@pytest.mark.parametrize("env_id", ["palaestra/Reach-v0", "palaestra/TicTacToe-v0"])
def test_record_plays_a_trained_model(env_id, tmp_path):
    pytest.importorskip("stable_baselines3")
    from palaestra.baselines.train import load_config, train

    tiny = {"palaestra/Reach-v0": dict(timesteps=100, eval_every=100, eval_episodes=1,
                                       hyperparams={"learning_starts": 100, "batch_size": 32, "buffer_size": 500}),
            "palaestra/TicTacToe-v0": dict(timesteps=64, n_envs=1, eval_every=64, eval_episodes=1, snapshot_every=0,
                                           hyperparams={"n_steps": 64, "batch_size": 32, "n_epochs": 1})}[env_id]
    train(load_config(env_id, **tiny), seed=0, out=tmp_path)
    (model,) = (tmp_path / "seed_0").glob("model.*")  # model.pt, or model.zip before weights-only files
    clip = record(env_id, tmp_path / "model.mp4", str(model), steps=3)
    assert clip.frames == 4 and len(_read(tmp_path / "model.mp4")) == 4
    if env_id == "palaestra/TicTacToe-v0":
        assert clip.opponent == "perfect"  # a model plays the strongest level unless told otherwise
    with pytest.raises(ValueError, match="was trained on"):
        record("palaestra/Push-v0" if env_id.endswith("Reach-v0") else "palaestra/KuhnPoker-v0",
               tmp_path / "other.mp4", str(model), steps=1)


@pytest.mark.parametrize("env_id", __import__("palaestra").registry.ids(family="drones"))
def test_every_drone_id_records_its_expert_at_256_px(env_id):
    # Drills and cooperative drills by their scripted expert, matches by the strongest level on every side;
    # the frames are rendered at 256 px, not padded up to it.
    images = frames(env_id, "expert", steps=8)
    assert len(images) == 9 and images[0].shape == (MIN_SIZE, MIN_SIZE, 3)
    assert images[0].std() > 10 and not np.array_equal(images[0], images[-1])


def test_a_drone_match_records_a_level_against_another():
    images = frames("palaestra/DroneVolleyball6v6-v0", "bumper", opponent="tactician", steps=3)
    assert len(images) == 4 and images[0].shape == (MIN_SIZE, MIN_SIZE, 3)
