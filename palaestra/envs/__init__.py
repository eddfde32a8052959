"""Environment families: manipulation (goal-conditioned Panda tasks), play, competitive."""
