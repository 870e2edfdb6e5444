"""A UDP port on any reactor: one bound datagram socket serving one datagram protocol.

This module owns :class:`Port` (Twisted's ``twisted.internet.udp.Port``), what ``listenUDP``
returns and what the protocol's ``transport`` is. It reads up to :data:`DATAGRAMS_PER_EVENT`
datagrams per readable event, sends datagrams with ``write`` (no buffering: a datagram the
kernel cannot take at once is dropped, as UDP may drop any), turns the kernel's asynchronous
ICMP reports on a connected socket into ``connectionRefused()``, and closes the socket on
``stopListening``. It does not join multicast groups (:mod:`reactor.udp._multicast`) and it
makes no address decisions of its own (:mod:`reactor.udp._sockets`).

It uses only the reactor's public API (``addReader``/``removeReader``, ``getThreadPool`` for
name lookups), so one implementation serves every backend, the asyncio-hosted ones included.

Errors, and what happens to them:

* Sending: ``EMSGSIZE`` raises :class:`reactor.error.MessageLengthError` to the caller (the
  datagram is larger than a UDP datagram can be, 65,507 bytes over IPv4); ``EAGAIN`` and
  ``ENOBUFS`` drop the datagram (counted in :attr:`Port.droppedWrites`); ``ECONNREFUSED`` on a
  connected port calls the protocol's ``connectionRefused()`` (on an unconnected one it is
  ignored, as in Twisted); anything else is raised. A destination that is a host name rather
  than an IP literal raises :class:`reactor.error.InvalidAddressError`, never a blocking lookup.
* Receiving: ``ECONNREFUSED`` on a connected port calls ``connectionRefused()``; other ICMP
  reports (host or network unreachable) are logged. A datagram longer than ``maxPacketSize``
  is dropped and logged once per port (Twisted delivers its first ``maxPacketSize`` bytes as if
  they were the whole datagram); later ones are counted in :attr:`Port.truncatedDatagrams`.
* The poll and epoll backends report a socket whose only news is a pending ICMP error as
  "error", not "readable", and the reactor core then drops the descriptor through
  ``connectionLost``. For a UDP socket that is not the end of anything, so
  :meth:`Port.connectionLost` reads the pending error (``SO_ERROR``, which clears it), reports
  it like a read would and watches the socket again. (Twisted's epoll reactor closes the port
  there; select and asyncio report the socket readable instead, and ``doRead`` sees the error.)
  libuv (uvloop) calls the reader once and then stops watching the socket for good, so
  ``doRead`` registers the port afresh after an error it read.

Reactor thread only.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Iterable
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure, succeed
from reactor._netinterfaces import IListeningPort, ILoggingContext
from reactor._udpinterfaces import IUDPTransport
from reactor.address import IPv4Address, IPv6Address
from reactor.error import ConnectionDone, ConnectionLost, InvalidAddressError, MessageLengthError
from reactor.interfaces import IReadDescriptor
from reactor.protocol import AbstractDatagramProtocol
from reactor.tcp._sockets import addressOf, familyOfLiteral
from reactor.udp._sockets import (
    boundSocket,
    checkDestination,
    familyOfInterface,
    literalFor,
    peerOf6,
)

__all__ = ["DATAGRAMS_PER_EVENT", "Port"]

log = logging.getLogger("reactor.udp")

#: Most datagrams read per readable event: a burst is taken in one pass (one poll per batch
#: rather than one per datagram), bounded so that a flood on one port cannot starve the others.
DATAGRAMS_PER_EVENT = 256

#: Validated destination hosts remembered per port before the memory is cleared (see ``write``).
_CHECKED_HOSTS_LIMIT = 1024

# Errors on sending that mean "the kernel cannot take it now": UDP may drop it.
_DROP_ON_SEND = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS})


class Port:
    """A UDP socket bound to ``interface``:``port`` for ``protocol``; see the module docstring.

    ``listenUDP`` creates it and calls :meth:`startListening`, which binds the socket, starts
    the protocol (``makeConnection``: ``startProtocol``) and starts reading. Datagrams reach
    ``protocol.datagramReceived(data, (host, port))``.
    """

    #: The address family of the socket, ``AF_INET`` or ``AF_INET6``.
    addressFamily: int

    def __init__(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: Any = None,
    ) -> None:
        if reactor is None:
            from reactor import reactor as defaultReactor

            reactor = defaultReactor
        if type(maxPacketSize) is not int or maxPacketSize < 1:
            raise ValueError(f"maxPacketSize must be a positive int, not {maxPacketSize!r}")
        self.port = port
        self.protocol = protocol
        self.interface = interface
        self.maxPacketSize = maxPacketSize
        self.reactor = reactor
        self.addressFamily = familyOfInterface(interface, port)
        self.socket: socket.socket | None = None
        #: True while listening (Twisted's name: it does not mean "connected to a peer").
        self.connected = False
        #: Datagrams dropped by ``write`` because the kernel had no room for them.
        self.droppedWrites = 0
        #: Datagrams longer than ``maxPacketSize`` dropped on receipt.
        self.truncatedDatagrams = 0
        self._fd = -1
        self._host: IPv4Address | IPv6Address | None = None
        # The (host, port) this port is connected to, if connect() was called.
        self._peer: tuple[str, int] | None = None
        # A connect() to a host name waiting for its lookup.
        self._resolving: Deferred[None] | None = None
        # Destination hosts write() has already checked are IP literals of our family: checking
        # costs two inet_pton calls, a set lookup a tenth of that, on every datagram.
        self._checkedHosts: set[str] = set()

    # --- life cycle ---------------------------------------------------------------------------

    def _makeSocket(self) -> socket.socket:
        """Create and bind the socket (:class:`MulticastPort` shares it when asked to)."""
        return boundSocket(self.addressFamily, self.interface, self.port, shared=False)

    def startListening(self) -> None:
        """Bind the socket, start the protocol and start reading.

        :raises CannotListenError: if the address cannot be bound.
        """
        if self.socket is not None:
            return
        sock = self._makeSocket()
        self.socket = sock
        self._fd = sock.fileno()
        self._host = addressOf(sock.getsockname(), "UDP")
        self.connected = True
        try:
            self.protocol.makeConnection(self)
            self.reactor.addReader(self)
        except BaseException:
            self._closeSocket()
            if self.protocol.transport is self:
                self.protocol.doStop()
            raise
        log.debug("%s listening on UDP %s", self.logPrefix(), self._host)

    def stopListening(self) -> Deferred[None]:
        """Stop reading, stop the protocol (``stopProtocol``) and close the socket.

        It all happens before this returns (Twisted waits for the next reactor turn), so the
        returned Deferred has already fired.
        """
        if self.socket is not None:
            self.reactor.removeReader(self)
            self.connected = False
            try:
                self.protocol.doStop()
            finally:
                self._closeSocket()
            log.debug("Stopped listening on UDP %s", self._host)
        return succeed(None)

    loseConnection = stopListening

    def _closeSocket(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        self._fd = -1
        self.connected = False
        self._peer = None

    # --- addresses and options ----------------------------------------------------------------

    def getHost(self) -> IPv4Address | IPv6Address:
        """Return the address the socket is bound to (with the real port when 0 was asked)."""
        if self._host is None:
            raise RuntimeError(f"{self!r} is not listening")
        return self._host

    def getHandle(self) -> socket.socket:
        """Return the socket (for options this class has no method for)."""
        return self._socket()

    def fileno(self) -> int:
        """The socket's descriptor; -1 when not listening."""
        return self._fd

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow (or forbid) sending to broadcast addresses (``SO_BROADCAST``; off by default)."""
        self._socket().setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, int(bool(enabled)))

    def getBroadcastAllowed(self) -> bool:
        """Return whether sending to broadcast addresses is allowed."""
        return bool(self._socket().getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST))

    def _socket(self) -> socket.socket:
        if self.socket is None:
            raise RuntimeError(f"{self!r} is not listening")
        return self.socket

    # --- connecting ---------------------------------------------------------------------------

    def connect(self, host: str, port: int) -> Deferred[None]:
        """Send to and receive from ``host``:``port`` only; ``write`` then needs no address.

        ``host`` is an IP literal of the port's family, or a name: a literal connects before
        this returns; a name is looked up in the reactor's thread pool first (writes without an
        address fail with a clear error until then). The returned Deferred fires with None once
        connected, or fails (``DNSLookupError``, ``InvalidAddressError``, ``OSError``). Twisted
        returns None and takes literals only; code that ignores the result is unaffected.

        Unlike Twisted's, a connected port may be connected again, to another peer. Datagrams
        sent to it then come back refused (ICMP) as calls of ``connectionRefused()``.
        """
        sock = self._socket()
        if self._resolving is not None:
            raise RuntimeError(f"{self!r} is still looking up the host of an earlier connect()")
        if type(port) is not int or not 0 < port <= 65535:
            raise ValueError(f"port must be an int in 1..65535, not {port!r}")
        if familyOfLiteral(host) is not None:
            checkDestination(self.addressFamily, host)
            self._connectTo(sock, host, port)
            return succeed(None)
        lookup = literalFor(self.reactor, self.addressFamily, host)
        done: Deferred[None] = Deferred()
        self._resolving = done

        def found(literal: str) -> None:
            self._resolving = None
            if self.socket is not sock:
                raise RuntimeError(f"{self!r} stopped listening while looking up {host!r}")
            self._connectTo(sock, literal, port)

        def failed(reason: Failure) -> Failure:
            self._resolving = None
            return reason

        lookup.addCallbacks(found, failed).chainDeferred(done)
        return done

    def _connectTo(self, sock: socket.socket, host: str, port: int) -> None:
        sock.connect((host, port))
        self._peer = (host, port)

    # --- writing ------------------------------------------------------------------------------

    def write(self, datagram: bytes, addr: tuple[Any, ...] | None = None) -> None:
        """Send ``datagram`` to ``addr`` (``(ip, port)``), or to the connected peer if None.

        ``addr``'s host must be an IP literal of the port's family (``"<broadcast>"`` too, for
        IPv4 with broadcasting allowed). A connected port sends only to its peer.

        :raises MessageLengthError: if the datagram is too long to send.
        :raises InvalidAddressError: if ``addr`` is not a usable destination.
        :raises RuntimeError: if the port is not listening.
        """
        sock = self.socket
        if sock is None:
            raise RuntimeError(f"{self!r} is not listening; cannot write")
        if addr is None or self._peer is not None:
            self._writeConnected(sock, datagram, addr)
            return
        try:
            host = addr[0]
            if host not in self._checkedHosts:
                self._check(host)
            sock.sendto(datagram, addr)
        except OSError as e:
            self._sendFailed(e, datagram, addr)

    def writeSequence(self, seq: Iterable[bytes], addr: tuple[Any, ...] | None = None) -> None:
        """Send the concatenation of ``seq`` as one datagram (see :meth:`write`)."""
        self.write(b"".join(seq), addr)

    def _check(self, host: Any) -> None:
        checkDestination(self.addressFamily, host)
        checked = self._checkedHosts
        if len(checked) >= _CHECKED_HOSTS_LIMIT:
            checked.clear()  # Bounded: many peers cost re-checks, never unbounded memory.
        checked.add(host)

    def _writeConnected(
        self, sock: socket.socket, datagram: bytes, addr: tuple[Any, ...] | None
    ) -> None:
        peer = self._peer
        if peer is None:
            if self._resolving is not None:
                raise InvalidAddressError(
                    None,
                    "write() without an address while connect() is still looking up the "
                    "peer's name; wait for the Deferred connect() returned",
                )
            raise InvalidAddressError(
                None, "write() needs an address: the port is not connected to a peer"
            )
        if addr is not None and tuple(addr[:2]) != peer:
            raise InvalidAddressError(
                addr, f"a port connected to {peer} can only send to it (give no address)"
            )
        try:
            sock.send(datagram)
        except OSError as e:
            self._sendFailed(e, datagram, peer)

    def _sendFailed(self, error: OSError, datagram: bytes, addr: Any) -> None:
        number = error.errno
        if number in _DROP_ON_SEND:
            self.droppedWrites += 1
            return
        if number == errno.EMSGSIZE:
            raise MessageLengthError(
                f"a datagram of {len(datagram)} bytes is too long to send to {addr}"
            ) from error
        if number == errno.ECONNREFUSED:
            # Reported by an earlier datagram's ICMP answer; this one was not sent either.
            if self._peer is not None:
                self._refused()
            return
        raise error

    # --- reading ------------------------------------------------------------------------------

    def doRead(self) -> None:
        """Read and deliver up to :data:`DATAGRAMS_PER_EVENT` datagrams."""
        sock = self.socket
        if sock is None:
            return
        recvfrom = sock.recvfrom
        # One byte more than the limit: a datagram that fills it was longer than allowed.
        limit = self.maxPacketSize
        bufsize = limit + 1
        deliver = self.protocol.datagramReceived
        ipv6 = self.addressFamily == socket.AF_INET6
        for _ in range(DATAGRAMS_PER_EVENT):
            try:
                data, addr = recvfrom(bufsize)
            except BlockingIOError:
                return
            except OSError as e:
                self._asyncError(e.errno or 0)
                if self.socket is not sock:
                    return
                self._watchAfresh()
                continue
            if len(data) > limit:
                self._oversize(addr)
                continue
            if ipv6:
                addr = peerOf6(addr)
            try:
                deliver(data, addr)
            except Exception:
                log.exception("Unhandled error in datagramReceived of %r", self.protocol)
            if self.socket is not sock:
                return  # The protocol stopped (or restarted) the port.

    def _asyncError(self, number: int) -> None:
        """Report an error the kernel queued on the socket (an ICMP answer to a datagram)."""
        if number == errno.ECONNREFUSED:
            if self._peer is not None:
                self._refused()
            return
        log.warning("UDP port %s: an earlier datagram failed: %s", self._host, os.strerror(number))

    def _watchAfresh(self) -> None:
        # libuv (so uvloop, under AsyncioReactor) stops watching a descriptor once it has
        # reported an error condition on it, after one last "readable" call -- this one. It
        # would never tell us of another datagram; a new registration does. Elsewhere this
        # costs two epoll_ctl calls per ICMP report, which are rare.
        self.reactor.removeReader(self)
        self.reactor.addReader(self)

    def _refused(self) -> None:
        refused = getattr(self.protocol, "connectionRefused", None)
        if refused is None:
            return  # An AbstractDatagramProtocol: it has no way to hear of it.
        try:
            refused()
        except Exception:
            log.exception("Unhandled error in connectionRefused of %r", self.protocol)

    def _oversize(self, addr: Any) -> None:
        self.truncatedDatagrams += 1
        if self.truncatedDatagrams == 1:
            log.warning(
                "UDP port %s dropped a datagram from %s longer than maxPacketSize (%d bytes); "
                "further ones are dropped quietly and counted in truncatedDatagrams",
                self._host,
                addr,
                self.maxPacketSize,
            )

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the socket: a pending ICMP error, or ``doRead`` failed.

        A pending error (see the module docstring) is reported and the socket watched again;
        anything else closes the port.
        """
        sock = self.socket
        if sock is None:
            return
        pending = 0
        if reason.check(ConnectionLost, ConnectionDone):
            try:
                pending = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            except OSError:
                pending = 0
        if pending:
            self._asyncError(pending)
            if self.socket is sock:
                self.reactor.addReader(self)
            return
        log.error("UDP port %s closed: %s", self._host, reason.getErrorMessage())
        self.stopListening()

    # --- logging ------------------------------------------------------------------------------

    def logPrefix(self) -> str:
        """The protocol's log prefix (its class name), for log lines."""
        prefix = getattr(self.protocol, "logPrefix", None)
        return str(prefix()) if prefix is not None else type(self.protocol).__name__

    def __repr__(self) -> str:
        where = self._host if self._host is not None else f"{self.interface}:{self.port}"
        state = "listening" if self.socket is not None else "not listening"
        return f"<UDP Port {type(self.protocol).__name__} on {where} {state}>"


classImplements(Port, IUDPTransport, IListeningPort, ILoggingContext, IReadDescriptor)
