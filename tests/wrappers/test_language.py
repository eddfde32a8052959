"""The language wrapper: instructions as text and tokens, splits, perturbations, switching, embeddings."""

from __future__ import annotations

import importlib.util
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from palaestra import instructions, registry
from palaestra.testing import strip_make_wrappers
from palaestra.wrappers.language import PERTURBATIONS, Instruction, LanguageExtraMissing

TASK_IDS = [r.id for r in registry.MANIPULATION]
# Every env the wrapper must serve: the manipulation tasks and the play envs with a task per episode
# (goal- or language-conditioned; free play has no task to phrase).
PLAY = [r for r in registry.RECORDS if r.family == "play"]
LANGUAGE_IDS = TASK_IDS + [r.id for r in PLAY if {"goal", "language"} & r.tags]
FREE_PLAY = [r.id for r in PLAY if not {"goal", "language"} & r.tags]


def _make(env_id: str, **kwargs) -> gym.Env:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gym.make(env_id, **kwargs)


def test_free_play_has_no_instruction_and_says_so():
    for env_id in FREE_PLAY:
        env = Instruction(_make(env_id))
        with pytest.raises(ValueError, match=f"{env_id}: this episode has no task to phrase"):
            env.reset(seed=0)
        env.close()


def _phrasings(env: Instruction, split: str) -> tuple[str, ...]:
    record = registry.get(env.env_id)
    return instructions.phrasings(record.family, env.unwrapped.task.name).split(split)


def test_every_manipulation_and_play_task_gets_an_instruction_as_text_and_tokens():
    vocab = instructions.vocabulary()
    for env_id in LANGUAGE_IDS:
        env = Instruction(_make(env_id))
        obs, info = env.reset(seed=0)
        assert env.observation_space.contains(obs), env_id
        assert obs["instruction"].dtype == np.int64
        assert info["instruction"] == env.instruction and env.instruction in env.instructions
        if "task" in info:  # play envs name each episode's task: the instruction phrases that task
            assert env.instruction in instructions.phrasings("play", info["task"]).all
        # Every template word is in the vocabulary: the tokens decode to the text's words.
        assert vocab.decode(obs["instruction"]) == " ".join(instructions.words(env.instruction)), env_id
        obs, _, _, _, info = env.step(env.action_space.sample())
        assert info["instruction"] == env.instruction and env.observation_space.contains(obs)
        env.close()


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_episodes_draw_their_phrasing_from_the_chosen_split(split):
    env = Instruction(_make("palaestra/Push-v0"), split=split)
    seen = {env.reset(seed=seed)[1]["instruction"] for seed in range(30)}
    assert seen <= set(_phrasings(env, split)) and len(seen) >= 3
    assert set(env.instructions) == set(_phrasings(env, split))
    env.close()


def test_same_seed_same_instructions_bit_for_bit_and_other_seeds_differ():
    env = Instruction(_make("palaestra/Stack-v0"), perturb=PERTURBATIONS)

    def episodes(seed: int) -> list:
        first = env.reset(seed=seed)[0]
        rest = [env.reset()[0] for _ in range(4)]  # unseeded resets continue the seeded stream
        return [first] + rest

    a, b = episodes(11), episodes(11)
    assert all(np.array_equal(x["instruction"], y["instruction"]) for x, y in zip(a, b))
    assert all(np.array_equal(x["observation"], y["observation"]) for x, y in zip(a, b))
    c = episodes(12)
    assert any(not np.array_equal(x["instruction"], y["instruction"]) for x, y in zip(a, c))
    env.close()


def test_the_wrapper_leaves_the_env_stream_alone():
    plain, wrapped = _make("palaestra/PickAndPlace-v0"), Instruction(_make("palaestra/PickAndPlace-v0"), perturb="typos")
    for seed in (0, 1):
        a, _ = plain.reset(seed=seed)
        b, _ = wrapped.reset(seed=seed)
        assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("kind", PERTURBATIONS)
def test_each_perturbation_changes_the_text_in_its_own_way(kind):
    env = Instruction(_make("palaestra/PickAndPlace-v0"), perturb=kind)
    phrasings, changed = set(_phrasings(env, "train")), 0
    for seed in range(20):
        text = env.reset(seed=seed)[1]["instruction"]
        changed += text not in phrasings
        if kind == "distractors":
            assert any(p in text and len(text) > len(p) for p in phrasings)
        elif kind == "synonyms":
            assert any(len(p.split()) <= len(text.split()) <= len(p.split()) + 1 for p in phrasings)
        else:  # a typo edits a letter or two of some words: same word count, nearly the same length
            assert any(len(p.split()) == len(text.split()) and abs(len(p) - len(text)) <= 3 for p in phrasings)
    assert changed >= 18


