"""The Unix-socket contracts: stream transports that pass descriptors, their receivers, datagrams.

This module owns the interfaces of :mod:`reactor.unix` -- what a Unix stream transport offers
beyond a TCP-like one (``sendFileDescriptor``), what a protocol must provide to be handed the
descriptors that arrive (``fileDescriptorReceived``), the two Unix datagram transports, and the
reactor methods ``listenUNIX``/``connectUNIX``/``listenUNIXDatagram``/``connectUNIXDatagram``.
It holds no behaviour. :mod:`reactor.interfaces` re-exports these names.

As in :mod:`reactor._netinterfaces`, each contract is written once as a ``typing.Protocol``
(what code annotates with: ``UNIXTransport``...) and its zope.interface twin with Twisted's
``I``-prefixed name (``IUNIXTransport``...) is generated from it with ``_zopeTwin``.

One addition to Twisted's ``IUNIXTransport``: ours also lists ``loseWriteConnection`` and
``abortConnection``, which every Twisted Unix transport has (it is a TCP transport underneath)
but the interface never said; protocol code calling them on a Unix transport type-checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from reactor._netinterfaces import (
    Connector,
    ITransport,
    ListeningPort,
    ProtocolFactory,
    Transport,
    _zopeTwin,
)

if TYPE_CHECKING:
    from reactor.address import UNIXAddress

__all__ = [
    "FileDescriptorReceiver",
    "IFileDescriptorReceiver",
    "IReactorUNIX",
    "IReactorUNIXDatagram",
    "IUNIXDatagramConnectedTransport",
    "IUNIXDatagramTransport",
    "IUNIXTransport",
    "ReactorUNIX",
    "ReactorUNIXDatagram",
    "UNIXDatagramConnectedTransport",
    "UNIXDatagramTransport",
    "UNIXTransport",
]


class UNIXTransport(Transport, Protocol):
    """A Unix stream connection's transport: a byte stream that can also carry descriptors."""

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Send a duplicate of ``descriptor`` (a file, pipe, socket...) to the other end.

        It travels with the first byte written after this call (``SCM_RIGHTS`` needs at least
        one byte to ride on), so write something after it. The descriptor is duplicated at once:
        the caller may close its own copy as soon as this returns.
        """
        ...

    def loseWriteConnection(self) -> None:
        """Half-close: send what is buffered, then shut down the writing direction."""
        ...

    def abortConnection(self) -> None:
        """Close at once, dropping anything not yet sent (descriptors included)."""
        ...


class FileDescriptorReceiver(Protocol):
    """A stream protocol that accepts descriptors sent with ``sendFileDescriptor``."""

    def fileDescriptorReceived(self, descriptor: int) -> None:
        """Called with each descriptor received, before the bytes it arrived with.

        The protocol owns ``descriptor`` from then on and must close it.
        """
        ...


class UNIXDatagramTransport(Protocol):
    """A bound Unix datagram socket (what ``listenUNIXDatagram`` returns)."""

    def write(self, packet: bytes, addr: str | bytes) -> int | None:
        """Send ``packet`` to the socket bound at ``addr``."""
        ...

    def getHost(self) -> UNIXAddress:
        """Return the address this socket is bound to."""
        ...


class UNIXDatagramConnectedTransport(Protocol):
    """A connected Unix datagram socket (what ``connectUNIXDatagram`` returns)."""

    def write(self, packet: bytes) -> int | None:
        """Send ``packet`` to the socket this one is connected to."""
        ...

    def getHost(self) -> UNIXAddress:
        """Return the address this socket is bound to (``UNIXAddress(None)`` if unbound)."""
        ...

    def getPeer(self) -> UNIXAddress:
        """Return the address this socket is connected to."""
        ...


class ReactorUNIX(Protocol):
    """Unix stream sockets: listen and connect."""

    def listenUNIX(
        self,
        address: str,
        factory: ProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> ListeningPort:
        """Listen on the socket ``address`` (a path, or ``"\\0name"`` on Linux) with ``factory``.

        ``mode`` is the socket file's permission bits; ``wantPID`` keeps a lock file
        ``address + ".lock"`` holding this process's pid while listening.
        """
        ...

    def connectUNIX(
        self, address: str, factory: Any, timeout: float = 30, checkPID: bool = False
    ) -> Connector:
        """Connect to the socket ``address``; ``checkPID`` first checks its server's lock file."""
        ...


class ReactorUNIXDatagram(Protocol):
    """Unix datagram sockets: bind and connect."""

    def listenUNIXDatagram(
        self, address: str, protocol: Any, maxPacketSize: int = 8192, mode: int = 0o666
    ) -> ListeningPort:
        """Bind a datagram socket to ``address`` for ``protocol`` (a ``DatagramProtocol``)."""
        ...

    def connectUNIXDatagram(
        self,
        address: str,
        protocol: Any,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | None = None,
    ) -> Any:
        """Connect a datagram socket (bound to ``bindAddress``, if given) to ``address``."""
        ...


IUNIXTransport = _zopeTwin(UNIXTransport, ITransport)
IFileDescriptorReceiver = _zopeTwin(FileDescriptorReceiver)
IUNIXDatagramTransport = _zopeTwin(UNIXDatagramTransport)
IUNIXDatagramConnectedTransport = _zopeTwin(UNIXDatagramConnectedTransport)
IReactorUNIX = _zopeTwin(ReactorUNIX)
IReactorUNIXDatagram = _zopeTwin(ReactorUNIXDatagram)
