"""The demonstration track: scripted-expert episodes in an off-policy learner's own demonstration buffer, sampled
for half of every batch (RLPD-style), or cloned into a PPO policy that PPO then fine-tunes."""

from types import SimpleNamespace

import numpy as np
import pytest
from gymnasium import spaces

from palaestra.baselines.train import (CLONING_RATE, TrainConfig, add_demonstrations, build_model,
                                       clone_demonstrations, cloning_rates, expert_transitions, load_config, train)
from palaestra.evaluation import evaluate


def _config(**overrides):
    return load_config("palaestra/Push-v0", timesteps=100, **overrides,
                       hyperparams={"buffer_size": 2000, "batch_size": 32, "policy_kwargs": {"net_arch": [8]}})


def test_expert_episodes_fill_the_her_buffer_with_whole_successful_episodes():
    config = _config(demo_episodes=3, track="demos")
    model = build_model(config, seed=0)
    added = add_demonstrations(model, config, 3)
    buffer = model.replay_buffer.demos
    assert added == buffer.pos > 0 and model.replay_buffer.pos == 0  # the online buffer stays for online data
    assert model.num_timesteps == 0  # demonstrations do not count towards the training budget
    lengths = buffer.ep_length[:added, 0]
    starts = buffer.ep_start[:added, 0]
    assert len(set(starts)) == 3 and set(lengths) == set(np.diff([*sorted(set(starts)), added]))
    # The expert succeeds: the last transition of each episode earns the success reward (0 under sparse).
    ends = sorted(set(starts + lengths - 1))
    assert np.all(buffer.rewards[ends, 0] == 0.0) and np.all(buffer.rewards[:added, 0] <= 0.0)
    assert np.all(np.abs(buffer.actions[:added]) <= 1.0)
    sample = buffer.sample(64)  # HER relabelling works on the demonstrations
    assert sample.observations["desired_goal"].shape == (64, 3)


def test_demonstration_options_are_checked_with_the_env_name():
    with pytest.raises(ValueError, match="Push-v0: demo_episodes must be >= 0"):
        _config(demo_episodes=-1)
    with pytest.raises(ValueError, match="demo_epochs positive"):
        _config(demo_episodes=2, demo_epochs=0, track="demos")
    with pytest.raises(ValueError, match="Push-v0: track 'demos' needs demo_episodes > 0"):
        _config(demo_episodes=2)  # the config states its track
    with pytest.raises(ValueError, match="Push-v0: track 'demos' needs demo_episodes > 0"):
        _config(track="demos")
    binary = SimpleNamespace(action_space=spaces.MultiBinary(3))
    with pytest.raises(ValueError, match="Reach-v0: behaviour cloning fits a Box, Discrete or MultiDiscrete"):
        clone_demonstrations(binary, _ppo_reach(), episodes=1, epochs=1)
    with pytest.raises(ValueError, match="Push-v0: demo_level names the scripted level a game's demonstrations"):
        _config(demo_episodes=2, track="demos", demo_level="shrewd")
    with pytest.raises(ValueError, match="SimpleNegotiation-v0: a game's demonstrations are cloned into PPO's"
                                         " policy; algo is 'sac'"):
        load_config("palaestra/SimpleNegotiation-v0", algo="sac", demo_episodes=2, track="demos")
    # A game's config may name its demonstrator for `--demos` while its own track stays pure RL.
    assert load_config("palaestra/SimpleNegotiation-v0", demo_level="stubborn").track == "rl"
    with pytest.raises(ValueError, match=r"SimpleNegotiation-v0: demo_level names .* one of \['random', 'stubborn', "
                                         r"'shrewd'\]; got 'perfect'"):
        load_config("palaestra/SimpleNegotiation-v0", demo_episodes=2, track="demos", demo_level="perfect")
    with pytest.raises(ValueError, match="TeamVolleyball2v2-v0: demonstrations come from a scripted level playing"):
        load_config("palaestra/TeamVolleyball2v2-v0", demo_episodes=1, track="demos")


def _ppo_reach(**overrides):
    return TrainConfig(env_id="palaestra/Reach-v0", algo="ppo", timesteps=64, n_envs=1, eval_every=64,
                       eval_episodes=5, hyperparams={"n_steps": 64, "batch_size": 32, "n_epochs": 1,
                                                     "policy_kwargs": {"net_arch": [64, 64]}}, **overrides)


