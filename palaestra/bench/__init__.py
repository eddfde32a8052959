"""Benchmarking, the one home of ``palaestra bench``: speed figures measured and printed, never asserted.

One module per kind of environment, each timing its own beside a peer measured in the same run:

- :mod:`~palaestra.bench.single_agent`: steps/s, reset ms, frames/s, vector scaling and physics share per
  single-agent ID, beside panda-gym when asked (``--compare panda-gym``);
- :mod:`~palaestra.bench.games`: the competitive games beside PettingZoo's, and their batched scaling;
- :mod:`~palaestra.bench.text`: text turns/s of tic-tac-toe beside TextArena's;
- :mod:`~palaestra.bench.drones`: the drone matches with the drones hovering through rallies.

The physics fidelity probes (``palaestra bench --fidelity``) check the simulator, not its speed, and live
with it in :mod:`palaestra.sim.fidelity`. The single-agent figures are the public entry, re-exported here
(``palaestra.bench.run(ids)``, ``palaestra.bench.vector_scaling(id)``).
"""

from palaestra.bench.single_agent import (
    BenchReport,
    BenchRow,
    measure,
    print_report,
    run,
    vector_scaling,
)

__all__ = ["BenchReport", "BenchRow", "measure", "print_report", "run", "vector_scaling"]
