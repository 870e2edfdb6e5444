"""Unix datagram sockets on every backend: echo between bound sockets, connected sockets,
refusals, size limits, addresses and the socket files' life."""

from __future__ import annotations

import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from _tcphelpers import runUntil
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor.address import UNIXAddress
from reactor.error import CannotListenError, MessageLengthError
from reactor.interfaces import (
    IListeningPort,
    IReactorUNIXDatagram,
    IUNIXDatagramConnectedTransport,
    IUNIXDatagramTransport,
)
from reactor.protocol import ConnectedDatagramProtocol, DatagramProtocol
from reactor.unix._datagram import MAX_HELD_DATAGRAMS


class EchoDatagrams(DatagramProtocol):
    """Sends every datagram back where it came from."""

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.transport.write(datagram, addr)


class Collector(ConnectedDatagramProtocol):
    """Collects datagrams; ``waitFor(n)`` fires once ``n`` have arrived."""

    def __init__(self) -> None:
        self.datagrams: list[bytes] = []
        self.failures: list[Any] = []
        self.refusals = 0
        self._waiting: list[tuple[int, Deferred[list[bytes]]]] = []

    def waitFor(self, count: int) -> Deferred[list[bytes]]:
        d: Deferred[list[bytes]] = Deferred()
        self._waiting.append((count, d))
        self._check()
        return d

    def _check(self) -> None:
        for entry in list(self._waiting):
            if len(self.datagrams) >= entry[0]:
                self._waiting.remove(entry)
                entry[1].callback(list(self.datagrams))

    def datagramReceived(self, datagram: bytes, addr: Any = None) -> None:
        self.datagrams.append(datagram)
        self._check()

    def connectionFailed(self, reason: Any) -> None:
        self.failures.append(reason)

    def connectionRefused(self) -> None:
        self.refusals += 1


