"""Protocols and the factories that make them: the user's side of every connection.

This module owns the base classes a user subclasses -- :class:`Protocol` (a byte stream),
:class:`DatagramProtocol` (packets) -- and the factories that build protocols for ports and
connectors: :class:`Factory`, :class:`ServerFactory`, :class:`ClientFactory` and
:class:`ReconnectingClientFactory`, and :class:`ProcessProtocol` (a child process's pipes and
exit). A protocol knows only the ``ITransport`` (or ``IProcessTransport``) interface, never a
concrete transport or backend; nothing here does I/O. Framing protocols live in
:mod:`reactor.protocols`.

Names and call order follow ``twisted.internet.protocol``: a transport calls
``protocol.makeConnection(transport)`` (which sets ``transport`` and ``connected`` and calls
``connectionMade``), then ``dataReceived`` any number of times, then ``connectionLost(reason)``
once. Ports and connectors call ``factory.doStart()`` before and ``factory.doStop()`` after
using a factory; ``startFactory``/``stopFactory`` run on the first start and the last stop.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from zope.interface import implementer  # type: ignore[import-untyped]

from deferred import Failure
from reactor._processinterfaces import IProcessProtocol
from reactor.error import ConnectionDone, NotConnectingError
from reactor.interfaces import (
    IClientProtocolFactory,
    ILoggingContext,
    IProtocol,
    IProtocolFactory,
)

if TYPE_CHECKING:
    from reactor._processinterfaces import ProcessTransport
    from reactor.interfaces import Address, Connector, DelayedCall, ReactorTime, Transport

__all__ = [
    "AbstractDatagramProtocol",
    "BaseProtocol",
    "ClientFactory",
    "ConnectedDatagramProtocol",
    "DatagramProtocol",
    "Factory",
    "ProcessProtocol",
    "Protocol",
    "ReconnectingClientFactory",
    "ServerFactory",
    "connectionDone",
]

log = logging.getLogger("reactor.protocol")

_FactoryT = TypeVar("_FactoryT", bound="Factory")

#: The reason given to ``connectionLost`` for a clean close (Twisted's ``connectionDone``).
connectionDone = Failure(ConnectionDone())


# --- Stream protocols -------------------------------------------------------------------------


class BaseProtocol:
    """What every protocol has: a transport, a ``connected`` flag and ``makeConnection``."""

    #: True from ``makeConnection`` on. (Left True after ``connectionLost``, as in Twisted: a
    #: subclass's ``connectionLost`` need not call ours, so we cannot rely on resetting it.)
    connected: bool = False

    #: The transport, set by ``makeConnection``; None before that. Typed without ``None`` so that
    #: protocol code -- which only runs once connected -- need not test it on every write.
    transport: Transport = None  # type: ignore[assignment]

    def makeConnection(self, transport: Transport) -> None:
        """Attach ``transport``, mark the protocol connected and call :meth:`connectionMade`."""
        self.connected = True
        self.transport = transport
        self.connectionMade()

    def connectionMade(self) -> None:
        """Called once the connection is up and ``self.transport`` is set. Does nothing here."""


@implementer(IProtocol, ILoggingContext)
class Protocol(BaseProtocol):
    """The base class for stream protocols: override the event handlers you need.

    ``factory`` is the factory that built this protocol (set by ``Factory.buildProtocol``).
    """

    #: The factory that built this protocol, if any.
    factory: Factory | None = None

    def logPrefix(self) -> str:
        """Return the class name, used to prefix log lines about this protocol."""
        return type(self).__name__

    def dataReceived(self, data: bytes) -> None:
        """Called with bytes as they arrive, in arbitrary-sized pieces. Does nothing here."""

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Called once, when the connection is gone, with the reason. Does nothing here."""


# --- Process protocols ------------------------------------------------------------------------


