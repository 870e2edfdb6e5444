"""The waker: a descriptor another thread (or a signal handler) makes readable to wake the loop.

This module owns the waker descriptors and nothing else: it does not know what a wake-up is for
(that is :mod:`reactor._handoff`) nor who waits on it (the reactor registers :meth:`fileno` as
an internal reader).

Two implementations, same interface:

* :class:`EventFDWaker` (Linux): one ``eventfd`` -- a kernel counter. ``wake`` adds 1 (an 8-byte
  write), ``clear`` reads and resets it. One descriptor, no buffer to fill.
* :class:`SocketPairWaker` (elsewhere): a non-blocking socket pair; ``wake`` sends one byte on
  one end, ``clear`` empties the other. A pipe would do as well; a socket pair is what every
  POSIX system and Windows' select() accept.

``wake`` never blocks and never raises for "already awake": a full eventfd counter or a full
socket buffer (``EAGAIN``) means the loop will wake anyway, and writes after :meth:`close`
are ignored, so a late producer cannot crash. That also makes ``wake`` safe to call from a
signal handler. ``clear`` is for the loop's thread only.
"""

from __future__ import annotations

import os
import socket
from typing import Protocol

__all__ = ["EventFDWaker", "SocketPairWaker", "Waker", "makeWaker"]


class Waker(Protocol):
    """A readable-when-woken descriptor."""

    def fileno(self) -> int:
        """The descriptor to watch for reading."""
        ...

    def wake(self) -> None:
        """Make :meth:`fileno` readable. Any thread, signal handlers included; never blocks."""
        ...

    def clear(self) -> None:
        """Consume every pending wake-up so the descriptor is no longer readable. Loop only."""
        ...

    def close(self) -> None:
        """Release the descriptors (idempotent)."""
        ...


class EventFDWaker:
    """A waker on one Linux ``eventfd`` (non-blocking, close-on-exec)."""

    def __init__(self) -> None:
        self._fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def fileno(self) -> int:
        """The eventfd."""
        return self._fd

    def wake(self) -> None:
        """Add one to the counter; see the module docstring for why errors are ignored."""
        try:
            os.eventfd_write(self._fd, 1)
        except (OSError, ValueError):
            # EAGAIN: the counter is saturated, so it is readable already.
            # ValueError (fd -1) / EBADF: closed; nobody is waiting any more.
            pass

    def clear(self) -> None:
        """Reset the counter to zero."""
        try:
            os.eventfd_read(self._fd)
        except BlockingIOError:
            pass

    def close(self) -> None:
        """Close the eventfd."""
        # Forget the number before closing it, which narrows (it cannot close: see
        # Reactor.close) the window in which a late wake() could write to a reused number.
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)


class SocketPairWaker:
    """A waker on a non-blocking socket pair, for systems without eventfd."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self) -> int:
        """The reading end."""
        return self._reader.fileno()

    def wake(self) -> None:
        """Send one byte; see the module docstring for why errors are ignored."""
        try:
            self._writer.send(b"\0")
        except OSError:
            # EAGAIN: the buffer is full, so the reading end is readable already.
            # EBADF / closed socket: nobody is waiting any more.
            pass

    def clear(self) -> None:
        """Read until the reading end is empty."""
        try:
            while self._reader.recv(4096):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        """Close both ends."""
        self._reader.close()
        self._writer.close()


def makeWaker() -> Waker:
    """Return the best waker for this OS: an eventfd where available, else a socket pair."""
    if hasattr(os, "eventfd"):
        return EventFDWaker()
    return SocketPairWaker()
