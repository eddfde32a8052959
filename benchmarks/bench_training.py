"""CPU cost of training per environment step, sbx against SB3 on the same config:
``python benchmarks/bench_training.py [ID] [--steps N] [--core C]``.

Each library trains the task's baseline config (``library`` overridden, a small buffer) in a fresh process
pinned to one core, as ``palaestra train`` runs a seed. After a warm-up past ``learning_starts`` (JAX compiles
there) it measures the process's CPU time (all threads) per environment step over ``--steps`` steps, and
prints each figure and the ratio SB3 / sbx, measured in the same run. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time


def _measure(env_id: str, library: str, steps: int, core: int, extra: dict) -> dict:
    from palaestra.baselines.runs import pin_to_core

    pin_to_core(core)
    from palaestra.baselines.train import build_model, load_config

    config = load_config(env_id)
    hyper = {**config.hyperparams, "learning_starts": 200, **extra}
    config = load_config(env_id, library=library, hyperparams=hyper)
    model = build_model(config, seed=0, buffer_size=20_000)
    model.learn(400)  # past learning_starts: gradient steps (and JAX compilation) have started
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    return {"library": library, "extra": extra, "cpu_ms_per_step": 1000 * cpu / steps, "steps_per_s_wall": steps / wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id", nargs="?", default="palaestra/Push-v0")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--core", type=int, default=0)
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    cases = [("sb3", {}), ("sbx", {}), ("sb3", {"train_freq": 8, "gradient_steps": 8}),
             ("sbx", {"train_freq": 8, "gradient_steps": 8})]
    results = []
    for library, extra in cases:
        with context.Pool(1) as pool:
            results.append(pool.apply(_measure, (args.id, library, args.steps, args.core, extra)))
        print(json.dumps(results[-1]), flush=True)
    for i in (0, 2):
        sb3, sbx = results[i], results[i + 1]
        print(f"{args.id} {sb3['extra'] or 'config as is'}: SB3 {sb3['cpu_ms_per_step']:.1f} ms CPU/step, "
              f"sbx {sbx['cpu_ms_per_step']:.1f}: sbx costs {sb3['cpu_ms_per_step'] / sbx['cpu_ms_per_step']:.2f}x less")


if __name__ == "__main__":
    main()
