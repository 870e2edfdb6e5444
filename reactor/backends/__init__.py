"""Readiness backends: the one thing a polling reactor asks the operating system.

This package owns the small modules that wrap ``select``, ``poll``, ``epoll`` and ``kqueue``.
Each backend keeps an interest set (which descriptors to watch for reading and/or writing) and
waits, with a timeout, until some of them are ready. That is all: a backend knows nothing about
readers, writers, transports, timers or threads. The reactor core (:mod:`reactor._polling`)
decides what to call when a descriptor is ready.

Readiness is reported as bit masks so every backend speaks the same small vocabulary:

* :data:`READ` / :data:`WRITE` -- the descriptor is readable / writable.
* :data:`HANGUP` -- the peer hung up (``POLLHUP``, ``EPOLLHUP``, kqueue ``EV_EOF``).
* :data:`ERROR` -- an error condition, or the descriptor is no longer valid (``POLLERR``,
  ``POLLNVAL``, a descriptor that ``select()`` rejects with ``EBADF``).

A backend reports ``HANGUP``/``ERROR`` even when only reading or writing was asked for (the
kernel does too); the core must act on them -- drop the descriptor or call into it -- or a
level-triggered backend would report them again on every pass (a busy loop).

The asyncio host (:mod:`reactor._asyncio`) is not a backend in this sense: asyncio does its own
waiting, so the core is hosted on it instead of polling.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ERROR", "HANGUP", "READ", "WRITE", "Backend", "Readiness"]

#: Readiness bit: the descriptor is readable (or at end of file).
READ = 1
#: Readiness bit: the descriptor is writable.
WRITE = 2
#: Readiness bit: the peer hung up.
HANGUP = 4
#: Readiness bit: an error condition, or the descriptor is no longer valid.
ERROR = 8

#: One ready descriptor: ``(fd, mask of READ | WRITE | HANGUP | ERROR)``.
Readiness = tuple[int, int]


class Backend(Protocol):
    """What the polling reactor needs from a readiness backend.

    Not thread-safe: a backend belongs to the thread that runs its reactor.
    """

    #: The name users pass to ``reactor.install()``: "select", "poll", "epoll" or "kqueue".
    name: str

    def setInterest(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events`` (``READ | WRITE``); ``0`` stops watching it.

        Raises ``OSError`` (or a subclass of ``ValueError``) when the descriptor cannot be
        watched at all, before any state changes, so the caller can report it.
        """
        ...

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Wait up to ``timeout`` seconds (``None``: forever) and return the ready descriptors.

        ``EINTR`` is retried (Python does that for every call used here, PEP 475), so a signal
        handler that wants the wait to end must make a descriptor ready -- the reactor's waker.
        """
        ...

    def close(self) -> None:
        """Release the operating-system resources of the backend (idempotent)."""
        ...
