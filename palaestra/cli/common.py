"""What the commands share: option types and filters, the console they print to, usage errors."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from palaestra.registry import families


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The ``--family`` and ``--tag`` options that select environments (third-party families included)."""
    parser.add_argument("--family", choices=families(), help="only this family")
    parser.add_argument("--tag", help="only environments with this tag (goal, pixels, articulated...)")


# argparse names a type in its error for a non-number ("invalid _positive value: 'x'"): the name stays as it was.
def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def console(stderr: bool = False) -> Any:
    """A rich console on stdout (or stderr) for tables and progress."""
    from rich.console import Console

    out = Console(stderr=stderr)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        # Piped or captured output has no width to fit; keep every column whole rather than cut at 80.
        out = Console(stderr=stderr, width=200)
    return out


def error(message: object) -> int:
    """Print a usage error as ``palaestra: message`` on stderr; returns its exit status, 2. A missing optional
    dependency is told with the extra that installs it."""
    if isinstance(message, ImportError):
        from palaestra.extras import explain

        message = explain(message)
    print(f"palaestra: {message}", file=sys.stderr)
    return 2


def file_error(problem: OSError) -> int:
    """A file system error as one line naming the path (``palaestra: PATH: reason``); returns 2."""
    return error(f"{problem.filename}: {problem.strerror or problem}")


def output_file_problem(path: str) -> str | None:
    """Why ``path`` cannot be written as a new or replaced file (checked before a long run), or ``None``."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return f"{path}: is a folder; expected a file name"
    if not os.path.isdir(folder):
        return f"{path}: its folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{path}: its folder {folder} is not writable"
    return None
