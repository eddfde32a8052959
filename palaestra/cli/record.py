"""``palaestra record``: a video of a policy playing an environment (see :mod:`palaestra.video`)."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    from palaestra.video import DEFAULT_STEPS, MIN_SIZE

    record = commands.add_parser("record", help="record a policy playing an environment as .mp4 or .gif")
    record.add_argument("id", metavar="ID", help="an environment ID such as palaestra/Push-v0 (or just Push)")
    record.add_argument(
        "--policy", default="expert",
        help="expert (a task's scripted expert, a game's strongest level), random, a game's level name, "
        "or a model file (.pt, .zip) written by palaestra train (default: expert)",
    )
    record.add_argument("--opponent", help="games: the policy of the other sides (default: the same as --policy; "
                        "the strongest level against a model)")
    record.add_argument("--out", required=True, help="the video file to write: clip.mp4 or clip.gif")
    record.add_argument("--steps", type=_positive, default=DEFAULT_STEPS,
                        help=f"at most this many env steps in all (default {DEFAULT_STEPS})")
    record.add_argument("--episodes", type=_positive, default=1, help="episodes to record (default 1)")
    record.add_argument("--size", type=_positive, default=MIN_SIZE,
                        help=f"camera frame side in px for the Panda scenes (at least {MIN_SIZE}, the default)")
    record.add_argument("--seed", type=int, default=0, help="seed of the first episode (default 0)")
    record.add_argument("--fps", type=_positive, help="frames per second (default 24; 2 for turn-based games)")
    record.set_defaults(run=_record)


def _record(args: argparse.Namespace) -> int:
    from palaestra import registry
    from palaestra.video import record

    try:
        clip = record(
            registry.get(args.id).id, args.out, args.policy, opponent=args.opponent, steps=args.steps,
            episodes=args.episodes, size=args.size, seed=args.seed, fps=args.fps,
        )
    except (registry.UnknownEnvironmentError, FileNotFoundError, ModuleNotFoundError, ValueError) as error:
        return common.error(error)
    against = f" against {clip.opponent}" if clip.opponent else ""
    common.console().print(
        f"{args.out}: {clip.frames} frames of {clip.width}x{clip.height} at {clip.fps} fps, "
        f"policy {clip.policy}{against}", highlight=False, soft_wrap=True,  # a path stays on one line
    )
    return 0
