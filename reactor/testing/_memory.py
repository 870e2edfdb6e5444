"""``MemoryReactor`` and ``MemoryReactorClock``: reactors that do nothing but record.

This module owns the fake reactors for unit tests. A ``MemoryReactor`` performs no I/O: it
records every ``listen*``/``connect*`` call in a list (Twisted's attribute names:
``tcpServers``, ``tcpClients``, ``sslServers``, ``sslClients``, ``unixServers``,
``unixClients``, plus ``udpPorts``), keeps readers and writers in sets, runs ``callFromThread``
calls at once, and tracks ``run``/``stop``/``crash`` in flags while firing system event
triggers as a real reactor would. ``MemoryReactorClock`` adds time through a
:class:`reactor.task.Clock`. The test inspects what was recorded and plays the network's part
itself (e.g. building a protocol with the recorded factory and a ``StringTransport``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ParamSpec

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, DeferredList, succeed
from reactor._timers import DelayedCall
from reactor.error import ReactorAlreadyRunning, ReactorNotRunning
from reactor.interfaces import (
    FileDescriptor,
    IConnector,
    IListeningPort,
    IReactorCore,
    IReactorFDSet,
    IReactorSSL,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUDP,
    IReactorUNIX,
    ReactorCore,
    ReactorFDSet,
    ReactorThreads,
    ReactorTime,
    ReadDescriptor,
    WriteDescriptor,
)
from reactor.task import Clock
from reactor.testing._addresses import IPv4Address, IPv6Address, UNIXAddress

__all__ = ["FakeConnector", "FakePort", "MemoryReactor", "MemoryReactorClock"]

_P = ParamSpec("_P")

Address = IPv4Address | IPv6Address | UNIXAddress
# A system event trigger as Twisted's MemoryReactor records it: (callable, args, kw). The tuple
# object itself is the handle removeSystemEventTrigger takes (compared by identity).
Trigger = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]


def _inetAddress(kind: str, host: str, port: int) -> Address:
    if ":" in host:
        return IPv6Address(kind, host, port)
    return IPv4Address(kind, host or "0.0.0.0", port)


class FakePort:
    """What ``MemoryReactor.listen*`` returns: a listening port that listens to nothing."""

    def __init__(self, address: Address) -> None:
        self.address = address
        #: Whether stopListening() was called.
        self.stopped = False

    def getHost(self) -> Address:
        """Return the address the port was asked to listen on."""
        return self.address

    def startListening(self) -> None:
        """Start listening again after :meth:`stopListening`."""
        self.stopped = False

    def stopListening(self) -> Deferred[None]:
        """Stop listening; the returned Deferred has already fired."""
        self.stopped = True
        return succeed(None)

    def __repr__(self) -> str:
        return f"<FakePort {self.address!r}{' stopped' if self.stopped else ''}>"


class FakeConnector:
    """What ``MemoryReactor.connect*`` returns: a connection attempt that never completes."""

    def __init__(self, address: Address) -> None:
        self.address = address
        #: How many times a connection was attempted (the first by connect*, then connect()).
        self.connectAttempts = 1
        #: Whether stopConnecting() was called.
        self.stoppedConnecting = False
        #: Whether disconnect() was called.
        self.disconnected = False

    def getDestination(self) -> Address:
        """Return the address being connected to."""
        return self.address

    def connect(self) -> None:
        """Record another connection attempt (what a reconnecting factory does)."""
        self.connectAttempts += 1

    def stopConnecting(self) -> None:
        """Record that the attempt was abandoned."""
        self.stoppedConnecting = True

    def disconnect(self) -> None:
        """Record that the connection (or attempt) was dropped."""
        self.disconnected = True

    def __repr__(self) -> str:
        return f"<FakeConnector to {self.address!r}>"


class MemoryReactor:
    """A reactor that records what it is asked to do and does no I/O.

    Life cycle: ``run()`` fires the "startup" triggers (``callWhenRunning`` callbacks among
    them), then stops at once -- there is no loop to run -- firing "shutdown". ``stop()`` and
    ``crash()`` behave as on a real reactor (``stop`` fires "shutdown", and raises
    ``ReactorNotRunning`` when not running). ``hasRun``, ``hasStopped`` and ``hasCrashed``
    record what happened. Exceptions from triggers propagate to the caller.

    Not thread-safe, although ``callFromThread`` is accepted (it runs the call at once).
    """

    def __init__(self) -> None:
        self.running = False
        self.hasRun = False
        self.hasStopped = False
        self.hasCrashed = False
        #: (callable, args, kw) given to callWhenRunning before the reactor ran.
        self.whenRunningHooks: list[Trigger] = []
        #: phase -> event type -> triggers not yet fired.
        self.triggers: dict[str, dict[str, list[Trigger]]] = {}
        #: (port, factory, backlog, interface) per listenTCP call.
        self.tcpServers: list[tuple[int, Any, int, str]] = []
        #: (host, port, factory, timeout, bindAddress) per connectTCP call.
        self.tcpClients: list[tuple[str, int, Any, float, Any]] = []
        #: (port, factory, contextFactory, backlog, interface) per listenSSL call.
        self.sslServers: list[tuple[int, Any, Any, int, str]] = []
        #: (host, port, factory, contextFactory, timeout, bindAddress) per connectSSL call.
        self.sslClients: list[tuple[str, int, Any, Any, float, Any]] = []
        #: (address, factory, backlog, mode, wantPID) per listenUNIX call.
        self.unixServers: list[tuple[str, Any, int, int, bool]] = []
        #: (address, factory, timeout, checkPID) per connectUNIX call.
        self.unixClients: list[tuple[str, Any, float, bool]] = []
        #: (port, protocol, interface, maxPacketSize) per listenUDP call.
        self.udpPorts: list[tuple[int, Any, str, int]] = []
        #: Every connector returned by a connect* call, in order.
        self.connectors: list[FakeConnector] = []
        self.readers: set[ReadDescriptor] = set()
        self.writers: set[WriteDescriptor] = set()

    # -- life cycle -----------------------------------------------------------------------------

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire "startup", then stop at once (firing "shutdown") unless something stopped it.

        :raises ReactorAlreadyRunning: if it is running.
        """
        if self.running:
            raise ReactorAlreadyRunning()
        self.running = True
        self.hasRun = True
        self.fireSystemEvent("startup")
        if self.running:
            self.stop()

    def stop(self) -> None:
        """Mark the reactor stopped and fire the "shutdown" triggers.

        :raises ReactorNotRunning: if it is not running.
        """
        if not self.running:
            raise ReactorNotRunning()
        self.running = False
        self.hasStopped = True
        self.fireSystemEvent("shutdown")

    def crash(self) -> None:
        """Mark the reactor stopped without firing any trigger."""
        self.running = False
        self.hasCrashed = True

    def iterate(self, delay: float = 0) -> None:
        """One pass of a loop with no I/O: nothing to do (MemoryReactorClock runs due calls)."""

    def callWhenRunning(
        self, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> Any:
        """Call now if running, else record it in ``whenRunningHooks`` and run it at startup.

        :returns: None if called now, else the trigger handle.
        """
        if self.running:
            callable(*args, **kw)
            return None
        self.whenRunningHooks.append((callable, args, kw))
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kw)

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[_P, object],
        /,
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> Trigger:
        """Record a one-shot trigger in ``triggers[phase][eventType]``; return its handle.

        :raises ValueError: for a phase other than "before", "during" or "after".
        """
        if phase not in ("before", "during", "after"):
            raise ValueError(f"unknown trigger phase {phase!r}: use before, during or after")
        trigger: Trigger = (callable, args, kw)
        self.triggers.setdefault(phase, {}).setdefault(eventType, []).append(trigger)
        return trigger

    def removeSystemEventTrigger(self, triggerID: Trigger) -> None:
        """Remove a trigger that has not fired yet.

        :raises ValueError: if it fired already, was removed, or is not a handle.
        """
        for events in self.triggers.values():
            for triggers in events.values():
                for i, trigger in enumerate(triggers):
                    if trigger is triggerID:
                        del triggers[i]
                        return
        raise ValueError(f"{triggerID!r} is not a pending trigger (fired, or already removed)")

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType``: "before", then "during" and "after".

        The later phases wait until every Deferred a "before" trigger returned has fired.
        """
        waitingFor = [
            result for result in self._runPhase("before", eventType) if isinstance(result, Deferred)
        ]

        def laterPhases(_: object = None) -> None:
            self._runPhase("during", eventType)
            self._runPhase("after", eventType)

        if waitingFor:
            DeferredList(waitingFor).addCallback(laterPhases)
        else:
            laterPhases()

    def _runPhase(self, phase: str, eventType: str) -> list[object]:
        triggers = self.triggers.get(phase, {}).pop(eventType, [])
        return [f(*args, **kw) for f, args, kw in triggers]

    # -- readers and writers --------------------------------------------------------------------

    def addReader(self, reader: ReadDescriptor) -> None:
        """Add ``reader`` to ``readers``."""
        self.readers.add(reader)

    def addWriter(self, writer: WriteDescriptor) -> None:
        """Add ``writer`` to ``writers``."""
        self.writers.add(writer)

    def removeReader(self, reader: ReadDescriptor) -> None:
        """Remove ``reader`` from ``readers`` (no error if absent)."""
        self.readers.discard(reader)

    def removeWriter(self, writer: WriteDescriptor) -> None:
        """Remove ``writer`` from ``writers`` (no error if absent)."""
        self.writers.discard(writer)

    def removeAll(self) -> list[FileDescriptor]:
        """Empty ``readers`` and ``writers``; return what they held (each object once)."""
        removed: dict[FileDescriptor, None] = dict.fromkeys(self.readers)
        removed.update(dict.fromkeys(self.writers))
        self.readers.clear()
        self.writers.clear()
        return list(removed)

    def getReaders(self) -> list[ReadDescriptor]:
        """Return the readers."""
        return list(self.readers)

    def getWriters(self) -> list[WriteDescriptor]:
        """Return the writers."""
        return list(self.writers)

    # -- threads --------------------------------------------------------------------------------

    def callFromThread(
        self, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Run ``callable(*args, **kw)`` now, in the calling thread."""
        callable(*args, **kw)

    # -- networking (recorded, never performed) -------------------------------------------------

    def listenTCP(
        self, port: int, factory: Any, backlog: int = 50, interface: str = ""
    ) -> FakePort:
        """Record the call in ``tcpServers``; return a port listening nowhere."""
        self.tcpServers.append((port, factory, backlog, interface))
        return FakePort(_inetAddress("TCP", interface, port))

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float = 30,
        bindAddress: Any = None,
    ) -> FakeConnector:
        """Record the call in ``tcpClients``; call ``factory.startedConnecting(connector)``."""
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        return self._connector(_inetAddress("TCP", host, port), factory)

    def listenSSL(
        self, port: int, factory: Any, contextFactory: Any, backlog: int = 50, interface: str = ""
    ) -> FakePort:
        """Record the call in ``sslServers``; return a port listening nowhere."""
        self.sslServers.append((port, factory, contextFactory, backlog, interface))
        return FakePort(_inetAddress("TCP", interface, port))

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: Any,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: Any = None,
    ) -> FakeConnector:
        """Record the call in ``sslClients``; call ``factory.startedConnecting(connector)``."""
        self.sslClients.append((host, port, factory, contextFactory, timeout, bindAddress))
        return self._connector(_inetAddress("TCP", host, port), factory)

    def listenUNIX(
        self,
        address: str,
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> FakePort:
        """Record the call in ``unixServers``; return a port listening nowhere."""
        self.unixServers.append((address, factory, backlog, mode, wantPID))
        return FakePort(UNIXAddress(address))

    def connectUNIX(
        self, address: str, factory: Any, timeout: float = 30, checkPID: bool = False
    ) -> FakeConnector:
        """Record the call in ``unixClients``; call ``factory.startedConnecting(connector)``."""
        self.unixClients.append((address, factory, timeout, checkPID))
        return self._connector(UNIXAddress(address), factory)

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> FakePort:
        """Record the call in ``udpPorts``; return a port listening nowhere."""
        self.udpPorts.append((port, protocol, interface, maxPacketSize))
        return FakePort(_inetAddress("UDP", interface, port))

    def _connector(self, address: Address, factory: Any) -> FakeConnector:
        connector = FakeConnector(address)
        self.connectors.append(connector)
        startedConnecting = getattr(factory, "startedConnecting", None)
        if startedConnecting is not None:
            startedConnecting(connector)
        return connector


class MemoryReactorClock(MemoryReactor):
    """A :class:`MemoryReactor` with time: ``seconds``, ``callLater``, ``advance``, ``pump``.

    Time is a :class:`reactor.task.Clock` (``clock``): it moves only through ``advance`` and
    ``pump``; ``iterate()`` runs the calls already due without moving it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()

    def seconds(self) -> float:
        """Return the current fake time."""
        return self.clock.seconds()

    def callLater(
        self, delay: float, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Run ``callable(*args, **kw)`` once the fake time has advanced by ``delay``."""
        return self.clock.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the pending timed calls in the order they will run."""
        return self.clock.getDelayedCalls()

    def advance(self, amount: float) -> None:
        """Move the fake time forward by ``amount`` and run the calls then due."""
        self.clock.advance(amount)

    def pump(self, timings: Iterable[float]) -> None:
        """``advance`` by each amount in turn."""
        self.clock.pump(timings)

    def iterate(self, delay: float = 0) -> None:
        """Run the timed calls already due; the fake time does not move."""
        self.clock.advance(0)


classImplements(
    MemoryReactor,
    IReactorCore,
    IReactorFDSet,
    IReactorThreads,
    IReactorTCP,
    IReactorSSL,
    IReactorUNIX,
    IReactorUDP,
)
classImplements(FakePort, IListeningPort)
classImplements(FakeConnector, IConnector)
classImplements(MemoryReactorClock, IReactorTime)

if TYPE_CHECKING:
    # Static proof that the fakes satisfy the Protocol twins of those interfaces.
    def _isReactorCore(r: MemoryReactor) -> ReactorCore:
        return r

    def _isReactorFDSet(r: MemoryReactor) -> ReactorFDSet:
        return r

    def _isReactorThreads(r: MemoryReactor) -> ReactorThreads:
        return r

    def _isReactorTime(r: MemoryReactorClock) -> ReactorTime:
        return r
