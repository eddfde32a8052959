"""``palaestra data``: what a play dataset covers."""

from __future__ import annotations

import argparse

from palaestra.cli import common


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    data = commands.add_parser("data", help="inspect play datasets (extra: data)")
    data_what = data.add_subparsers(title="what", required=True, metavar="WHAT")
    data_report = data_what.add_parser(
        "report", help="tasks a play dataset covers and its state-action coverage; repairs a dataset cut by a kill")
    data_report.add_argument("dir", metavar="DIR")
    data_report.add_argument("--compare", metavar="DIR2", help="also compare coverage with DIR2 over the same steps")
    data_report.set_defaults(run=_data_report)


def _data_report(args: argparse.Namespace) -> int:
    console = common.console()
    try:
        from palaestra.data.report import compare, print_report, report
        from palaestra.data.storage import repair

        for folder in filter(None, (args.dir, args.compare)):
            for done in repair(folder):  # a dataset cut short by a kill: make it whole first, and say so
                console.print(f"repaired: {done}", highlight=False, soft_wrap=True)
        summary = report(args.dir)
        if not summary.episodes:
            return common.error(f"{args.dir} holds no finished episode (the recording stopped before the first one "
                                f"ended); there is nothing to report")
        comparison = compare(args.dir, args.compare) if args.compare else None
    except (ImportError, ValueError, OSError) as error:  # damaged, foreign format: ValueError subclasses
        return common.error(error)
    print_report(summary, console)
    if comparison is not None:
        console.print(
            f"coverage over the first {comparison.steps} steps: {comparison.cells[0]} vs {comparison.cells[1]} "
            f"cells ({comparison.ratio:.2f}x)", highlight=False,
        )
    return 0
