"""TLS over any stream transport, with the stdlib ``ssl`` module over memory BIOs.

This package owns treadle's TLS: ``listenSSL``/``connectSSL`` (the reactor methods of the same
names call these), ``startTLS`` on a connected transport, the TLS layer itself
(:class:`TLSMemoryBIOProtocol`, which wraps any stream transport, so one implementation serves
every backend), the wrapping factory (:class:`TLSMemoryBIOFactory`), context helpers that are
secure by default (:func:`clientContext`, :func:`serverContext`, :func:`optionsForClientTLS`),
and the error type (:class:`TLSError`, whose message names the cause). The ``tls:``/``ssl:``
endpoint descriptions live in :mod:`reactor.tls._endpoints`. It opens no socket itself:
``listenSSL`` is ``listenTCP`` with a wrapping factory, ``connectSSL`` is ``connectTCP`` with one.

One module per piece: :mod:`~reactor.tls._layer` (the protocol between transport and
application), :mod:`~reactor.tls._factory`, :mod:`~reactor.tls._contexts`,
:mod:`~reactor.tls._errors`, :mod:`~reactor.tls._endpoints`.
"""

from __future__ import annotations

import ssl
from typing import Any

from reactor.tls._contexts import (
    ClientTLSOptions,
    clientContext,
    contextOf,
    hostnameOf,
    optionsForClientTLS,
    serverContext,
)
from reactor.tls._errors import TLSError, TLSFailure
from reactor.tls._factory import TLSMemoryBIOFactory
from reactor.tls._layer import DEFAULT_HANDSHAKE_TIMEOUT, TLSMemoryBIOProtocol, TLSPhase

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "ClientTLSOptions",
    "TLSError",
    "TLSFailure",
    "TLSMemoryBIOFactory",
    "TLSMemoryBIOProtocol",
    "TLSPhase",
    "clientContext",
    "connectSSL",
    "listenSSL",
    "optionsForClientTLS",
    "serverContext",
    "startTLS",
]


def listenSSL(
    reactor: Any,
    port: int,
    factory: Any,
    contextFactory: Any,
    backlog: int = 50,
    interface: str = "",
    *,
    handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
) -> Any:
    """Listen on ``interface``:``port`` and serve ``factory``'s protocols over TLS.

    ``contextFactory``: an ``ssl.SSLContext`` (see :func:`serverContext`) or an object with
    ``getContext()``. Returns the listening port (``reactor.listenTCP``'s).

    :raises CannotListenError: if the address cannot be bound or listened on.
    """
    wrapping = TLSMemoryBIOFactory(
        contextFactory, False, factory, reactor, handshakeTimeout=handshakeTimeout
    )
    return reactor.listenTCP(port, wrapping, backlog=backlog, interface=interface)


def connectSSL(
    reactor: Any,
    host: str,
    port: int,
    factory: Any,
    contextFactory: Any,
    timeout: float = 30,
    bindAddress: tuple[str, int] | None = None,
    *,
    hostname: str | None = None,
    handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
) -> Any:
    """Connect to ``host``:``port`` and speak TLS as a client for ``factory``.

    The server's certificate is verified for ``hostname``, else the one ``contextFactory``
    carries (:func:`optionsForClientTLS`), else ``host``; the same name is sent as SNI. A
    handshake that fails reaches ``factory.clientConnectionFailed`` as a :class:`TLSError`.
    Returns the connector (``reactor.connectTCP``'s).
    """
    wrapping = TLSMemoryBIOFactory(
        contextFactory,
        True,
        factory,
        reactor,
        hostname=hostname or host,
        handshakeTimeout=handshakeTimeout,
    )
    return reactor.connectTCP(host, port, wrapping, timeout=timeout, bindAddress=bindAddress)


def startTLS(
    transport: Any,
    contextFactory: Any,
    isClient: bool,
    *,
    hostname: str | None = None,
    handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
) -> TLSMemoryBIOProtocol:
    """Put TLS between the connected ``transport`` and its protocol; return the TLS layer.

    What a transport's ``startTLS`` method calls: it then makes the returned layer its
    protocol and calls ``layer.makeConnection(transport)``. The side is the context's when it
    was made for one (``PROTOCOL_TLS_CLIENT``/``_SERVER``), else ``isClient``. The protocol's
    ``transport`` becomes the layer (write to that, not to a reference kept from before).
    """
    context = contextOf(contextFactory)
    if context.protocol == ssl.PROTOCOL_TLS_CLIENT:
        isClient = True
    elif context.protocol == ssl.PROTOCOL_TLS_SERVER:
        isClient = False
    name = hostname or hostnameOf(contextFactory)
    if isClient and name is None and context.check_hostname:
        peer = transport.getPeer()
        name = getattr(peer, "host", None)
    return TLSMemoryBIOProtocol(
        transport.protocol,
        context,
        isClient,
        name,
        reactor=getattr(transport, "reactor", None),
        handshakeTimeout=handshakeTimeout,
        wrappedConnected=True,
    )
