"""``palaestra bench``: steps/s, reset ms, frames/s and vector scaling per environment."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive
from palaestra.registry import FAMILIES


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    bench = commands.add_parser("bench", help="steps/s, reset ms, frames/s and vector scaling per environment")
    bench.add_argument("--ids", nargs="+", metavar="ID", help="environments to measure (default: all)")
    bench.add_argument("--family", choices=FAMILIES, help="only this family (when --ids is not given)")
    bench.add_argument("--steps", type=_positive, default=1000, help="environment steps per figure (default 1000; games run 5x as many)")
    bench.add_argument("--compare", choices=["panda-gym"], help="also measure the peer's matching environments")
    bench.add_argument(
        "--fidelity", action="store_true",
        help="physics fidelity of the Panda scene instead of speed: arm hold, cube drop, tower, grasp (mm, ms, deg)",
    )
    bench.set_defaults(run=_bench)


def _bench(args: argparse.Namespace) -> int:
    if args.fidelity:
        return _fidelity(args.compare == "panda-gym")
    from palaestra import registry
    from palaestra.bench import single_agent
    from palaestra.progress import progress_bar

    try:
        chosen = [registry.get(i).id for i in args.ids] if args.ids else registry.ids(args.family)
    except registry.UnknownEnvironmentError as error:
        return common.error(error)
    ids = [i for i in chosen if not registry.get(i).multi_agent]
    games = [i for i in chosen if registry.get(i).multi_agent]
    if games:
        from palaestra.bench import games as game_bench

        with progress_bar("rows", console=common.console(stderr=True)) as progress:
            task = progress.add_task("measuring games", total=len(games) + 2)
            rows = game_bench.run(
                games, steps=args.steps * 5,  # games step 10-100x faster than the Panda scenes
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        game_bench.print_report(rows, common.console())
        if any("turn-based" in registry.get(i).tags for i in games):
            from palaestra.bench import text as text_bench

            text_bench.print_report(text_bench.run(steps=args.steps * 20), common.console())
        parallel = [i for i in games if registry.get(i).parallel]
        game_bench.print_scaling([game_bench.batched_scaling(i, args.steps * 2) for i in parallel], common.console())
        from palaestra.baselines.games import ARRAY_GAMES

        game_bench.print_arrays([game_bench.selfplay_arrays(i, args.steps * 5) for i in games if i in ARRAY_GAMES],
                                common.console())
    drone_games = [i for i in games if registry.get(i).family == "drones"]
    if drone_games:
        from palaestra.bench import drones as drone_bench

        drone_bench.print_report([drone_bench.measure(i) for i in drone_games], common.console())
    if not ids:
        return 0
    with progress_bar("rows", console=common.console(stderr=True)) as progress:
        total = len(ids) + (sum(i in single_agent.PANDA_GYM for i in ids) if args.compare else 0)
        task = progress.add_task("measuring", total=total)
        try:
            report = single_agent.run(
                ids, args.steps, args.compare,
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        except ModuleNotFoundError as error:
            return common.error(error)
    single_agent.print_report(report, common.console())
    return 0


def _fidelity(compare: bool) -> int:
    from rich.table import Table

    from palaestra.sim import fidelity

    with common.console(stderr=True).status("measuring physics fidelity (a few seconds per scene)"):
        results = fidelity.measure_all(compare)
    table = Table(title="Physics fidelity (palaestra.sim.fidelity; lower is better)")
    table.add_column("figure")
    for name in results:
        table.add_column(name, justify="right")
    rows = {name: dict(result.rows()) for name, result in results.items()}
    for label in rows["palaestra"]:
        table.add_row(label, *(f"{rows[name][label]:.2f}" for name in results))
    common.console().print(table)
    if compare and len(results) == 1:
        common.console().print("panda-gym is not installed: `pip install panda-gym` to measure it beside palaestra")
    return 0
