"""The playroom's four scenes, A to D: one robot, desk and set of objects, arranged and coloured four ways.

Like CALVIN's environments A, B, C and D, the scenes differ in the desk's colour and pattern, the furniture's
wood, and where the drawer, the sliding door (with its shelf), the button, the lever and the two lights
stand. The tasks, their names, the observation layout and the action space are the same in every scene, so
a policy trained in some scenes can be evaluated in another (:mod:`palaestra.envs.play.splits`).

Scene A is the original playroom (every ``palaestra/Playroom*-v0`` ID without a scene letter). B mirrors A
(the drawer on the robot's left, the door on its right); C keeps A's sides but moves the button towards
the robot, the lever to the front of the cabinet top, the door and cabinet outwards, and swaps the
lights; D mirrors C, with the button further out.

>>> scene("D").layout.drawer_position[1] > 0  # D's drawer is on the robot's left
True
>>> [s.name for s in SCENES.values()]
['A', 'B', 'C', 'D']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from palaestra.envs.play.layout import LAYOUT, Layout
from palaestra.registry import DEFAULT_SCENE, OTHER_SCENES

RGBA = tuple[float, float, float, float]


class Pattern(str, Enum):
    """What is drawn on the desk top (visual only: thin boxes that never collide)."""

    PLAIN = "plain"
    PLANKS = "planks"  # boards running away from the robot
    TILES = "tiles"  # a checkerboard
    MAT = "mat"  # a contrasting mat under the work area, with a border


@dataclass(frozen=True)
class Scene:
    """One playroom scene: where the furniture stands (``layout``) and how the desk and furniture look.

    ``desk`` and ``pattern_color`` colour the desk top and its ``pattern``; ``wood`` colours the cabinet
    and the shelf. Colours are RGBA in [0, 1]. Nothing visual touches the physics.
    """

    name: str
    layout: Layout
    desk: RGBA
    wood: RGBA
    pattern: Pattern = Pattern.PLAIN
    pattern_color: RGBA = (0.0, 0.0, 0.0, 1.0)


SceneName = Enum("SceneName", {name: name for name in (DEFAULT_SCENE, *OTHER_SCENES)}, type=str)
SceneName.__doc__ = "The scenes' names, as the ``scene`` option takes them."


# C moves A's pieces: the button towards the robot, the lever to the front of the cabinet top, the
# cabinet and the door 2 cm outwards, the lights swapped. Every place was checked against the experts.
_C_LAYOUT = replace(
    LAYOUT,
    drawer_position=(0.02, -0.3, 0.0),
    lever_position=(-0.03, -0.23, 0.12),
    door_position=(0.02, 0.24, 0.0),
    shelf=replace(LAYOUT.shelf, center=(0.105, 0.24)),
    button_position=(-0.28, 0.3, 0.0),
    lamp_position=LAYOUT.bulb_position,
    bulb_position=LAYOUT.lamp_position,
)

SCENES: dict[str, Scene] = {
    "A": Scene("A", LAYOUT, desk=(0.82, 0.78, 0.72, 1.0), wood=(0.62, 0.45, 0.3, 1.0)),
    "B": Scene("B", LAYOUT.mirrored(), desk=(0.62, 0.66, 0.7, 1.0), wood=(0.78, 0.7, 0.55, 1.0),
               pattern=Pattern.PLANKS, pattern_color=(0.55, 0.59, 0.63, 1.0)),
    "C": Scene("C", _C_LAYOUT, desk=(0.86, 0.86, 0.84, 1.0), wood=(0.42, 0.28, 0.2, 1.0),
               pattern=Pattern.TILES, pattern_color=(0.72, 0.72, 0.7, 1.0)),
    "D": Scene("D", replace(_C_LAYOUT.mirrored(), button_position=(-0.2, -0.32, 0.0)),
               desk=(0.7, 0.62, 0.52, 1.0), wood=(0.5, 0.52, 0.56, 1.0),
               pattern=Pattern.MAT, pattern_color=(0.35, 0.45, 0.38, 1.0)),
}


def scene(name: str | SceneName) -> Scene:
    """The scene called ``name`` (``"A"`` .. ``"D"``); ``ValueError`` naming the scenes otherwise."""
    key = name.value if isinstance(name, SceneName) else name
    if not isinstance(key, str) or key not in SCENES:
        raise ValueError(f"unknown playroom scene {name!r}; expected one of {list(SCENES)}")
    return SCENES[key]
