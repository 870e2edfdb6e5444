"""reactor.endpoints: descriptions, the parser registry, TCP endpoints over real sockets, and
HostnameEndpoint's staggered attempts on a MemoryReactorClock."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from _tcphelpers import CollectingFactory, Echo, Recorder, listen, runUntil, waitAll
from zope.interface import implementer
from zope.interface.verify import verifyObject

from deferred import Deferred, Failure, succeed
from reactor import Reactor
from reactor.address import IPv4Address, IPv6Address
from reactor.endpoints import (
    HostnameEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    clientFromString,
    connectProtocol,
    registerClientParser,
    serverFromString,
)
from reactor.error import (
    CannotListenError,
    ConnectingCancelledError,
    ConnectionRefusedError,
)
from reactor.interfaces import (
    IHalfCloseableProtocol,
    IStreamClientEndpoint,
    IStreamServerEndpoint,
)
from reactor.protocol import Factory, Protocol
from reactor.testing import MemoryReactor, MemoryReactorClock, StringTransport

# --- descriptions --------------------------------------------------------------------------


def _listened(description: str) -> tuple[Any, ...]:
    r = MemoryReactor()
    endpoint = serverFromString(r, description)
    endpoint.listen(Factory.forProtocol(Protocol))
    [(port, _, backlog, interface)] = r.tcpServers
    return port, backlog, interface


def _connected(description: str) -> tuple[Any, ...]:
    r = MemoryReactor()
    endpoint = clientFromString(r, description)
    endpoint.connect(Factory.forProtocol(Protocol))
    [(host, port, _, timeout, bindAddress)] = r.tcpClients
    return host, port, timeout, bindAddress


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("tcp:8080", (8080, 50, "")),
        ("tcp:port=8080:interface=127.0.0.1:backlog=100", (8080, 100, "127.0.0.1")),
        ("tcp:0:interface=127.0.0.1", (0, 50, "127.0.0.1")),
        ("tcp6:8080", (8080, 50, "::")),
        ("tcp6:8080:interface=\\:\\:1", (8080, 50, "::1")),
        ("tcp6:port=443:interface=[::1]", (443, 50, "::1")),
    ],
)
def test_serverDescriptionsGiveTheirEndpoint(description: str, expected: tuple[Any, ...]) -> None:
    assert _listened(description) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("tcp:host=example.org:port=80", ("example.org", 80, 30.0, None)),
        ("tcp:example.org:80", ("example.org", 80, 30.0, None)),
        (
            "tcp:host=127.0.0.1:port=80:timeout=5:bindAddress=127.0.0.2",
            ("127.0.0.1", 80, 5.0, ("127.0.0.2", 0)),
        ),
        ("tcp6:host=\\:\\:1:port=80", ("::1", 80, 30.0, None)),
        ("tcp6:host=[::1]:port=80:bindAddress=[::1]", ("::1", 80, 30.0, ("::1", 0))),
        ("tcp:host=a\\=b:port=1", ("a=b", 1, 30.0, None)),
    ],
)
def test_clientDescriptionsGiveTheirEndpoint(description: str, expected: tuple[Any, ...]) -> None:
    assert _connected(description) == expected


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("", "no type"),
        ("8080", "did you mean 'tcp:8080'"),
        ("carrier-pigeon:1", "unknown server endpoint type 'carrier-pigeon'"),
        ("tcp", "a port is needed"),
        ("tcp:http", "port must be an integer, not 'http'"),
        ("tcp:70000", "port 70000 is out of range"),
        ("tcp:8080:bogus=1", "unknown parameters \\['bogus'\\]"),
        ("tcp:8080:backlog=many", "backlog must be an integer"),
        ("tcp:8080:port=9090", "both positionally and as port="),
        ("tcp:8080:interface=a:interface=b", "given twice"),
        ("tcp:port=8080:9090", "positional argument '9090' after a key=value"),
        ("tcp:8080\\", "unfinished escape"),
        ("tcp:=1", "no parameter name"),
        ("tcp:1:2", "unexpected positional arguments"),
        ("tcp6:1:interface=[::1", "'\\[' without its '\\]'"),
    ],
)
def test_malformedServerDescriptionsRaiseValueErrorSayingWhy(
    description: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        serverFromString(MemoryReactor(), description)


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("tcp:port=80", "a host is needed"),
        ("tcp:host=example.org", "a port is needed"),
        ("tcp:host=example.org:port=0", "port 0 is out of range"),
        ("tcp:host=example.org:port=80:timeout=soon", "timeout must be a number"),
        ("tcp:example.org:80:extra", "unexpected positional arguments"),
        ("tcp:example.org:host=other:port=80", "host is given both"),
        ("tcp:host=x:port=1:colour=blue", "unknown parameters \\['colour'\\]"),
        ("carrier-pigeon:host=x:port=1", "unknown client endpoint type .carrier-pigeon."),
    ],
)
def test_malformedClientDescriptionsRaiseValueErrorSayingWhy(
    description: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        clientFromString(MemoryReactor(), description)


def test_anotherTransportPlugsInThroughTheRegistry() -> None:
    made: list[tuple[Any, ...]] = []

    def parse(reactor: Any, *args: str, **kwargs: str) -> str:
        made.append((reactor, args, kwargs))
        return "an endpoint"

    registerClientParser("test-only-carrier", parse)
    r = MemoryReactor()
    assert clientFromString(r, "test-only-carrier:a\\:b:mode=fast") == "an endpoint"
    assert made == [(r, ("a:b",), {"mode": "fast"})]
    with pytest.raises(ValueError, match="registered already"):
        registerClientParser("test-only-carrier", parse)


def test_endpointsProvideTheirInterfaces() -> None:
    r = MemoryReactor()
    for server in (TCP4ServerEndpoint(r, 1), TCP6ServerEndpoint(r, 1)):
        assert verifyObject(IStreamServerEndpoint, server)
    for client in (
        TCP4ClientEndpoint(r, "h", 1),
        TCP6ClientEndpoint(r, "::1", 1),
        HostnameEndpoint(r, "h", 1),
    ):
        assert verifyObject(IStreamClientEndpoint, client)


# --- over real sockets, every backend ------------------------------------------------------


def test_serverEndpointListensAndTheClientEndpointConnects(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Echo)
    port = runUntil(r, serverFromString(r, "tcp:0:interface=127.0.0.1").listen(factory))
    endpoint = clientFromString(r, f"tcp:host=127.0.0.1:port={port.getHost().port}")
    protocol = runUntil(r, endpoint.connect(Factory.forProtocol(Recorder)))
    assert protocol.events == ["made"]  # fired once connectionMade had run
    protocol.transport.write(b"via endpoints")
    assert runUntil(r, protocol.receivedAtLeast(13)) == b"via endpoints"
    protocol.transport.loseConnection()
    runUntil(r, waitAll(protocol.lost, factory.built[0].lost))
    port.stopListening()


def test_listeningOnATakenPortFailsTheDeferred(realReactor: Reactor) -> None:
    r = realReactor
    port = listen(r, CollectingFactory(Recorder))
    try:
        endpoint = TCP4ServerEndpoint(r, port.getHost().port, interface="127.0.0.1")
        with pytest.raises(CannotListenError):
            runUntil(r, endpoint.listen(CollectingFactory(Recorder)))
    finally:
        port.stopListening()


def _freePort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_aRefusedConnectionFailsTheDeferred(realReactor: Reactor) -> None:
    endpoint = TCP4ClientEndpoint(realReactor, "127.0.0.1", _freePort())
    with pytest.raises(ConnectionRefusedError):
        runUntil(realReactor, endpoint.connect(Factory.forProtocol(Recorder)))


def test_cancellingTheConnectDeferredAbandonsTheAttempt(realReactor: Reactor) -> None:
    endpoint = TCP4ClientEndpoint(realReactor, "127.0.0.1", _freePort())
    d = endpoint.connect(Factory.forProtocol(Recorder))
    d.cancel()
    with pytest.raises(ConnectingCancelledError) as caught:
        runUntil(realReactor, d)
    assert caught.value.address == IPv4Address("TCP", "127.0.0.1", endpoint._port)


def test_connectProtocolConnectsThatVeryInstance(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Echo)
    port = listen(r, factory, interface="::1")
    mine = Recorder()
    endpoint = TCP6ClientEndpoint(r, "::1", port.getHost().port)
    assert runUntil(r, connectProtocol(endpoint, mine)) is mine
    peer = mine.transport.getPeer()
    mine.transport.loseConnection()
    runUntil(r, waitAll(mine.lost, factory.built[0].lost))
    port.stopListening()
    assert isinstance(peer, IPv6Address)


def test_hostnameEndpointConnectsToLocalhost(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Echo)
    port = listen(r, factory)
    endpoint = HostnameEndpoint(r, "localhost", port.getHost().port)
    protocol = runUntil(r, endpoint.connect(Factory.forProtocol(Recorder)))
    protocol.transport.loseConnection()
    runUntil(r, waitAll(protocol.lost, factory.built[0].lost))
    port.stopListening()
    assert protocol.transport.getPeer().host == "127.0.0.1"


@implementer(IHalfCloseableProtocol)
class _HalfCloseable(Recorder):
    def readConnectionLost(self) -> None:
        self.events.append("readConnectionLost")
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        self.events.append("writeConnectionLost")


class _HalfCloseServer(Recorder):
    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.loseWriteConnection()


def test_aHalfCloseableProtocolStaysHalfCloseableThroughAnEndpoint(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(_HalfCloseServer)
    port = listen(r, factory)
    endpoint = TCP4ClientEndpoint(r, "127.0.0.1", port.getHost().port)
    protocol = runUntil(r, endpoint.connect(Factory.forProtocol(_HalfCloseable)))
    runUntil(r, waitAll(protocol.lost, factory.built[0].lost))
    port.stopListening()
    assert protocol.events == ["made", "readConnectionLost", "lost"]


# --- HostnameEndpoint's race, on a MemoryReactorClock ---------------------------------------

_V6A = (socket.AF_INET6, ("2001:db8::1", 80, 0, 0))
_V6B = (socket.AF_INET6, ("2001:db8::2", 80, 0, 0))
_V4A = (socket.AF_INET, ("192.0.2.1", 80))
_V4B = (socket.AF_INET, ("192.0.2.2", 80))


def _race(addresses: list[Any]) -> tuple[MemoryReactorClock, Deferred[Any]]:
    r = MemoryReactorClock()
    endpoint = HostnameEndpoint(
        r, "example.org", 80, attemptDelay=0.3, resolver=lambda host, port: succeed(addresses)
    )
    return r, endpoint.connect(Factory.forProtocol(Recorder))


def _hosts(r: MemoryReactorClock) -> list[str]:
    return [host for host, *_ in r.tcpClients]


def _succeed(r: MemoryReactorClock, index: int) -> None:
    _, port, factory, *_ = r.tcpClients[index]
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", port))
    protocol.makeConnection(StringTransport())


def _fail(r: MemoryReactorClock, index: int) -> None:
    _, _, factory, *_ = r.tcpClients[index]
    factory.clientConnectionFailed(r.connectors[index], Failure(ConnectionRefusedError()))


def test_attemptsAreStaggeredAndFamiliesInterleaved() -> None:
    r, d = _race([_V6A, _V6B, _V4A, _V4B])
    assert _hosts(r) == ["2001:db8::1"]
    r.advance(0.29)
    assert len(r.tcpClients) == 1
    r.advance(0.01)
    r.advance(0.3)
    r.advance(0.3)
    assert _hosts(r) == ["2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"]
    _succeed(r, 2)
    assert isinstance(d.result, Recorder)
    assert [c.stoppedConnecting for c in r.connectors] == [True, True, False, True]


def test_aFailedAttemptStartsTheNextAtOnce() -> None:
    r, d = _race([_V4A, _V4B])
    _fail(r, 0)
    assert _hosts(r) == ["192.0.2.1", "192.0.2.2"]
    _succeed(r, 1)
    assert isinstance(d.result, Recorder)
    assert r.getDelayedCalls() == []


def test_whenEveryAttemptFailsTheLastFailureIsReported() -> None:
    r, d = _race([_V4A, _V6A])
    _fail(r, 0)
    _fail(r, 1)
    failures: list[Failure] = []
    d.addErrback(failures.append)
    assert failures[0].check(ConnectionRefusedError)


def test_aLosingAttemptThatConnectsLateBuildsNoProtocol() -> None:
    r, d = _race([_V4A, _V4B])
    r.advance(0.3)
    _succeed(r, 0)
    _, port, lateFactory, *_ = r.tcpClients[1]
    assert lateFactory.buildProtocol(IPv4Address("TCP", "192.0.2.2", port)) is None
    assert isinstance(d.result, Recorder)


def test_cancellingTheRaceAbandonsEveryAttempt() -> None:
    r, d = _race([_V4A, _V4B])
    r.advance(0.3)
    d.cancel()
    failures: list[Failure] = []
    d.addErrback(failures.append)
    assert failures[0].check(ConnectingCancelledError)
    assert [c.stoppedConnecting for c in r.connectors] == [True, True]
    assert r.getDelayedCalls() == []


def test_aNameWithNoAddressFailsWithDNSLookupError() -> None:
    from reactor.error import DNSLookupError

    _, d = _race([])
    failures: list[Failure] = []
    d.addErrback(failures.append)
    assert failures[0].check(DNSLookupError)
