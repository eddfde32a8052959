"""``palaestra collect``: play data or scripted demonstrations recorded as a Minari dataset."""

from __future__ import annotations

import argparse

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    collect = commands.add_parser("collect", help="record play data or an offline dataset as a Minari dataset "
                                                  "(extra: data)")
    what = collect.add_subparsers(title="what", required=True, metavar="WHAT")
    collect_play = what.add_parser("play", help="an agent's play in palaestra/Playroom-v0")
    collect_play.add_argument("--episodes", type=_positive, required=True)
    collect_play.add_argument("--out", required=True, help="a new folder for the dataset")
    collect_play.add_argument("--steps", type=_positive, default=1200, help="steps per episode (default 1200 = 50 s)")
    collect_play.add_argument("--seed", type=int, default=0)
    collect_play.add_argument("--agent", choices=["play", "random"], default="play")
    collect_play.add_argument("--obs-mode", choices=["state", "pixels"], default="state")
    collect_play.add_argument("--style", type=float, default=0.0,
                              help="play agent: 0 tidy (the experts as they are) to 1 lively (tremor, varied speeds, "
                                   "pauses, more free motion, blocks carried around); default 0")
    collect_play.add_argument("--scenes", nargs="+", metavar="SCENE",
                              help="playroom scenes, episodes taking turns (a split's train scenes: A B C); default A")
    collect_play.set_defaults(run=_collect_play)
    collect_demos = what.add_parser("demos", help="per-task scripted demonstrations for a step budget")
    collect_demos.add_argument("--steps", type=_positive, required=True)
    collect_demos.add_argument("--out", required=True, help="a new folder for the dataset")
    collect_demos.add_argument("--seed", type=int, default=0)
    collect_demos.set_defaults(run=_collect_demos)
    suite = what.add_parser("suite", help="the reference offline suite: every manipulation task, five datasets each")
    suite.add_argument("--episodes", type=_positive, required=True, help="episodes per dataset")
    suite.add_argument("--out", required=True, help="a new folder for the suite")
    suite.add_argument("--seed", type=int, default=0)
    suite.set_defaults(run=_collect_suite)
    from palaestra import registry

    for record in registry.MANIPULATION:  # `palaestra collect Push --policy noisy ...` (or the full ID)
        task = what.add_parser(record.name, aliases=[record.id], help=f"offline dataset of {record.id}")
        task.add_argument("--policy", choices=["expert", "noisy", "random", "mixed"], required=True,
                          help="expert, noisy expert (D4RL's medium), random actions, or one of them per episode")
        task.add_argument("--episodes", type=_positive, required=True)
        task.add_argument("--out", required=True, help="a new folder for the dataset")
        task.add_argument("--goals", choices=["all", "iid", "ood"], default="all",
                          help="keep the task's goals (default) or only in- or out-of-distribution ones")
        task.add_argument("--seed", type=int, default=0)
        task.add_argument("--noise", type=float, default=0.3, help="noisy expert: action noise std (default 0.3)")
        task.set_defaults(run=_collect_offline, env_id=record.id)


def _collect_play(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import agent_by_name, collect_play

        data = collect_play(
            args.episodes, args.out, steps_per_episode=args.steps, seed=args.seed,
            agent=agent_by_name(args.agent, style=args.style), obs_mode=args.obs_mode, scenes=args.scenes,
        )
    except (ImportError, FileExistsError, ValueError, RuntimeError) as error:
        return common.error(error)
    done = "interrupted; kept" if data.metadata["interrupted"] else "wrote"
    common.console().print(f"{done} {len(data)} episodes, {data.total_steps} steps in {data.path.parent}",
                           highlight=False, soft_wrap=True)
    return 0


def _collect_demos(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.collect import collect_demos

        data = collect_demos(args.steps, args.out, seed=args.seed)
    except (ImportError, FileExistsError, ValueError) as error:
        return common.error(error)
    common.console().print(f"wrote {len(data)} demonstrations, {data.total_steps} steps in {data.path.parent}",
                           highlight=False, soft_wrap=True)
    return 0


def _collect_offline(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.offline import collect_offline, episode_metadata

        data = collect_offline(args.env_id, args.policy, args.episodes, args.out, seed=args.seed, goals=args.goals,
                               noise=args.noise)
    except (ImportError, FileExistsError, ValueError, RuntimeError) as error:
        return common.error(error)
    episodes = episode_metadata(data)
    success = sum(e["success"] for e in episodes) / max(len(episodes), 1)
    ood = sum(e["goal_split"] == "ood" for e in episodes)
    done = "interrupted; kept" if data.storage.metadata["interrupted"] else "wrote"
    common.console().print(
        f"{done} {len(episodes)} episodes ({ood} with OOD goals), {data.total_steps} steps of {args.policy} on "
        f"{args.env_id}, success {success:.2f}, in {data.storage.data_path.parent}", highlight=False, soft_wrap=True)
    return 0


def _collect_suite(args: argparse.Namespace) -> int:
    try:
        from palaestra.data.offline import collect_suite

        folders = collect_suite(args.out, args.episodes, seed=args.seed, progress=common.console().is_terminal)
    except (ImportError, FileExistsError, ValueError, RuntimeError) as error:
        return common.error(error)
    common.console().print(f"wrote {len(folders)} datasets of {args.episodes} episodes in "
                           f"{folders[0].parent.parent}", highlight=False, soft_wrap=True)
    return 0