def test_datagramsAreEchoedBetweenBoundSockets(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    server = r.listenUNIXDatagram(str(sockDir / "server"), EchoDatagrams())  # type: ignore[attr-defined]
    client = Collector()
    connected = r.connectUNIXDatagram(  # type: ignore[attr-defined]
        str(sockDir / "server"), client, bindAddress=str(sockDir / "client")
    )
    messages = [bytes([i]) * (i * 97 % 4000 + 1) for i in range(50)]
    for message in messages:
        connected.write(message)
    received = runUntil(r, client.waitFor(len(messages)))
    connected.stopListening()
    server.stopListening()
    assert received == messages


def test_anUnconnectedSocketSeesTheSendersAddress(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    seen: list[Any] = []
    done: Deferred[None] = Deferred()

    class Recording(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            seen.append((datagram, addr))
            done.callback(None)

    receiver = r.listenUNIXDatagram(str(sockDir / "in"), Recording())  # type: ignore[attr-defined]
    sender = r.listenUNIXDatagram(str(sockDir / "out"), DatagramProtocol())  # type: ignore[attr-defined]
    sender.write(b"hi", str(sockDir / "in"))
    runUntil(r, done)
    sender.stopListening()
    receiver.stopListening()
    assert seen == [(b"hi", str(sockDir / "out"))]


def test_portsProvideTheirInterfacesAndAddresses(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    server = r.listenUNIXDatagram(str(sockDir / "server"), EchoDatagrams())  # type: ignore[attr-defined]
    connected = r.connectUNIXDatagram(  # type: ignore[attr-defined]
        str(sockDir / "server"), Collector(), bindAddress=str(sockDir / "client")
    )
    checks = [
        verifyObject(IUNIXDatagramTransport, server),
        verifyObject(IListeningPort, server),
        verifyObject(IUNIXDatagramConnectedTransport, connected),
        verifyObject(IReactorUNIXDatagram, r),
        server.getHost(),
        connected.getHost(),
        connected.getPeer(),
        server.getHandle().type,
    ]
    connected.stopListening()
    server.stopListening()
    assert checks == [
        True,
        True,
        True,
        True,
        UNIXAddress(str(sockDir / "server")),
        UNIXAddress(str(sockDir / "client")),
        UNIXAddress(str(sockDir / "server")),
        socket.SOCK_DGRAM,
    ]


def test_socketFilesGetTheirModeAndAreRemovedOnStop(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "d"
    port = reactor.listenUNIXDatagram(str(path), DatagramProtocol(), mode=0o640)  # type: ignore[attr-defined]
    mode = stat.S_IMODE(path.lstat().st_mode)
    port.stopListening()
    assert mode == 0o640
    assert not path.exists()


def test_aStaleDatagramFileIsReplacedAndALiveOneIsNot(reactor: Reactor, sockDir: Path) -> None:
    path = str(sockDir / "d")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(path)
    dead.close()
    port = reactor.listenUNIXDatagram(path, DatagramProtocol())  # type: ignore[attr-defined]
    try:
        with pytest.raises(CannotListenError, match="another process"):
            reactor.listenUNIXDatagram(path, DatagramProtocol())  # type: ignore[attr-defined]
    finally:
        port.stopListening()


def test_connectingToNobodyCallsConnectionFailed(reactor: Reactor, sockDir: Path) -> None:
    client = Collector()
    reactor.connectUNIXDatagram(str(sockDir / "nobody"), client)  # type: ignore[attr-defined]
    assert len(client.failures) == 1
    assert client.failures[0].check(FileNotFoundError)


def test_writingAfterThePeerWentAwayIsConnectionRefused(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    server = r.listenUNIXDatagram(str(sockDir / "server"), DatagramProtocol())  # type: ignore[attr-defined]
    client = Collector()
    connected = r.connectUNIXDatagram(str(sockDir / "server"), client)  # type: ignore[attr-defined]
    server.stopListening()
    result = connected.write(b"anyone?")
    connected.stopListening()
    assert result is None
    assert client.refusals == 1


def test_datagramsLongerThanMaxPacketSizeAreDroppedAndCounted(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    client = Collector()
    server = r.listenUNIXDatagram(  # type: ignore[attr-defined]
        str(sockDir / "server"), EchoDatagrams(), maxPacketSize=100
    )
    connected = r.connectUNIXDatagram(  # type: ignore[attr-defined]
        str(sockDir / "server"), client, bindAddress=str(sockDir / "client")
    )
    connected.write(b"x" * 101)
    connected.write(b"y" * 100)
    received = runUntil(r, client.waitFor(1))
    dropped = server.truncatedDatagrams
    connected.stopListening()
    server.stopListening()
    assert received == [b"y" * 100]
    assert dropped == 1


def test_aDatagramTooLongForTheSystemRaisesMessageLengthError(
    reactor: Reactor, sockDir: Path
) -> None:
    server = reactor.listenUNIXDatagram(str(sockDir / "server"), DatagramProtocol())  # type: ignore[attr-defined]
    try:
        with pytest.raises(MessageLengthError):
            server.write(b"x" * (16 * 1024 * 1024), str(sockDir / "server"))
    finally:
        server.stopListening()


def test_aBurstLongerThanTheReceiversQueueIsHeldBackNotDropped(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    seen: list[bytes] = []
    done: Deferred[None] = Deferred()

    class Counting(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            seen.append(datagram)
            if len(seen) == 500:
                done.callback(None)

    receiver = r.listenUNIXDatagram(str(sockDir / "in"), Counting())  # type: ignore[attr-defined]
    sender = r.listenUNIXDatagram(str(sockDir / "out"), DatagramProtocol())  # type: ignore[attr-defined]
    # Far more than the kernel queues for one receiver (net.unix.max_dgram_qlen, often 10).
    for index in range(500):
        sender.write(b"%d" % index, str(sockDir / "in"))
    runUntil(r, done)
    sender.stopListening()
    receiver.stopListening()
    assert seen == [b"%d" % index for index in range(500)]
    assert sender.droppedWrites == 0


def test_beyondTheHeldBackBoundDatagramsAreDroppedAndCounted(
    reactor: Reactor, sockDir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(sockDir / "slow"))  # Never reads.
    sender = reactor.listenUNIXDatagram(str(sockDir / "fast"), DatagramProtocol())  # type: ignore[attr-defined]
    total = MAX_HELD_DATAGRAMS + 100
    try:
        results = [sender.write(b"z", str(sockDir / "slow")) for _ in range(total)]
        sent = total - results.count(None)
        droppedWhileRunning = sender.droppedWrites
    finally:
        sender.stopListening()
        receiver.close()
    assert droppedWhileRunning == total - sent - MAX_HELD_DATAGRAMS
    assert sender.droppedWrites == total - sent  # Stopping dropped the held ones too.
    assert "held back" in caplog.text


def test_abstractDatagramNamesWork(realReactor: Reactor) -> None:
    r = realReactor
    name = f"\0treadle-dgram-{id(r)}"
    server = r.listenUNIXDatagram(name, EchoDatagrams())  # type: ignore[attr-defined]
    client = Collector()
    connected = r.connectUNIXDatagram(name, client, bindAddress=name + "-client")  # type: ignore[attr-defined]
    connected.write(b"abstract")
    received = runUntil(r, client.waitFor(1))
    connected.stopListening()
    server.stopListening()
    assert received == [b"abstract"]
