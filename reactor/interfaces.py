"""The reactor's interfaces, twice: typing.Protocol for mypy, zope.interface for runtime checks.

This module owns the contracts between the reactor and its users; it holds no behaviour. Each
contract is written once, as a ``typing.Protocol`` (``ReactorTime``, ``ReadDescriptor``...),
which is what library code should annotate parameters with: a ``task.Clock`` satisfies
``ReactorTime`` without inheriting from anything. Its zope.interface twin, with Twisted's
``I``-prefixed name (``IReactorTime``, ``IReadDescriptor``...), is generated from the Protocol
below, so the two cannot drift apart; it serves ``verifyObject``, ``implementer`` and ported
Twisted code. (Rejected: writing both by hand -- two copies of every signature to keep in step.)

``interfaces.DelayedCall`` is the Protocol; the concrete class is ``reactor.DelayedCall``.
Networking interfaces (transports, protocols, listening ports) come with the networking code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, Protocol

from zope.interface import Attribute, Interface  # type: ignore[import-untyped]
from zope.interface.interface import InterfaceClass, fromFunction  # type: ignore[import-untyped]

__all__ = [
    "DelayedCall",
    "FileDescriptor",
    "IDelayedCall",
    "IFileDescriptor",
    "IReactorCore",
    "IReactorFDSet",
    "IReactorThreads",
    "IReactorTime",
    "IReadDescriptor",
    "IWriteDescriptor",
    "ReactorCore",
    "ReactorFDSet",
    "ReactorThreads",
    "ReactorTime",
    "ReadDescriptor",
    "WriteDescriptor",
]


_P = ParamSpec("_P")


class DelayedCall(Protocol):
    """A call scheduled with ``callLater``."""

    #: The absolute deadline on the owning clock.
    time: float

    # Read-only: an implementation may derive them (reactor._timers does), or store them.
    @property
    def called(self) -> bool:
        """True once the call has run (from just before it runs)."""
        ...

    @property
    def cancelled(self) -> bool:
        """True once the call was cancelled."""
        ...

    def getTime(self) -> float:
        """Return the absolute deadline on the owning clock."""
        ...

    def cancel(self) -> None:
        """Stop the call from running; ``AlreadyCalled`` / ``AlreadyCancelled`` if too late."""
        ...

    def reset(self, secondsFromNow: float) -> None:
        """Move the deadline to ``secondsFromNow`` after the clock's current time."""
        ...

    def delay(self, secondsLater: float) -> None:
        """Move the deadline by ``secondsLater`` seconds (negative: earlier)."""
        ...

    def active(self) -> bool:
        """Return whether the call has neither run nor been cancelled."""
        ...