@implementer(IProcessProtocol)
class ProcessProtocol(BaseProtocol):
    """The base class for child-process protocols: override the event handlers you need.

    ``transport`` is the process transport (``IProcessTransport``): ``write`` feeds the child's
    stdin, ``closeStdin``, ``signalProcess``, ``pid``... The transport calls, in this order:
    ``makeConnection`` (hence ``connectionMade``); then, interleaved, ``childDataReceived(fd,
    data)`` and ``childConnectionLost(fd)`` (once per pipe) and ``processExited(reason)`` (once,
    when the child has been reaped); last, ``processEnded(reason)`` once, after the child has
    been reaped *and* every pipe is closed. ``reason`` wraps :class:`reactor.error.ProcessDone`
    (exit status 0) or :class:`reactor.error.ProcessTerminated` (``exitCode``/``signal``).

    This class dispatches descriptors 1 and 2 to ``outReceived``/``errReceived`` and the pipe
    closings of 0, 1, 2 to ``inConnectionLost``/``outConnectionLost``/``errConnectionLost``;
    other descriptors reach only ``childDataReceived``/``childConnectionLost``.
    """

    #: The process transport, set by ``makeConnection``.
    transport: ProcessTransport = None  # type: ignore[assignment]

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """The child wrote ``data`` on ``childFD``: calls ``outReceived``/``errReceived``."""
        if childFD == 1:
            self.outReceived(data)
        elif childFD == 2:
            self.errReceived(data)

    def outReceived(self, data: bytes) -> None:
        """The child wrote ``data`` to its stdout. Does nothing here."""

    def errReceived(self, data: bytes) -> None:
        """The child wrote ``data`` to its stderr. Does nothing here."""

    def childConnectionLost(self, childFD: int) -> None:
        """The pipe of ``childFD`` closed: calls ``in``/``out``/``errConnectionLost``."""
        if childFD == 0:
            self.inConnectionLost()
        elif childFD == 1:
            self.outConnectionLost()
        elif childFD == 2:
            self.errConnectionLost()

    def inConnectionLost(self) -> None:
        """The pipe to the child's stdin is closed. Does nothing here."""

    def outConnectionLost(self) -> None:
        """The pipe from the child's stdout is closed. Does nothing here."""

    def errConnectionLost(self) -> None:
        """The pipe from the child's stderr is closed. Does nothing here."""

    def processExited(self, reason: Failure) -> None:
        """The child exited (it has been reaped; pipes may still be open). Does nothing here."""

    def processEnded(self, reason: Failure) -> None:
        """The child exited and every pipe is closed: the last call. Does nothing here."""


# --- Factories ----------------------------------------------------------------------------------


