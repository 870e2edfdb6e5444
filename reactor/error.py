"""Errors raised by the reactor package.

This module owns the exception classes that code using the reactor may catch: the timer errors
raised by :class:`reactor.DelayedCall` and the reactor life-cycle errors. Names follow Twisted's
``twisted.internet.error`` so that ported code keeps its ``except`` clauses. It holds no logic.
"""

from __future__ import annotations

__all__ = [
    "AlreadyCalled",
    "AlreadyCancelled",
    "BadFileError",
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


# --- Errors of TCP transports, ports, connectors and endpoints (the names are Twisted's). ---

__all__ += [
    "BindError",
    "CannotListenError",
    "ConnectBindError",
    "ConnectError",
    "ConnectingCancelledError",
    "ConnectionAborted",
    "ConnectionRefusedError",
    "DNSLookupError",
    "NoProtocol",
    "NoRouteError",
    "TCPTimedOutError",
    "TimeoutError",
    "UnknownHostError",
    "UserError",
    "connectErrorFor",
]


class ConnectionAborted(ConnectionLost):
    """The connection was closed with ``abortConnection()``: unsent data was dropped."""

    def __init__(self, message: str = "the connection was aborted; unsent data dropped") -> None:
        super().__init__(message)


class BindError(Exception):
    """An error occurred binding a socket to an address."""


class CannotListenError(BindError):
    """``listenTCP`` (or another listen) could not bind or listen on ``interface``:``port``."""

    def __init__(self, interface: str, port: int | str, socketError: BaseException) -> None:
        super().__init__(interface, port, socketError)
        self.interface = interface
        self.port = port
        self.socketError = socketError

    def __str__(self) -> str:
        return f"cannot listen on {self.interface or 'any'}:{self.port}: {self.socketError}"


class DNSLookupError(OSError):
    """A host name could not be resolved to an address."""


class ConnectError(Exception):
    """A connection attempt failed; ``osError`` is the operating system's error, if any.

    Subclasses say why; :func:`connectErrorFor` picks the subclass for an ``OSError``.
    """

    MESSAGE = "an error occurred while connecting"

    def __init__(self, osError: object = None, string: str = "") -> None:
        super().__init__(string)
        self.osError = osError

    def __str__(self) -> str:
        parts = [self.MESSAGE]
        if self.osError:
            parts.append(str(self.osError))
        if self.args and self.args[0]:
            parts.append(str(self.args[0]))
        return ": ".join(parts)


class BadFileError(ConnectError):
    """``connectUNIX(..., checkPID=True)``: no lock file, or it names a dead process."""

    MESSAGE = "no live server: its lock file is missing or names a dead process"


class ConnectBindError(ConnectError):
    """The connecting socket could not be bound to the requested ``bindAddress``."""

    MESSAGE = "cannot bind the connecting socket"


class UnknownHostError(ConnectError):
    """The host to connect to could not be looked up."""

    MESSAGE = "host name could not be looked up"


class NoRouteError(ConnectError):
    """There is no route to the host (``ENETUNREACH``/``EHOSTUNREACH``)."""

    MESSAGE = "no route to host"


class ConnectionRefusedError(ConnectError):
    """The other side refused the connection (nothing listens there: ``ECONNREFUSED``)."""

    MESSAGE = "connection was refused by the other side"


class TCPTimedOutError(ConnectError):
    """The operating system gave up connecting (``ETIMEDOUT``)."""

    MESSAGE = "TCP connection timed out"


class UserError(ConnectError):
    """The attempt was abandoned by its user (``stopConnecting``/``disconnect``)."""

    MESSAGE = "the connection attempt was abandoned by its user"


class TimeoutError(UserError):
    """The attempt took longer than the ``timeout`` given to ``connectTCP``."""

    MESSAGE = "the connection attempt timed out"


class NoProtocol(Exception):
    """The factory's ``buildProtocol`` returned None: it refused the connection."""


class ConnectingCancelledError(Exception):
    """An endpoint's ``connect`` Deferred was cancelled before the connection was made.

    ``address`` is where it was connecting to.
    """

    def __init__(self, address: object) -> None:
        super().__init__(address)
        self.address = address


def connectErrorFor(error: OSError) -> ConnectError:
    """Return the :class:`ConnectError` subclass instance that describes ``error``."""
    import errno

    kinds: dict[int, type[ConnectError]] = {
        errno.ECONNREFUSED: ConnectionRefusedError,
        errno.ETIMEDOUT: TCPTimedOutError,
        errno.ENETUNREACH: NoRouteError,
        errno.EHOSTUNREACH: NoRouteError,
    }
    kind = kinds.get(error.errno or 0, ConnectError)
    return kind(error.errno, error.strerror or str(error))


# --- Errors of child processes (reactor.process; the names are Twisted's). ---

__all__ += ["ProcessDone", "ProcessExitedAlready", "ProcessTerminated"]


class ProcessDone(ConnectionDone):
    """The child process exited with status 0 (``processExited``/``processEnded`` reason).

    ``exitCode`` is 0, ``signal`` None and ``status`` the raw wait status.
    """

    def __init__(self, status: int = 0) -> None:
        super().__init__("process finished with exit code 0")
        self.exitCode: int = 0
        self.signal: int | None = None
        self.status = status


class ProcessTerminated(ConnectionLost):
    """The child process exited with a non-zero status or was killed by a signal.

    ``exitCode`` is the exit status (None if a signal killed it), ``signal`` the number of the
    signal that killed it (None if it exited), ``status`` the raw wait status (see
    ``os.waitstatus_to_exitcode``).
    """

    def __init__(
        self, exitCode: int | None = None, signal: int | None = None, status: int | None = None
    ) -> None:
        self.exitCode = exitCode
        self.signal = signal
        self.status = status
        if signal is not None:
            message = f"process ended by signal {signal}"
        elif exitCode is not None:
            message = f"process ended with exit code {exitCode}"
        else:
            message = "process ended"
        super().__init__(message)


class ProcessExitedAlready(Exception):
    """The child process has exited (and was reaped): it can no longer be signalled."""

    def __init__(self, message: str = "the process has already exited") -> None:
        super().__init__(message)


# --- Errors of datagram transports (UDP, multicast, Unix datagrams; the names are Twisted's). ---

__all__ += ["InvalidAddressError", "MessageLengthError", "MulticastJoinError"]


class MessageLengthError(Exception):
    """A datagram is too long to send (the system said ``EMSGSIZE``); nothing was sent."""


class InvalidAddressError(ValueError):
    """An address is not usable where it was given: ``address`` is it, ``message`` says why.

    Raised, for one, by a datagram ``write`` given a host name rather than an IP address
    literal (a name would block the reactor on a DNS lookup).
    """

    def __init__(self, address: object, message: str) -> None:
        super().__init__(address, message)
        self.address = address
        self.message = message

    def __str__(self) -> str:
        return f"invalid address {self.address!r}: {self.message}"


class MulticastJoinError(Exception):
    """Joining (or leaving) a multicast group failed; the arguments say which and why."""
