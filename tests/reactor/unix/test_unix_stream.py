"""Unix stream sockets on every backend: bytes both ways, addresses, handles, closing, failures.

Real sockets in a short temporary directory; every test closes what it opened.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from _tcphelpers import (
    ClientFor,
    CollectingFactory,
    Echo,
    Recorder,
    closeAll,
    randomChunks,
    randomPayload,
    runUntil,
    sha256,
)
from _unixhelpers import connectUnixTo, unixPair
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor.address import UNIXAddress
from reactor.error import ConnectError, ConnectionDone, ConnectionRefusedError, TimeoutError
from reactor.interfaces import IConnector, IListeningPort, IReactorUNIX, IUNIXTransport

PAYLOAD_SIZE = 4 * 1024 * 1024


def test_aMultiMegabyteStreamIsEchoedIntact(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Echo)
    payload = randomPayload(PAYLOAD_SIZE, seed=6)

    def send(_: object) -> Deferred[bytes]:
        for chunk in randomChunks(payload, seed=7):
            client.transport.write(chunk)
        return client.receivedAtLeast(len(payload))

    received = runUntil(r, client.made.addCallback(send))
    closeAll(r, port, factory, client)
    assert sha256(received) == sha256(payload)


def test_addressesAreThePathOnTheServerSideAndUnboundOnTheClient(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    path = str(sockDir / "s")
    port, factory, client = unixPair(r, path)
    runUntil(r, client.made)
    runUntil(r, factory.builtAtLeast(1))
    server = factory.built[0]
    runUntil(r, server.made)
    seen = [
        port.getHost(),
        client.transport.getPeer(),
        client.transport.getHost(),
        server.transport.getHost(),
        server.transport.getPeer(),
    ]
    closeAll(r, port, factory, client)
    assert seen == [
        UNIXAddress(path),
        UNIXAddress(path),
        UNIXAddress(None),
        UNIXAddress(path),
        UNIXAddress(None),
    ]


def test_getHandleIsTheConnectedUnixSocket(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    port, factory, client = unixPair(r, path)
    runUntil(r, client.made)
    handle = client.transport.getHandle()
    seen = (handle.family, handle.type, handle.getpeername())
    closeAll(r, port, factory, client)
    assert seen == (socket.AF_UNIX, socket.SOCK_STREAM, path)


def test_transportsAndPortsProvideTheirInterfaces(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"))
    runUntil(r, client.made)
    runUntil(r, factory.builtAtLeast(1))
    checks = [
        verifyObject(IUNIXTransport, client.transport),
        verifyObject(IUNIXTransport, factory.built[0].transport),
        verifyObject(IListeningPort, port),
        verifyObject(IReactorUNIX, r),
    ]
    closeAll(r, port, factory, client)
    assert checks == [True, True, True, True]


def test_connectReturnsAConnectorProvidingIConnectorWithItsDestination(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    path = str(sockDir / "s")
    factory = CollectingFactory(Recorder)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    client = Recorder()
    clientFactory = ClientFor(client)
    connector = r.connectUNIX(path, clientFactory)  # type: ignore[attr-defined]
    runUntil(r, client.made)
    closeAll(r, port, factory, client)
    assert verifyObject(IConnector, connector)
    assert connector.getDestination() == UNIXAddress(path)
    assert clientFactory.events == ["started", "built", "lost"]


def test_theServerClosingIsConnectionDoneForTheClient(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor

    class Closer(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            self.transport.write(b"bye")
            self.transport.loseConnection()

    port, factory, client = unixPair(r, str(sockDir / "s"), Closer)
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert client.received == b"bye"
    assert client.reason is not None and client.reason.check(ConnectionDone)


def test_halfCloseLetsTheServerAnswerAfterEndOfFile(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    from zope.interface import implementer

    from reactor.interfaces import IHalfCloseableProtocol

    @implementer(IHalfCloseableProtocol)
    class AnswerAtEnd(Recorder):
        def readConnectionLost(self) -> None:
            self.transport.write(b"you sent %d bytes" % len(self.received))
            self.transport.loseConnection()

        def writeConnectionLost(self) -> None:
            pass

    @implementer(IHalfCloseableProtocol)
    class HalfClosingClient(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            self.transport.write(b"12345")
            self.transport.loseWriteConnection()

        def readConnectionLost(self) -> None:
            pass

        def writeConnectionLost(self) -> None:
            pass

    port, factory, client = unixPair(r, str(sockDir / "s"), AnswerAtEnd, HalfClosingClient())
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert client.received == b"you sent 5 bytes"


def test_connectingToAMissingPathFailsWithConnectError(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    client = Recorder()
    connectUnixTo(r, str(sockDir / "nothing-here"), client)
    with pytest.raises(ConnectError, match="No such file"):
        runUntil(r, client.made)


def test_connectingToAStaleSocketFileIsRefused(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "stale")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.close()
    client = Recorder()
    connectUnixTo(r, path, client)
    with pytest.raises(ConnectionRefusedError):
        runUntil(r, client.made)


def test_aFullBacklogIsRetriedUntilTheTimeout(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "full")
    # A listener that never accepts, with its backlog filled by blocking clients.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    fillers: list[socket.socket] = []
    try:
        while True:
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            if filler.connect_ex(path) != 0:
                break
        client = Recorder()
        connectUnixTo(r, path, client, timeout=0.2)
        with pytest.raises(TimeoutError):
            runUntil(r, client.made)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_aFullBacklogConnectsOnceTheServerAccepts(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "full")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    fillers: list[socket.socket] = []
    accepted: list[socket.socket] = []
    try:
        while True:
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            if filler.connect_ex(path) != 0:
                break
        client = Recorder()
        connectUnixTo(r, path, client)

        def drain() -> None:
            listener.setblocking(False)
            try:
                while True:
                    accepted.append(listener.accept()[0])
            except BlockingIOError:
                pass

        r.callLater(0.05, drain)
        runUntil(r, client.made)
        client.transport.loseConnection()
        runUntil(r, client.lost)
    finally:
        for sock in fillers + accepted:
            sock.close()
        listener.close()
    assert client.events == ["made", "lost"]


def test_stopConnectingAbandonsTheAttempt(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    factory = CollectingFactory(Recorder)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    client = Recorder()
    clientFactory = ClientFor(client)
    failed: list[Any] = []
    clientFactory.failed.addErrback(failed.append)
    connector = r.connectUNIX(path, clientFactory)  # type: ignore[attr-defined]
    connector.stopConnecting()
    d: Deferred[None] = Deferred()
    r.callLater(0.01, d.callback, None)
    runUntil(r, d)
    port.stopListening()
    assert clientFactory.events == ["started", "failed"]
    assert factory.built == []
    assert len(failed) == 1


def test_theProtocolMayRefuseAConnection(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")

    class Refusing(CollectingFactory):
        def buildProtocol(self, addr: Any) -> Any:
            self.built.append(None)
            return None

    factory = Refusing(Recorder)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    client = Recorder()
    connectUnixTo(r, path, client)
    runUntil(r, client.made)
    runUntil(r, client.lost)
    port.stopListening()
    assert factory.built == [None]
    assert client.reason is not None


def test_tcpOptionsAreHarmlessNoOps(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"))
    runUntil(r, client.made)
    transport = client.transport
    transport.setTcpNoDelay(True)
    transport.setTcpKeepAlive(True)
    seen = (transport.getTcpNoDelay(), transport.getTcpKeepAlive())
    closeAll(r, port, factory, client)
    assert seen == (False, False)


def test_reprNamesTheSocketPath(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    port, factory, client = unixPair(r, path)
    runUntil(r, client.made)
    texts = (repr(port), repr(client.transport))
    closeAll(r, port, factory, client)
    assert all(path in text and "UNIX" in text for text in texts)
