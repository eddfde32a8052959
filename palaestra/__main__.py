"""``python -m palaestra``: the same as the ``palaestra`` command (and ``python -m palaestra.cli``)."""

from palaestra.cli import main

raise SystemExit(main())
