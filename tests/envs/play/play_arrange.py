"""Arranging the playroom at rest for scripted test cases (imported by the tests in this folder)."""

from __future__ import annotations

import numpy as np

from palaestra.envs.play.layout import LAYOUT
from palaestra.envs.play.scene import PlayScene
from palaestra.envs.play.state import PlayState

H = LAYOUT.block_half
# Blocks on the desk, 8+ cm apart, each free to be pushed 10 cm either way.
DESK = {"red": (-0.28, 0.05, H), "green": (-0.2, 0.10, H), "blue": (-0.12, 0.03, H)}


def arrange(scene: PlayScene, drawer=0.15, door=0.0, lamp=False, lever=-0.4, blocks=None, yaws=None) -> PlayState:
    """Set the scene at rest (blocks default to :data:`DESK`, yaw 0) and read its state."""
    scene.set_button(0.0)
    scene.read_state()  # a released button: the next press is an edge
    scene.set_drawer(drawer)
    scene.set_door(door)
    scene.set_lamp(lamp)
    scene.set_lever(lever)
    for name, position in {**DESK, **(blocks or {})}.items():
        scene.set_block(name, np.asarray(position, dtype=float), (yaws or {}).get(name, 0.0))
    return scene.read_state()
