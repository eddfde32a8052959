"""Goal-conditioned Franka Panda tasks: one env class composing a world, a robot and a task."""
