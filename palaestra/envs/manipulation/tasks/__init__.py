"""The manipulation tasks by name (the ``task`` keyword of :class:`ManipulationEnv`)."""

from palaestra.envs.manipulation.task import Task
from palaestra.envs.manipulation.tasks.articulated import CloseDrawer, OpenDrawer, PressButton, SlideDoor
from palaestra.envs.manipulation.tasks.blocks import Flip, PickAndPlace, Push, Reach, Slide, Stack

TASKS: dict[str, type[Task]] = {
    "reach": Reach,
    "push": Push,
    "slide": Slide,
    "pick_and_place": PickAndPlace,
    "stack": Stack,
    "flip": Flip,
    "open_drawer": OpenDrawer,
    "close_drawer": CloseDrawer,
    "slide_door": SlideDoor,
    "press_button": PressButton,
}
