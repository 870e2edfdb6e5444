"""The ``tls:`` (alias ``ssl:``) endpoints: TLS servers and clients described by strings.

This module owns :class:`SSL4ServerEndpoint` and :class:`TLSClientEndpoint` and registers the
``tls`` and ``ssl`` description parsers with :mod:`reactor.endpoints` when imported (which
``serverFromString``/``clientFromString`` do on first use of those prefixes). It does no I/O
itself: the server endpoint calls ``reactor.listenSSL``, the client endpoint wraps a TCP client
endpoint in :class:`reactor.tls.TLSMemoryBIOFactory`. Contexts are built when the description
is parsed, so a missing or bad certificate file is a ``ValueError`` at once, naming the file.

Descriptions::

    tls:443:privateKey=key.pem:certKey=cert.pem
    tls:port=8443:interface=127.0.0.1:certKey=chain-and-key.pem:caCerts=clients-ca.pem
    tls:host=example.org:port=443
    tls:host=10.0.0.5:port=443:hostname=example.org:caCerts=ca.pem

Server: ``certKey`` is the certificate chain (leaf first); ``privateKey`` the key (may be the
same file; if only ``privateKey`` is given it must hold both, as Twisted's ``ssl:`` allows);
``caCerts`` makes the server require client certificates issued by those CAs; ``interface``,
``backlog``, ``handshakeTimeout``, ``alpn`` (comma-separated). Client: ``host``, ``port``,
``hostname`` (verified and sent as SNI; default ``host``), ``caCerts`` (default: the system's),
``certKey``/``privateKey`` (a client certificate), ``timeout``, ``bindAddress``,
``handshakeTimeout``, ``alpn``.

The client endpoint's ``connect`` fires with the protocol once the *handshake* has completed
(Twisted fires on the TCP connection) and fails with the :class:`reactor.tls.TLSError` when it
does not: "connected" then means "connected securely".
"""

from __future__ import annotations

import ssl
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure, maybeDeferred
from reactor.endpoints import (
    TCP4ClientEndpoint,
    _checkPort,
    _float,
    _int,
    _unbracket,
    registerClientParser,
    registerServerParser,
)
from reactor.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from reactor.tls._contexts import clientContext, serverContext
from reactor.tls._factory import TLSMemoryBIOFactory
from reactor.tls._layer import DEFAULT_HANDSHAKE_TIMEOUT, TLSMemoryBIOProtocol

__all__ = ["SSL4ServerEndpoint", "TLSClientEndpoint"]


