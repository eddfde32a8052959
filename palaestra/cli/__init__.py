"""The ``palaestra`` command: a thin layer over the registry, the docs describer, validation and the benchmark.

One module per command builds its parser and runs it. Subcommands import what they need when they run, so
``palaestra --help`` loads no simulator. Exit status: 0 success, 1 a failed check (``validate`` below threshold,
``list`` matching nothing), 2 a usage error (unknown ID, bad option, a file that is missing or cannot be written).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from palaestra.cli import bench, collect, data, evaluate, listing, play, record, train, validate


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``palaestra`` command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except OSError as error:  # a file or folder named on the command line: one line naming it, not a traceback
        if error.filename is None:
            raise
        from palaestra.cli.common import file_error

        return file_error(error)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand, after importing installed third-party environments (the
    ``palaestra.envs`` entry points), whose IDs and families the commands then know."""
    from palaestra.third_party import load_plugins

    load_plugins()
    parser = argparse.ArgumentParser(
        prog="palaestra", description="Environments for manipulation, play and competitive self-play."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for command in (listing, validate, train, evaluate, play, record, collect, data, bench):
        command.add_parser(commands)
    return parser
