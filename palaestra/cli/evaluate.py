"""``palaestra evaluate``: a trained model's figures on fixed seeds, or the playroom's goal-image suite per task."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive

GOAL_ID = "palaestra/PlayroomGoal-v0"
SUITE_POLICIES = {"expert": "palaestra.baselines.experts.play_goal:PlayroomGoalExpert",
                  "random": "palaestra.evaluation.goal_images:random_policy"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    evaluate = commands.add_parser("evaluate", help="evaluate a trained model on fixed seeds")
    evaluate.add_argument(
        "id", metavar="ID", help="the environment the model was trained on, or a perturbation preset of it"
    )
    evaluate.add_argument("--model",
                          help="a model.pt or checkpoint_<steps>.pt written by palaestra train (config.yaml beside it)")
    evaluate.add_argument("--episodes", type=_positive, default=None,
                          help="episodes or matches (default 100; with --goal-images, per task, default 10)")
    evaluate.add_argument("--goal-images", action="store_true",
                          help=f"{GOAL_ID} only: the 18-task Play-LMP-style suite, each episode conditioned on an "
                               "image of its goal scene, success per task")
    evaluate.add_argument("--policy", choices=sorted(SUITE_POLICIES),
                          help="with --goal-images: the policy to evaluate (default expert)")
    evaluate.add_argument("--out", help="with --goal-images: also write the per-task table to this Markdown file")
    evaluate.add_argument("--unsafe-pickle", action="store_true",
                          help="also load an SB3 .zip the old way, which unpickles objects that can run code: "
                               "only for a file from a source you trust")
    evaluate.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from palaestra import registry

    if args.goal_images or args.policy or args.out:
        return _goal_suite(args)
    if args.model is None:
        return common.error("evaluate needs --model (a trained model), or --goal-images for the playroom's goal suite")
    args.episodes = args.episodes or 100
    try:
        record = registry.get(args.id)
        from palaestra.baselines.train import evaluate_model, load_model

        model, config = load_model(args.model, unsafe_pickle=args.unsafe_pickle)
    except (registry.UnknownEnvironmentError, OSError, ModuleNotFoundError, ValueError) as error:
        return common.error(error)
    import dataclasses

    if record.kwargs.get("base_id") == config.env_id:  # a perturbation preset of the trained task
        config = dataclasses.replace(config, env_id=record.id)
    if "scene" in record.kwargs and registry.scene_variant_id(config.env_id, record.kwargs["scene"]) == record.id:
        config = dataclasses.replace(config, env_id=record.id, split=None)  # the trained playroom in another scene
    if config.env_id != record.id:
        return common.error(f"{args.model} was trained on {config.env_id}, not {record.id} nor a perturbation preset "
                            "or playroom scene of it")
    config = dataclasses.replace(config, split=None)  # evaluated where the command says, a split's scenes aside
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


def _goal_suite(args: argparse.Namespace) -> int:
    """The goal-image suite (:func:`palaestra.evaluation.goal_images.evaluate_goal_tasks`) as a per-task table."""
    from palaestra import registry

    try:
        env_id = registry.get(args.id).id
    except registry.UnknownEnvironmentError as error:
        return common.error(error)
    if not args.goal_images:
        return common.error("--policy and --out belong to --goal-images (the playroom's goal suite)")
    if env_id != GOAL_ID:
        return common.error(f"--goal-images evaluates {GOAL_ID}, not {env_id}")
    if args.model is not None:
        return common.error("--goal-images runs a scripted --policy (expert or random), not a --model")
    if args.out and (problem := common.output_file_problem(args.out)):
        return common.error(problem)
    from palaestra.evaluation.goal_images import evaluate_goal_tasks

    policy = args.policy or "expert"
    result = evaluate_goal_tasks(registry.load(SUITE_POLICIES[policy]), episodes=args.episodes or 10)
    table = result.markdown()
    command = f"palaestra evaluate {GOAL_ID} --goal-images --policy {policy} --episodes {result.rows[0].episodes}"
    console = common.console()
    console.print(f"{GOAL_ID} goal-image suite, policy {policy} ({result.steps} steps, {result.wall_time:.0f} s)",
                  highlight=False)
    console.print(table, markup=False, highlight=False)
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(f"Generated by `{command} --out FILE`.\n\n{table}")
    return 0
