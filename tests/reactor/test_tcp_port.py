"""listenTCP and its listening port: addresses, stopping, refusing, and the accept loop of the
readiness reactors (batches, running out of descriptors, select's FD_SETSIZE)."""

from __future__ import annotations

import logging
import os
import resource
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from _tcphelpers import (
    CollectingFactory,
    Recorder,
    closeAll,
    connectTo,
    listen,
    runUntil,
)
from zope.interface.verify import verifyObject

import reactor as reactorPackage
from deferred import Deferred, Failure
from reactor import Reactor
from reactor.address import IPv4Address
from reactor.error import CannotListenError, ConnectionDone, ConnectionRefusedError
from reactor.interfaces import IListeningPort
from reactor.protocol import Factory


def test_portReportsTheAddressItListensOnWithTheRealPort(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    host = port.getHost()
    assert verifyObject(IListeningPort, port)
    port.stopListening()
    assert isinstance(host, IPv4Address)
    assert host.host == "127.0.0.1" and host.port > 0


def test_stopListeningClosesThePortAndStopsTheFactory(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    number = port.getHost().port
    assert factory.numPorts == 1
    stopped = port.stopListening()
    assert stopped.called
    assert factory.numPorts == 0
    client = Recorder()
    connectTo(r, number, client)
    with pytest.raises(ConnectionRefusedError):
        runUntil(r, client.made)


def test_connectionsAcceptedBeforeStopListeningStayOpen(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    client = Recorder()
    connectTo(r, port.getHost().port, client)
    runUntil(r, factory.builtAtLeast(1))
    port.stopListening()
    client.made.addCallback(lambda _: client.transport.write(b"still here"))
    runUntil(r, factory.built[0].receivedAtLeast(10))
    closeAll(r, port, factory, client)


def test_listeningOnATakenPortRaisesCannotListenError(realReactor: Reactor) -> None:
    r = realReactor
    port = listen(r, CollectingFactory(Recorder))
    factory = CollectingFactory(Recorder)
    try:
        with pytest.raises(CannotListenError) as caught:
            r.listenTCP(port.getHost().port, factory, interface="127.0.0.1")  # type: ignore[attr-defined]
    finally:
        port.stopListening()
    assert caught.value.port == port.getHost().port
    assert factory.numPorts == 0


def test_listeningOnAHostNameRaisesCannotListenError(realReactor: Reactor) -> None:
    with pytest.raises(CannotListenError, match="IP address literal"):
        realReactor.listenTCP(0, CollectingFactory(Recorder), interface="localhost")  # type: ignore[attr-defined]


class _Refusing(Factory):
    noisy = False

    def buildProtocol(self, addr: Any) -> None:
        return None


def test_aServerFactoryRefusingAConnectionClosesIt(realReactor: Reactor) -> None:
    r = realReactor
    port = listen(r, _Refusing())
    client = Recorder()
    connectTo(r, port.getHost().port, client)
    runUntil(r, client.lost)
    port.stopListening()
    assert client.reason is not None and client.reason.check(ConnectionDone, ConnectionRefusedError)


class _Exploding(Factory):
    noisy = False

    def buildProtocol(self, addr: Any) -> None:
        raise RuntimeError("no protocol today")


def test_anExceptionInBuildProtocolIsLoggedAndClosesTheConnection(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    caplog.set_level(logging.ERROR)
    port = listen(r, _Exploding())
    client = Recorder()
    connectTo(r, port.getHost().port, client)
    runUntil(r, client.lost)
    port.stopListening()
    assert "no protocol today" in caplog.text


# --- the accept loop of the readiness reactors --------------------------------------------

POLLING = [
    name
    for name in ("select", "poll", "epoll", "kqueue")
    if name in reactorPackage.availableReactors()
]


@pytest.fixture(params=POLLING)
def pollingReactor(request: pytest.FixtureRequest) -> Iterator[Reactor]:
    """A fresh readiness reactor (its own loop, its own accept loop) of each kind."""
    r = reactorPackage.availableReactors()[request.param]()
    try:
        yield r
    finally:
        leftovers = r.removeAll()
        r.close()
    assert not leftovers, f"test left readers/writers registered: {leftovers!r}"


def test_severalPendingConnectionsAreAcceptedInOnePass(pollingReactor: Reactor) -> None:
    r = pollingReactor
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    clients = [socket.create_connection(("127.0.0.1", port.getHost().port)) for _ in range(10)]
    try:
        r.iterate(1)
        acceptedInOnePass = len(factory.built)
    finally:
        for client in clients:
            client.close()
    runUntil(r, factory.builtAtLeast(10))
    for protocol in factory.built:
        runUntil(r, protocol.lost)
    port.stopListening()
    assert acceptedInOnePass == 10


class _EndWatcher:
    """A plain client socket watched by the reactor until it sees end of file or a reset."""

    def __init__(
        self, sock: socket.socket, done: list[_EndWatcher], finished: Deferred[None], of: int
    ):
        self.sock, self.done, self.finished, self.of = sock, done, finished, of
        sock.setblocking(False)

    def fileno(self) -> int:
        return self.sock.fileno()

    def doRead(self) -> object:
        try:
            data = self.sock.recv(1)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        if data:
            return None
        self.done.append(self)
        if len(self.done) == self.of:
            self.finished.callback(None)
        return ConnectionDone()

    def connectionLost(self, reason: Failure) -> None:
        pass


def test_runningOutOfDescriptorsShedsPendingConnectionsWithoutBusyLooping(
    pollingReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = pollingReactor
    caplog.set_level(logging.ERROR, logger="reactor.tcp")
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    clients = [socket.create_connection(("127.0.0.1", port.getHost().port)) for _ in range(3)]
    done: list[_EndWatcher] = []
    finished: Deferred[None] = Deferred()
    for client in clients:
        r.addReader(_EndWatcher(client, done, finished, len(clients)))
    accepts = []
    original = port.doRead

    def countingDoRead() -> None:
        accepts.append(1)
        original()

    port.doRead = countingDoRead
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowestFree = os.dup(0)
    os.close(lowestFree)
    try:
        # Every new descriptor would now be at or above the limit: accept() fails with EMFILE.
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowestFree, hard))
        runUntil(r, finished, timeout=5)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        for client in clients:
            client.close()
    assert len(done) == 3
    assert factory.built == []
    assert len(accepts) <= 6  # one per shed connection, give or take: no busy loop
    assert "closed one pending connection" in caplog.text
    # And the port goes on serving once descriptors are available again.
    recorder = Recorder()
    connectTo(r, port.getHost().port, recorder)
    runUntil(r, recorder.made)
    closeAll(r, port, factory, recorder)


def test_selectClosesConnectionsItCannotWatch(caplog: pytest.LogCaptureFixture) -> None:
    r = reactorPackage.SelectReactor()
    caplog.set_level(logging.ERROR, logger="reactor.tcp")
    factory = CollectingFactory(Recorder)
    port = listen(r, factory)
    client = socket.create_connection(("127.0.0.1", port.getHost().port))
    fillers: list[int] = []
    try:
        # Occupy every descriptor below FD_SETSIZE so the accepted socket lands above it.
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            fillers.append(fd)
            if fd >= 1023:
                break
        done: list[_EndWatcher] = []
        finished: Deferred[None] = Deferred()
        watcher = _EndWatcher(client, done, finished, 1)
        r.addReader(watcher)
        runUntil(r, finished, timeout=5)
    finally:
        for fd in fillers:
            os.close(fd)
        client.close()
        port.stopListening()
        leftovers = r.removeAll()
        r.close()
    assert factory.built == []
    assert "Cannot serve the connection" in caplog.text
    assert leftovers == []
