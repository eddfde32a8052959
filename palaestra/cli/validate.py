"""``palaestra validate``: every scripted expert (and game's levels) against its success threshold."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    validate = commands.add_parser("validate", help="check every scripted expert against its success threshold")
    common.add_filters(validate)
    validate.add_argument(
        "--id", dest="ids", nargs="+", action="extend", metavar="ID",
        help="IDs, bare names, globs or substrings of the IDs to validate",
    )
    validate.add_argument(
        "--quick", action="store_true",
        help="20 episodes; fail only when the 95%% upper bound is below the threshold (CI smoke test)",
    )
    validate.add_argument("--episodes", type=_positive, help="episodes per environment (default 100, 20 with --quick)")
    validate.add_argument("--workers", type=_positive, default=2, help="parallel worker processes (default 2)")
    validate.add_argument(
        "--backend", default="process",
        help="process (a local pool, default) or ray (RAY_ADDRESS if set, else a local Ray instance)",
    )
    validate.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    validate.set_defaults(run=_validate)


def _validate(args: argparse.Namespace) -> int:
    from palaestra import registry
    from palaestra.baselines import validate as v
    from palaestra.progress import progress_bar

    problem = args.json and common.output_file_problem(args.json)
    if problem:
        return common.error(problem)
    try:
        records = v.select(args.family, args.tag, args.ids)
    except registry.UnknownEnvironmentError as error:
        return common.error(error)
    if not records:
        return common.error("no environment with a scripted expert or scripted opponents matches these filters")
    with progress_bar("envs", console=common.console(stderr=True)) as progress:
        task = progress.add_task("validating", total=len(records))
        try:
            rows = v.validate(
                records, quick=args.quick, episodes=args.episodes, workers=args.workers, backend=args.backend,
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        except (ValueError, ModuleNotFoundError) as error:
            return common.error(error)
    _print_validation(rows, args.quick)
    if args.json:
        v.write_json(rows, args.json, quick=args.quick)
    return v.exit_code(rows)


def _print_validation(rows: Sequence[Any], quick: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    from palaestra import registry
    from palaestra.baselines.validate import matchup

    rule = "95% upper bound >= threshold" if quick else "success rate >= threshold"
    caption = f"pass: {rule}; a game's row is its strongest scripted level against its weakest (win 1, draw 1/2)"
    table = Table(title="palaestra validate" + (" --quick" if quick else ""), caption=caption)
    table.add_column("ID", no_wrap=True)
    for column in ("episodes", "success or score [95% CI]", "threshold", "steps/s", "result"):
        table.add_column(column, justify="right")
    colour = {"PASS": "green", "FAIL": "red", "ERROR": "red"}
    for row in rows:
        r = row.result
        figures = (
            (str(r.episodes), f"{r.success_rate:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}]", f"{r.steps_per_second:.0f}")
            if r is not None
            else ("-", "-", "-")
        )
        status = f"[{colour[row.status]}]{row.status}[/]"
        name = row.env_id
        if registry.get(row.env_id).opponents:  # a game between sides (a cooperative game has an expert)
            name += " ({} vs {})".format(*matchup(row.env_id))
        table.add_row(name, figures[0], figures[1], f"{row.threshold:.0%}", figures[2], status)
    console = common.console()
    console.print(table)
    for row in rows:
        if row.error is not None:
            console.print(f"[red]{row.env_id}[/]: {escape(row.error)}", highlight=False)
