"""Volleyball's strong level: planning calls per CPU second, this checkout against a git revision:
``python benchmarks/bench_planner.py [--rev REV] [--rounds N] [--cycles N]``.

Records the states the strong level plans from (every ``_best_plan`` call) in matches against each level, team
sizes 1, 2 and 3, two seeds each. The revision's planner is its ``volley_opponents`` module read with
``git show``, run on its own ``volley_core`` (both loaded as scratch modules), so the figure includes any change
to the court's code. Rounds alternate between the two planners, each replaying every recorded call; it prints
calls per second of CPU time (``time.process_time``) for each and whether every plan is the same, bit for bit
(``repr``). It asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

CORE, OPPONENTS = "palaestra.envs.competitive.volley_core", "palaestra.envs.competitive.volley_opponents"


def _module_at(rev: str, name: str, source_edits: dict[str, str], folder: Path) -> types.ModuleType:
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(["git", "show", f"{rev}:{name.replace('.', '/')}.py"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    for old, new in source_edits.items():
        source = source.replace(old, new)
    module_name = f"_old_{name.rsplit('.', 1)[1]}"
    path = folder / f"{module_name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _recorded_calls(cycles: int) -> list[tuple]:
    from palaestra.competitive.match import play_match
    from palaestra.envs.competitive import volley_opponents, volleyball

    calls = []
    planner = volley_opponents._best_plan

    def recording(*args):
        calls.append(args)
        return planner(*args)

    volley_opponents._best_plan = recording
    try:
        for team_size in (1, 2, 3):
            env = volleyball.parallel_env(team_size=team_size, max_cycles=cycles)
            for opponent in volleyball.OPPONENTS:
                for seed in (0, 1):
                    levels = {"left": "strong", "right": opponent} if seed % 2 == 0 else {"left": opponent, "right": "strong"}
                    play_match(env, {side: volleyball.OPPONENTS[level](env) for side, level in levels.items()}, seed=seed)
    finally:
        volley_opponents._best_plan = planner
    return calls


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="63821d8", help="the git revision to compare with (default: the last one "
                        "whose planner simulated each candidate on a fresh Court)")
    parser.add_argument("--rounds", type=int, default=3, help="replays of every call by each planner")
    parser.add_argument("--cycles", type=int, default=600, help="max_cycles of each recorded match")
    args = parser.parse_args(argv)
    from palaestra.envs.competitive import volley_opponents

    with tempfile.TemporaryDirectory() as folder:
        core = _module_at(args.rev, CORE, {}, Path(folder))
        old = _module_at(args.rev, OPPONENTS, {f"from {CORE} import": f"from {core.__name__} import"}, Path(folder))
    calls = _recorded_calls(args.cycles)
    planners = {args.rev: old._best_plan, "checkout": volley_opponents._best_plan}
    same = all(repr(old._best_plan(*call)) == repr(volley_opponents._best_plan(*call)) for call in calls)
    spent = dict.fromkeys(planners, 0.0)
    for _ in range(args.rounds):
        for name, planner in planners.items():
            start = time.process_time()
            for call in calls:
                planner(*call)
            spent[name] += time.process_time() - start
    for name in planners:
        print(f"{name:10s}: {len(calls)} calls x {args.rounds} rounds, {args.rounds * len(calls) / spent[name]:,.0f} "
              f"planning calls/s (CPU time)")
    print(f"speed-up {spent[args.rev] / spent['checkout']:.1f}x; every plan the same, bit for bit: {same}")


if __name__ == "__main__":
    main()
