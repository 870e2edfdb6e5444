"""The TLS contracts: what a TLS transport offers, ``startTLS``, the SSL reactor methods.

This module owns the interfaces of :mod:`reactor.tls` -- ``SSLTransport`` (a TCP-like
transport that speaks TLS: the peer certificate, the negotiated ALPN protocol, the TLS version
and cipher, the SNI name), ``TLSTransport`` (a TCP transport that can start TLS mid-stream),
``HandshakeListener`` (a protocol told when the handshake completed) and ``ReactorSSL``
(``listenSSL``/``connectSSL``). It holds no behaviour. :mod:`reactor.interfaces` re-exports
these names.

As in :mod:`reactor._netinterfaces`, each contract is written once as a ``typing.Protocol``
and its zope.interface twin with Twisted's ``I``-prefixed name (``ISSLTransport``...) is
generated from it with ``_zopeTwin``. Differences from Twisted: ``getPeerCertificate``
returns what the stdlib ``ssl`` module gives (a dict, or DER bytes with ``binary=True``), not a
pyOpenSSL ``X509``; and ``SSLTransport`` lists the TLS version, cipher and SNI name, which
Twisted reaches through the pyOpenSSL connection object.
"""

from __future__ import annotations

from typing import Any, Protocol

from reactor._netinterfaces import (
    ClientProtocolFactory,
    Connector,
    ITCPTransport,
    ListeningPort,
    ProtocolFactory,
    TCPTransport,
    _zopeTwin,
)

__all__ = [
    "HandshakeListener",
    "IHandshakeListener",
    "IReactorSSL",
    "ISSLTransport",
    "ITLSTransport",
    "ReactorSSL",
    "SSLTransport",
    "TLSTransport",
]


class SSLTransport(TCPTransport, Protocol):
    """A transport speaking TLS (Twisted's ``ISSLTransport``)."""

    #: The application protocol agreed on with ALPN (``b"h2"``...), or None.
    negotiatedProtocol: bytes | None

    def getPeerCertificate(self, binary: bool = False) -> Any:
        """The peer's certificate (a dict; DER bytes if ``binary``), None before the handshake
        completed or when the peer sent none."""
        ...

    def getTLSVersion(self) -> str | None:
        """The TLS version in use ("TLSv1.3"...), None before the handshake."""
        ...

    def getCipher(self) -> tuple[str, str, int] | None:
        """The cipher in use as ``(name, protocol, secret bits)``, None before the handshake."""
        ...

    def getServerName(self) -> str | None:
        """The host name asked for with SNI (sent, on a client; received, on a server)."""
        ...


class TLSTransport(TCPTransport, Protocol):
    """A TCP transport that can switch to TLS mid-stream (Twisted's ``ITLSTransport``)."""

    def startTLS(self, contextFactory: Any, normal: bool = True) -> None:
        """Speak TLS from now on with ``contextFactory`` (an ``ssl.SSLContext``...).

        The protocol's ``transport`` becomes the TLS layer (an :class:`SSLTransport`).
        """
        ...


class HandshakeListener(Protocol):
    """A protocol that wants to know when its TLS handshake completed."""

    def handshakeCompleted(self) -> None:
        """The handshake is done: the peer certificate and ALPN result are known."""
        ...


class ReactorSSL(Protocol):
    """TLS over TCP: listen and connect (Twisted's ``IReactorSSL``)."""

    def listenSSL(
        self,
        port: int,
        factory: ProtocolFactory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> ListeningPort:
        """Listen on ``interface``:``port`` and speak TLS (server side) with ``contextFactory``."""
        ...

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientProtocolFactory,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to ``host``:``port`` and speak TLS (client side) with ``contextFactory``."""
        ...


ISSLTransport = _zopeTwin(SSLTransport, ITCPTransport)
ITLSTransport = _zopeTwin(TLSTransport, ITCPTransport)
IHandshakeListener = _zopeTwin(HandshakeListener)
IReactorSSL = _zopeTwin(ReactorSSL)
