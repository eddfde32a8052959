"""Play data: record play (scripted or by keyboard) into Minari datasets with hindsight language annotations,
and report what a dataset covers. Needs the ``data`` extra (Minari with HDF5 storage).

>>> from palaestra.data import collect_play, load_play_dataset, report   # doctest: +SKIP
>>> collect_play(episodes=10, out="play-data")                          # doctest: +SKIP
>>> report("play-data").coverage                                         # doctest: +SKIP
"""

from palaestra.data.annotate import Annotation, WindowGrid, annotate
from palaestra.data.collect import SmoothRandomAgent, collect_demos, collect_play
from palaestra.data.dataset import FORMAT, DatasetVersionError, PlayDataset, load_play_dataset
from palaestra.data.report import compare, report

__all__ = [
    "FORMAT", "Annotation", "DatasetVersionError", "PlayDataset", "SmoothRandomAgent", "WindowGrid", "annotate",
    "collect_demos", "collect_play", "compare", "load_play_dataset", "report",
]
