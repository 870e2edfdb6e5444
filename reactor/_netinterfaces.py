"""The networking contracts: protocols, factories, transports, producers, ports and endpoints.

This module owns the interfaces between the networking pieces of the reactor -- what a protocol
may expect of its transport, what a transport may expect of its protocol and factory, what
``listenTCP``/``connectTCP`` and endpoints return. It holds no behaviour; the implementations
live in :mod:`reactor.protocol`, the transports and :mod:`reactor.endpoints`. Import these names
from :mod:`reactor.interfaces`, which re-exports all of them.

As in :mod:`reactor.interfaces`, each contract is written once as a ``typing.Protocol`` (what
library code annotates with: ``Transport``, ``ProtocolFactory``...) and its zope.interface twin
with Twisted's ``I``-prefixed name (``ITransport``, ``IProtocolFactory``...) is generated from it,
so the two cannot drift apart. The one exception to "twin = ``I`` + name" is ``IProtocol``, whose
typing twin is ``StreamProtocol`` because ``Protocol`` is taken twice over (``typing.Protocol``
and :class:`reactor.protocol.Protocol`).

Twisted's semantics are kept, with two documented additions to :class:`Transport`, both
things every Twisted transport has but ``ITransport`` never listed: the ``disconnecting`` flag
(framing protocols read it to stop parsing once the connection is closing) and the
consumer/push-producer methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from zope.interface import Attribute, Interface  # type: ignore[import-untyped]
from zope.interface.interface import InterfaceClass, fromFunction  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from deferred import Deferred, Failure

__all__ = [
    "Address",
    "ClientProtocolFactory",
    "Connector",
    "Consumer",
    "HalfCloseableProtocol",
    "IAddress",
    "IClientProtocolFactory",
    "IConnector",
    "IConsumer",
    "IHalfCloseableProtocol",
    "IListeningPort",
    "ILoggingContext",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorTCP",
    "IStreamClientEndpoint",
    "IStreamServerEndpoint",
    "ITCPTransport",
    "ITransport",
    "ListeningPort",
    "LoggingContext",
    "Producer",
    "ProtocolFactory",
    "PullProducer",
    "PushProducer",
    "ReactorTCP",
    "StreamClientEndpoint",
    "StreamProtocol",
    "StreamServerEndpoint",
    "TCPTransport",
    "Transport",
]


# --- Addresses ------------------------------------------------------------------------------


class Address(Protocol):
    """The address of one end of a connection (a marker: see :mod:`reactor.address`)."""


# --- Protocols and factories ----------------------------------------------------------------


class LoggingContext(Protocol):
    """Something that names itself in log messages."""

    def logPrefix(self) -> str:
        """Return a short prefix for log lines about this object."""
        ...


class StreamProtocol(Protocol):
    """The receiving side of a byte stream: what a transport calls (Twisted's ``IProtocol``).

    A transport calls ``makeConnection`` once, then ``dataReceived`` any number of times, then
    ``connectionLost`` exactly once. It never calls ``dataReceived`` after ``connectionLost``.
    """

    def makeConnection(self, transport: Transport) -> None:
        """Attach ``transport`` and call ``connectionMade``."""
        ...

    def connectionMade(self) -> None:
        """Called once the connection is up and ``self.transport`` is set."""
        ...

    def dataReceived(self, data: bytes) -> None:
        """Called with bytes as they arrive, in arbitrary-sized pieces."""
        ...

    def connectionLost(self, reason: Failure) -> None:
        """Called once, when the connection is gone; ``reason`` says why."""
        ...


class HalfCloseableProtocol(Protocol):
    """A protocol that wants to hear about each direction of a connection closing on its own."""

    def readConnectionLost(self) -> None:
        """The peer will send no more data (it half-closed); we may still write."""
        ...

    def writeConnectionLost(self) -> None:
        """Our writing direction is closed (after ``loseWriteConnection``); we may still read."""
        ...


class ProtocolFactory(Protocol):
    """Makes a protocol for each new connection; started and stopped with its ports."""

    def doStart(self) -> None:
        """Called by each port or connector before it uses the factory."""
        ...

    def doStop(self) -> None:
        """Called by each port or connector once it no longer uses the factory."""
        ...

    def buildProtocol(self, addr: Address) -> StreamProtocol | None:
        """Return a protocol for a connection with ``addr``, or None to refuse it."""
        ...


class ClientProtocolFactory(ProtocolFactory, Protocol):
    """A factory for outgoing connections: told how each connection attempt went."""

    def startedConnecting(self, connector: Connector) -> None:
        """A connection attempt through ``connector`` has begun."""
        ...

    def clientConnectionFailed(self, connector: Connector, reason: Failure) -> None:
        """The attempt through ``connector`` failed (refused, timed out...) for ``reason``."""
        ...

    def clientConnectionLost(self, connector: Connector, reason: Failure) -> None:
        """The connection made through ``connector`` ended for ``reason``."""
        ...


# --- Producers and consumers ----------------------------------------------------------------


class Producer(Protocol):
    """A source of data written to a consumer."""

    def stopProducing(self) -> None:
        """Stop for good: the consumer is going away."""
        ...


class PushProducer(Producer, Protocol):
    """A producer that writes whenever it has data, until asked to pause."""

    def pauseProducing(self) -> None:
        """Stop writing until ``resumeProducing``."""
        ...

    def resumeProducing(self) -> None:
        """Start writing again after ``pauseProducing``."""
        ...


class PullProducer(Producer, Protocol):
    """A producer that writes one piece each time it is asked."""

    def resumeProducing(self) -> None:
        """Write one piece of data to the consumer."""
        ...


class Consumer(Protocol):
    """A sink of data with flow control towards its producer."""

    def registerProducer(self, producer: Producer, streaming: bool) -> None:
        """Attach ``producer``: a push producer if ``streaming``, else a pull producer.

        Registering while another producer is registered is an error (``RuntimeError``).
        """
        ...

    def unregisterProducer(self) -> None:
        """Detach the registered producer."""
        ...

    def write(self, data: bytes) -> None:
        """Accept ``data``; it will be delivered in order."""
        ...


# --- Transports -----------------------------------------------------------------------------


class Transport(Consumer, PushProducer, Protocol):
    """The sending side of a byte stream: what a protocol may call (Twisted's ``ITransport``).

    A transport is also a :class:`Consumer` (a producer registered with it is paused above its
    write buffer's high-water mark and resumed below the low one) and a :class:`PushProducer`
    (``pauseProducing`` stops reading, ``resumeProducing`` starts again). Twisted's transports
    all are, though its ``ITransport`` does not say so; ours says so, so that protocol code
    calling them type-checks. A protocol must not assume any concrete transport class.
    """

    #: True once ``loseConnection`` (or ``abortConnection``) was called: the protocol should
    #: expect no more data worth parsing. Twisted's transports all carry it; we declare it.
    disconnecting: bool

    def write(self, data: bytes) -> None:
        """Send ``data`` (in order, eventually; never blocks)."""
        ...

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each item of ``data`` in turn, as one ``write`` of their concatenation."""
        ...

    def loseConnection(self) -> None:
        """Close once everything written so far has been sent."""
        ...

    def getPeer(self) -> Address:
        """Return the address of the other end."""
        ...

    def getHost(self) -> Address:
        """Return the address of this end."""
        ...


class TCPTransport(Transport, Protocol):
    """A TCP connection's transport."""

    def loseWriteConnection(self) -> None:
        """Half-close: send what is buffered, then shut down the writing direction."""
        ...

    def abortConnection(self) -> None:
        """Close at once, dropping anything not yet sent (the peer may see a reset)."""
        ...

    def getTcpNoDelay(self) -> bool:
        """Return whether Nagle's algorithm is off (TCP_NODELAY)."""
        ...

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY on or off."""
        ...

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on."""
        ...

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off."""
        ...


# --- Ports, connectors, the TCP reactor, endpoints ------------------------------------------


class ListeningPort(Protocol):
    """A port accepting connections (what ``listenTCP`` returns)."""

    def startListening(self) -> None:
        """Start accepting connections (``listenTCP`` has already done this)."""
        ...

    def stopListening(self) -> Deferred[None] | None:
        """Stop accepting connections; the Deferred fires once the port is closed."""
        ...

    def getHost(self) -> Address:
        """Return the address the port is bound to."""
        ...


class Connector(Protocol):
    """An outgoing connection in the making (what ``connectTCP`` returns)."""

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress (an error if not connecting)."""
        ...

    def disconnect(self) -> None:
        """Abandon the attempt, or close the connection it made."""
        ...

    def connect(self) -> None:
        """Start a (new) attempt, e.g. to reconnect after the connection was lost."""
        ...

    def getDestination(self) -> Address:
        """Return the address this connector connects to."""
        ...


class ReactorTCP(Protocol):
    """TCP: listen and connect (IPv4 and IPv6)."""

    def listenTCP(
        self, port: int, factory: ProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> ListeningPort:
        """Listen on ``interface``:``port`` (0: any free port) with ``factory``."""
        ...

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientProtocolFactory,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to ``host``:``port``, reporting to ``factory``."""
        ...


class StreamServerEndpoint(Protocol):
    """Where to listen for stream connections, described once and used by ``listen``."""

    def listen(self, protocolFactory: ProtocolFactory) -> Deferred[Any]:
        """Start listening with ``protocolFactory``; fire with the ``IListeningPort``."""
        ...


class StreamClientEndpoint(Protocol):
    """Where to connect a stream, described once and used by ``connect``."""

    def connect(self, protocolFactory: ProtocolFactory) -> Deferred[Any]:
        """Connect, build the protocol with ``protocolFactory``; fire with that protocol."""
        ...


# --- zope.interface twins, generated ------------------------------------------------------


def _zopeTwin(protocol: type, *bases: Any, name: str | None = None) -> Any:
    """Build the zope interface ``I<Name>`` with the methods and attributes of ``protocol``.

    Only what ``protocol`` itself defines is copied; inherited members come through ``bases``.
    (The same generator as :mod:`reactor.interfaces` uses; kept here so that importing this
    module on its own never needs that one, which imports this one at its end.)
    """
    attributes: dict[str, Any] = {}
    for attribute in vars(protocol).get("__annotations__", {}):
        attributes[attribute] = Attribute(f"{attribute} (see {protocol.__name__})")
    for member, value in vars(protocol).items():
        if member.startswith("_"):
            continue
        if callable(value):
            # imlevel=1: skip ``self``, which zope interfaces do not declare.
            attributes[member] = fromFunction(value, None, 1, member)
    return InterfaceClass(
        name or "I" + protocol.__name__,
        bases or (Interface,),
        attributes,
        __doc__=protocol.__doc__,
        __module__="reactor.interfaces",
    )


IAddress = _zopeTwin(Address)
ILoggingContext = _zopeTwin(LoggingContext)
IProtocol = _zopeTwin(StreamProtocol, name="IProtocol")
IHalfCloseableProtocol = _zopeTwin(HalfCloseableProtocol)
IProtocolFactory = _zopeTwin(ProtocolFactory)
IClientProtocolFactory = _zopeTwin(ClientProtocolFactory, IProtocolFactory)
IProducer = _zopeTwin(Producer)
IPushProducer = _zopeTwin(PushProducer, IProducer)
IPullProducer = _zopeTwin(PullProducer, IProducer)
IConsumer = _zopeTwin(Consumer)
ITransport = _zopeTwin(Transport, IConsumer, IPushProducer)
ITCPTransport = _zopeTwin(TCPTransport, ITransport)
IListeningPort = _zopeTwin(ListeningPort)
IConnector = _zopeTwin(Connector)
IReactorTCP = _zopeTwin(ReactorTCP)
IStreamServerEndpoint = _zopeTwin(StreamServerEndpoint)
IStreamClientEndpoint = _zopeTwin(StreamClientEndpoint)
