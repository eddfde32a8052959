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
