"""Before/after frames of the light visual meshes: ``python benchmarks/render_frames.py [--out docs/frames]``.

Renders the same seeded scenes with PyBullet's full Panda visual meshes ("before") and with palaestra's
light ones ("after", the default since headless worlds load them), writes side-by-side PNGs (84x84 as
observed, and a 256x256 close-up) and prints the CPU milliseconds per 84x84 frame of each, measured in
alternating blocks. The physics of both is the same: only visual meshes differ.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import palaestra
from palaestra.sim import world as world_module
from palaestra.sim.world import CameraConfig

SCENES = ("palaestra/Push-v0", "palaestra/Playroom-v0")
CLOSE_UP = CameraConfig(width=256, height=256, target=(-0.3, 0.0, 0.25), distance=0.8, yaw=60.0, pitch=-20.0)


def _scene(env_id: str, light: bool) -> gym.Env:
    original = world_module.World.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "light_visuals": light})

    world_module.World.__init__ = init  # a docs script: the environments themselves always use the default
    try:
        env = gym.make(env_id, render_mode="rgb_array")
    finally:
        world_module.World.__init__ = original
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(5):
        env.step(env.action_space.sample())
    return env


def _cpu_ms(world, camera: CameraConfig, frames: int = 10) -> float:
    start = time.process_time()
    for _ in range(frames):
        world.render(camera)
    return (time.process_time() - start) / frames * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/frames"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    gym.register_envs(palaestra)
    from PIL import Image

    for env_id in SCENES:
        envs = [_scene(env_id, light=False), _scene(env_id, light=True)]
        worlds = [env.unwrapped.world for env in envs]
        camera = CameraConfig()
        times: list[list[float]] = [[], []]
        for _ in range(3):  # alternating blocks, best of each
            for world, spent in zip(worlds, times):
                spent.append(_cpu_ms(world, camera))
        name = env_id.split("/")[-1].rsplit("-v", 1)[0]
        small = [np.kron(w.render(camera), np.ones((2, 2, 1), np.uint8)) for w in worlds]  # shown at 168 px
        gap = np.full((small[0].shape[0], 4, 3), 255, np.uint8)
        Image.fromarray(np.concatenate([small[0], gap, small[1]], axis=1)).save(args.out / f"{name}-84.png")
        big = [w.render(CLOSE_UP) for w in worlds]
        gap = np.full((big[0].shape[0], 4, 3), 255, np.uint8)
        Image.fromarray(np.concatenate([big[0], gap, big[1]], axis=1)).save(args.out / f"{name}-close.png")
        print(f"{name}: full meshes {min(times[0]):.1f} ms/frame, light meshes {min(times[1]):.1f} ms/frame "
              f"({min(times[0]) / min(times[1]):.1f}x), 84x84, CPU time")
        for env in envs:
            env.close()


if __name__ == "__main__":
    main()
