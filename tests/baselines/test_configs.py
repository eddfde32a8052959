"""Every registered ID has a learned-baseline config, bar the stated exclusions; each loads, follows the
algorithm rule and builds its model on the real env. Iterates the registry, so a new ID is covered at once."""

import numpy as np
import pytest

from palaestra import registry
from palaestra.baselines.train import _config_dir, build_model, load_config

# The exclusion rule (palaestra.registry.baseline_exclusion): perturbation presets train on their base task,
# the free-play Playroom has no reward, PlayroomChain is where a PlayroomLanguage policy is evaluated, the
# playroom's scenes B-D train the scene-A config on a split's scenes, and the drone family trains only
# VolleyBots' two anchors (the hit-to-target drill and 1v1 self-play).
EXCLUDED = {r.id for r in registry.RECORDS if "perturbed" in r.tags or "scenes" in r.tags or r.family == "drones"} | {
    "palaestra/Playroom-v0", "palaestra/PlayroomChain-v0",
}
EXCLUDED -= {"palaestra/DroneHitToTarget-v0", "palaestra/DroneVolleyball1v1-v0"}
TRAINED = [r.id for r in registry.RECORDS if r.id not in EXCLUDED]


def test_every_id_has_a_config_except_the_stated_exclusions():
    for record in registry.RECORDS:
        excluded = record.id in EXCLUDED
        assert (record.baseline is None) == excluded, record.id
        assert (registry.baseline_exclusion(record) is not None) == excluded, record.id
        if "perturbed" in record.tags:
            assert registry.get(record.kwargs["base_id"]).baseline is not None, record.id
    names = [r.baseline for r in registry.RECORDS if r.baseline]
    assert len(names) == len(set(names))
    shipped = {p.name for p in _config_dir().iterdir() if p.name.endswith(".yaml")}
    assert shipped == set(names)  # no config left without its ID


@pytest.mark.parametrize("env_id", TRAINED)
def test_config_follows_the_algorithm_rule_and_builds_its_model(env_id):
    record = registry.get(env_id)
    text = _config_dir().joinpath(record.baseline).read_text()
    assert text.startswith("# "), f"{record.baseline} starts with a comment saying what it is and why the budget"
    config = load_config(env_id)
    assert config.env_id == record.id and config.seeds and config.timesteps > 0
    if record.multi_agent:
        levels = list(registry.load(record.opponents))
        assert config.algo == "ppo" and config.her is None
        assert config.opponents and list(config.opponents) == sorted(config.opponents, key=levels.index)
    elif "goal" in record.tags:
        assert config.algo in ("sac", "tqc") and config.her is not None
    else:
        assert config.algo == "ppo" and config.her is None

    if "buffer_size" in config.hyperparams:  # HER's buffer makes one info dict per slot: 1M of them take seconds
        config = load_config(env_id, hyperparams={**config.hyperparams, "buffer_size": 1000})
    model = build_model(config, seed=0)
    vec = model.get_env()
    try:
        assert vec.num_envs == config.n_envs
        actions, _ = model.predict(vec.reset(), deterministic=True)
        assert vec.action_space.contains(actions[0])
        if "team" in record.tags:  # one learner sends the whole side's joint action
            team = len(next(iter(vec.get_attr("teams")[0].values())))
            agent = vec.get_attr("game")[0].possible_agents[0]
            single = vec.get_attr("game")[0].action_space(agent)
            assert team > 1 and vec.action_space.shape == (team * int(np.prod(single.shape)),)
    finally:
        vec.close()


def test_invalid_game_fields_are_refused_naming_the_env():
    with pytest.raises(ValueError, match=r"TicTacToe-v0: unknown selfplay_kwargs \['illegal_move'\]"):
        load_config("palaestra/TicTacToe-v0", selfplay_kwargs={"illegal_move": "lose"})
    with pytest.raises(ValueError, match="TicTacToe-v0 has illegal moves.*illegal_action: lose"):
        load_config("palaestra/TicTacToe-v0", selfplay_kwargs={})
    with pytest.raises(ValueError, match=r"Volleyball-v0: opponents must name.*'strong'.*'grandmaster'"):
        load_config("palaestra/Volleyball-v0", opponents=["random", "grandmaster"])
    with pytest.raises(ValueError, match="Push-v0: opponents.*single-agent task"):
        load_config("palaestra/Push-v0", opponents=["random"])
