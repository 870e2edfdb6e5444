"""SIGINT/SIGTERM handling while a reactor runs.

This module owns installing the handlers for the duration of ``run()`` and putting the previous
ones back afterwards; what a signal *means* (stop, or crash on a second one) is the core's
business. Handlers are installed only when asked and only in the main thread: Python delivers
signals to the main thread alone, and ``signal.signal`` refuses to be called from any other.

A Python signal handler runs between two bytecodes of the main thread, possibly in the middle of
the reactor's own code, and the system call it interrupted (``epoll_wait``...) is then retried
(PEP 475) with its original timeout. So a handler must neither touch the reactor's state
directly nor block; the core's handler only puts a call on the ``callFromThread`` queue, which is
signal-safe and writes the waker, so the retried wait returns at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["STOP_SIGNALS", "signalsHandled"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signalsHandled(onSignal: Callable[[int], None], install: bool) -> Iterator[bool]:
    """Route SIGINT and SIGTERM to ``onSignal(signum)`` inside the ``with`` block.

    Does nothing (and yields False) unless ``install`` is true and this is the main thread.
    The previous handlers are restored on exit, however the block ends.
    """
    if not install or threading.current_thread() is not threading.main_thread():
        yield False
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        onSignal(signum)

    previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, handler)
        yield True
    finally:
        for signum, old in previous.items():
            # None means the old handler was not installed from Python; the default is the
            # closest we can put back.
            signal.signal(signum, signal.SIG_DFL if old is None else old)
