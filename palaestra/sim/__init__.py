"""The PyBullet layer: worlds, the Panda, articulated parts, fighters.

Importing this package imports PyBullet with its ``pybullet build time`` banner silenced: the C module writes it
to the process's stderr at import, once per process, so a command running many worker processes (``palaestra
bench``) printed it dozens of times. Every palaestra module that uses PyBullet lives under this package or under
:mod:`palaestra.envs`, which imports this package first.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_fd(fd: int) -> Iterator[None]:
    """Send what C code writes to file descriptor ``fd`` (1 stdout, 2 stderr) to /dev/null inside the block;
    Python-level output is flushed first, and exceptions still propagate as objects."""
    stream = sys.stdout if fd == 1 else sys.stderr
    if stream is not None:  # None under pythonw and some daemons
        stream.flush()
    try:
        saved = os.dup(fd)
    except OSError:  # the descriptor is closed: nothing can be printed to it anyway
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


with quiet_fd(2):
    import pybullet  # noqa: F401  (the first import in this process prints the banner)
