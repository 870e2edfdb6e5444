"""The ``poll()`` backend: no descriptor-number limit, cost linear in the watched descriptors.

This module owns a ``select.poll`` object and its interest masks, nothing else (see
:mod:`reactor.backends`). ``poll()`` reports ``POLLNVAL`` for a descriptor that was closed while
watched; we pass it on as :data:`~reactor.backends.ERROR` so the core drops it instead of
being told about it on every pass.
"""

from __future__ import annotations

import math
import select

from reactor.backends import ERROR, HANGUP, READ, WRITE, Readiness

__all__ = ["PollBackend"]

_IN = select.POLLIN | select.POLLPRI
_OUT = select.POLLOUT
_HUP = select.POLLHUP
_ERR = select.POLLERR | select.POLLNVAL
# The poll flags ``wait`` translates; we never ask for others.
_MASK_BITS = _IN | _OUT | _HUP | _ERR


def _readiness(revents: int) -> int:
    mask = 0
    if revents & _IN:
        mask |= READ
    if revents & _OUT:
        mask |= WRITE
    if revents & _HUP:
        mask |= HANGUP
    if revents & _ERR:
        mask |= ERROR
    return mask


# Our readiness mask for every combination of those flags, indexed by ``revents & _MASK_BITS``
# (63 on Linux): one subscript per event where four tests and ors were (as in the epoll backend).
_MASKS = tuple(_readiness(revents) for revents in range(_MASK_BITS + 1))


class PollBackend:
    """Wait for readiness with ``select.poll``. Owned by the reactor thread."""

    name = "poll"

    def __init__(self) -> None:
        self._poll = select.poll()
        # fd -> READ|WRITE currently registered with the poll object.
        self._interest: dict[int, int] = {}

    def setInterest(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events``; ``0`` forgets it."""
        if not events:
            if self._interest.pop(fd, None) is not None:
                self._poll.unregister(fd)
            return
        mask = 0
        if events & READ:
            mask |= select.POLLIN | select.POLLPRI
        if events & WRITE:
            mask |= select.POLLOUT
        # register() on an already registered fd modifies it; it never fails for a valid int.
        self._poll.register(fd, mask)
        self._interest[fd] = events

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Wait up to ``timeout`` seconds; see :meth:`reactor.backends.Backend.wait`."""
        # poll() takes milliseconds; round up so a timer is never woken for just before its
        # deadline (which would cost a useless extra pass).
        ms = None if timeout is None else math.ceil(timeout * 1000)
        events = self._poll.poll(ms)
        if not events:
            return events  # the common idle pass: nothing to translate
        # A loop, not a list comprehension: for the usual one or two events the comprehension's
        # own function call costs more than it saves (as measured for the epoll backend).
        ready = []
        for fd, revents in events:
            ready.append((fd, _MASKS[revents & _MASK_BITS]))
        return ready

    def close(self) -> None:
        """Forget every descriptor (a poll object holds no operating-system descriptor)."""
        for fd in list(self._interest):
            self._poll.unregister(fd)
        self._interest.clear()
