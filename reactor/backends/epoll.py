"""The ``epoll`` backend (Linux): cost proportional to ready descriptors, not watched ones.

This module owns one ``select.epoll`` object and its interest masks, nothing else (see
:mod:`reactor.backends`). Registrations are level-triggered, matching the reactor's contract
that a reader is told again and again while it has unread data.

Two epoll traps, and what we do about them:

* **Descriptors epoll refuses.** ``epoll_ctl`` fails with ``EPERM`` for regular files and
  directories: they are always ready as far as the kernel is concerned, so there is nothing to
  wait for. ``select()`` and ``poll()`` simply report them ready, and so do we: such a
  descriptor goes into ``_alwaysReady`` and is reported ready (for what it was asked) on every
  ``wait``, which then does not block. Reading a regular file through the reactor therefore
  works on every backend alike.
* **Registrations outlive descriptor numbers.** The kernel keys an epoll registration on the
  pair (fd number, open file). Closing the fd removes the registration only if no other
  descriptor (a ``dup``, a forked child) keeps the file open; otherwise epoll keeps reporting
  events for an fd number that may now mean nothing -- or something else -- and
  ``epoll_ctl(DEL)`` with that number cannot remove it. If ``wait`` sees events for an fd we do
  not watch, we rebuild the epoll object from our own interest table: the only way to be rid of
  such a ghost, and far cheaper than a busy loop.
"""

from __future__ import annotations

import errno
import select

from reactor.backends import ERROR, HANGUP, READ, WRITE, Readiness

__all__ = ["EPollBackend"]

_IN = select.EPOLLIN | select.EPOLLPRI
_OUT = select.EPOLLOUT
# The epoll flags ``wait`` translates; we never ask for others (EPOLLRDHUP, EPOLLET...).
_MASK_BITS = _IN | _OUT | select.EPOLLERR | select.EPOLLHUP


def _readiness(flags: int) -> int:
    mask = 0
    if flags & _IN:
        mask |= READ
    if flags & _OUT:
        mask |= WRITE
    if flags & select.EPOLLHUP:
        mask |= HANGUP
    if flags & select.EPOLLERR:
        mask |= ERROR
    return mask


# Our readiness mask for every combination of those flags, indexed by ``flags & _MASK_BITS``
# (31 on Linux): one subscript per event where four tests and ors were.
_MASKS = tuple(_readiness(flags) for flags in range(_MASK_BITS + 1))


def _epollMask(events: int) -> int:
    mask = 0
    if events & READ:
        mask |= _IN
    if events & WRITE:
        mask |= _OUT
    return mask


class EPollBackend:
    """Wait for readiness with ``select.epoll``. Owned by the reactor thread."""

    name = "epoll"

    def __init__(self) -> None:
        self._epoll = select.epoll()
        # fd -> READ|WRITE registered with the epoll object.
        self._interest: dict[int, int] = {}
        # fd -> READ|WRITE for descriptors epoll refused with EPERM (always ready, see above).
        self._alwaysReady: dict[int, int] = {}

    def setInterest(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events``; ``0`` forgets it.

        :raises OSError: if the descriptor is not open (``EBADF``).
        """
        if fd in self._alwaysReady:
            if events:
                self._alwaysReady[fd] = events
            else:
                del self._alwaysReady[fd]
            return
        if not events:
            if self._interest.pop(fd, None) is not None:
                try:
                    self._epoll.unregister(fd)
                except OSError:
                    # Already closed (EBADF) or the number now names another file (ENOENT):
                    # the kernel dropped or will never report it under our registration.
                    pass
            return
        mask = _epollMask(events)
        try:
            if fd in self._interest:
                try:
                    self._epoll.modify(fd, mask)
                except FileNotFoundError:
                    # The fd was closed and its number reused since we registered it.
                    self._epoll.register(fd, mask)
            else:
                try:
                    self._epoll.register(fd, mask)
                except FileExistsError:
                    # A stale registration under this number (see the module docstring).
                    self._epoll.modify(fd, mask)
        except PermissionError as e:
            if e.errno != errno.EPERM:
                raise
            self._interest.pop(fd, None)
            self._alwaysReady[fd] = events
            return
        self._interest[fd] = events

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Wait up to ``timeout`` seconds; see :meth:`reactor.backends.Backend.wait`."""
        alwaysReady = self._alwaysReady
        if alwaysReady:
            timeout = 0
        # Python rounds the timeout up to whole milliseconds, so timers never wake early.
        events = self._epoll.poll(timeout)  # None blocks, as we want
        if not events and not alwaysReady:
            return events  # the common idle pass: nothing to translate
        interest = self._interest
        ready = []
        ghosts = False
        # A plain loop: a list comprehension costs a function call more, which for the usual
        # one or two events measured ~2,000 instructions (a third of an idle pass).
        for fd, flags in events:
            if fd in interest:
                # One table lookup per event instead of four flag tests (see _MASKS).
                ready.append((fd, _MASKS[flags & _MASK_BITS]))
            else:
                ghosts = True
        if ghosts:
            # Events for descriptors we do not watch (see the module docstring).
            self._rebuild()
        if alwaysReady:
            ready.extend(alwaysReady.items())
        return ready

    def _rebuild(self) -> None:
        # Replace the epoll object to shed registrations we cannot remove (module docstring).
        old = self._epoll
        self._epoll = select.epoll()
        old.close()
        interest = self._interest
        self._interest = {}
        for fd, events in interest.items():
            try:
                self.setInterest(fd, events)
            except OSError:
                # Closed behind our back; the core finds out when it next touches it.
                pass

    def close(self) -> None:
        """Close the epoll descriptor (idempotent)."""
        self._epoll.close()
        self._interest.clear()
        self._alwaysReady.clear()
