"""The Ray backend of ``palaestra validate`` gives the same rows as the local process pool."""

from palaestra import registry
from palaestra.baselines.validate import validate


def _figures(rows):
    return [(r.env_id, r.status, r.result.successes, r.result.mean_return, r.result.mean_length) for r in rows]


def test_ray_and_process_backends_agree_on_a_small_run():
    records = [registry.get("palaestra/Reach-v0"), registry.get("palaestra/PressButton-v0")]
    local = validate(records, episodes=4, workers=2, backend="process")
    remote = validate(records, episodes=4, workers=2, backend="ray")
    assert _figures(remote) == _figures(local)
    assert all(r.result.episodes == 4 for r in remote)


def test_train_on_ray_gives_the_curves_of_the_process_pool(tmp_path):
    from palaestra.baselines.train import load_config, train_seeds

    config = load_config(
        "palaestra/Reach-v0", timesteps=160, eval_every=80, eval_episodes=2, seeds=(0, 1),
        hyperparams={"learning_starts": 60, "batch_size": 16, "buffer_size": 500, "policy_kwargs": {"net_arch": [8]}},
    )
    local = train_seeds(config, tmp_path / "process", backend="process", workers=2)
    remote = train_seeds(config, tmp_path / "ray", backend="ray", workers=2)
    assert all(isinstance(curve, list) for curve in local.values()), local  # an error comes back as text
    assert remote == local
    assert [row["timesteps"] for row in local[0]] == [80, 160]
    for seed in (0, 1):
        for backend in ("process", "ray"):
            assert (tmp_path / backend / f"seed_{seed}" / "model.pt").exists()
