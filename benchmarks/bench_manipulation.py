"""Speed figures of the manipulation environments: ``python benchmarks/bench_manipulation.py [--compare panda-gym]``.

A thin wrapper over ``palaestra bench --family manipulation`` (see :mod:`palaestra.bench`); extra arguments
(``--ids``, ``--steps``, ``--compare``) pass through. It prints figures and asserts nothing.
"""

import sys

from palaestra.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "--family", "manipulation", *sys.argv[1:]]))
