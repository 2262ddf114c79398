"""Progress of long solves: the solve path says what it is doing, whoever listens shows it.

The solve path (the decomposition's stages, HiGHS's simplex iterations) calls :func:`report`
with one short line; nothing is shown unless a listener is registered (:func:`listening`),
so library users and worker processes pay nothing. The CLI listens and, with a
:class:`Heartbeat`, shows the latest line and the time elapsed at least every few seconds,
so a solve of minutes never looks stuck.

Examples
--------
>>> from aseangrid import progress
>>> with progress.listening(print):
...     progress.report("coarse year solved")
coarse year solved
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str], None]
_listeners: list[Listener] = []


def active() -> bool:
    """Someone listens (the solve path skips its progress hooks otherwise)."""
    return bool(_listeners)


def report(text: str) -> None:
    """Tell every listener what the solve is doing now (one short line)."""
    for f in list(_listeners):
        f(text)


@contextmanager
def listening(fn: Listener) -> Iterator[None]:
    """Register ``fn`` for the lines :func:`report` gives while the block runs."""
    _listeners.append(fn)
    try:
        yield
    finally:
        _listeners.remove(fn)


class Heartbeat:
    """Show the latest progress line and the time elapsed every ``every_s`` seconds.

    Parameters
    ----------
    show
        Called from a background thread with ``"<label>: <latest line> (<elapsed> s)"``.
    label
        What is being solved (e.g. the scenario names).
    every_s
        Seconds between two lines [s].
    """

    def __init__(self, show: Listener, label: str, every_s: float = 5.0):
        self.show, self.label, self.every_s = show, label, every_s
        self.latest = "loading and building"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self.t0 = time.perf_counter()

    def note(self, text: str) -> None:
        """Take a line from :func:`report` as the latest."""
        self.latest = text

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            self.show(f"{self.label}: {self.latest} ({time.perf_counter() - self.t0:.0f} s)")

    def __enter__(self) -> Heartbeat:
        _listeners.append(self.note)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        _listeners.remove(self.note)


class SimplexProgress:
    """A HiGHS simplex callback that reports iterations and objective at most every
    ``every_s`` seconds (HiGHS calls it once per iteration; the check is cheap)."""

    def __init__(self, every_s: float = 2.0):
        self.every_s = every_s
        self.last = time.perf_counter()

    def __call__(self, event) -> None:
        now = time.perf_counter()
        if now - self.last < self.every_s:
            return
        self.last = now
        d = event.data_out
        obj = d.objective_function_value
        report(
            f"HiGHS simplex: {d.simplex_iteration_count:,} iterations"
            + (f", objective {obj:.6g}" if math.isfinite(obj) else "")  # -inf in phase 1
        )
