"""The connector behind ``connectTCP``: one outgoing connection's life, attempt after attempt.

This module owns :class:`Connector` (Twisted's ``IConnector``): its state machine
(:class:`ConnectorState`), the connection timeout, name resolution of the destination, and the
calls into the ``ClientFactory`` -- ``doStart``, ``startedConnecting``, ``buildProtocol``,
``clientConnectionFailed``, ``clientConnectionLost``, ``doStop``. It does not open sockets: a
*dial* does (:data:`DialFunction`), so one connector serves every reactor --
:func:`reactor.tcp._dial.dialSocket` on readiness reactors, and the asyncio adapter's dial,
which lets the host loop connect, on ``AsyncioReactor``.

Life cycle: ``connect()`` moves DISCONNECTED -> CONNECTING, starts the factory (once per run of
attempts), arms the timeout and calls ``startedConnecting``; the attempt itself begins on the
next pass of the loop, so every outcome -- even a refusal the kernel reports at once -- reaches
the factory asynchronously, as in Twisted. A dial that connects calls :meth:`buildProtocol`
(-> CONNECTED); one that fails calls :meth:`connectionFailed` (-> DISCONNECTED);
the transport calls :meth:`connectionLost` when the connection ends (-> DISCONNECTED). In both
last cases the factory may call ``connect()`` again from its handler (that is how
``ReconnectingClientFactory`` works); if it does not, the factory is stopped (``doStop``).

Host names are resolved through ``reactor.resolve``'s machinery (:mod:`reactor._resolve`,
``getaddrinfo`` in the reactor's thread pool); IP literals need no lookup. A name's first IPv4
address is used if it has one, else its first address: ``listenTCP(port, f)`` listens on IPv4,
so ``connectTCP("localhost", port, ...)`` must reach it. (``HostnameEndpoint`` tries every
address.)

Reactor thread only.
"""

from __future__ import annotations

import enum
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure
from reactor.error import (
    DNSLookupError,
    NotConnectingError,
    TimeoutError,
    UnknownHostError,
    UserError,
)
from reactor.interfaces import IConnector
from reactor.tcp._sockets import IPAddress, SockAddr, addressOf, familyOfLiteral, sockaddrFor

__all__ = ["Connector", "ConnectorState", "Dial", "DialFunction"]

log = logging.getLogger("reactor.tcp")