class ReactorTime(Protocol):
    """Time and timed calls."""

    def seconds(self) -> float:
        """Return the current time on the reactor's clock (monotonic seconds)."""
        ...

    def callLater(
        self, delay: float, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Run ``callable(*args, **kw)`` ``delay`` seconds from now; return the DelayedCall."""
        ...

    def getDelayedCalls(self) -> list[Any]:
        """Return every pending DelayedCall."""
        ...


class ReactorCore(Protocol):
    """Running and stopping, and the system event triggers around both."""

    @property
    def running(self) -> bool:
        """True from the end of startup until shutdown completes."""
        ...

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire "startup", run the loop until stopped, fire "shutdown"; may be called again."""
        ...

    def stop(self) -> None:
        """Stop the loop after the current pass, running the "shutdown" triggers."""
        ...

    def crash(self) -> None:
        """Stop the loop at once, without running the "shutdown" triggers."""
        ...

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop, waiting at most ``delay`` seconds for I/O."""
        ...

    def fireSystemEvent(self, eventType: str) -> None:
        """Fire the triggers of ``eventType``: before, during, after."""
        ...

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[_P, object],
        /,
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> Any:
        """Add a one-shot trigger for ``phase`` of ``eventType``; return a handle."""
        ...

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger that has not run yet."""
        ...

    def callWhenRunning(
        self, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> Any:
        """Call now if running, else once startup has finished."""
        ...


class ReactorThreads(Protocol):
    """Getting into the reactor thread from other threads."""

    def callFromThread(
        self, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Run ``callable(*args, **kw)`` in the reactor thread, soon. Any thread may call it."""
        ...


class FileDescriptor(Protocol):
    """Something with a file descriptor that the reactor can watch."""

    def fileno(self) -> int:
        """Return the descriptor (an int >= 0 while open, -1 once closed)."""
        ...

    def connectionLost(self, reason: Any) -> None:
        """Called once the reactor dropped it because of ``reason`` (a Failure)."""
        ...


class ReadDescriptor(FileDescriptor, Protocol):
    """A descriptor the reactor reads for."""

    def doRead(self) -> object:
        """Read what is available; return None, or a Failure/exception to be disconnected."""
        ...


class WriteDescriptor(FileDescriptor, Protocol):
    """A descriptor the reactor writes for."""

    def doWrite(self) -> object:
        """Write what it can; return None, or a Failure/exception to be disconnected."""
        ...


class ReactorFDSet(Protocol):
    """Watching file descriptors for readiness."""

    def addReader(self, reader: ReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever its descriptor is readable."""
        ...

    def addWriter(self, writer: WriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever its descriptor is writable."""
        ...

    def removeReader(self, reader: ReadDescriptor) -> None:
        """Stop watching ``reader`` for reading (no error if it was not watched)."""
        ...

    def removeWriter(self, writer: WriteDescriptor) -> None:
        """Stop watching ``writer`` for writing (no error if it was not watched)."""
        ...

    def removeAll(self) -> list[FileDescriptor]:
        """Stop watching every reader and writer; return them."""
        ...

    def getReaders(self) -> list[ReadDescriptor]:
        """Return the watched readers."""
        ...

    def getWriters(self) -> list[WriteDescriptor]:
        """Return the watched writers."""
        ...


# --- zope.interface twins, generated ------------------------------------------------------


def _zopeTwin(protocol: type, *bases: Any) -> Any:
    """Build the zope interface ``I<Name>`` with the methods and attributes of ``protocol``.

    Only what ``protocol`` itself defines is copied; inherited members come through ``bases``.
    """
    attributes: dict[str, Any] = {}
    for name in getattr(protocol, "__annotations__", {}):
        attributes[name] = Attribute(f"{name} (see {protocol.__name__})")
    for name, value in vars(protocol).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            attributes[name] = Attribute(value.__doc__ or name)
        elif callable(value):
            # imlevel=1: skip ``self``, which zope interfaces do not declare.
            attributes[name] = fromFunction(value, None, 1, name)
    return InterfaceClass(
        "I" + protocol.__name__,
        bases or (Interface,),
        attributes,
        __doc__=protocol.__doc__,
        __module__=__name__,
    )


IDelayedCall = _zopeTwin(DelayedCall)
IReactorTime = _zopeTwin(ReactorTime)
IReactorCore = _zopeTwin(ReactorCore)
IReactorThreads = _zopeTwin(ReactorThreads)
IReactorFDSet = _zopeTwin(ReactorFDSet)
IFileDescriptor = _zopeTwin(FileDescriptor)
IReadDescriptor = _zopeTwin(ReadDescriptor, IFileDescriptor)
IWriteDescriptor = _zopeTwin(WriteDescriptor, IFileDescriptor)

# The networking contracts (protocols, transports, ports, endpoints) live in their own module.
from reactor import _netinterfaces  # noqa: E402
from reactor._netinterfaces import *  # noqa: E402, F403

__all__ += _netinterfaces.__all__

# The Unix-socket contracts (descriptor passing, Unix datagrams, IReactorUNIX...).
from reactor import _unixinterfaces  # noqa: E402
from reactor._unixinterfaces import *  # noqa: E402, F403

__all__ += _unixinterfaces.__all__

# The datagram contracts (UDP ports, multicast, IReactorUDP, IReactorMulticast).
from reactor import _udpinterfaces  # noqa: E402
from reactor._udpinterfaces import *  # noqa: E402, F403

__all__ += _udpinterfaces.__all__

# The process contracts (IProcessProtocol, IProcessTransport, IReactorProcess).
from reactor import _processinterfaces  # noqa: E402
from reactor._processinterfaces import *  # noqa: E402, F403

__all__ += _processinterfaces.__all__

# The TLS contracts (ISSLTransport, ITLSTransport, IHandshakeListener, IReactorSSL).
from reactor import _tlsinterfaces  # noqa: E402
from reactor._tlsinterfaces import *  # noqa: E402, F403

__all__ += _tlsinterfaces.__all__
