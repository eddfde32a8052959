"""``palaestra play``: keyboard play of a game or a drone match against a scripted level, or of the playroom
(recorded)."""

from __future__ import annotations

import argparse

from palaestra.cli import common


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    play = commands.add_parser("play", help="play an environment with the keyboard in a window")
    play.add_argument("id", metavar="ID", help="a volleyball game, a drone match, or palaestra/Playroom-v0 (recorded)")
    play.add_argument("--opponent", help="games: scripted level of the other side (default: strong; drones: bumper)")
    play.add_argument("--side", help="games: the side you play (default: left; drones: red)")
    play.add_argument("--out", help="playroom: folder to record into (default human-play-<time>); "
                      "drone matches: a .mp4 or .gif clip of the window")
    play.add_argument("--seed", type=int, default=0, help="playroom: seed of the first episode (default 0)")
    play.set_defaults(run=_play)


def _play(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
    except registry.UnknownEnvironmentError as error:
        return common.error(error)
    if record.id == "palaestra/Playroom-v0":
        return _play_playroom(record.id, args)
    if record.family == "drones" and record.opponents is not None:
        return _play_drones(record.id, args)
    if record.family != "competitive" or record.opponents is None:
        return common.error(f"{record.id}: keyboard play is available for competitive games with scripted opponents")
    from palaestra.competitive.human import play

    try:
        result = play(record.id, opponent=args.opponent or "strong", side=args.side or "left")
    except (KeyError, ValueError, RuntimeError) as error:
        return common.error(error)
    outcome = {1: "won", 0: "drawn", -1: "lost", None: "stopped"}[result["outcome"]]
    common.console().print(f"{record.id}: match {outcome}, score {result['score'][0]}-{result['score'][1]}")
    return 0


def _play_drones(env_id: str, args: argparse.Namespace) -> int:
    from palaestra.envs.drones.keyboard import play

    try:
        result = play(env_id, opponent=args.opponent or "bumper", side=args.side or "red", out=args.out)
    except (ImportError, ValueError, RuntimeError) as error:
        return common.error(error)
    outcome = {1: "won", 0: "drawn", -1: "lost", None: "stopped"}[result["outcome"]]
    clip = f"; clip {result['clip']}" if result["clip"] else ""
    common.console().print(f"{env_id}: match {outcome}, score {result['score'][0]}-{result['score'][1]}, "
                           f"{result['touches']} touches by you{clip}", highlight=False, soft_wrap=True)
    return 0


def _play_playroom(env_id: str, args: argparse.Namespace) -> int:
    from datetime import datetime

    out = args.out or f"human-play-{datetime.now():%Y%m%d-%H%M%S}"
    try:
        from palaestra.data import human

        result = human.play_keyboard(env_id, out=out, seed=args.seed)
    except (ImportError, FileExistsError, ValueError) as error:
        return common.error(error)
    stopped = " (interrupted; every episode kept)" if result["interrupted"] else ""
    common.console().print(f"{env_id}: recorded {result['episodes']} episodes, {result['steps']} steps in "
                           f"{result['out']}{stopped}", highlight=False, soft_wrap=True)
    return 0
