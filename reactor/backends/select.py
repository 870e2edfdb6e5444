"""The ``select()`` backend: portable, simple, limited to descriptors below ``FD_SETSIZE``.

This module owns the interest sets for ``select.select`` and nothing else (see
:mod:`reactor.backends`). ``select()`` keeps descriptors in fixed-size bit sets: on Linux and
macOS any descriptor >= 1024 cannot be watched at all (CPython raises a bare ``ValueError`` deep
inside ``wait``). We refuse such a descriptor up front, in :meth:`SelectBackend.setInterest`,
with an error that names the backends that have no such limit.
"""

from __future__ import annotations

import errno
import select

from reactor.backends import ERROR, READ, WRITE, Readiness
from reactor.error import FDSetSizeError

__all__ = ["FD_SETSIZE", "SelectBackend"]

#: ``FD_SETSIZE`` as CPython is built on Linux and macOS; Python does not expose the constant.
FD_SETSIZE = 1024


class SelectBackend:
    """Wait for readiness with ``select.select``. Owned by the reactor thread."""

    name = "select"

    def __init__(self) -> None:
        self._readers: set[int] = set()
        self._writers: set[int] = set()

    def setInterest(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events``; ``0`` forgets it.

        :raises FDSetSizeError: if ``fd >= FD_SETSIZE`` (select cannot represent it).
        """
        if events and fd >= FD_SETSIZE:
            raise FDSetSizeError(
                f"the select() reactor cannot watch file descriptor {fd}: select() only handles "
                f"descriptors below FD_SETSIZE ({FD_SETSIZE}). Use the poll or epoll reactor "
                f"instead (reactor.install('epoll') or TREADLE_REACTOR=epoll; poll where epoll "
                f"is unavailable)."
            )
        if events & READ:
            self._readers.add(fd)
        else:
            self._readers.discard(fd)
        if events & WRITE:
            self._writers.add(fd)
        else:
            self._writers.discard(fd)

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Wait up to ``timeout`` seconds; see :meth:`reactor.backends.Backend.wait`."""
        try:
            readable, writable, _ = select.select(self._readers, self._writers, [], timeout)
        except OSError as e:
            if e.errno != errno.EBADF:
                raise
            # A watched descriptor was closed behind the reactor's back. select() cannot say
            # which, so ask about each one alone and report the bad ones as ERROR; the core
            # then drops them. Rare, so the cost of probing does not matter.
            return self._findBadDescriptors()
        if not writable:
            # The common passes: idle, or only readers ready (no dict needed to merge).
            ready1 = []
            for fd in readable:
                ready1.append((fd, READ))
            return ready1
        ready: dict[int, int] = {}
        for fd in readable:
            ready[fd] = READ
        for fd in writable:
            ready[fd] = ready.get(fd, 0) | WRITE
        return list(ready.items())

    def _findBadDescriptors(self) -> list[Readiness]:
        bad = []
        for fd in self._readers | self._writers:
            try:
                select.select([fd], [], [], 0)
            except OSError:
                bad.append((fd, ERROR))
        return bad

    def close(self) -> None:
        """Forget every descriptor (select holds no operating-system resources)."""
        self._readers.clear()
        self._writers.clear()
