"""Worker processes that never outlive the process that started them.

A solver worker whose parent is killed (``kill -9``, the out-of-memory killer) would otherwise
go on solving and holding its memory. :func:`die_with_parent` makes the current process exit
when its parent goes: on Linux the kernel sends it ``SIGKILL`` (``PR_SET_PDEATHSIG``); on every
platform a watchdog thread also checks once a second that the parent is still the one it
started with (HiGHS releases the GIL while it solves, so the thread runs during a solve).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def _pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(parent: int, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        if os.getppid() != parent:
            os._exit(137)


def die_with_parent(interval_s: float = 1.0) -> None:
    """Make this process end when its parent ends (call first thing in a worker)."""
    parent = os.getppid()
    _pdeathsig()
    if os.getppid() != parent:  # the parent died before we could ask
        os._exit(137)
    threading.Thread(target=_watch, args=(parent, interval_s), daemon=True).start()
