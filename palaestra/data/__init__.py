"""Play data and offline datasets: record play (scripted or by keyboard) into Minari datasets with hindsight
language annotations, record offline datasets of the manipulation tasks, report what a dataset covers and how
good it is, and repair a dataset cut short by a kill. Needs the ``data`` extra (Minari with HDF5 storage).

>>> from palaestra.data import collect_play, load_play_dataset, report   # doctest: +SKIP
>>> collect_play(episodes=10, out="play-data")                          # doctest: +SKIP
>>> report("play-data").coverage                                         # doctest: +SKIP
"""

from palaestra.data.annotate import Annotation, WindowGrid, annotate
from palaestra.data.collect import SmoothRandomAgent, collect_demos, collect_play
from palaestra.data.dataset import FORMAT, DatasetVersionError, PlayDataset, load_play_dataset
from palaestra.data.offline import collect_offline, collect_suite, load_offline_dataset
from palaestra.data.report import compare, report
from palaestra.data.storage import DamagedDatasetError, repair

__all__ = [
    "FORMAT", "Annotation", "DamagedDatasetError", "DatasetVersionError", "PlayDataset", "SmoothRandomAgent",
    "WindowGrid", "annotate", "collect_demos", "collect_offline", "collect_play", "collect_suite", "compare",
    "load_offline_dataset", "load_play_dataset", "repair", "report",
]