@implementer(IProtocolFactory, ILoggingContext)
class Factory:
    """Builds a protocol per connection and counts the ports and connectors using it.

    Set the class attribute ``protocol`` (or use :meth:`forProtocol`); :meth:`buildProtocol`
    calls it with no arguments and sets ``factory`` on the result. Override
    :meth:`buildProtocol` to return None and the connection is refused (closed at once).

    ``numPorts`` counts ``doStart`` calls not yet matched by ``doStop``: :meth:`startFactory`
    runs when it goes 0 -> 1, :meth:`stopFactory` when it goes back to 0. Reactor-thread only.
    """

    #: What :meth:`buildProtocol` calls to make a protocol (usually a Protocol subclass).
    protocol: Callable[[], Protocol] | None = None
    #: Log starting and stopping at INFO level (set False for factories made per connection).
    noisy: bool = True
    #: How many ports/connectors are using this factory (``doStart`` minus ``doStop`` calls).
    numPorts: int = 0

    @classmethod
    def forProtocol(
        cls: type[_FactoryT], protocol: Callable[[], Protocol], *args: Any, **kwargs: Any
    ) -> _FactoryT:
        """Return ``cls(*args, **kwargs)`` with ``protocol`` as the protocol it builds."""
        factory = cls(*args, **kwargs)
        factory.protocol = protocol
        return factory

    def logPrefix(self) -> str:
        """Return the class name, used to prefix log lines about this factory."""
        return type(self).__name__

    def doStart(self) -> None:
        """Count one more user; on the first, call :meth:`startFactory`."""
        if self.numPorts == 0:
            if self.noisy:
                log.info("Starting factory %r", self)
            self.startFactory()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one user fewer; on the last, call :meth:`stopFactory`.

        :raises RuntimeError: if called more often than :meth:`doStart` (a port or connector
            bug, reported rather than silently ignored as Twisted does).
        """
        if self.numPorts == 0:
            raise RuntimeError(f"{self!r}.doStop() called more often than doStart()")
        self.numPorts -= 1
        if self.numPorts == 0:
            if self.noisy:
                log.info("Stopping factory %r", self)
            self.stopFactory()

    def startFactory(self) -> None:
        """Acquire what the protocols share (open a log, a database...). Does nothing here."""

    def stopFactory(self) -> None:
        """Release what :meth:`startFactory` acquired. Does nothing here."""

    def buildProtocol(self, addr: Address) -> Protocol | None:
        """Return a new protocol for a connection with ``addr`` (None refuses the connection).

        :raises TypeError: if neither ``protocol`` nor an override of this method says what to
            build.
        """
        if self.protocol is None:
            raise TypeError(
                f"{type(self).__name__} has no 'protocol' to build: set the attribute, use "
                "Factory.forProtocol(), or override buildProtocol()"
            )
        built = self.protocol()
        built.factory = self
        return built

    def __repr__(self) -> str:
        protocol = getattr(self.protocol, "__name__", self.protocol)
        return f"<{type(self).__name__} protocol={protocol}>"


class ServerFactory(Factory):
    """A factory for listening ports (no behaviour beyond :class:`Factory`; a name for intent)."""


@implementer(IClientProtocolFactory)
class ClientFactory(Factory):
    """A factory for outgoing connections, told how each connection attempt went."""

    def startedConnecting(self, connector: Connector) -> None:
        """A connection attempt through ``connector`` has begun. Does nothing here."""

    def clientConnectionFailed(self, connector: Connector, reason: Failure) -> None:
        """The attempt through ``connector`` failed for ``reason``. Does nothing here."""

    def clientConnectionLost(self, connector: Connector, reason: Failure) -> None:
        """The connection made through ``connector`` ended for ``reason``. Does nothing here."""


class ReconnectingClientFactory(ClientFactory):
    """A client factory that reconnects after every failure or loss, backing off exponentially.

    After the n-th consecutive failure it waits about ``initialDelay * factor**n`` seconds (never
    more than ``maxDelay``), spread by up to ``jitter`` (a fraction: 0.1 is +/-10%) so that many
    clients cut off together do not come back in lockstep. :meth:`resetDelay` -- call it once a
    connection has proved good, typically from ``buildProtocol`` or the protocol's
    ``connectionMade`` -- starts the sequence over. It gives up after ``maxRetries`` attempts
    (None: never), or for good after :meth:`stopTrying`.

    Differences from Twisted, on purpose: the jitter is uniform and bounded (Twisted's is
    Gaussian, so a delay can come out negative or far above ``maxDelay``); the wait never
    exceeds ``maxDelay``. Time comes from ``clock`` (default: the global reactor, looked up when
    first needed), randomness from ``randomSource`` (default: the ``random`` module), so tests
    can make both deterministic. Reactor-thread only.
    """

    #: The longest wait between attempts, in seconds.
    maxDelay: float = 3600.0
    #: The wait after the first failure is ``initialDelay * factor`` (``delay`` starts here).
    initialDelay: float = 1.0
    #: How much the wait grows per consecutive failure (e, as in Twisted).
    factor: float = 2.718281828459045
    #: How much each wait is spread, as a fraction of it (Twisted's value).
    jitter: float = 0.11962656472
    #: Give up after this many consecutive failed attempts (None: never).
    maxRetries: int | None = None
    #: Where ``callLater`` comes from (None: the global reactor).
    clock: ReactorTime | None = None
    #: Where the jitter comes from (None: the ``random`` module).
    randomSource: random.Random | None = None

    #: Consecutive retries since the last :meth:`resetDelay`.
    retries: int = 0
    #: False once :meth:`stopTrying` was called (:meth:`resetDelay` sets it True again).
    continueTrying: bool = True
    #: The connector of the last attempt (reused to reconnect).
    connector: Connector | None = None

    _callID: DelayedCall | None = None
    _delay: float | None = None

    @property
    def delay(self) -> float:
        """The nominal (unjittered) wait of the last retry; ``initialDelay`` before any."""
        return self.initialDelay if self._delay is None else self._delay

    @delay.setter
    def delay(self, value: float) -> None:
        self._delay = value

    def clientConnectionFailed(self, connector: Connector, reason: Failure) -> None:
        """Schedule another attempt (unless told to stop)."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def clientConnectionLost(self, connector: Connector, reason: Failure) -> None:
        """Schedule another attempt (unless told to stop)."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def retry(self, connector: Connector | None = None) -> None:
        """Schedule ``connector.connect()`` (default: the last connector) after the next delay."""
        if not self.continueTrying:
            if self.noisy:
                log.info("Abandoning %r: stopTrying() was called", connector or self.connector)
            return
        if connector is None:
            connector = self.connector
            if connector is None:
                raise ValueError("retry() needs a connector: none was given and none is known")
        self.retries += 1
        if self.maxRetries is not None and self.retries > self.maxRetries:
            if self.noisy:
                log.info("Abandoning %r after %d retries", connector, self.maxRetries)
            return
        wait = self.nextDelay()
        if self.noisy:
            log.info("%r will retry in %.3g seconds", connector, wait)

        def reconnect() -> None:
            self._callID = None
            connector.connect()

        self._callID = self._clock().callLater(wait, reconnect)

    def nextDelay(self) -> float:
        """Advance the nominal ``delay`` by ``factor`` and return it with jitter, capped.

        The result is in ``[delay * (1 - jitter), delay * (1 + jitter)]`` and never above
        ``maxDelay`` nor below 0.
        """
        self.delay = min(self.delay * self.factor, self.maxDelay)
        wait = self.delay
        if self.jitter:
            uniform = (self.randomSource or random).uniform
            wait *= 1.0 + uniform(-self.jitter, self.jitter)
        return max(0.0, min(wait, self.maxDelay))

    def stopTrying(self) -> None:
        """Stop reconnecting: cancel a scheduled attempt and abandon one in progress."""
        if self._callID is not None:
            self._callID.cancel()
            self._callID = None
        self.continueTrying = False
        if self.connector is not None:
            try:
                self.connector.stopConnecting()
            except NotConnectingError:
                pass  # Connected or idle: nothing in progress to abandon.

    def resetDelay(self) -> None:
        """Start the backoff over: call once a connection has succeeded."""
        self._delay = None
        self.retries = 0
        self._callID = None
        self.continueTrying = True

    def _clock(self) -> ReactorTime:
        if self.clock is None:
            from reactor import reactor as globalReactor

            return globalReactor
        return self.clock

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the scheduled call, the connector and the clock (Twisted does too)."""
        state = self.__dict__.copy()
        for transient in ("connector", "_callID", "clock"):
            state.pop(transient, None)
        return state


