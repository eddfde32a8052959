"""PLACEHOLDER (being written): articulated tasks."""
from palaestra.envs.manipulation.tasks.blocks import Push as OpenDrawer, Push as CloseDrawer, Push as SlideDoor, Push as PressButton  # noqa
