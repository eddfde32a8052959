"""``palaestra data``: what a play dataset covers."""

from __future__ import annotations

import argparse
import math

from palaestra.cli import common


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    data = commands.add_parser("data", help="inspect play and offline datasets (extra: data)")
    data_what = data.add_subparsers(title="what", required=True, metavar="WHAT")
    data_report = data_what.add_parser(
        "report", help="what a dataset covers (tasks, coverage; SACo, TQ, diversity for offline datasets); "
                       "repairs a dataset cut short by a kill")
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
        if _is_offline(args.dir):
            return _offline_report(args, console)
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
            f"cells ({_times(comparison.ratio)}); interaction cells: "
            + ", ".join(f"{name} {a} vs {b} ({_times(comparison.factor_ratio(name))})"
                        for name, (a, b) in comparison.factors.items()), highlight=False,
        )
    return 0


def _times(ratio: float) -> str:
    """A coverage ratio as printed: "1.38x", or "n/a" when the second dataset has no such cell."""
    return f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a"


def _is_offline(folder: str) -> bool:
    from palaestra.data.storage import METADATA, locate, read_json

    return "offline_format" in (read_json(locate(folder) / METADATA) or {})


def _offline_report(args: argparse.Namespace, console) -> int:
    from palaestra.data.quality import offline_report, print_offline_report

    if args.compare:
        return common.error(f"{args.dir}: --compare compares play datasets; an offline dataset's report already "
                            f"measures it against the random policy and the expert")
    summary = offline_report(args.dir)
    if not summary.episodes:
        return common.error(f"{args.dir} holds no finished episode; there is nothing to report")
    print_offline_report(summary, console)
    return 0