# --- Datagram protocols -----------------------------------------------------------------------


class AbstractDatagramProtocol:
    """What datagram protocols share: a transport and port-usage counting like a factory's.

    A datagram port calls ``makeConnection(transport)`` when it starts listening, which counts
    a user (``doStart``) and calls :meth:`startProtocol` on the first; ``doStop`` from the port
    when it stops calls :meth:`stopProtocol` on the last and forgets the transport.
    """

    #: The datagram transport (a UDP/UNIX-datagram port), None until ``makeConnection``.
    #: Typed ``Any`` until datagram transports define their interface.
    transport: Any = None
    #: How many ports use this protocol (``doStart`` minus ``doStop`` calls).
    numPorts: int = 0
    #: Log starting and stopping at INFO level.
    noisy: bool = True

    def logPrefix(self) -> str:
        """Return the class name, used to prefix log lines about this protocol."""
        return type(self).__name__

    def makeConnection(self, transport: Any) -> None:
        """Attach ``transport`` and start the protocol (``doStart``)."""
        if self.transport is not None:
            raise RuntimeError(f"{self!r} is already attached to {self.transport!r}")
        self.transport = transport
        self.doStart()

    def doStart(self) -> None:
        """Count one more port; on the first, call :meth:`startProtocol`."""
        if self.numPorts == 0:
            if self.noisy:
                log.info("Starting protocol %r", self)
            self.startProtocol()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one port fewer; on the last, call :meth:`stopProtocol` and drop the transport.

        :raises RuntimeError: if called more often than :meth:`doStart`.
        """
        if self.numPorts == 0:
            raise RuntimeError(f"{self!r}.doStop() called more often than doStart()")
        self.numPorts -= 1
        if self.numPorts == 0:
            self.transport = None
            if self.noisy:
                log.info("Stopping protocol %r", self)
            self.stopProtocol()

    def startProtocol(self) -> None:
        """Called when the protocol starts listening. Does nothing here."""

    def stopProtocol(self) -> None:
        """Called when the protocol stops listening. Does nothing here."""

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Called with each datagram and the address it came from. Does nothing here."""


@implementer(ILoggingContext)
class DatagramProtocol(AbstractDatagramProtocol):
    """The base class for datagram (UDP) protocols: override ``datagramReceived``."""

    def connectionRefused(self) -> None:
        """A datagram sent on a connected socket was refused (ICMP). Does nothing here."""


class ConnectedDatagramProtocol(AbstractDatagramProtocol):
    """The protocol of a connected datagram socket (``connectUNIXDatagram``).

    Datagrams come only from the connected peer, so ``datagramReceived`` gets no address.
    """

    def datagramReceived(self, datagram: bytes, addr: Any = None) -> None:
        """Called with each datagram from the peer. Does nothing here."""

    def connectionFailed(self, reason: Failure) -> None:
        """Connecting (or binding) failed for ``reason``; the port is closed. Does nothing here."""

    def connectionRefused(self) -> None:
        """Nobody is bound at the peer's address any more. Does nothing here."""
