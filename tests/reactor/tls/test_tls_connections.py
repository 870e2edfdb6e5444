"""TLS over real TCP connections, on every backend: echo, failures, startTLS, ALPN, SNI."""

from __future__ import annotations

import ssl
import warnings
from typing import Any

import pytest
import trustme
from _tcphelpers import (
    ClientFor,
    CollectingFactory,
    Echo,
    Recorder,
    closeAll,
    randomPayload,
    runUntil,
    sha256,
    waitAll,
)
from _tlsio import connectSSLTo, failureOf, listenSSLOn

from reactor import Reactor
from reactor.endpoints import clientFromString, connectProtocol
from reactor.error import ConnectionDone
from reactor.protocol import Factory
from reactor.protocols.basic import LineReceiver
from reactor.tls import TLSError, TLSFailure, clientContext, optionsForClientTLS, serverContext

pytestmark = pytest.mark.reactor("all")


def test_aTrustedConnectionEchoes20MBIntact(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    factory = CollectingFactory(Echo)
    port = listenSSLOn(reactor, factory, serverCtx)
    payload = randomPayload(20 << 20, 6)
    client = Recorder()
    connectSSLTo(reactor, port.getHost().port, client, clientCtx, "localhost")
    runUntil(reactor, client.made)
    for offset in range(0, len(payload), 1 << 20):
        client.transport.write(payload[offset : offset + (1 << 20)])
    received = runUntil(reactor, client.receivedAtLeast(len(payload)), timeout=60)
    assert sha256(received) == sha256(payload)
    closeAll(reactor, port, factory, client)
    assert type(factory.built[0].reason.value) is ConnectionDone  # close_notify arrived


def _failedHandshake(
    r: Reactor, serverContext: Any, clientContext: Any, hostname: str = "localhost"
) -> tuple[TLSError, Any]:
    """Connect, expect the handshake to fail; return the client's error and server's reason."""
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(r, factory, serverContext)
    client = Recorder()
    clientFactory = connectSSLTo(r, port.getHost().port, client, clientContext, hostname)
    [reason] = runUntil(r, failureOf(clientFactory.failed))
    runUntil(r, waitAll(client.lost, *(p.lost for p in factory.built)))
    runUntil(r, waitAll(*(p.lost for p in factory.built)))
    port.stopListening()
    assert client.reason is not None and client.reason.value is reason.value
    server = factory.built[0].reason.value if factory.built else None
    assert isinstance(reason.value, TLSError), reason
    return reason.value, server


def test_anUntrustedCertificateFailsWithAClearError(
    reactor: Reactor, serverCtx: ssl.SSLContext, otherCA: trustme.CA
) -> None:
    error, serverReason = _failedHandshake(
        reactor, serverCtx, clientContext(otherCA.cert_pem.bytes())
    )
    assert error.cause is TLSFailure.UNTRUSTED
    assert "certificate verify failed: unable to get local issuer certificate (untrusted" in str(
        error
    )
    assert isinstance(serverReason, TLSError)
    assert serverReason.cause is TLSFailure.PEER_REJECTED_CERTIFICATE


def test_anExpiredCertificateFailsWithAClearError(
    reactor: Reactor, expiredCert: trustme.LeafCert, clientCtx: ssl.SSLContext
) -> None:
    expired = serverContext(expiredCert.private_key_and_cert_chain_pem.bytes())
    error, _ = _failedHandshake(reactor, expired, clientCtx)
    assert error.cause is TLSFailure.EXPIRED
    assert "certificate has expired" in str(error)


def test_aHostNameMismatchFailsWithAClearError(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    error, _ = _failedHandshake(reactor, serverCtx, clientCtx, hostname="example.org")
    assert error.cause is TLSFailure.HOSTNAME_MISMATCH
    assert "host name mismatch: certificate is not valid for 'example.org'" in str(error)


def test_optionsForClientTLSCarryTheHostNameToVerify(
    reactor: Reactor, serverCtx: ssl.SSLContext, ca: trustme.CA
) -> None:
    options = optionsForClientTLS("example.org", ca.cert_pem.bytes())
    error, _ = _failedHandshake(reactor, serverCtx, options, hostname="localhost")
    assert error.cause is TLSFailure.HOSTNAME_MISMATCH


def _tls10Only(context: ssl.SSLContext) -> ssl.SSLContext:
    """Restrict ``context`` to TLS 1.0 (OpenSSL 3 needs security level 0 for its ciphers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1
    return context


def test_aTLS10OnlyClientIsRefusedWithAClearError(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    error, serverReason = _failedHandshake(reactor, serverCtx, _tls10Only(clientCtx))
    assert error.cause is TLSFailure.PROTOCOL_VERSION, error
    assert "protocol version" in str(error)
    assert isinstance(serverReason, TLSError)
    assert serverReason.cause is TLSFailure.PROTOCOL_VERSION
    assert "below our minimum" in str(serverReason)


def test_aTLS10OnlyServerIsRefusedWithAClearError(
    reactor: Reactor, serverCert: trustme.LeafCert, clientCtx: ssl.SSLContext
) -> None:
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serverCert.configure_cert(old)
    error, _ = _failedHandshake(reactor, _tls10Only(old), clientCtx)
    assert error.cause is TLSFailure.PROTOCOL_VERSION, error
    assert "protocol version" in str(error)


def test_alpnPicksTheServersPreferredCommonProtocol(
    reactor: Reactor, serverCert: trustme.LeafCert, ca: trustme.CA
) -> None:
    server = serverContext(
        serverCert.private_key_and_cert_chain_pem.bytes(), alpn=["h2", "http/1.1"]
    )
    client = clientContext(ca.cert_pem.bytes(), alpn=[b"http/1.1", b"h2"])
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(reactor, factory, server)
    recorder = Recorder()
    connectSSLTo(reactor, port.getHost().port, recorder, client, "localhost")
    runUntil(reactor, recorder.made)
    runUntil(reactor, recorder.transport.whenHandshakeDone())  # type: ignore[attr-defined]
    [built] = runUntil(reactor, factory.builtAtLeast(1))
    runUntil(reactor, built.transport.whenHandshakeDone())
    assert recorder.transport.negotiatedProtocol in (b"h2", b"http/1.1")  # type: ignore[attr-defined]
    assert built.transport.negotiatedProtocol == recorder.transport.negotiatedProtocol  # type: ignore[attr-defined]
    closeAll(reactor, port, factory, recorder)


def test_sniPicksTheCertificateForTheNameAsked(
    reactor: Reactor, serverCtx: ssl.SSLContext, serverCert: trustme.LeafCert, ca: trustme.CA
) -> None:
    other = ca.issue_cert("other.example")
    otherContext = serverContext(other.private_key_and_cert_chain_pem.bytes())
    server = serverContext(
        serverCert.private_key_and_cert_chain_pem.bytes(),
        sniContexts={"other.example": otherContext},
    )
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(reactor, factory, server)
    recorder = Recorder()
    connectSSLTo(
        reactor, port.getHost().port, recorder, clientContext(ca.cert_pem.bytes()), "other.example"
    )
    runUntil(reactor, recorder.made)
    layer: Any = recorder.transport
    runUntil(reactor, layer.whenHandshakeDone())
    assert ("DNS", "other.example") in layer.getPeerCertificate()["subjectAltName"]
    [built] = runUntil(reactor, factory.builtAtLeast(1))
    runUntil(reactor, built.transport.whenHandshakeDone())
    assert built.transport.getServerName() == "other.example"
    closeAll(reactor, port, factory, recorder)


class _StartTLSServer(LineReceiver):
    """Plain lines until "STARTTLS"; then answers "GO" and switches to TLS."""

    delimiter = b"\n"

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.lines: list[bytes] = []
        self.recorder = Recorder()

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"STARTTLS":
            self.sendLine(b"GO")
            self.transport.startTLS(self.context)  # type: ignore[attr-defined]
        elif line == b"QUIT":
            version = self.transport.getTLSVersion()  # type: ignore[attr-defined]
            self.sendLine(b"BYE " + version.encode())
            self.transport.loseConnection()

    def connectionLost(self, reason: Any) -> None:
        self.recorder.connectionLost(reason)


class _StartTLSClient(LineReceiver):
    delimiter = b"\n"

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.lines: list[bytes] = []
        self.recorder = Recorder()
        self.secure: Any = None

    def connectionMade(self) -> None:
        self.sendLine(b"HELLO in the clear")
        self.sendLine(b"STARTTLS")

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"GO":
            self.transport.startTLS(self.context)  # type: ignore[attr-defined]
            self.secure = self.transport
            self.sendLine(b"QUIT")

    def connectionLost(self, reason: Any) -> None:
        self.recorder.connectionLost(reason)


def test_startTLSMidStreamSecuresTheRestOfTheConversation(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    servers: list[_StartTLSServer] = []

    class ServerFactory(Factory):
        noisy = False

        def buildProtocol(self, addr: Any) -> _StartTLSServer:
            servers.append(_StartTLSServer(serverCtx))
            return servers[-1]

    port = reactor.listenTCP(0, ServerFactory(), interface="127.0.0.1")  # type: ignore[attr-defined]
    client = _StartTLSClient(clientCtx)
    factory = ClientFor(client)  # type: ignore[arg-type]
    reactor.connectTCP("127.0.0.1", port.getHost().port, factory, timeout=10)  # type: ignore[attr-defined]
    runUntil(reactor, client.recorder.lost)
    runUntil(reactor, servers[0].recorder.lost)
    port.stopListening()
    assert servers[0].lines == [b"HELLO in the clear", b"STARTTLS", b"QUIT"]
    assert client.lines == [b"GO", b"BYE TLSv1.3"]
    assert client.secure.getPeerCertificate() is not None
    assert client.secure.TLS
    assert type(client.recorder.reason.value) is ConnectionDone  # type: ignore[union-attr]


class _Streamer:
    """A streaming producer writing 64 KiB whenever resumed, until paused."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.paused = False
        self.pauses = 0

    def pauseProducing(self) -> None:
        self.paused = True
        self.pauses += 1

    def resumeProducing(self) -> None:
        self.paused = False

    def stopProducing(self) -> None:
        self.paused = True

    def fill(self) -> None:
        while not self.paused:
            self.transport.write(b"x" * 65536)


def test_aProducerOnATLSTransportIsPausedWhenThePeerStopsReading(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(reactor, factory, serverCtx)
    client = Recorder()
    connectSSLTo(reactor, port.getHost().port, client, clientCtx, "localhost")
    runUntil(reactor, client.made)
    [server] = runUntil(reactor, factory.builtAtLeast(1))
    runUntil(reactor, server.transport.whenHandshakeDone())
    server.transport.pauseProducing()  # The server reads no more.
    producer = _Streamer(client.transport)
    client.transport.registerProducer(producer, True)
    producer.fill()  # Until the TCP write buffer below passes its high mark.
    assert producer.pauses == 1
    assert client.transport.getWriteBufferSize() > 0
    client.transport.unregisterProducer()
    client.transport.abortConnection()
    server.transport.abortConnection()  # Paused, it would not notice the reset.
    runUntil(reactor, waitAll(client.lost, server.lost))
    port.stopListening()


def test_startTLSReachesAProtocolConnectedThroughAnEndpoint(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    # connectProtocol puts a wrapper between the connection and the protocol; the TLS layer
    # must still become the protocol's transport, or its writes would go out in the clear.
    servers: list[_StartTLSServer] = []

    class ServerFactory(Factory):
        noisy = False

        def buildProtocol(self, addr: Any) -> _StartTLSServer:
            servers.append(_StartTLSServer(serverCtx))
            return servers[-1]

    class Client(_StartTLSClient):
        handshakes = 0

        def handshakeCompleted(self) -> None:
            self.handshakes += 1

    port = reactor.listenTCP(0, ServerFactory(), interface="127.0.0.1")  # type: ignore[attr-defined]
    client = Client(clientCtx)
    endpoint = clientFromString(reactor, f"tcp:host=127.0.0.1:port={port.getHost().port}")
    connected = connectProtocol(endpoint, client)
    runUntil(reactor, client.recorder.lost)
    runUntil(reactor, servers[0].recorder.lost)
    port.stopListening()
    assert connected.called
    assert servers[0].lines == [b"HELLO in the clear", b"STARTTLS", b"QUIT"]
    assert client.lines == [b"GO", b"BYE TLSv1.3"]
    assert client.secure.TLS
    assert client.handshakes == 1
