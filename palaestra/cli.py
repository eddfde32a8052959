"""The ``palaestra`` command: a thin layer over the registry, the docs describer, validation and the benchmark.

Subcommands import what they need when they run, so ``palaestra --help`` loads no simulator. Exit status:
0 success, 1 a failed check (``validate`` below threshold, ``list`` matching nothing), 2 a usage error
(unknown ID, bad option).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from palaestra.registry import FAMILIES


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``palaestra`` command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="palaestra", description="Environments for manipulation, play and competitive self-play."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="the registered environments as a table")
    _add_filters(listing)
    listing.set_defaults(run=_list)

    info = commands.add_parser("info", help="spaces, reward, success criterion and kwargs of one environment")
    info.add_argument("id", metavar="ID", help="an environment ID such as palaestra/Push-v0 (or just Push)")
    info.set_defaults(run=_info)

    validate = commands.add_parser("validate", help="check every scripted expert against its success threshold")
    _add_filters(validate)
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

    train = commands.add_parser("train", help="train the reference learned baseline (extra: baselines)")
    train.add_argument("id", metavar="ID", help="an environment with a baseline config (or pass --config)")
    train.add_argument("--config", help="a YAML config instead of the registered one")
    train.add_argument("--seeds", type=_positive, help="train seeds 0..N-1 (default: the config's seeds)")
    train.add_argument("--timesteps", type=_positive, help="override the config's budget")
    train.add_argument("--out", default="runs", help="output folder (default: runs/<name>)")
    train.add_argument("--backend", default="process", help="process (local pool, default) or ray")
    train.add_argument("--workers", type=_positive, default=2, help="seeds trained side by side (default 2)")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a trained model on fixed seeds")
    evaluate.add_argument(
        "id", metavar="ID", help="the environment the model was trained on, or a perturbation preset of it"
    )
    evaluate.add_argument("--model", required=True, help="a model.zip or checkpoint written by palaestra train")
    evaluate.add_argument("--episodes", type=_positive, default=100, help="episodes or matches (default 100)")
    evaluate.set_defaults(run=_evaluate)

    play = commands.add_parser("play", help="play an environment with the keyboard in a window")
    play.add_argument("id", metavar="ID", help="a volleyball game, or palaestra/Playroom-v0 (recorded)")
    play.add_argument("--opponent", default="strong", help="games: scripted level of the other side (default: strong)")
    play.add_argument("--side", default="left", help="games: the side you play (default: left)")
    play.add_argument("--out", help="playroom: folder to record into (default human-play-<time>)")
    play.add_argument("--seed", type=int, default=0, help="playroom: seed of the first episode (default 0)")
    play.set_defaults(run=_play)

    collect = commands.add_parser("collect", help="record play data as a Minari dataset (extra: data)")
    what = collect.add_subparsers(title="what", required=True, metavar="WHAT")
    collect_play = what.add_parser("play", help="an agent's play in palaestra/Playroom-v0")
    collect_play.add_argument("--episodes", type=_positive, required=True)
    collect_play.add_argument("--out", required=True, help="a new folder for the dataset")
    collect_play.add_argument("--steps", type=_positive, default=1200, help="steps per episode (default 1200 = 50 s)")
    collect_play.add_argument("--seed", type=int, default=0)
    collect_play.add_argument("--agent", choices=["play", "random"], default="play")
    collect_play.add_argument("--obs-mode", choices=["state", "pixels"], default="state")
    collect_play.set_defaults(run=_collect_play)
    collect_demos = what.add_parser("demos", help="per-task scripted demonstrations for a step budget")
    collect_demos.add_argument("--steps", type=_positive, required=True)
    collect_demos.add_argument("--out", required=True, help="a new folder for the dataset")
    collect_demos.add_argument("--seed", type=int, default=0)
    collect_demos.set_defaults(run=_collect_demos)

    data = commands.add_parser("data", help="inspect play datasets (extra: data)")
    data_what = data.add_subparsers(title="what", required=True, metavar="WHAT")
    data_report = data_what.add_parser("report", help="tasks a play dataset covers and its state-action coverage")
    data_report.add_argument("dir", metavar="DIR")
    data_report.add_argument("--compare", metavar="DIR2", help="also compare coverage with DIR2 over the same steps")
    data_report.set_defaults(run=_data_report)

    bench = commands.add_parser("bench", help="steps/s, reset ms, frames/s and vector scaling per environment")
    bench.add_argument("--ids", nargs="+", metavar="ID", help="environments to measure (default: all)")
    bench.add_argument("--family", choices=FAMILIES, help="only this family (when --ids is not given)")
    bench.add_argument("--steps", type=_positive, default=1000, help="environment steps per figure (default 1000; games run 5x as many)")
    bench.add_argument("--compare", choices=["panda-gym"], help="also measure the peer's matching environments")
    bench.set_defaults(run=_bench)
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", choices=FAMILIES, help="only this family")
    parser.add_argument("--tag", help="only environments with this tag (goal, pixels, articulated...)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or captured output has no width to fit; keep every column whole rather than cut at 80.
        console = Console(stderr=stderr, width=200)
    return console


def _error(message: object) -> int:
    print(f"palaestra: {message}", file=sys.stderr)
    return 2


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
            r.expert.rpartition(":")[2] if r.expert else "-",
            r.summary,
        )
    _console().print(table)
    return 0


def _info(args: argparse.Namespace) -> int:
    from rich.table import Table

    from palaestra import registry
    from palaestra.docs import describe

    try:
        record = registry.get(args.id)
    except registry.UnknownEnvironmentError as error:
        return _error(error)
    d = describe(record)
    expert = f"{record.expert} (threshold {record.expert_threshold:.0%})" if record.expert else "none"
    kwargs = ", ".join(f"{k}={v!r}" + (" (set by this ID)" if k in record.kwargs else "") for k, v in d.options.items())
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
        ("success", record.success),
        ("max episode steps", str(record.max_episode_steps or "unlimited")),
        ("expert", expert),
        ("kwargs", kwargs),
    ):
        table.add_row(key, value)
    _console().print(table)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from palaestra import registry
    from palaestra.baselines import validate as v

    try:
        records = v.select(args.family, args.tag, args.ids)
    except registry.UnknownEnvironmentError as error:
        return _error(error)
    if not records:
        return _error("no environment with a scripted expert or scripted opponents matches these filters")
    with Progress(console=_console(stderr=True), transient=True) as progress:
        task = progress.add_task("validating", total=len(records))
        try:
            rows = v.validate(
                records, quick=args.quick, episodes=args.episodes, workers=args.workers, backend=args.backend,
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        except (ValueError, ModuleNotFoundError) as error:
            return _error(error)
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
        if registry.get(row.env_id).multi_agent:
            name += " ({} vs {})".format(*matchup(row.env_id))
        table.add_row(name, figures[0], figures[1], f"{row.threshold:.0%}", figures[2], status)
    console = _console()
    console.print(table)
    for row in rows:
        if row.error is not None:
            console.print(f"[red]{row.env_id}[/]: {escape(row.error)}", highlight=False)


def _train(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
        from palaestra.baselines.train import load_config, train_seeds

        seeds = tuple(range(args.seeds)) if args.seeds else None
        config = load_config(args.config or record.id, seeds=seeds, timesteps=args.timesteps)
    except (registry.UnknownEnvironmentError, LookupError, ValueError, ModuleNotFoundError) as error:
        return _error(error)
    if config.env_id != record.id:
        return _error(f"the config trains {config.env_id}, not {record.id}")
    out = os.path.join(args.out, record.name)
    _console().print(f"training {record.id} ({config.algo}, {config.timesteps} steps) seeds {list(config.seeds)} -> {out}")
    try:
        outcomes = train_seeds(config, out, backend=args.backend, workers=args.workers)
    except (ValueError, ModuleNotFoundError) as error:
        return _error(error)
    failed = False
    for seed, outcome in sorted(outcomes.items()):
        if isinstance(outcome, str):
            failed = True
            _console().print(f"[red]seed {seed}[/]: {outcome}", highlight=False)
        else:
            final = {k: round(v, 3) for k, v in outcome[-1].items()}
            _console().print(f"seed {seed}: {final}", highlight=False)
    return 1 if failed else 0


def _evaluate(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
        from palaestra.baselines.train import evaluate_model, load_model

        model, config = load_model(args.model)
    except (registry.UnknownEnvironmentError, FileNotFoundError, ModuleNotFoundError, ValueError) as error:
        return _error(error)
    if record.kwargs.get("base_id") == config.env_id:  # a perturbation preset of the trained task
        import dataclasses

        config = dataclasses.replace(config, env_id=record.id)
    if config.env_id != record.id:
        return _error(f"{args.model} was trained on {config.env_id}, not {record.id} nor a perturbation preset of it")
    figures = evaluate_model(model, config, episodes=args.episodes)
    _console().print(f"{record.id} over {args.episodes} seeded episodes: "
                     + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()), highlight=False)
    return 0


def _play(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
    except registry.UnknownEnvironmentError as error:
        return _error(error)
    if record.id == "palaestra/Playroom-v0":
        return _play_playroom(record.id, args)
    if record.family != "competitive" or record.opponents is None:
        return _error(f"{record.id}: keyboard play is available for competitive games with scripted opponents")
    from palaestra.competitive.human import play

    try:
        result = play(record.id, opponent=args.opponent, side=args.side)
    except (KeyError, ValueError, RuntimeError) as error:
        return _error(error)
    outcome = {1: "won", 0: "drawn", -1: "lost", None: "stopped"}[result["outcome"]]
    _console().print(f"{record.id}: match {outcome}, score {result['score'][0]}-{result['score'][1]}")
    return 0


def _play_playroom(env_id: str, args: argparse.Namespace) -> int:
    from datetime import datetime

    out = args.out or f"human-play-{datetime.now():%Y%m%d-%H%M%S}"
    try:
        from palaestra.data.human import play_keyboard

        result = play_keyboard(env_id, out=out, seed=args.seed)
    except (ImportError, FileExistsError, ValueError) as error:
        return _error(error)
    _console().print(f"{env_id}: recorded {result['episodes']} episodes, {result['steps']} steps in {out}")
    return 0


def _collect_play(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import agent_by_name, collect_play

        data = collect_play(
            args.episodes, args.out, steps_per_episode=args.steps, seed=args.seed,
            agent=agent_by_name(args.agent), obs_mode=args.obs_mode,
        )
    except (ImportError, FileExistsError, ValueError, RuntimeError) as error:
        return _error(error)
    done = "interrupted; kept" if data.metadata["interrupted"] else "wrote"
    _console().print(f"{done} {len(data)} episodes, {data.total_steps} steps in {args.out}", highlight=False)
    return 0


def _collect_demos(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import collect_demos

        data = collect_demos(args.steps, args.out, seed=args.seed)
    except (ImportError, FileExistsError, ValueError) as error:
        return _error(error)
    _console().print(f"wrote {len(data)} demonstrations, {data.total_steps} steps in {args.out}", highlight=False)
    return 0


def _data_report(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.report import compare, print_report, report

        summary = report(args.dir)
        comparison = compare(args.dir, args.compare) if args.compare else None
    except (ImportError, ValueError, FileNotFoundError) as error:  # a foreign format version is a ValueError
        return _error(error)
    console = _console()
    print_report(summary, console)
    if comparison is not None:
        console.print(
            f"coverage over the first {comparison.steps} steps: {comparison.cells[0]} vs {comparison.cells[1]} "
            f"cells ({comparison.ratio:.2f}x)", highlight=False,
        )
    return 0


def _bench(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from palaestra import bench, registry

    try:
        chosen = [registry.get(i).id for i in args.ids] if args.ids else registry.ids(args.family)
    except registry.UnknownEnvironmentError as error:
        return _error(error)
    ids = [i for i in chosen if not registry.get(i).multi_agent]
    games = [i for i in chosen if registry.get(i).multi_agent]
    if games:
        from palaestra.competitive import bench as game_bench

        with Progress(console=_console(stderr=True), transient=True) as progress:
            task = progress.add_task("measuring games", total=len(games) + 2)
            rows = game_bench.run(
                games, steps=args.steps * 5,  # games step 10-100x faster than the Panda scenes
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        game_bench.print_report(rows, _console())
    if not ids:
        return 0
    with Progress(console=_console(stderr=True), transient=True) as progress:
        total = len(ids) + (sum(i in bench.PANDA_GYM for i in ids) if args.compare else 0)
        task = progress.add_task("measuring", total=total)
        try:
            report = bench.run(
                ids, args.steps, args.compare,
                on_row=lambda row: progress.update(task, advance=1, description=f"done: {row.env_id}"),
            )
        except ModuleNotFoundError as error:
            return _error(error)
    bench.print_report(report, _console())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
