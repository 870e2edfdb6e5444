"""The ``kqueue`` backend (macOS and the BSDs).

This module owns one ``select.kqueue`` object and its interest masks, nothing else (see
:mod:`reactor.backends`). Importing it where the OS has no kqueue raises ``ImportError``; the
reactor only offers "kqueue" where the import succeeds. It is not exercised by the test suite on
Linux.

kqueue watches reading and writing as two separate filters, so one descriptor may need one or two
kernel changes when its interest changes. ``EV_EOF`` on a filter is reported as
:data:`~reactor.backends.HANGUP` and ``EV_ERROR`` as :data:`~reactor.backends.ERROR`.
"""

from __future__ import annotations

import sys

if sys.platform == "linux" or sys.platform == "win32":  # pragma: no cover - platform guard
    raise ImportError("kqueue is not available on this platform")

import select  # type: ignore[unreachable,unused-ignore]  # mypy on Linux: body unchecked

from reactor.backends import ERROR, HANGUP, READ, WRITE, Readiness

__all__ = ["KQueueBackend"]


class KQueueBackend:
    """Wait for readiness with ``select.kqueue``. Owned by the reactor thread."""

    name = "kqueue"

    def __init__(self) -> None:
        self._kqueue = select.kqueue()
        # fd -> READ|WRITE registered with the kqueue.
        self._interest: dict[int, int] = {}

    def setInterest(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events``; ``0`` forgets it."""
        old = self._interest.get(fd, 0)
        changes = []
        for bit, kfilter in ((READ, select.KQ_FILTER_READ), (WRITE, select.KQ_FILTER_WRITE)):
            if events & bit and not old & bit:
                changes.append(select.kevent(fd, kfilter, select.KQ_EV_ADD))
            elif old & bit and not events & bit:
                changes.append(select.kevent(fd, kfilter, select.KQ_EV_DELETE))
        if changes:
            try:
                self._kqueue.control(changes, 0, 0)
            except OSError:
                if events:
                    raise
                # Removing a descriptor that was already closed: the kernel dropped it.
        if events:
            self._interest[fd] = events
        else:
            self._interest.pop(fd, None)

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Wait up to ``timeout`` seconds; see :meth:`reactor.backends.Backend.wait`."""
        maxEvents = max(1, 2 * len(self._interest))
        ready: dict[int, int] = {}
        for event in self._kqueue.control(None, maxEvents, timeout):
            fd = event.ident
            mask = READ if event.filter == select.KQ_FILTER_READ else WRITE
            if event.flags & select.KQ_EV_EOF:
                mask |= HANGUP
            if event.flags & select.KQ_EV_ERROR:
                mask |= ERROR
            ready[fd] = ready.get(fd, 0) | mask
        return list(ready.items())

    def close(self) -> None:
        """Close the kqueue descriptor (idempotent)."""
        self._kqueue.close()
        self._interest.clear()
