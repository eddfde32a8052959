"""``palaestra report``: docs/results.md and learning-curve plots generated from run folders."""

from __future__ import annotations

import argparse

from palaestra.cli import common


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    report = commands.add_parser("report", help="results page (IQM, bootstrap intervals) from training runs")
    from palaestra.baselines.report import add_arguments

    add_arguments(report)
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    try:
        from palaestra.baselines.report import run

        return run(args)
    except (OSError, ValueError, ModuleNotFoundError) as error:
        return common.error(error)
