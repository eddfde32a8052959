"""``palaestra train``: the reference learned baseline of an environment, over its seeds."""

from __future__ import annotations

import argparse
import os
import sys

from palaestra.cli import common
from palaestra.cli.common import _positive


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the command's parser to the ``palaestra`` subcommands."""
    train = commands.add_parser("train", help="train the reference learned baseline (extra: baselines)")
    train.add_argument("id", metavar="ID", help="an environment with a baseline config (or pass --config)")
    train.add_argument("--config", help="a YAML config instead of the registered one")
    train.add_argument("--seeds", type=_positive, help="train seeds 0..N-1 (default: the config's seeds)")
    train.add_argument("--timesteps", type=_positive, help="override the config's budget (with --resume: extend it)")
    train.add_argument("--demos", type=_positive, metavar="N",
                       help="the demonstrations track: N scripted-expert episodes (off-policy: half of every batch "
                            "from them, as RLPD; PPO: behaviour cloning first); the run goes to <name>-demos")
    train.add_argument("--split", help="playroom IDs: train in a split's scenes and evaluate in its last "
                                       "(ABC->D, D->D, ABCD->D; as CALVIN's)")
    train.add_argument("--out", default="runs",
                       help="output folder (default: runs/<name>, runs/<name>-demos for the demos track, "
                            "runs/<name>-ABC-to-D for a split); an existing run is never overwritten")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --out from each seed's last checkpoint")
    train.add_argument("--backend", default="process", help="process (local pool, default) or ray")
    train.add_argument("--workers", type=_positive, default=2, help="seeds trained side by side (default 2)")
    train.add_argument("--no-progress", action="store_true", help="no progress bars (default: shown on a terminal)")
    train.set_defaults(run=_train)


def _train(args: argparse.Namespace) -> int:
    from palaestra import registry

    try:
        record = registry.get(args.id)
        from palaestra.baselines.train import load_config, train_seeds

        seeds = tuple(range(args.seeds)) if args.seeds else None
        demos = {"track": "demos", "demo_episodes": args.demos} if args.demos else {}
        config = load_config(args.config or record.id, seeds=seeds, timesteps=args.timesteps, split=args.split,
                             **demos)
    except (registry.UnknownEnvironmentError, LookupError, ValueError, OSError, ModuleNotFoundError) as error:
        return common.error(error)
    if config.env_id != record.id:
        return common.error(f"the config trains {config.env_id}, not {record.id}")
    split = f"-{config.split.replace('->', '-to-')}" if config.split else ""
    out = os.path.join(args.out, record.name + split + ("-demos" if config.track == "demos" else ""))
    if args.resume and not os.path.isdir(out):
        return common.error(f"{record.id}: --resume found no run in {out}; --out names the folder that holds "
                            f"{os.path.basename(out)}/ (default: runs), not the run folder itself")
    where = f", scenes {config.split}" if config.split else ""
    common.console().print(f"training {record.id} ({config.library} {config.algo}, track {config.track}{where}, "
                           f"{config.timesteps} steps) seeds {list(config.seeds)} -> {out}"
                           + (" (resuming)" if args.resume else ""), highlight=False)
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        outcomes = train_seeds(config, out, backend=args.backend, workers=args.workers, resume=args.resume,
                               progress=progress)
    except (ValueError, OSError, ModuleNotFoundError) as error:
        return common.error(error)
    failed = False
    for seed, outcome in sorted(outcomes.items()):
        if isinstance(outcome, str):
            failed = True
            common.console().print(f"[red]seed {seed}[/]: {outcome}", highlight=False)
        else:
            final = {k: round(v, 3) for k, v in outcome[-1].items()}
            common.console().print(f"seed {seed}: {final}", highlight=False)
    return 1 if failed else 0
