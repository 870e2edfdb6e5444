"""``StringTransport``: a transport that records what a protocol writes, for unit tests.

This module owns the in-memory transport test double and its disconnecting variant. It moves no
bytes anywhere: a test hands data to the protocol itself (``protocol.dataReceived(...)``) and
reads what the protocol wrote with :meth:`StringTransport.value`. It knows no reactor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor.error import ConnectionDone
from reactor.interfaces import ITransport
from reactor.testing._addresses import IPv4Address, IPv6Address, UNIXAddress

__all__ = ["StringTransport", "StringTransportWithDisconnection"]

Address = IPv4Address | IPv6Address | UNIXAddress
ProducerState = Literal["producing", "paused", "stopped"]


class StringTransport:
    """A transport that keeps everything written to it in memory.

    * ``write``/``writeSequence`` append to a buffer; :meth:`value` returns it, :meth:`clear`
      empties it. Only bytes-like data is accepted (a ``str`` is a bug: ``TypeError``).
    * ``loseConnection()`` sets ``disconnecting``; ``abortConnection()`` also sets ``aborted``.
      Neither tells the protocol anything (see :class:`StringTransportWithDisconnection`).
    * ``getHost()``/``getPeer()`` return the addresses given to the constructor, by default
      ``IPv4Address("TCP", "10.0.0.1", 12345)`` and ``IPv4Address("TCP", "192.168.1.1",
      54321)``.
    * As a consumer: ``registerProducer``/``unregisterProducer`` record ``producer`` and
      ``streaming``. As a producer (so protocols can throttle it): ``pauseProducing``,
      ``resumeProducing`` and ``stopProducing`` set ``producerState``.
    """

    def __init__(self, hostAddress: Address | None = None, peerAddress: Address | None = None):
        self._written = bytearray()
        self.hostAddr: Address = hostAddress or IPv4Address("TCP", "10.0.0.1", 12345)
        self.peerAddr: Address = peerAddress or IPv4Address("TCP", "192.168.1.1", 54321)
        #: loseConnection() or abortConnection() was called.
        self.disconnecting = False
        #: abortConnection() was called.
        self.aborted = False
        #: The protocol was told the connection is gone (StringTransportWithDisconnection).
        self.disconnected = False
        self.producer: Any = None
        self.streaming: bool | None = None
        self.producerState: ProducerState = "producing"

    def value(self) -> bytes:
        """Return everything written since construction or the last :meth:`clear`."""
        return bytes(self._written)

    def clear(self) -> None:
        """Forget what was written so far."""
        self._written.clear()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Record ``data``.

        :raises TypeError: if ``data`` is not bytes-like.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"transports carry bytes, not {type(data).__name__}: {data!r}")
        self._written += data

    def writeSequence(self, data: Iterable[bytes | bytearray | memoryview]) -> None:
        """Record each chunk of ``data`` in turn."""
        for chunk in data:
            self.write(chunk)

    def loseConnection(self) -> None:
        """Note that the protocol asked to close the connection (sets ``disconnecting``)."""
        self.disconnecting = True

    def abortConnection(self) -> None:
        """Note that the protocol asked to drop the connection now (sets ``aborted`` too)."""
        self.aborted = True
        self.loseConnection()

    def getHost(self) -> Address:
        """Return this side's address."""
        return self.hostAddr

    def getPeer(self) -> Address:
        """Return the other side's address."""
        return self.peerAddr

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Record ``producer`` as this transport's producer.

        :raises RuntimeError: if a producer is already registered.
        """
        if self.producer is not None:
            raise RuntimeError(
                f"cannot register {producer!r}: {self.producer!r} is already registered"
            )
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self) -> None:
        """Forget the registered producer.

        :raises RuntimeError: if none is registered.
        """
        if self.producer is None:
            raise RuntimeError("cannot unregister a producer: none is registered")
        self.producer = None
        self.streaming = None

    def pauseProducing(self) -> None:
        """Set ``producerState`` to "paused".

        :raises RuntimeError: after ``loseConnection``.
        """
        self._checkConnected("pause")
        self.producerState = "paused"

    def resumeProducing(self) -> None:
        """Set ``producerState`` to "producing".

        :raises RuntimeError: after ``loseConnection``.
        """
        self._checkConnected("resume")
        self.producerState = "producing"

    def stopProducing(self) -> None:
        """Set ``producerState`` to "stopped"."""
        self.producerState = "stopped"

    def _checkConnected(self, verb: str) -> None:
        if self.disconnecting:
            raise RuntimeError(f"cannot {verb} producing after loseConnection()")

    def __repr__(self) -> str:
        state = " disconnecting" if self.disconnecting else ""
        return f"<StringTransport{state} {len(self._written)} bytes written>"


class StringTransportWithDisconnection(StringTransport):
    """A StringTransport whose ``loseConnection`` tells ``protocol`` the connection is gone.

    Set ``protocol`` before use. The first ``loseConnection()`` (or ``abortConnection()``)
    calls ``protocol.connectionLost(Failure(ConnectionDone()))`` and sets ``disconnected``.
    """

    protocol: Any = None

    def loseConnection(self) -> None:
        """Mark the transport disconnecting and, the first time, call connectionLost."""
        if self.disconnected:
            return
        if self.protocol is None:
            raise RuntimeError(f"{self!r} has no protocol to tell the connection was lost")
        super().loseConnection()
        self.disconnected = True
        self.protocol.connectionLost(Failure(ConnectionDone()))


# A transport double must honour the transport contract (write, producer/consumer, addresses).
classImplements(StringTransport, ITransport)
