"""A self-play learner's scores: it plays a whole side, as it trained, on both sides in turn."""

from types import SimpleNamespace

import numpy as np

from palaestra.baselines.games import scores
from palaestra.baselines.train import load_config
from palaestra.competitive import CallablePolicy, evaluate


def test_a_team_learner_is_scored_on_its_sides_joined_observation():
    seen = []

    def predict(observation, deterministic):
        seen.append(np.shape(observation))
        return np.tile(np.float32([0.5, -0.5]), 2), None

    model = SimpleNamespace(policy=SimpleNamespace(predict=predict))
    config = load_config("palaestra/Tag-v0")
    figures = scores(model, config, seeds=[0, 1])
    assert set(seen) == {(40,)}  # two teammates' 20-float observations, one call per step
    # The same moves made by each agent alone, from its own observation, score the same.
    same_moves = lambda env: CallablePolicy(env, lambda observation, agent: np.float32([0.5, -0.5]))
    assert figures == {
        f"score_vs_{level}": evaluate(same_moves, level, config.env_id, seeds=[0, 1]).score
        for level in config.opponents
    }
