"""The playroom: a Panda at a desk with articulated furniture, lights and blocks, for play data,
goal-state and language conditioning. ``oracle`` labels what happened between two ``PlayState`` snapshots."""
