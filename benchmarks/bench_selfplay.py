"""PPO self-play throughput of a game with an array core on one core, arrays against one env per slot:
``python benchmarks/bench_selfplay.py [ID] [--rounds N] [--matches N ...]``.

Builds the config's model twice: on the self-play arrays (:func:`~palaestra.baselines.array_vec.array_selfplay`;
a config without ``vectorised: true``, such as Tag's or Soccer2v2's, gets 128 matches of 32 steps, the
volleyball configs' choice) and as before them (``SelfPlayEnv`` per slot in a ``DummyVecEnv``, 4 slots of
1024 steps); both collect 4096-step rollouts. Rounds alternate between the two; each round learns one rollout.
It prints env-steps per CPU second (``time.process_time``) of collection alone (stepping, opponents and the
policy's forward pass, in batches) and with the PPO update included. One torch thread, as ``palaestra train``
runs a seed. It asserts nothing.
"""

from __future__ import annotations

import argparse
import time


def _timed_model(config, seed: int):
    from palaestra.baselines.train import build_model
    from palaestra.wrappers.selfplay import OpponentPool

    model = build_model(config, seed, OpponentPool(list(config.opponents)))
    spent = {"collect": 0.0}
    collect = model.collect_rollouts

    def timed(*args, **kwargs):
        start = time.process_time()
        result = collect(*args, **kwargs)
        spent["collect"] += time.process_time() - start
        return result

    model.collect_rollouts = timed
    return model, spent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id", nargs="?", default="palaestra/Volleyball-v0", help="a game of ARRAY_GAMES")
    parser.add_argument("--rounds", type=int, default=4, help="rollouts learned by each variant")
    parser.add_argument("--matches", type=int, nargs="*", default=[],
                        help="also the array core with these n_envs (n_steps keeping the config's rollout size)")
    args = parser.parse_args(argv)
    import torch

    from palaestra.baselines.train import load_config

    torch.set_num_threads(1)
    config = load_config(args.id)
    if config.vectorised:
        arrays = config
    else:
        arrays = load_config(args.id, vectorised=True, n_envs=128, hyperparams={**config.hyperparams, "n_steps": 32})
    single = load_config(args.id, vectorised=False, n_envs=4, hyperparams={**arrays.hyperparams, "n_steps": 1024})
    rollout = arrays.n_envs * arrays.hyperparams["n_steps"]
    variants = {"arrays": _timed_model(arrays, 0), "single": _timed_model(single, 0)}
    for n in args.matches:
        other = load_config(args.id, vectorised=True, n_envs=n, hyperparams={**arrays.hyperparams, "n_steps": max(rollout // n, 1)})
        variants[f"arrays-{n}"] = _timed_model(other, 0)
    total = dict.fromkeys(variants, 0.0)
    for _ in range(args.rounds):
        for name, (model, _) in variants.items():
            start = time.process_time()
            model.learn(model.n_envs * model.n_steps, reset_num_timesteps=False)
            total[name] += time.process_time() - start
    for name, (model, spent) in variants.items():
        steps = model.num_timesteps
        print(f"{args.id} {name:10s} n_envs={model.n_envs:3d} n_steps={model.n_steps:4d}: {steps} env-steps, "
              f"collection {steps / spent['collect']:,.0f} env-steps/s, with the PPO update "
              f"{steps / total[name]:,.0f} env-steps/s (CPU time)")


if __name__ == "__main__":
    main()