def test_cloning_fits_the_policy_to_the_expert_until_it_succeeds_like_it():
    config = _ppo_reach()
    model = build_model(config, seed=0)
    seeds = range(10_000, 10_010)

    def success():
        policy = lambda obs: model.predict(obs, deterministic=True)[0]  # noqa: E731
        return evaluate(policy, config.env_id, seeds=seeds).success_rate

    before = success()
    transitions = list(expert_transitions(config, 20))
    assert all(np.all(np.abs(t[1]) <= 1.0) for t in transitions) and sum(t[4] for t in transitions) == 20
    loss = clone_demonstrations(model, config, episodes=20, epochs=300)
    assert loss < 0.1  # mean squared error per action dimension, actions in [-1, 1]
    assert before < 0.5 and success() >= 0.9
    assert model.num_timesteps == 0


def test_cloning_steps_are_constant_or_decay_along_a_cosine_as_the_config_says():
    assert cloning_rates("constant", 3) == [CLONING_RATE] * 3
    cosine = cloning_rates("cosine", 60)
    assert cosine[0] == CLONING_RATE and cosine[30] == pytest.approx(CLONING_RATE / 2)
    assert all(a > b > 0 for a, b in zip(cosine, cosine[1:])) and cosine[-1] < CLONING_RATE / 1000
    with pytest.raises(ValueError, match="Reach-v0: demo_schedule must be one of"):
        _ppo_reach(demo_schedule="linear")
    losses = {}
    for schedule in ("constant", "cosine"):  # the config's schedule is the one cloning follows
        config = _ppo_reach(demo_episodes=2, demo_epochs=3, demo_schedule=schedule, track="demos")
        losses[schedule] = clone_demonstrations(build_model(config, seed=0), config, episodes=2, epochs=3)
    assert losses["constant"] != losses["cosine"]
    config = _ppo_reach(demo_episodes=2, demo_epochs=3, demo_schedule="cosine", track="demos")
    overridden = clone_demonstrations(build_model(config, seed=0), config, episodes=2, epochs=3, schedule="constant")
    assert overridden == losses["constant"]  # an explicit schedule wins over the config's


def test_a_cloned_ppo_run_is_seeded_and_its_curve_starts_at_the_cloned_policy(tmp_path):
    config = _ppo_reach(demo_episodes=5, demo_epochs=2, track="demos")
    first = train(config, seed=3, out=tmp_path / "a")
    again = train(config, seed=3, out=tmp_path / "b")
    assert [row["timesteps"] for row in first] == [0, 64]
    assert first == again  # behaviour cloning's shuffling follows the model's seed


def test_a_demos_track_batch_draws_its_share_from_the_demonstrations_spread_through_the_batch():
    config = _config(demo_episodes=2, track="demos", demo_ratio=0.25)
    model = build_model(config, seed=0)
    add_demonstrations(model, config, 2)
    online = model.replay_buffer
    assert online.sample(8).actions.shape == (8, 4)  # no online data yet: the demonstrations alone
    obs = model.get_env().reset()
    for _ in range(60):  # online transitions, marked by an action no expert takes
        action = np.full((1, 4), 0.123, dtype=np.float32)
        next_obs, reward, done, infos = model.get_env().step(action)
        online.add(obs, next_obs, action, reward, done, infos)
        obs = next_obs
    batch = online.sample(64)
    from_online = np.isclose(batch.actions.numpy()[:, 0], 0.123)
    assert from_online.sum() == 48  # 1 - demo_ratio of the batch
    assert from_online[:8].sum() == 6 and from_online[-8:].sum() == 6  # any slice of 8 holds both sources


