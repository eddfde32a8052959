"""Progress bars for long commands, and how deep loops report finished episodes to them.

:func:`progress_bar` is the one bar every long command shows (done / total, rate and time left).
Evaluation loops run several calls below the command that shows the bar (``palaestra evaluate`` ->
``evaluate_model`` -> ``evaluate`` per opponent level), so they report each finished episode with
:func:`episode_done` to whatever listener the caller installed with :func:`reporting_episodes`, as log records
reach a handler, instead of passing a callback through every signature in between. With no listener, nothing
happens; the listener is context-local, so threads and worker processes do not share it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_listener: ContextVar[Callable[[], None] | None] = ContextVar("palaestra_episode_listener", default=None)


@contextmanager
def reporting_episodes(listener: Callable[[], None]) -> Iterator[None]:
    """Call ``listener()`` after every episode or match an evaluation loop finishes inside this block."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def episode_done() -> None:
    """Tell the installed listener (if any) that one more episode or match has finished."""
    listener = _listener.get()
    if listener is not None:
        listener()


def progress_bar(unit: str, console: Any = None, disable: bool = False) -> Any:
    """A transient rich progress bar: description, bar, ``done/total``, rate in ``unit`` per second (or per
    minute when slower than one a second), elapsed time and estimated time left."""
    # rich is imported here, not at the top, so that the loops importing episode_done stay cheap to import.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(rate_text(task.speed, unit), style="progress.data.speed")

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=disable,
    )


def rate_text(speed: float | None, unit: str) -> str:
    """``speed`` (items per second, ``None`` before the first) as ``"12.5 episodes/s"`` or, when slower than
    one a second, ``"3.0 episodes/min"``."""
    if not speed:
        return f"? {unit}/s"
    if speed < 1:
        return f"{speed * 60:.1f} {unit}/min"
    return f"{speed:,.0f} {unit}/s" if speed >= 100 else f"{speed:.1f} {unit}/s"
