"""``palaestra list`` and ``palaestra info``: the registry as a table, one environment in detail."""

from __future__ import annotations

import argparse
import sys

from palaestra.cli import common


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``list`` and ``info`` parsers to the ``palaestra`` subcommands."""
    listing = commands.add_parser("list", help="the registered environments as a table")
    common.add_filters(listing)
    listing.set_defaults(run=_list)

    info = commands.add_parser("info", help="spaces, reward, success criterion and kwargs of one environment")
    info.add_argument("id", metavar="ID", help="an environment ID such as palaestra/Push-v0 (or just Push)")
    info.set_defaults(run=_info)


def _list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from palaestra import registry

    records = [registry.get(i) for i in registry.ids(args.family, args.tag)]
    if not records:
        print("palaestra: no environment matches these filters", file=sys.stderr)
        return 1
    table = Table(title=f"palaestra environments ({len(records)})")
    table.add_column("ID", no_wrap=True)
    for column in ("family", "tags", "max steps", "expert", "summary"):
        table.add_column(column, justify="right" if column == "max steps" else "left")
    for r in records:
        table.add_row(
            r.id,
            r.family,
            ", ".join(sorted(r.tags)),
            str(r.max_episode_steps or "-"),
            r.expert_name.rpartition(":")[2] if r.expert else "-",
            r.summary,
        )
    common.console().print(table)
    return 0


def _info(args: argparse.Namespace) -> int:
    from rich.table import Table

    from palaestra import registry
    from palaestra.docs import describe, fixed_kwargs

    try:
        record = registry.get(args.id)
    except registry.UnknownEnvironmentError as error:
        return common.error(error)
    d = describe(record)
    expert = f"{record.expert_name} (threshold {record.expert_threshold:.0%})" if record.expert else "none"
    fixed = fixed_kwargs(record)
    kwargs = ", ".join(f"{k}={v!r}" + (" (set by this ID)" if k in fixed else "") for k, v in d.options.items())
    table = Table(title=record.id, show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, value in (
        ("summary", record.summary),
        ("family", record.family),
        ("tags", ", ".join(sorted(record.tags))),
        ("observation space", d.observation_space),
        ("action space", d.action_space),
        ("reward", d.reward or "-"),
        *((("perturbations", "\n".join(d.perturbations)),) if d.perturbations else ()),
        ("success", d.success or record.success),
        ("max episode steps", str(record.max_episode_steps or "unlimited")),
        ("expert", expert),
        ("kwargs", kwargs),
    ):
        table.add_row(key, value)
    common.console().print(table)
    return 0
