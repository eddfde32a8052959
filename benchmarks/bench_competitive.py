"""Speed of the competitive games against PettingZoo's peers: ``python benchmarks/bench_competitive.py``.

A thin wrapper over ``palaestra bench --family competitive`` (see :mod:`palaestra.competitive.bench`);
extra arguments (``--ids``, ``--steps``) pass through. It prints figures and asserts nothing.
"""

import sys

from palaestra.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "--family", "competitive", *sys.argv[1:]]))