def test_set_instruction_switches_the_text_and_tokens_from_the_next_observation():
    env = Instruction(_make("palaestra/OpenDrawer-v0"), max_tokens=10)
    obs, info = env.reset(seed=0)
    original = info["instruction"]
    other = next(t for t in env.instructions if t != original)
    env.set_instruction(other)
    assert env.instruction == other
    obs2, *_, info2 = env.step(env.action_space.sample())
    assert info2["instruction"] == other and info["instruction"] == original  # earlier info untouched
    np.testing.assert_array_equal(obs2["instruction"], instructions.vocabulary().encode(other, 10))
    assert not np.array_equal(obs["instruction"], obs2["instruction"])
    assert env.reset(seed=0)[1]["instruction"] == original  # a new episode draws its own phrasing
    with pytest.raises(ValueError, match="OpenDrawer-v0: set_instruction expects a non-empty string"):
        env.set_instruction("  ")
    env.close()


def test_info_dicts_are_fresh_and_never_mutated_afterwards():
    env = Instruction(_make("palaestra/Reach-v0"))
    _, info0 = env.reset(seed=0)
    info1 = env.step(env.action_space.sample())[-1]
    snapshot = dict(info1)
    env.set_instruction("reach the green target")
    info2 = env.step(env.action_space.sample())[-1]
    assert info1 == snapshot and info0 is not info1 is not info2


def test_bad_arguments_name_the_env_and_the_choices():
    with pytest.raises(ValueError, match=r"Push-v0: unknown instruction split 'test'.*\['train', 'heldout'\]"):
        Instruction(_make("palaestra/Push-v0"), split="test")
    with pytest.raises(ValueError, match=r"Push-v0: unknown instruction perturbation\(s\) \['jokes'\]"):
        Instruction(_make("palaestra/Push-v0"), perturb="jokes")
    with pytest.raises(ValueError, match="CartPole-v1: the Instruction wrapper needs a registered palaestra env"):
        Instruction(gym.make("CartPole-v1"))


def test_embeddings_need_the_language_extra():
    if importlib.util.find_spec("sentence_transformers") is None:
        with pytest.raises(LanguageExtraMissing, match=r'Push-v0.*pip install "palaestra\[language\]"') as raised:
            Instruction(_make("palaestra/Push-v0"), embed=True)
        assert isinstance(raised.value, ImportError)
    else:
        env = Instruction(_make("palaestra/Push-v0"), embed=True)
        obs, _ = env.reset(seed=0)
        assert env.observation_space.contains(obs) and np.linalg.norm(obs["instruction_embedding"]) > 0


def test_embeddings_come_from_the_offline_sentence_model(monkeypatch):
    """The embedding path with a stand-in for sentence-transformers (no model can be fetched here)."""
    import sys
    import types

    loaded = {}

    class FakeModel:
        def __init__(self, name, local_files_only):
            loaded.update(name=name, offline=local_files_only)

        def get_sentence_embedding_dimension(self):
            return 4

        def encode(self, texts, convert_to_numpy):
            return np.array([[len(t), t.count(" "), 1.0, 0.0] for t in texts], dtype=np.float64)

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeModel))
    env = Instruction(_make("palaestra/Push-v0"), embed=True, model="tiny-model")
    obs, info = env.reset(seed=0)
    assert loaded == {"name": "tiny-model", "offline": True}
    assert env.observation_space.contains(obs)
    text = info["instruction"]
    np.testing.assert_array_equal(obs["instruction_embedding"], [len(text), text.count(" "), 1.0, 0.0])


def test_wrapped_env_passes_check_env_and_trains_with_sb3_multi_input_policy():
    env = Instruction(strip_make_wrappers(_make("palaestra/Slide-v0")), perturb="synonyms")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    import stable_baselines3 as sb3

    model = sb3.PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, policy_kwargs={"net_arch": [16]}, seed=0)
    model.learn(32)
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(action)


class _Talking(gym.Env):
    """A stand-in for a play-language env that carries its own instruction (tokens in obs, text in info)."""

    TEXT = ("open the drawer", "press the red button")
    observation_space = spaces.Dict({
        "state": spaces.Box(-1.0, 1.0, (2,), np.float32),
        "instruction": spaces.Box(0, 10_000, (6,), np.int64),
    })
    action_space = spaces.Discrete(2)

    def _obs(self):
        tokens = instructions.vocabulary().encode(self.instruction, 6)
        return {"state": np.zeros(2, np.float32), "instruction": tokens}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.instruction = self.TEXT[int(self.np_random.integers(2))]
        return self._obs(), {"instruction": self.instruction}

    def step(self, action):
        if action == 1:  # the env itself moves on to its other instruction
            self.instruction = self.TEXT[1 - self.TEXT.index(self.instruction)]
        return self._obs(), 0.0, False, False, {"instruction": self.instruction}


def test_an_env_carrying_its_own_instruction_keeps_it():
    env = Instruction(_Talking())
    assert set(env.observation_space.spaces) == {"state", "instruction"}
    assert env.observation_space["instruction"].shape == (6,)
    obs, info = env.reset(seed=0)
    inner = env.env._obs()
    np.testing.assert_array_equal(obs["instruction"], inner["instruction"])
    assert info["instruction"] == env.instruction == env.env.instruction
    obs, *_, info = env.step(1)
    assert info["instruction"] == env.env.instruction
    np.testing.assert_array_equal(obs["instruction"], env.env._obs()["instruction"])
    typos = Instruction(_Talking(), perturb="typos")
    _, info = typos.reset(seed=0)
    assert info["instruction"] not in _Talking.TEXT and typos.env.instruction in _Talking.TEXT
