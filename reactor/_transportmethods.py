"""The reactor methods for every transport beyond TCP: UDP, multicast, Unix, TLS, processes.

This module owns only the reactor-facing entry points -- Twisted's ``IReactorUDP``,
``IReactorMulticast``, ``IReactorUNIX``, ``IReactorUNIXDatagram``, ``IReactorSSL`` and
``IReactorProcess`` methods -- as a mixin that :class:`reactor.Reactor` inherits, so every
backend (select, poll, epoll, kqueue, asyncio) has them. Each method imports its transport's
package on first use and hands itself over as the reactor: the transports need only the
reactor's ``addReader``/``addWriter``/``callLater`` (and ``listenTCP``/``connectTCP`` for TLS,
which layers over any stream transport), so one implementation serves every backend.
(Rejected: one copy per host reactor -- the asyncio reactor hosts readiness descriptors on its
loop already, so a second implementation would buy nothing but drift.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from reactor.interfaces import (
    IReactorMulticast,
    IReactorProcess,
    IReactorSSL,
    IReactorUDP,
    IReactorUNIX,
    IReactorUNIXDatagram,
)

if TYPE_CHECKING:
    from reactor._processinterfaces import ChildProcessProtocol
    from reactor.process import Process
    from reactor.udp import MulticastPort, Port

__all__ = ["TransportMethods"]


class TransportMethods:
    """UDP, multicast, Unix stream and datagram, TLS and process methods for a reactor."""

    # --- UDP and multicast (reactor.udp) ---------------------------------------------------

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> Port:
        """Bind a UDP socket to ``interface``:``port`` (0: any free port) for ``protocol``."""
        from reactor.udp import listenUDP

        return listenUDP(self, port, protocol, interface, maxPacketSize)

    def listenMulticast(
        self,
        port: int,
        protocol: Any,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> MulticastPort:
        """Bind a multicast-capable UDP socket to ``interface``:``port`` for ``protocol``."""
        from reactor.udp import listenMulticast

        return listenMulticast(self, port, protocol, interface, maxPacketSize, listenMultiple)

    # --- Unix sockets (reactor.unix) -------------------------------------------------------

    def listenUNIX(
        self,
        address: str,
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> Any:
        """Listen on the Unix socket ``address`` (``"\\0name"``: Linux abstract name)."""
        from reactor.unix import listenUNIX

        return listenUNIX(self, address, factory, backlog, mode, wantPID)

    def connectUNIX(
        self, address: str, factory: Any, timeout: float = 30, checkPID: bool = False
    ) -> Any:
        """Connect to the Unix socket ``address`` for ``factory``; return the connector."""
        from reactor.unix import connectUNIX

        return connectUNIX(self, address, factory, timeout, checkPID)

    def listenUNIXDatagram(
        self, address: str, protocol: Any, maxPacketSize: int = 8192, mode: int = 0o666
    ) -> Any:
        """Bind a Unix datagram socket to ``address`` for ``protocol``."""
        from reactor.unix import listenUNIXDatagram

        return listenUNIXDatagram(self, address, protocol, maxPacketSize, mode)

    def connectUNIXDatagram(
        self,
        address: str,
        protocol: Any,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | None = None,
    ) -> Any:
        """Connect a Unix datagram socket to ``address`` for ``protocol``."""
        from reactor.unix import connectUNIXDatagram

        return connectUNIXDatagram(self, address, protocol, maxPacketSize, mode, bindAddress)

    # --- TLS (reactor.tls) -----------------------------------------------------------------

    def listenSSL(
        self,
        port: int,
        factory: Any,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> Any:
        """Listen on ``interface``:``port`` and speak TLS (server side) with ``contextFactory``."""
        from reactor.tls import listenSSL

        return listenSSL(self, port, factory, contextFactory, backlog, interface)

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: Any,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Any:
        """Connect to ``host``:``port`` and speak TLS (client side) with ``contextFactory``."""
        from reactor.tls import connectSSL

        return connectSSL(self, host, port, factory, contextFactory, timeout, bindAddress)

    # --- processes (reactor.process) -------------------------------------------------------

    def spawnProcess(
        self,
        processProtocol: ChildProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str, str] | None = None,
        path: str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
    ) -> Process:
        """Start ``executable`` with ``args`` as a child process driven by ``processProtocol``.

        See :func:`reactor.process.spawnProcess` (the argument semantics, and how they differ
        from Twisted's: ``env=None`` inherits this process's environment).
        """
        from reactor.process import spawnProcess

        return spawnProcess(
            self, processProtocol, executable, args, env, path, uid, gid, usePTY, childFDs
        )


classImplements(
    TransportMethods,
    IReactorUDP,
    IReactorMulticast,
    IReactorUNIX,
    IReactorUNIXDatagram,
    IReactorSSL,
    IReactorProcess,
)
