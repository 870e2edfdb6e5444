"""listenUDP and its port on every backend: echo over IPv4 and IPv6, connected ports and ICMP
refusals, batched reads, oversize datagrams both ways, address checks, and stopping."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

import pytest
from _udphelpers import Echo, Recorder, closedPort, listen, plainSocket, runUntil
from zope.interface.verify import verifyObject

import reactor.udp._port as portModule
from deferred import Failure
from reactor import Reactor
from reactor._netinterfaces import IListeningPort
from reactor._udpinterfaces import IReactorMulticast, IReactorUDP, IUDPTransport
from reactor.address import IPv4Address, IPv6Address
from reactor.error import (
    CannotListenError,
    DNSLookupError,
    InvalidAddressError,
    MessageLengthError,
)
from reactor.interfaces import IReadDescriptor
from reactor.protocol import AbstractDatagramProtocol
from reactor.udp import Port

# --- echo, addresses, life cycle -------------------------------------------------------------


def test_datagramsAreEchoedBetweenTwoPorts(realReactor: Reactor) -> None:
    r = realReactor
    server, client = Echo(), Recorder()
    serverPort = listen(r, server)
    clientPort = listen(r, client)
    try:
        for n in range(3):
            clientPort.write(b"ping %d" % n, ("127.0.0.1", serverPort.getHost().port))
        runUntil(r, client.receivedAtLeast(3))
    finally:
        serverPort.stopListening()
        clientPort.stopListening()
    assert sorted(client.payloads()) == [b"ping 0", b"ping 1", b"ping 2"]
    assert {addr for _, addr in client.datagrams} == {("127.0.0.1", serverPort.getHost().port)}


def test_datagramsAreEchoedOverIPv6Loopback(realReactor: Reactor) -> None:
    r = realReactor
    server, client = Echo(), Recorder()
    serverPort = listen(r, server, interface="::1")
    clientPort = listen(r, client, interface="::1")
    try:
        clientPort.write(b"over six", ("::1", serverPort.getHost().port))
        runUntil(r, client.receivedAtLeast(1))
    finally:
        serverPort.stopListening()
        clientPort.stopListening()
    assert client.datagrams == [(b"over six", ("::1", serverPort.getHost().port))]
    assert server.datagrams == [(b"over six", ("::1", clientPort.getHost().port))]


def test_portProvidesTheUDPTransportListeningPortAndReadDescriptorInterfaces(
    realReactor: Reactor,
) -> None:
    port = listen(realReactor, Recorder())
    try:
        assert verifyObject(IUDPTransport, port)
        assert verifyObject(IListeningPort, port)
        assert verifyObject(IReadDescriptor, port)
    finally:
        port.stopListening()


def test_everyReactorProvidesIReactorUDPAndIReactorMulticast(realReactor: Reactor) -> None:
    assert verifyObject(IReactorUDP, realReactor)
    assert verifyObject(IReactorMulticast, realReactor)


def test_getHostReportsAUDPAddressWithTheRealPort(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    port6 = listen(realReactor, Recorder(), interface="::1")
    try:
        host, host6 = port.getHost(), port6.getHost()
    finally:
        port.stopListening()
        port6.stopListening()
    assert isinstance(host, IPv4Address) and host.type == "UDP"
    assert host.host == "127.0.0.1" and host.port > 0
    assert isinstance(host6, IPv6Address) and host6.type == "UDP"
    assert host6.host == "::1" and host6.port > 0


def test_theProtocolStartsWithThePortAndStopsWhenItStops(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    assert protocol.events == ["start"] and protocol.transport is port
    stopped = port.stopListening()
    assert stopped.called
    assert protocol.events == ["start", "stop"]
    assert protocol.transport is None and protocol.numPorts == 0
    assert port.fileno() == -1 and not port.connected


def test_stoppingTwiceIsHarmless(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    port.stopListening()
    assert port.stopListening().called
    assert protocol.events == ["start", "stop"]


def test_bindingATakenPortRaisesCannotListenError(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    protocol = Recorder()
    try:
        with pytest.raises(CannotListenError) as caught:
            realReactor.listenUDP(  # type: ignore[attr-defined]
                port.getHost().port, protocol, interface="127.0.0.1"
            )
    finally:
        port.stopListening()
    assert caught.value.socketError.errno == errno.EADDRINUSE  # type: ignore[attr-defined]
    assert protocol.events == [] and protocol.transport is None


def test_aHostNameAsInterfaceRaisesCannotListenError(realReactor: Reactor) -> None:
    with pytest.raises(CannotListenError, match="IP address literal"):
        listen(realReactor, Recorder(), interface="localhost")


def test_aProtocolCanServeOnlyOnePortAtATime(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    try:
        with pytest.raises(RuntimeError, match="already attached"):
            listen(realReactor, protocol)
    finally:
        port.stopListening()
    assert protocol.events == ["start", "stop"]


# --- reading ---------------------------------------------------------------------------------


class _CountingReads:
    """Wraps a port's ``doRead`` to record how many datagrams each call delivered."""

    def __init__(self, port: Any, protocol: Recorder) -> None:
        self.batches: list[int] = []
        original = port.doRead

        def doRead() -> None:
            before = len(protocol.datagrams)
            original()
            self.batches.append(len(protocol.datagrams) - before)

        port.doRead = doRead


