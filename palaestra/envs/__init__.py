"""Environment families: manipulation (goal-conditioned Panda tasks), play, competitive."""

import palaestra.sim  # noqa: F401  (imports PyBullet before any env module does, without its banner)
