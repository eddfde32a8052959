"""``palaestra evaluate``: a trained model's figures on fixed seeds."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    evaluate = commands.add_parser("evaluate", help="evaluate a trained model on fixed seeds")
    evaluate.add_argument(
        "id", metavar="ID", help="the environment the model was trained on, or a perturbation preset of it"
    )
    evaluate.add_argument("--model", required=True, help="a model.zip or checkpoint written by palaestra train")
    evaluate.add_argument("--episodes", type=_positive, default=100, help="episodes or matches (default 100)")
    evaluate.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
        from palaestra.baselines.train import evaluate_model, load_model

        model, config = load_model(args.model)
    except (registry.UnknownEnvironmentError, FileNotFoundError, ModuleNotFoundError, ValueError) as error:
        return common.error(error)
    if record.kwargs.get("base_id") == config.env_id:  # a perturbation preset of the trained task
        import dataclasses

        config = dataclasses.replace(config, env_id=record.id)
    if config.env_id != record.id:
        return common.error(f"{args.model} was trained on {config.env_id}, not {record.id} nor a perturbation preset of it")
    from palaestra.progress import progress_bar, reporting_episodes

    unit = "matches" if config.is_game else "episodes"
    with progress_bar(unit, console=common.console(stderr=True)) as bar:
        task = bar.add_task(f"evaluating {args.model}", total=args.episodes * (len(config.opponents) if config.is_game else 1))
        with reporting_episodes(lambda: bar.advance(task)):
            figures = evaluate_model(model, config, episodes=args.episodes)
    _print_figures(record.id, args.model, args.episodes, unit, figures)
    return 0


def _print_figures(env_id: str, model: str, episodes: int, unit: str, figures: dict[str, float]) -> None:
    from rich.table import Table

    # Figure names as in the run's curve.csv, so the table reads against the training curve.
    table = Table()
    table.add_column("figure", no_wrap=True)
    table.add_column("value", justify="right")
    if "success_rate" in figures:
        table.add_row("success_rate [95% CI]", f"{figures['success_rate']:.3f} [{figures['ci_low']:.3f}, {figures['ci_high']:.3f}]")
    for name, value in figures.items():
        if name not in ("success_rate", "ci_low", "ci_high"):
            table.add_row(name, f"{value:.3f}")
    console = common.console()
    console.print(f"{env_id} over {episodes} seeded {unit}, model {model}", highlight=False)
    console.print(table)