def test_oneReadableEventDeliversEveryQueuedDatagram(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    reads = _CountingReads(port, protocol)
    try:
        with plainSocket() as peer:
            # Loopback delivers into the receiving socket's queue before sendto returns.
            for n in range(20):
                peer.sendto(b"%d" % n, ("127.0.0.1", port.getHost().port))
            runUntil(realReactor, protocol.receivedAtLeast(20))
    finally:
        port.stopListening()
    assert reads.batches == [20]
    assert protocol.payloads() == [b"%d" % n for n in range(20)]


def test_oneReadableEventDeliversAtMostTheBatchLimit(
    realReactor: Reactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portModule, "DATAGRAMS_PER_EVENT", 4)
    protocol = Recorder()
    port = listen(realReactor, protocol)
    reads = _CountingReads(port, protocol)
    try:
        with plainSocket() as peer:
            for n in range(10):
                peer.sendto(b"%d" % n, ("127.0.0.1", port.getHost().port))
            runUntil(realReactor, protocol.receivedAtLeast(10))
    finally:
        port.stopListening()
    assert reads.batches == [4, 4, 2]


def test_aDatagramLongerThanMaxPacketSizeIsDroppedAndLoggedOnce(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="reactor.udp")
    protocol = Recorder()
    port = listen(realReactor, protocol, maxPacketSize=100)
    try:
        with plainSocket() as peer:
            where = ("127.0.0.1", port.getHost().port)
            peer.sendto(b"x" * 101, where)
            peer.sendto(b"y" * 5000, where)
            peer.sendto(b"z" * 100, where)
            runUntil(realReactor, protocol.receivedAtLeast(1))
    finally:
        port.stopListening()
    assert protocol.payloads() == [b"z" * 100]
    assert port.truncatedDatagrams == 2
    warnings = [rec for rec in caplog.records if "longer than maxPacketSize" in rec.getMessage()]
    assert len(warnings) == 1


def test_anErrorInDatagramReceivedIsLoggedAndReadingGoesOn(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    class Fragile(Recorder):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            super().datagramReceived(datagram, addr)
            if datagram == b"boom":
                raise ValueError("cannot digest this")

    caplog.set_level(logging.ERROR, logger="reactor.udp")
    protocol = Fragile()
    port = listen(realReactor, protocol)
    try:
        with plainSocket() as peer:
            peer.sendto(b"boom", ("127.0.0.1", port.getHost().port))
            peer.sendto(b"fine", ("127.0.0.1", port.getHost().port))
            runUntil(realReactor, protocol.receivedAtLeast(2))
    finally:
        port.stopListening()
    assert protocol.payloads() == [b"boom", b"fine"]
    assert any("cannot digest this" in (rec.exc_text or "") for rec in caplog.records)


def test_stoppingFromDatagramReceivedDeliversNothingMore(realReactor: Reactor) -> None:
    class Quitter(Recorder):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            super().datagramReceived(datagram, addr)
            self.transport.stopListening()

    protocol = Quitter()
    port = listen(realReactor, protocol)
    with plainSocket() as peer:
        for n in range(5):
            peer.sendto(b"%d" % n, ("127.0.0.1", port.getHost().port))
        runUntil(realReactor, protocol.receivedAtLeast(1))
    assert protocol.payloads() == [b"0"]
    assert protocol.events == ["start", "stop"]


# --- writing ---------------------------------------------------------------------------------


def test_writingADatagramTooLongForUDPRaisesMessageLengthError(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        with pytest.raises(MessageLengthError, match="70000 bytes is too long"):
            port.write(b"x" * 70_000, ("127.0.0.1", port.getHost().port))
    finally:
        port.stopListening()


def test_writingToAHostNameRaisesInvalidAddressErrorWithoutALookup(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        with pytest.raises(InvalidAddressError, match="not host names"):
            port.write(b"x", ("localhost", 9))
    finally:
        port.stopListening()


def test_writingToAnAddressOfTheOtherFamilyRaisesInvalidAddressError(
    realReactor: Reactor,
) -> None:
    port4 = listen(realReactor, Recorder())
    port6 = listen(realReactor, Recorder(), interface="::1")
    try:
        with pytest.raises(InvalidAddressError, match="IPv4 port cannot send to an IPv6"):
            port4.write(b"x", ("::1", 9))
        with pytest.raises(InvalidAddressError, match="IPv6 port cannot send to an IPv4"):
            port6.write(b"x", ("127.0.0.1", 9))
    finally:
        port4.stopListening()
        port6.stopListening()


def test_writingWithoutAnAddressOnAnUnconnectedPortRaisesInvalidAddressError(
    realReactor: Reactor,
) -> None:
    port = listen(realReactor, Recorder())
    try:
        with pytest.raises(InvalidAddressError, match="needs an address"):
            port.write(b"x")
    finally:
        port.stopListening()


def test_writingAfterStopListeningRaisesRuntimeError(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    port.stopListening()
    with pytest.raises(RuntimeError, match="not listening"):
        port.write(b"x", ("127.0.0.1", 9))


def test_writeSequenceSendsOneDatagram(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        with plainSocket() as peer:
            port.writeSequence([b"one ", b"two ", b"three"], peer.getsockname())
            assert peer.recv(100) == b"one two three"
    finally:
        port.stopListening()


def test_aDatagramTheKernelHasNoRoomForIsDroppedAndCounted(realReactor: Reactor) -> None:
    class FullSocket(socket.socket):
        def sendto(self, *args: Any) -> int:  # type: ignore[override]
            raise BlockingIOError(errno.EAGAIN, "no room in the send buffer")

    port = listen(realReactor, Recorder())
    real = port.socket
    full = FullSocket(fileno=real.detach())
    port.socket = full
    try:
        port.write(b"lost", ("127.0.0.1", 9))
        port.write(b"lost too", ("127.0.0.1", 9))
    finally:
        port.stopListening()
    assert port.droppedWrites == 2


def test_broadcastIsOffByDefaultAndCanBeAllowed(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        assert port.getBroadcastAllowed() is False
        port.setBroadcastAllowed(True)
        assert port.getBroadcastAllowed() is True
        assert port.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST) == 1
    finally:
        port.stopListening()


# --- connected ports -------------------------------------------------------------------------


def test_aConnectedPortWritesToItsPeerWithoutAnAddress(realReactor: Reactor) -> None:
    server, client = Echo(), Recorder()
    serverPort = listen(realReactor, server)
    clientPort = listen(realReactor, client)
    try:
        connected = clientPort.connect("127.0.0.1", serverPort.getHost().port)
        assert connected.called
        clientPort.write(b"to my peer")
        runUntil(realReactor, client.receivedAtLeast(1))
    finally:
        serverPort.stopListening()
        clientPort.stopListening()
    assert client.payloads() == [b"to my peer"]


def test_aConnectedPortRefusesToWriteElsewhere(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        port.connect("127.0.0.1", 9)
        port.write(b"same peer is fine", ("127.0.0.1", 9))
        with pytest.raises(InvalidAddressError, match="can only send to it"):
            port.write(b"x", ("127.0.0.1", 10))
    finally:
        port.stopListening()


def test_aConnectedPortIgnoresDatagramsFromOthers(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    try:
        with plainSocket() as peer, plainSocket() as stranger:
            port.connect(*peer.getsockname())
            where = ("127.0.0.1", port.getHost().port)
            stranger.sendto(b"from a stranger", where)
            peer.sendto(b"from the peer", where)
            runUntil(realReactor, protocol.receivedAtLeast(1))
    finally:
        port.stopListening()
    assert protocol.payloads() == [b"from the peer"]


def test_writingToAClosedPortThroughAConnectedPortCallsConnectionRefused(
    realReactor: Reactor,
) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol)
    try:
        port.connect("127.0.0.1", closedPort())
        refused = protocol.refused()
        port.write(b"anyone there?")
        runUntil(realReactor, refused)
        # The port is still usable afterwards: the error was reported, not fatal.
        again = protocol.refused()
        port.write(b"still nobody?")
        runUntil(realReactor, again)
    finally:
        port.stopListening()
    assert protocol.refusals == 2
    assert protocol.events == ["start", "stop"]


def test_connectionRefusedOverIPv6(realReactor: Reactor) -> None:
    protocol = Recorder()
    port = listen(realReactor, protocol, interface="::1")
    try:
        port.connect("::1", closedPort("::1"))
        refused = protocol.refused()
        port.write(b"anyone there?")
        runUntil(realReactor, refused)
    finally:
        port.stopListening()
    assert protocol.refusals == 1


def test_aRefusalOnAnAbstractDatagramProtocolIsIgnored(realReactor: Reactor) -> None:
    class Quiet(AbstractDatagramProtocol):
        noisy = False

    port = listen(realReactor, Quiet())
    try:
        port.connect("127.0.0.1", closedPort())
        port.write(b"x")
        # The ICMP answer is pending; a second write reports it and must not fail.
        for _ in range(3):
            realReactor.iterate(0.05)
        port.write(b"y")
        assert port.connected
    finally:
        port.stopListening()


def test_connectingToAHostNameLooksItUp(realReactor: Reactor) -> None:
    server, client = Echo(), Recorder()
    serverPort = listen(realReactor, server)
    clientPort = listen(realReactor, client)
    try:
        connected = clientPort.connect("localhost", serverPort.getHost().port)
        with pytest.raises(InvalidAddressError, match="still looking up"):
            clientPort.write(b"too early")
        runUntil(realReactor, connected)
        clientPort.write(b"resolved")
        runUntil(realReactor, client.receivedAtLeast(1))
    finally:
        serverPort.stopListening()
        clientPort.stopListening()
    assert client.payloads() == [b"resolved"]


def test_connectingToAnUnknownNameFailsWithDNSLookupError(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        with pytest.raises(DNSLookupError):
            runUntil(realReactor, port.connect("bad..name", 9))
    finally:
        port.stopListening()


def test_connectingToAPortOutOfRangeRaisesValueError(realReactor: Reactor) -> None:
    port = listen(realReactor, Recorder())
    try:
        with pytest.raises(ValueError, match=r"1\.\.65535"):
            port.connect("127.0.0.1", 0)
    finally:
        port.stopListening()


# --- being dropped by the reactor ------------------------------------------------------------


def test_aPortDroppedByTheReactorForAnotherReasonStopsListening(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="reactor.udp")
    protocol = Recorder()
    port = listen(realReactor, protocol)
    realReactor.removeReader(port)
    port.connectionLost(Failure(RuntimeError("a bug in doRead")))
    assert port.socket is None
    assert protocol.events == ["start", "stop"]
    assert any("a bug in doRead" in rec.getMessage() for rec in caplog.records)


def test_aPortConstructedWithABadMaxPacketSizeRaisesValueError(realReactor: Reactor) -> None:
    with pytest.raises(ValueError, match="maxPacketSize"):
        Port(0, Recorder(), "127.0.0.1", 0, realReactor)
