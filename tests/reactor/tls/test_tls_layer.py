"""The TLS layer on an in-memory pipe: handshake, buffering, closing, flow control, timeouts.

Deterministic: the pipe moves bytes only when the test pumps it, time is a Clock.
"""

from __future__ import annotations

import ssl

import pytest
import trustme
from _tlspair import Pair, Recording
from zope.interface import implementer

from reactor.error import ConnectionAborted, ConnectionDone
from reactor.interfaces import IHalfCloseableProtocol
from reactor.tls import TLSError, TLSFailure, TLSPhase, clientContext


def test_theHandshakeCompletesWhenBothFlightsArrive(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    assert pair.clientTLS.phase is TLSPhase.HANDSHAKING
    pair.pump()
    assert pair.clientTLS.phase is TLSPhase.ESTABLISHED
    assert pair.serverTLS.phase is TLSPhase.ESTABLISHED


def test_theApplicationIsConnectedBeforeTheHandshakeAndToldWhenItCompletes(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    assert pair.client.events == ["made"]
    pair.pump()
    assert pair.client.events == ["made", "handshake"]
    assert pair.server.events == ["made", "handshake"]


def test_writesBeforeTheHandshakeWaitAndArriveInOrder(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.client.transport.write(b"first ")
    pair.client.transport.writeSequence([b"second ", b"third"])
    assert pair.client.transport.getWriteBufferSize() >= len(b"first second third")
    pair.pump()
    assert bytes(pair.server.received) == b"first second third"


def test_nothingIsSentInTheClearBeforeTheHandshake(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.client.transport.write(b"secret-before-handshake")
    assert b"secret-before-handshake" not in bytes(pair.clientEnd.buffer)
    pair.pump()
    assert b"secret-before-handshake" in bytes(pair.server.received)


def test_aStringWriteIsATypeErrorNamingTheFix(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    with pytest.raises(TypeError, match="encode it first"):
        pair.client.transport.write("text")  # type: ignore[arg-type]


def test_thePeerCertificateIsKnownOnceTheHandshakeIsDone(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    assert pair.clientTLS.getPeerCertificate() is None
    pair.pump()
    certificate = pair.clientTLS.getPeerCertificate()
    assert ("DNS", "localhost") in certificate["subjectAltName"]
    assert pair.clientTLS.getPeerCertificate(binary=True)[:1] == b"\x30"  # DER
    assert pair.clientTLS.getTLSVersion() == "TLSv1.3"


def test_whenHandshakeDoneFiresWithTheLayer(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    done = pair.clientTLS.whenHandshakeDone()
    assert not done.called
    pair.pump()
    assert done.result is pair.clientTLS
    assert pair.clientTLS.whenHandshakeDone().result is pair.clientTLS


def test_aHandshakeThatStallsTimesOutWithAClearError(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx, handshakeTimeout=5).connect()
    failed = pair.clientTLS.whenHandshakeDone()
    pair.clock.advance(4.9)
    assert pair.clientTLS.phase is TLSPhase.HANDSHAKING
    pair.clock.advance(0.1)  # The server never answered: the pipe was never pumped.
    assert pair.clientEnd.aborted
    pair.pump()
    assert pair.client.reason is not None
    error = pair.client.reason.value
    assert isinstance(error, TLSError)
    assert error.cause is TLSFailure.HANDSHAKE_TIMEOUT
    assert "did not complete within 5 s" in str(error)
    assert failed.result.value is error  # type: ignore[union-attr]
    failed.addErrback(lambda _: None)


def test_aCompletedHandshakeLeavesNoTimeoutPending(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    assert pair.clock.getDelayedCalls() == []


def test_loseConnectionSendsCloseNotifyAndBothSidesEndCleanly(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    pair.client.transport.write(b"bye")
    pair.client.transport.loseConnection()
    pair.pump()
    assert bytes(pair.server.received) == b"bye"
    assert pair.client.reason is not None and pair.client.reason.check(ConnectionDone)
    assert pair.server.reason is not None
    assert type(pair.server.reason.value) is ConnectionDone  # close_notify came first


def test_endOfFileWithoutCloseNotifyIsATruncation(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    pair.clientEnd.loseConnection()  # Below TLS: no close_notify.
    pair.pump()
    assert pair.server.reason is not None
    error = pair.server.reason.value
    assert isinstance(error, TLSError) and error.cause is TLSFailure.TRUNCATED
    assert "without a TLS close_notify" in str(error)


def test_loseConnectionBeforeTheHandshakeSendsTheWritesFirst(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.client.transport.write(b"early")
    pair.client.transport.loseConnection()
    pair.pump()
    assert bytes(pair.server.received) == b"early"
    assert pair.server.reason is not None and type(pair.server.reason.value) is ConnectionDone


def test_abortConnectionDropsPendingWrites(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.client.transport.write(b"never")
    pair.client.transport.abortConnection()
    pair.pump()
    assert pair.client.reason is not None and pair.client.reason.check(ConnectionAborted)
    assert bytes(pair.server.received) == b""


@implementer(IHalfCloseableProtocol)
class HalfCloser(Recording):
    def readConnectionLost(self) -> None:
        self.events.append("read lost")
        self.transport.write(b"answer after your close_notify")
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        self.events.append("write lost")


def test_halfCloseSendsCloseNotifyAndTheAnswerStillArrives(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    client, server = HalfCloser(), HalfCloser()
    pair = Pair(clientCtx, serverCtx, client, server).connect()
    pair.pump()
    client.transport.write(b"question")
    client.transport.loseWriteConnection()
    pair.pump()
    assert bytes(server.received) == b"question"
    assert "read lost" in server.events
    assert bytes(client.received) == b"answer after your close_notify"
    assert "write lost" in client.events
    assert client.reason is not None and type(client.reason.value) is ConnectionDone


def test_pausingHoldsDecryptedDataUntilResumed(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    pair.server.transport.pauseProducing()
    assert pair.serverEnd.paused
    pair.serverEnd.paused = False  # Data already in flight still arrives below...
    pair.client.transport.write(b"held")
    pair.pump()
    assert bytes(pair.server.received) == b""  # ...but is not delivered while paused.
    pair.server.transport.resumeProducing()
    pair.clock.advance(0)
    assert bytes(pair.server.received) == b"held"


def test_aProducerIsRegisteredWithTheTransportBelow(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    producer = object()
    pair.client.transport.registerProducer(producer, True)
    assert pair.clientEnd.producer is producer and pair.clientEnd.streaming is True
    pair.client.transport.unregisterProducer()
    assert pair.clientEnd.producer is None


def test_anUntrustedServerFailsTheClientsHandshakeAndTheServerHearsWhy(
    otherCA: trustme.CA, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientContext(otherCA.cert_pem.bytes()), serverCtx).connect()
    pair.pump()
    assert pair.client.reason is not None and pair.server.reason is not None
    clientError, serverError = pair.client.reason.value, pair.server.reason.value
    assert isinstance(clientError, TLSError) and clientError.cause is TLSFailure.UNTRUSTED
    assert clientError.duringHandshake
    assert "unable to get local issuer certificate (untrusted" in str(clientError)
    assert isinstance(serverError, TLSError)
    assert serverError.cause is TLSFailure.PEER_REJECTED_CERTIFICATE
    assert "does not trust our certificate" in str(serverError)


def test_negotiatedProtocolIsNoneWithoutALPN(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    assert pair.clientTLS.negotiatedProtocol is None


def test_theClientKnowsTheNameItSentAndTheServerTheNameItGot(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    assert pair.clientTLS.getServerName() == "localhost"
    assert pair.serverTLS.getServerName() == "localhost"
