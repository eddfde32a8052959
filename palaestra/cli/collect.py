"""``palaestra collect``: play data or scripted demonstrations recorded as a Minari dataset."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
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


def _collect_play(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import agent_by_name, collect_play

        data = collect_play(
            args.episodes, args.out, steps_per_episode=args.steps, seed=args.seed,
            agent=agent_by_name(args.agent), obs_mode=args.obs_mode,
        )
    except (ImportError, FileExistsError, ValueError, RuntimeError) as error:
        return common.error(error)
    done = "interrupted; kept" if data.metadata["interrupted"] else "wrote"
    common.console().print(f"{done} {len(data)} episodes, {data.total_steps} steps in {data.path.parent}",
                           highlight=False)
    return 0


def _collect_demos(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import collect_demos

        data = collect_demos(args.steps, args.out, seed=args.seed)
    except (ImportError, FileExistsError, ValueError) as error:
        return common.error(error)
    common.console().print(f"wrote {len(data)} demonstrations, {data.total_steps} steps in {data.path.parent}",
                           highlight=False)
    return 0
