"""Errors raised by the reactor package.

This module owns the exception classes that code using the reactor may catch: the timer errors
raised by :class:`reactor.DelayedCall` and the reactor life-cycle errors. Names follow Twisted's
``twisted.internet.error`` so that ported code keeps its ``except`` clauses. It holds no logic.
"""

from __future__ import annotations

__all__ = [
    "AlreadyCalled",
    "AlreadyCancelled",
    "ReactorAlreadyRunning",
    "ReactorNotRestartable",
    "ReactorNotRunning",
]


class AlreadyCalled(ValueError):
    """A delayed call was cancelled, reset or delayed after it had already run."""

    def __init__(
        self, message: str = "the delayed call has already run, so it can no longer be changed"
    ) -> None:
        super().__init__(message)


class AlreadyCancelled(ValueError):
    """A delayed call was cancelled, reset or delayed after it had already been cancelled."""

    def __init__(
        self, message: str = "the delayed call was cancelled, so it can no longer be changed"
    ) -> None:
        super().__init__(message)


class ReactorNotRunning(RuntimeError):
    """An operation that needs a running reactor (such as ``stop()``) was asked of a stopped one."""

    def __init__(self, message: str = "the reactor is not running") -> None:
        super().__init__(message)


class ReactorAlreadyRunning(RuntimeError):
    """``run()`` was called on a reactor that is already running."""

    def __init__(self, message: str = "the reactor is already running") -> None:
        super().__init__(message)


class ReactorNotRestartable(RuntimeError):
    """Kept so ported Twisted code imports cleanly; treadle reactors can always run again."""

    def __init__(self, message: str = "the reactor cannot be restarted") -> None:
        super().__init__(message)


# --- Errors owned by the reactor core: installation, threads, descriptors. ---

__all__ += [
    "ConnectionClosed",
    "ConnectionDone",
    "ConnectionLost",
    "FDSetSizeError",
    "ReactorAlreadyInstalledError",
    "UnknownReactorError",
    "WrongThreadError",
]


class ReactorAlreadyInstalledError(RuntimeError):
    """``install()`` was called after the process-wide default reactor already existed."""


class UnknownReactorError(ValueError):
    """A reactor name (``install(name)`` or ``TREADLE_REACTOR``) is unknown or unavailable here."""


class WrongThreadError(RuntimeError):
    """A reactor-thread-only method was called from another thread while the reactor runs.

    ``callFromThread`` is the thread-safe way in.
    """


class FDSetSizeError(ValueError):
    """The select() backend was asked to watch a descriptor at or above ``FD_SETSIZE``."""


class ConnectionClosed(Exception):
    """Base class for the reasons a descriptor's connection ended."""


class ConnectionDone(ConnectionClosed):
    """The connection was closed cleanly (end of file, or the peer hung up)."""

    def __init__(self, message: str = "the connection was closed cleanly") -> None:
        super().__init__(message)


class ConnectionLost(ConnectionClosed):
    """The connection was lost in a non-clean way (an error condition on the descriptor)."""

    def __init__(self, message: str = "the connection was lost in a non-clean fashion") -> None:
        super().__init__(message)


# --- Errors of connectors (raised by transports, caught by reactor.protocol). ---

__all__ += ["NotConnectingError"]


class NotConnectingError(RuntimeError):
    """``stopConnecting()`` was called on a connector that is not in the middle of connecting."""

    def __init__(self, message: str = "the connector is not connecting") -> None:
        super().__init__(message)