class ConnectorState(enum.Enum):
    """Where a connector is."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"


_DISCONNECTED = ConnectorState.DISCONNECTED
_CONNECTING = ConnectorState.CONNECTING
_CONNECTED = ConnectorState.CONNECTED


class Dial(Protocol):
    """One attempt to connect a socket, made by a :data:`DialFunction`."""

    def start(self) -> None:
        """Begin connecting; report to the connector (possibly before returning)."""
        ...

    def cancel(self) -> None:
        """Abandon the attempt silently (the connector reports why); close what it opened."""
        ...


#: ``dial(reactor, family, sockaddr, bindAddress, connector) -> Dial``: make (not start) an
#: attempt to connect to ``sockaddr``. On success the dial calls ``connector.buildProtocol(addr)``
#: and starts a transport whose ``onLost`` is ``connector.connectionLost``; on failure it calls
#: ``connector.connectionFailed(reason)``.
DialFunction = Callable[[Any, int, SockAddr, "tuple[str, int] | None", "Connector"], Dial]


class Connector:
    """Connects to ``host``:``port`` for ``factory``, again each time ``connect()`` is called.

    ``timeout`` (seconds, None for none) bounds each attempt, name lookup included;
    ``bindAddress`` is the local ``(host, port)`` to connect from.
    """

    def __init__(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float | None,
        bindAddress: tuple[str, int] | None,
        reactor: Any,
        dial: DialFunction,
    ) -> None:
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port <= 65535:
            raise ValueError(f"port must be an int in 1..65535, not {port!r}")
        self.host = host
        self.port = port
        self.factory = factory
        self.timeout = timeout
        self.bindAddress = bindAddress
        self.reactor = reactor
        self.state = _DISCONNECTED
        #: The connection's transport while CONNECTED, else None.
        self.transport: Any = None
        self._dial = dial
        self._factoryStarted = False
        # What the current attempt is waiting on: the deferred start, a name lookup, a dial.
        self._beginCall: Any = None
        self._lookup: Deferred[Any] | None = None
        self._dialing: Dial | None = None
        self._timeoutCall: Any = None

    # --- the IConnector API ----------------------------------------------------------------

    def connect(self) -> None:
        """Start an attempt (also to reconnect once the last connection ended).

        :raises RuntimeError: if an attempt is in progress or the connector is connected.
        """
        if self.state is not _DISCONNECTED:
            raise RuntimeError(f"cannot connect(): {self!r} is {self.state.value} already")
        self.state = _CONNECTING
        self.transport = None
        if not self._factoryStarted:
            self._factoryStarted = True
            self.factory.doStart()
        self._beginCall = self.reactor.callLater(0, self._begin)
        if self.timeout is not None:
            self._timeoutCall = self.reactor.callLater(self.timeout, self._timedOut)
        self.factory.startedConnecting(self)

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress: ``clientConnectionFailed`` with ``UserError``.

        :raises NotConnectingError: if no attempt is in progress.
        """
        if self.state is not _CONNECTING:
            raise NotConnectingError()
        self.connectionFailed(Failure(UserError()))

    def disconnect(self) -> None:
        """Abandon the attempt in progress, or close the connection it made."""
        if self.state is _CONNECTING:
            self.stopConnecting()
        elif self.state is _CONNECTED and self.transport is not None:
            self.transport.loseConnection()

    def getDestination(self) -> IPAddress:
        """The address connected to, with the host as given (a name stays a name)."""
        if familyOfLiteral(self.host) == socket.AF_INET6:
            return addressOf((self.host, self.port, 0, 0))
        return addressOf((self.host, self.port))

    # --- called by dials and transports ------------------------------------------------------

    def buildProtocol(self, addr: IPAddress) -> Any:
        """The dial connected to ``addr``: become CONNECTED and ask the factory for a protocol."""
        self._cancelTimeout()
        self._dialing = None
        self.state = _CONNECTED
        return self.factory.buildProtocol(addr)

    def connectionFailed(self, reason: Failure) -> None:
        """The attempt failed for ``reason``: tell the factory; stop it unless it reconnects."""
        self._abandonAttempt()
        self.transport = None
        self.state = _DISCONNECTED
        self._callFactory(self.factory.clientConnectionFailed, reason)
        self._stopFactoryIfIdle()

    def connectionLost(self, reason: Failure) -> None:
        """The connection ended for ``reason``: tell the factory; stop it unless it reconnects."""
        self.transport = None
        self.state = _DISCONNECTED
        self._callFactory(self.factory.clientConnectionLost, reason)
        self._stopFactoryIfIdle()

    # --- the attempt ----------------------------------------------------------------------

    def _begin(self) -> None:
        self._beginCall = None
        family = familyOfLiteral(self.host)
        if family is not None:
            try:
                sockaddr = sockaddrFor(family, self.host, self.port)
            except OSError as e:
                self.connectionFailed(Failure(UnknownHostError(e.errno, str(e))))
                return
            self._startDial(family, sockaddr)
            return
        from reactor._resolve import getAddresses

        lookup = getAddresses(self.reactor, self.host, self.port)
        self._lookup = lookup
        lookup.addCallbacks(self._resolved, self._lookupFailed)

    def _resolved(self, addresses: list[tuple[int, SockAddr]]) -> None:
        if self._lookup is None:
            return  # Abandoned meanwhile.
        self._lookup = None
        family, sockaddr = next((a for a in addresses if a[0] == socket.AF_INET), addresses[0])
        try:
            self._startDial(family, sockaddr)
        except Exception:
            log.exception("Unhandled error starting the connection of %r", self)
            if self.state is _CONNECTING:
                self.connectionFailed(Failure())

    def _lookupFailed(self, reason: Failure) -> None:
        if self._lookup is None:
            return  # Abandoned (cancelled) meanwhile: already reported.
        self._lookup = None
        if not reason.check(DNSLookupError):
            reason = Failure(DNSLookupError(f"{self.host}: {reason.getErrorMessage()}"))
        self.connectionFailed(reason)

    def _startDial(self, family: int, sockaddr: SockAddr) -> None:
        dial = self._dial(self.reactor, family, sockaddr, self.bindAddress, self)
        self._dialing = dial
        dial.start()

    def _timedOut(self) -> None:
        self._timeoutCall = None
        if self.state is _CONNECTING:
            self.connectionFailed(Failure(TimeoutError()))

    def _cancelTimeout(self) -> None:
        if self._timeoutCall is not None:
            self._timeoutCall.cancel()
            self._timeoutCall = None

    def _abandonAttempt(self) -> None:
        self._cancelTimeout()
        if self._beginCall is not None:
            self._beginCall.cancel()
            self._beginCall = None
        lookup, self._lookup = self._lookup, None
        if lookup is not None:
            lookup.cancel()
        dialing, self._dialing = self._dialing, None
        if dialing is not None:
            dialing.cancel()

    def _callFactory(
        self, handler: Callable[[Connector, Failure], object], reason: Failure
    ) -> None:
        try:
            handler(self, reason)
        except Exception:
            log.exception("Unhandled error in %s of %r", handler.__name__, self.factory)

    def _stopFactoryIfIdle(self) -> None:
        if self.state is _DISCONNECTED and self._factoryStarted:
            self._factoryStarted = False
            self.factory.doStop()

    def __repr__(self) -> str:
        return f"<TCP Connector to {self.host}:{self.port} {self.state.value}>"


classImplements(Connector, IConnector)
