"""The skill-level interface: PettingZoo's API, and skills that play the game when chosen."""

import numpy as np
import palaestra
from pettingzoo.test import parallel_api_test

from palaestra.envs.drones.hierarchical import SKILLS, SkillEnv


def _skill(name: str, x: float = 0.0, y: float = 0.0, level: float = 0.0) -> np.ndarray:
    index = SKILLS.index(name)
    return np.array((-1.0 + (2 * index + 1) / len(SKILLS), x, y, level), dtype=np.float32)


def test_skill_env_passes_the_parallel_api_test():
    env = SkillEnv(palaestra.make_parallel("palaestra/DroneVolleyball1v1-v0"), period=4)
    parallel_api_test(env, num_cycles=30)
    env.close()


def test_attacking_every_ball_beats_staying_home():
    env = SkillEnv(palaestra.make_parallel("palaestra/DroneVolleyball1v1-v0"), period=6)
    env.reset(seed=3)
    attack, home = _skill("attack", x=0.0, y=0.0, level=0.0), _skill("home")
    infos = {}
    for _ in range(200):
        if not env.agents:
            break
        *_, infos = env.step({"red_0": attack, "blue_0": home})
    assert infos["red_0"]["outcome"] == 1 and infos["red_0"]["score"].tolist() == [3, 0]
    env.close()
