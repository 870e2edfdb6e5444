"""The wrapping factory: TLS for every protocol a factory builds, on any stream port or connector.

This module owns :class:`TLSMemoryBIOFactory` (Twisted's name). Given to ``listenTCP`` or
``connectTCP`` in place of the application's factory, it builds a
:class:`reactor.tls._layer.TLSMemoryBIOProtocol` around each protocol the application's
factory builds, so ``listenSSL``/``connectSSL`` are ``listenTCP``/``connectTCP`` with it -- on
every reactor, the asyncio-hosted ones included. It forwards the factory life cycle
(``doStart``/``doStop``) and, for clients, the connector events.

One deliberate difference from Twisted: when a client's connection ends before its handshake
completed (an untrusted certificate, a host-name mismatch, a timeout...), the application's
factory hears ``clientConnectionFailed`` with the :class:`reactor.tls.TLSError` -- the secure
connection was never made -- where Twisted says ``clientConnectionLost``. (Its protocol, which
was connected at once so that it could write early, still gets ``connectionLost``.)
"""

from __future__ import annotations

from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor.interfaces import IClientProtocolFactory, IProtocolFactory
from reactor.tls._contexts import contextOf, hostnameOf
from reactor.tls._errors import TLSError
from reactor.tls._layer import DEFAULT_HANDSHAKE_TIMEOUT, TLSMemoryBIOProtocol

__all__ = ["TLSMemoryBIOFactory"]


class TLSMemoryBIOFactory:
    """Wraps ``wrappedFactory``'s protocols in TLS with ``contextFactory``.

    ``contextFactory`` is an ``ssl.SSLContext`` or has ``getContext()`` (asked once per
    connection). ``isClient`` picks the side. A client verifies and sends as SNI
    ``hostname``, else the ``hostname`` the context factory carries
    (:class:`reactor.tls.ClientTLSOptions`). ``handshakeTimeout`` (seconds, None for none)
    bounds each handshake.
    """

    noisy = False

    def __init__(
        self,
        contextFactory: Any,
        isClient: bool,
        wrappedFactory: Any,
        reactor: Any = None,
        *,
        hostname: str | None = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        contextOf(contextFactory)  # A wrong kind of context fails here, not per connection.
        self.contextFactory = contextFactory
        self.isClient = isClient
        self.wrappedFactory = wrappedFactory
        self.reactor = reactor
        self.hostname = hostnameOf(contextFactory) or hostname
        self.handshakeTimeout = handshakeTimeout
        # The protocol built last: a connector makes one connection at a time, so this is the
        # one whose end clientConnectionLost reports (the transport below only knows that
        # its own connection ended, not why the TLS layer ended it).
        self._latest: TLSMemoryBIOProtocol | None = None

    def doStart(self) -> None:
        """Start the wrapped factory."""
        self.wrappedFactory.doStart()

    def doStop(self) -> None:
        """Stop the wrapped factory."""
        self.wrappedFactory.doStop()

    def buildProtocol(self, addr: Any) -> TLSMemoryBIOProtocol | None:
        """Build the wrapped factory's protocol for ``addr`` and wrap it (None refuses)."""
        wrapped = self.wrappedFactory.buildProtocol(addr)
        if wrapped is None:
            return None
        layer = TLSMemoryBIOProtocol(
            wrapped,
            contextOf(self.contextFactory),
            self.isClient,
            self.hostname,
            reactor=self.reactor,
            handshakeTimeout=self.handshakeTimeout,
            factory=self,
        )
        if self.isClient:
            self._latest = layer
        return layer

    # --- client side ----------------------------------------------------------------------

    def startedConnecting(self, connector: Any) -> None:
        """Forward to the wrapped (client) factory."""
        started = getattr(self.wrappedFactory, "startedConnecting", None)
        if started is not None:
            started(connector)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """Forward to the wrapped (client) factory."""
        self.wrappedFactory.clientConnectionFailed(connector, reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        """Forward; a connection that never became secure failed (see the module docstring)."""
        layer, self._latest = self._latest, None
        if layer is not None and layer.finalReason is not None:
            reason = layer.finalReason
        error = reason.value
        if isinstance(error, TLSError) and error.duringHandshake:
            self.wrappedFactory.clientConnectionFailed(connector, reason)
        else:
            self.wrappedFactory.clientConnectionLost(connector, reason)

    def logPrefix(self) -> str:
        """The wrapped factory's class name and "TLS", for log lines."""
        return f"{type(self.wrappedFactory).__name__} (TLS)"

    def __repr__(self) -> str:
        side = "client" if self.isClient else "server"
        return f"<TLSMemoryBIOFactory {side} for {self.wrappedFactory!r}>"


classImplements(TLSMemoryBIOFactory, IProtocolFactory, IClientProtocolFactory)