def test_cloning_fits_a_normalising_extractor_to_the_demonstrations_first():
    import torch

    tasks = ["turn_on_lamp", "turn_off_lamp"]
    config = load_config("palaestra/PlayroomLanguage-v0", env_kwargs={"tasks": tasks}, n_envs=1, hyperparams={
        "n_steps": 32, "batch_size": 32, "policy_kwargs": {
            "net_arch": [16], "features_extractor_class": "palaestra.baselines.features.InstructionExtractor",
            "features_extractor_kwargs": {"normalise": True}}})
    model = build_model(config, seed=0)
    try:
        extractor = model.policy.features_extractor
        scenes = np.stack([t[0]["observation"] for t in expert_transitions(config, 3)])
        clone_demonstrations(model, config, episodes=3, epochs=1)
        torch.testing.assert_close(extractor.scene_shift, torch.as_tensor(scenes.mean(0), dtype=torch.float32))
        spread = np.maximum(scenes.std(0, ddof=1), extractor.MIN_SCALE)
        torch.testing.assert_close(extractor.scene_scale, torch.as_tensor(spread, dtype=torch.float32))
        assert "features_extractor.scene_scale" in model.policy.state_dict()
    finally:
        model.get_env().close()


def test_a_game_clones_its_strongest_scripted_level_into_the_policy():
    from palaestra.baselines.games import scores
    from palaestra.envs.competitive.simple_negotiation import ShrewdPolicy

    config = load_config("palaestra/SimpleNegotiation-v0", demo_episodes=300, demo_epochs=60, track="demos")
    assert config.opponents[-1] == config.demonstrator == "shrewd" and config.demo_level is None  # the default
    seeds = range(10_000, 10_040)
    model = build_model(config, seed=0)
    try:
        before = scores(model, config, seeds)["score_vs_random"]
        transitions = list(expert_transitions(config, 20))
        level = ShrewdPolicy(None)
        assert all(int(action) == level.act(obs, "") for obs, action, *_ in transitions)  # the shrewd level's moves
        loss = clone_demonstrations(model, config, episodes=300, epochs=60)
        after = scores(model, config, seeds)
    finally:
        model.get_env().close()
    # Shrewd scores 0.96 against random, passing 0.5: the clone trades as it does (measured 0.875).
    assert before < 0.6 and after["score_vs_random"] >= 0.75 and loss < 0.3


def test_a_games_demonstrations_run_trains_end_to_end_from_the_cloned_policy(tmp_path):
    config = load_config("palaestra/SimpleNegotiation-v0", demo_episodes=4, demo_epochs=1, track="demos",
                         timesteps=2048, eval_every=2048, eval_episodes=4, snapshot_every=0)
    rows = train(config, seed=0, out=tmp_path / "SimpleNegotiation-demos")
    assert [row["timesteps"] for row in rows] == [0, 2048]  # the first row scores the cloned policy
    assert set(rows[0]) == {"timesteps", "score_vs_random", "score_vs_stubborn", "score_vs_shrewd"}
    assert "demo_episodes: 4" in (tmp_path / "SimpleNegotiation-demos" / "seed_0" / "config.yaml").read_text()


def test_demonstrations_can_be_recorded_in_another_id_with_the_same_spaces():
    config = load_config("palaestra/PlayroomLanguage-v0", demo_episodes=2, env_kwargs={"tasks": ["turn_on_lamp",
                                                                                                "turn_off_lamp"]})
    assert config.demo_id == "palaestra/PlayroomChain-v0"  # the committed config records chains
    instructions_seen, ends = [], 0
    for obs, _, _, _, terminated, truncated in expert_transitions(config, 2):
        if not instructions_seen or not np.array_equal(obs["instruction"], instructions_seen[-1]):
            instructions_seen.append(obs["instruction"])
        ends += terminated or truncated
    assert ends == 2 and len(instructions_seen) > 2  # two episodes, the instruction changed within them
    with pytest.raises(ValueError, match="Reach-v0: demo_id 'palaestra/Push-v0' has other spaces than the task"):
        list(expert_transitions(load_config("palaestra/Reach-v0", demo_episodes=1, track="demos",
                                            demo_id="palaestra/Push-v0"), 1))
    with pytest.raises(ValueError, match="Reach-v0: demo_id 'palaestra/Nope-v0' is not a registered ID"):
        load_config("palaestra/Reach-v0", demo_episodes=1, track="demos", demo_id="palaestra/Nope-v0")
    with pytest.raises(ValueError, match="Reach-v0: demo_id .* needs demo_episodes > 0"):
        load_config("palaestra/Reach-v0", demo_id="palaestra/Push-v0")
    with pytest.raises(ValueError, match="Reach-v0: demo_id 'palaestra/Playroom-v0' has no scripted expert"):
        load_config("palaestra/Reach-v0", demo_episodes=1, track="demos", demo_id="palaestra/Playroom-v0")