class SSL4ServerEndpoint:
    """Listen with TLS on ``interface``:``port`` (Twisted's name)."""

    def __init__(
        self,
        reactor: Any,
        port: int,
        sslContextFactory: Any,
        backlog: int = 50,
        interface: str = "",
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._context = sslContextFactory
        self._backlog = backlog
        self._interface = interface
        self._handshakeTimeout = handshakeTimeout

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Listen with ``protocolFactory``; fire with the port (``CannotListenError`` fails)."""
        from reactor.tls import listenSSL

        return maybeDeferred(
            listenSSL,
            self._reactor,
            self._port,
            protocolFactory,
            self._context,
            self._backlog,
            self._interface,
            handshakeTimeout=self._handshakeTimeout,
        )

    def __repr__(self) -> str:
        return f"<SSL4ServerEndpoint {self._interface or '*'}:{self._port}>"


class TLSClientEndpoint:
    """Connect over TCP to ``host``:``port`` and speak TLS, verifying ``hostname``.

    ``connect`` fires with the application's protocol once the handshake completed; see the
    module docstring.
    """

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        contextFactory: Any,
        hostname: str | None = None,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._context = contextFactory
        self._hostname = hostname or host
        self._timeout = timeout
        self._bindAddress = bindAddress
        self._handshakeTimeout = handshakeTimeout

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fire with the protocol once the TLS handshake is done."""
        tls = TLSMemoryBIOFactory(
            self._context,
            True,
            protocolFactory,
            self._reactor,
            hostname=self._hostname,
            handshakeTimeout=self._handshakeTimeout,
        )
        tcp = TCP4ClientEndpoint(
            self._reactor, self._host, self._port, self._timeout, self._bindAddress
        )
        connecting = tcp.connect(tls)  # Fires with the TLS layer it built.
        layers: list[TLSMemoryBIOProtocol] = []

        def cancel(d: Deferred[Any]) -> None:
            if layers:
                layers[0].abortConnection()  # Its handshake Deferred fails: d with it.
            else:
                connecting.cancel()

        secured: Deferred[Any] = Deferred(cancel)

        def connected(layer: TLSMemoryBIOProtocol) -> Deferred[Any]:
            layers.append(layer)
            return layer.whenHandshakeDone()

        def finished(result: object) -> None:
            if secured.called:
                return  # Cancelled meanwhile.
            if isinstance(result, Failure):
                secured.errback(result)
            else:
                assert isinstance(result, TLSMemoryBIOProtocol)
                secured.callback(result.wrappedProtocol)

        connecting.addCallback(connected).addBoth(finished)
        return secured

    def __repr__(self) -> str:
        return f"<TLSClientEndpoint {self._host}:{self._port} verifying {self._hostname!r}>"


classImplements(SSL4ServerEndpoint, IStreamServerEndpoint)
classImplements(TLSClientEndpoint, IStreamClientEndpoint)


# --- descriptions ------------------------------------------------------------------------------


def _alpn(value: str | None) -> list[str] | None:
    return None if value is None else [name for name in value.split(",") if name]


def _timeoutOf(value: str | None, name: str) -> float | None:
    if value is None:
        return DEFAULT_HANDSHAKE_TIMEOUT
    if value.lower() == "none":
        return None
    return _float("handshakeTimeout", value, name)


def _loading(name: str, build: Any, *args: Any, **kwargs: Any) -> ssl.SSLContext:
    """Build a context; a file that cannot be read or used is a ValueError naming it."""
    try:
        context: ssl.SSLContext = build(*args, **kwargs)
    except (OSError, ValueError) as e:
        raise ValueError(f"{name}: cannot load the certificates or key: {e}") from None
    return context


def _parseServer(
    reactor: Any,
    port: str | None = None,
    *extra: str,
    interface: str = "",
    backlog: str = "50",
    certKey: str | None = None,
    privateKey: str | None = None,
    caCerts: str | None = None,
    alpn: str | None = None,
    handshakeTimeout: str | None = None,
    **unknown: str,
) -> SSL4ServerEndpoint:
    name = "tls"
    if extra:
        raise ValueError(f"{name}: unexpected positional arguments {list(extra)!r}")
    if unknown:
        raise ValueError(f"{name}: unknown parameters {sorted(unknown)!r}")
    if port is None:
        raise ValueError(f"{name}: a port is needed (tls:443:privateKey=...:certKey=...)")
    if certKey is None and privateKey is None:
        raise ValueError(f"{name}: a server needs certKey= (the chain) and privateKey= (the key)")
    chain = certKey if certKey is not None else privateKey
    assert chain is not None
    context = _loading(name, serverContext, chain, privateKey, caCerts=caCerts, alpn=_alpn(alpn))
    number = _checkPort(_int("port", port, name), name, allowZero=True)
    return SSL4ServerEndpoint(
        reactor,
        number,
        context,
        _int("backlog", backlog, name),
        _unbracket(interface),
        _timeoutOf(handshakeTimeout, name),
    )


def _parseServerWithKeywordPort(reactor: Any, *args: str, **kwargs: str) -> SSL4ServerEndpoint:
    if "port" in kwargs:
        if args:
            raise ValueError("tls: the port is given both positionally and as port=")
        args = (kwargs.pop("port"),)
    return _parseServer(reactor, *args, **kwargs)


def _parseClient(reactor: Any, *args: str, **kwargs: str) -> TLSClientEndpoint:
    name = "tls"
    positional = ("host", "port")
    if len(args) > len(positional):
        raise ValueError(f"{name}: unexpected positional arguments {list(args[2:])!r}")
    for field, value in zip(positional, args, strict=False):
        if field in kwargs:
            raise ValueError(f"{name}: {field} is given both positionally and as {field}=")
        kwargs[field] = value
    host = kwargs.pop("host", None)
    port = kwargs.pop("port", None)
    hostname = kwargs.pop("hostname", None)
    caCerts = kwargs.pop("caCerts", None)
    certKey = kwargs.pop("certKey", None)
    privateKey = kwargs.pop("privateKey", None)
    alpn = kwargs.pop("alpn", None)
    timeout = kwargs.pop("timeout", "30")
    bindAddress = kwargs.pop("bindAddress", None)
    handshakeTimeout = kwargs.pop("handshakeTimeout", None)
    if kwargs:
        raise ValueError(f"{name}: unknown parameters {sorted(kwargs)!r}")
    if not host:
        raise ValueError(f"{name}: a host is needed (tls:host=example.org:port=443)")
    if port is None:
        raise ValueError(f"{name}: a port is needed (tls:host=example.org:port=443)")
    chain = certKey if certKey is not None else privateKey
    context = _loading(
        name,
        clientContext,
        caCerts,
        certChain=chain,
        privateKey=privateKey if certKey is not None else None,
        alpn=_alpn(alpn),
    )
    number = _checkPort(_int("port", port, name), name, allowZero=False)
    bind = None if bindAddress is None else (_unbracket(bindAddress), 0)
    return TLSClientEndpoint(
        reactor,
        _unbracket(host),
        number,
        context,
        hostname,
        _float("timeout", timeout, name),
        bind,
        _timeoutOf(handshakeTimeout, name),
    )


for _prefix in ("tls", "ssl"):
    registerServerParser(_prefix, _parseServerWithKeywordPort)
    registerClientParser(_prefix, _parseClient)
