"""connectTCP and its Connector: the state machine on a Clock, then real attempts on every
backend (refused, timed out, abandoned, named hosts, bind addresses, refused protocols)."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from _tcphelpers import (
    ClientFor,
    CollectingFactory,
    Recorder,
    closeAll,
    connectTo,
    listen,
    openDescriptors,
    runUntil,
    waitAll,
)
from zope.interface.verify import verifyObject

from deferred import Failure
from reactor import Reactor
from reactor.address import IPv4Address, IPv6Address
from reactor.error import (
    ConnectionDone,
    ConnectionRefusedError,
    DNSLookupError,
    NoProtocol,
    NotConnectingError,
    TimeoutError,
    UserError,
)
from reactor.interfaces import IConnector
from reactor.protocol import ClientFactory, ReconnectingClientFactory
from reactor.task import Clock
from reactor.tcp import Connector, ConnectorState

# --- the state machine, on a Clock with a dial that only records ------------------------


class _RecordedDial:
    def __init__(self, dials: list[_RecordedDial], *args: Any) -> None:
        self.reactor, self.family, self.sockaddr, self.bindAddress, self.connector = args
        self.started = False
        self.cancelled = False
        dials.append(self)

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True


class _CountingFactory(ClientFactory):
    noisy = False

    def __init__(self) -> None:
        self.events: list[str] = []
        self.reasons: list[Failure] = []
        self.reconnect = False

    def startFactory(self) -> None:
        self.events.append("startFactory")

    def stopFactory(self) -> None:
        self.events.append("stopFactory")

    def startedConnecting(self, connector: Any) -> None:
        self.events.append("startedConnecting")

    def buildProtocol(self, addr: Any) -> Any:
        self.events.append("buildProtocol")
        return Recorder()

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.events.append("clientConnectionFailed")
        self.reasons.append(reason)
        if self.reconnect:
            self.reconnect = False
            connector.connect()

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.events.append("clientConnectionLost")
        self.reasons.append(reason)


def _connector(
    clock: Clock, factory: Any, timeout: float | None = 5, host: str = "127.0.0.1"
) -> tuple[Connector, list[_RecordedDial]]:
    dials: list[_RecordedDial] = []
    connector = Connector(
        host, 8080, factory, timeout, None, clock, lambda *a: _RecordedDial(dials, *a)
    )
    return connector, dials


def test_connectStartsTheFactoryAndDialsOnTheNextPass() -> None:
    clock, factory = Clock(), _CountingFactory()
    connector, dials = _connector(clock, factory)
    connector.connect()
    assert factory.events == ["startFactory", "startedConnecting"]
    assert dials == []
    clock.advance(0)
    assert [d.started for d in dials] == [True]
    assert dials[0].sockaddr == ("127.0.0.1", 8080)
    assert dials[0].family == socket.AF_INET
    assert connector.state is ConnectorState.CONNECTING


def test_timeoutAbandonsTheDialAndReportsTimeoutError() -> None:
    clock, factory = Clock(), _CountingFactory()
    connector, dials = _connector(clock, factory, timeout=5)
    connector.connect()
    clock.advance(4.9)
    assert factory.events[-1] == "startedConnecting"
    clock.advance(0.1)
    assert dials[0].cancelled
    assert factory.events[-2:] == ["clientConnectionFailed", "stopFactory"]
    assert factory.reasons[0].check(TimeoutError)
    assert connector.state is ConnectorState.DISCONNECTED
    assert clock.getDelayedCalls() == []


def test_aConnectedDialCancelsTheTimeout() -> None:
    clock, factory = Clock(), _CountingFactory()
    connector, _dials = _connector(clock, factory, timeout=5)
    connector.connect()
    clock.advance(0)
    connector.buildProtocol(IPv4Address("TCP", "127.0.0.1", 8080))
    assert connector.state is ConnectorState.CONNECTED
    assert clock.getDelayedCalls() == []
    connector.connectionLost(Failure(ConnectionDone()))
    assert factory.events[-2:] == ["clientConnectionLost", "stopFactory"]


def test_stopConnectingReportsUserErrorAndCancelsTheDial() -> None:
    clock, factory = Clock(), _CountingFactory()
    connector, dials = _connector(clock, factory)
    connector.connect()
    clock.advance(0)
    connector.stopConnecting()
    assert dials[0].cancelled
    assert factory.reasons[0].check(UserError)
    assert clock.getDelayedCalls() == []


def test_stopConnectingBeforeTheFirstPassNeverDials() -> None:
    clock, factory = Clock(), _CountingFactory()
    connector, dials = _connector(clock, factory)
    connector.connect()
    connector.disconnect()
    clock.advance(10)
    assert dials == []
    assert factory.reasons[0].check(UserError)


def test_stopConnectingWhenNotConnectingRaises() -> None:
    connector, _ = _connector(Clock(), _CountingFactory())
    with pytest.raises(NotConnectingError):
        connector.stopConnecting()


def test_connectWhileConnectingRaises() -> None:
    connector, _ = _connector(Clock(), _CountingFactory())
    connector.connect()
    with pytest.raises(RuntimeError, match="connecting already"):
        connector.connect()


def test_reconnectingFromTheFailureHandlerKeepsTheFactoryStarted() -> None:
    clock, factory = Clock(), _CountingFactory()
    factory.reconnect = True
    connector, _dials = _connector(clock, factory, timeout=1)
    connector.connect()
    clock.advance(1)
    assert factory.events == [
        "startFactory",
        "startedConnecting",
        "clientConnectionFailed",
        "startedConnecting",
    ]
    assert connector.state is ConnectorState.CONNECTING
    assert factory.numPorts == 1
    clock.advance(1)
    assert factory.events[-1] == "stopFactory"
    assert factory.numPorts == 0


def test_reconnectingClientFactoryRetriesThroughTheConnector() -> None:
    clock = Clock()
    factory = ReconnectingClientFactory()
    factory.noisy = False
    factory.clock = clock
    factory.jitter = 0
    connector, _dials = _connector(clock, factory, timeout=1)
    connector.connect()
    clock.advance(1)  # times out; a retry is scheduled after initialDelay * factor
    assert connector.state is ConnectorState.DISCONNECTED
    clock.advance(factory.delay)
    assert connector.state is ConnectorState.CONNECTING
    factory.stopTrying()
    assert connector.state is ConnectorState.DISCONNECTED
    assert clock.getDelayedCalls() == []


def test_getDestinationIsTheAddressAsGiven() -> None:
    assert _connector(Clock(), _CountingFactory())[0].getDestination() == IPv4Address(
        "TCP", "127.0.0.1", 8080
    )
    named, _ = _connector(Clock(), _CountingFactory(), host="example.org")
    assert named.getDestination() == IPv4Address("TCP", "example.org", 8080)
    six, _ = _connector(Clock(), _CountingFactory(), host="::1")
    assert six.getDestination() == IPv6Address("TCP", "::1", 8080)


def test_portOutOfRangeIsRejected() -> None:
    with pytest.raises(ValueError, match="port"):
        Connector("127.0.0.1", 0, _CountingFactory(), 1, None, Clock(), lambda *a: None)  # type: ignore[arg-type,return-value]


def test_connectorProvidesIConnector() -> None:
    assert verifyObject(IConnector, _connector(Clock(), _CountingFactory())[0])


# --- real attempts on every backend -------------------------------------------------------


def _freePort(family: int = socket.AF_INET, host: str = "127.0.0.1") -> int:
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def test_connectingWhereNobodyListensIsConnectionRefused(realReactor: Reactor) -> None:
    r = realReactor
    factory = ClientFor(Recorder())
    r.connectTCP("127.0.0.1", _freePort(), factory, timeout=10)  # type: ignore[attr-defined]
    with pytest.raises(ConnectionRefusedError):
        runUntil(r, factory.failed)
    assert factory.events == ["started", "failed"]


def test_connectingToAFullBacklogTimesOut(realReactor: Reactor) -> None:
    r = realReactor
    # A socket that never accepts, its backlog filled: the kernel drops further SYNs, so a
    # connection attempt hangs until our timeout (loopback only; no unroutable address).
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        warmUp = ClientFor(Recorder())  # lets a loop open what it opens once (uvloop: libuv's)
        r.connectTCP("127.0.0.1", _freePort(), warmUp)  # type: ignore[attr-defined]
        with pytest.raises(ConnectionRefusedError):
            runUntil(r, warmUp.failed)
        before = openDescriptors()
        factory = ClientFor(Recorder())
        r.connectTCP(  # type: ignore[attr-defined]
            "127.0.0.1", listener.getsockname()[1], factory, timeout=0.3
        )
        with pytest.raises(TimeoutError):
            runUntil(r, factory.failed, timeout=10)
        after = openDescriptors()
    finally:
        for s in (*fillers, listener):
            s.close()
    assert after == before


def test_stopConnectingAbandonsAnAttemptInProgress(realReactor: Reactor) -> None:
    r = realReactor
    factory = ClientFor(Recorder())
    connector = r.connectTCP("127.0.0.1", _freePort(), factory)  # type: ignore[attr-defined]
    connector.stopConnecting()
    with pytest.raises(UserError):
        runUntil(r, factory.failed)
    assert connector.state is ConnectorState.DISCONNECTED


def test_connectionLostReachesTheFactoryAfterTheProtocol(realReactor: Reactor) -> None:
    r = realReactor
    server = CollectingFactory(Recorder)
    port = listen(r, server)
    client = Recorder()
    factory = connectTo(r, port.getHost().port, client)
    runUntil(r, client.made)
    closeAll(r, port, server, client)
    assert factory.events == ["started", "built", "lost"]
    assert factory.lostReasons[0].check(ConnectionDone)
    assert factory.numPorts == 0


class _Refuser(ClientFor):
    def buildProtocol(self, addr: Any) -> Any:
        return None


def test_aClientFactoryRefusingTheProtocolFailsTheConnection(realReactor: Reactor) -> None:
    r = realReactor
    server = CollectingFactory(Recorder)
    port = listen(r, server)
    factory = _Refuser(Recorder())
    r.connectTCP("127.0.0.1", port.getHost().port, factory)  # type: ignore[attr-defined]
    with pytest.raises(NoProtocol):
        runUntil(r, factory.failed)
    runUntil(r, server.builtAtLeast(1))
    runUntil(r, server.built[0].lost)
    port.stopListening()


def test_bindAddressIsTheClientsLocalAddress(realReactor: Reactor) -> None:
    r = realReactor
    server = CollectingFactory(Recorder)
    port = listen(r, server)
    client = Recorder()
    local = _freePort()
    factory = ClientFor(client)
    factory.failed.addErrback(client.made.errback)
    r.connectTCP(  # type: ignore[attr-defined]
        "127.0.0.1", port.getHost().port, factory, bindAddress=("127.0.0.1", local)
    )
    runUntil(r, client.made)
    host = client.transport.getHost()
    closeAll(r, port, server, client)
    assert host == IPv4Address("TCP", "127.0.0.1", local)


def test_resolveOfAnIPLiteralFiresAtOnceWithoutAThread(realReactor: Reactor) -> None:
    d = realReactor.resolve("::1")
    assert d.called
    assert runUntil(realReactor, d) == "::1"


def test_resolveOfLocalhostGivesTheLoopbackAddress(realReactor: Reactor) -> None:
    assert runUntil(realReactor, realReactor.resolve("localhost")) == "127.0.0.1"


def test_resolveOfAnImpossibleNameFailsWithDNSLookupError(realReactor: Reactor) -> None:
    with pytest.raises(DNSLookupError):
        runUntil(realReactor, realReactor.resolve("bad..name"))


def test_connectingToLocalhostResolvesTheName(realReactor: Reactor) -> None:
    r = realReactor
    server = CollectingFactory(Recorder)
    port = listen(r, server)
    client = Recorder()
    connectTo(r, port.getHost().port, client, host="localhost")
    runUntil(r, client.made)
    peer = client.transport.getPeer()
    closeAll(r, port, server, client)
    assert peer == IPv4Address("TCP", "127.0.0.1", port.getHost().port)


def test_connectingToAnUnresolvableNameFailsWithDNSLookupError(realReactor: Reactor) -> None:
    factory = ClientFor(Recorder())
    realReactor.connectTCP("bad..name", 80, factory)  # type: ignore[attr-defined]
    with pytest.raises(DNSLookupError):
        runUntil(realReactor, factory.failed)


def test_lookupThreadsAreGoneOnceTheReactorHasStopped(realReactor: Reactor) -> None:
    r = realReactor
    before = set(threading.enumerate())
    started: list[threading.Thread] = []
    lookup = r.resolve("localhost")
    assert not lookup.called  # a name (unlike a literal) is looked up in a worker thread
    lookup.addCallback(lambda address: started.extend(set(threading.enumerate()) - before))
    lookup.addCallback(lambda _: None)
    runUntil(r, lookup)
    for thread in started:
        thread.join(5)
    assert started
    assert [t for t in started if t.is_alive()] == []


def test_ipv6ConnectionRefused(realReactor: Reactor) -> None:
    r = realReactor
    factory = ClientFor(Recorder())
    r.connectTCP("::1", _freePort(socket.AF_INET6, "::1"), factory)  # type: ignore[attr-defined]
    with pytest.raises(ConnectionRefusedError):
        runUntil(r, factory.failed)


def test_clientsOnManyBackendsShareNoState(realReactor: Reactor) -> None:
    r = realReactor
    server = CollectingFactory(Recorder)
    port = listen(r, server)
    clients = [Recorder() for _ in range(5)]
    for client in clients:
        connectTo(r, port.getHost().port, client)
    runUntil(r, waitAll(*(c.made for c in clients)))
    closeAll(r, port, server, *clients)
    assert len({c.transport.getHost().port for c in clients}) == 5
