"""Passing descriptors over Unix streams (SCM_RIGHTS) on every backend: round trips through a
pipe, order with respect to writes, many at once, and no descriptor leaked on any path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from _tcphelpers import CollectingFactory, Recorder, closeAll, runUntil
from _unixhelpers import unixPair
from zope.interface import implementer

from deferred import Deferred
from reactor import Reactor
from reactor.endpoints import clientFromString, serverFromString
from reactor.interfaces import IFileDescriptorReceiver


@implementer(IFileDescriptorReceiver)
class Receiver(Recorder):
    """Records descriptors and, for each, how many bytes had arrived before it."""

    def __init__(self) -> None:
        super().__init__()
        self.descriptors: list[int] = []
        self.receivedBefore: list[int] = []

    def fileDescriptorReceived(self, descriptor: int) -> None:
        self.descriptors.append(descriptor)
        self.receivedBefore.append(len(self.received))

    def closeDescriptors(self) -> None:
        for fd in self.descriptors:
            os.close(fd)


def _freshFile(directory: Path) -> int:
    """A descriptor of a new file of its own (its inode is shared with no other descriptor, as
    both ends of a pipe share theirs)."""
    return os.open(directory / f"f{len(list(directory.iterdir()))}", os.O_CREAT | os.O_RDWR)


def _copiesOf(fd: int) -> int:
    """How many of this process's descriptors refer to the same file as ``fd``."""
    target = os.fstat(fd)
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            status = os.fstat(int(name))
        except OSError:
            continue  # The listing's own descriptor, closed by now.
        if (status.st_dev, status.st_ino) == (target.st_dev, target.st_ino):
            count += 1
    return count


def _serverReceiver(r: Reactor, factory: Any) -> Receiver:
    runUntil(r, factory.builtAtLeast(1))
    server: Receiver = factory.built[0]
    runUntil(r, server.made)
    return server


def test_aPipesReadEndSentOverReadsWhatWasWrittenIntoThePipe(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Receiver)
    runUntil(r, client.made)
    server = _serverReceiver(r, factory)
    readEnd, writeEnd = os.pipe()
    os.write(writeEnd, b"through the pipe")
    client.transport.sendFileDescriptor(readEnd)
    client.transport.write(b"!")
    # Our copies may be closed at once: the transport sent a duplicate.
    os.close(readEnd)
    os.close(writeEnd)
    runUntil(r, server.receivedAtLeast(1))
    [received] = server.descriptors
    try:
        content = os.read(received, 100)
    finally:
        server.closeDescriptors()
    closeAll(r, port, factory, client)
    assert content == b"through the pipe"
    assert server.receivedBefore == [0]


def test_descriptorsArriveBeforeTheBytesWrittenAfterThem(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Receiver)
    runUntil(r, client.made)
    server = _serverReceiver(r, factory)
    pipes = [os.pipe() for _ in range(3)]
    for index, (readEnd, writeEnd) in enumerate(pipes):
        os.write(writeEnd, b"pipe %d" % index)
        client.transport.write(b"a" * 10_000)  # Bytes before each descriptor...
        client.transport.sendFileDescriptor(readEnd)
        client.transport.write(b"b")  # ...and the one it rides on.
    for readEnd, writeEnd in pipes:
        os.close(readEnd)
        os.close(writeEnd)
    runUntil(r, server.receivedAtLeast(3 * 10_001))
    contents = [os.read(fd, 100) for fd in server.descriptors]
    server.closeDescriptors()
    closeAll(r, port, factory, client)
    assert contents == [b"pipe 0", b"pipe 1", b"pipe 2"]
    # Each arrived no later than the byte written after it.
    assert all(
        before <= 10_001 * index + 10_000 for index, before in enumerate(server.receivedBefore)
    )


def test_manyDescriptorsForOneWriteAllArrive(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Receiver)
    runUntil(r, client.made)
    server = _serverReceiver(r, factory)
    readEnd, writeEnd = os.pipe()
    count = 300  # More than one SCM_RIGHTS message carries (253 on Linux).
    for _ in range(count):
        client.transport.sendFileDescriptor(readEnd)
    client.transport.write(b"xy")
    runUntil(r, server.receivedAtLeast(2))
    arrived = len(server.descriptors)
    server.closeDescriptors()
    os.close(readEnd)
    os.close(writeEnd)
    closeAll(r, port, factory, client)
    assert arrived == count


def test_aProtocolThatIsNoReceiverGetsTheBytesAndNoDescriptorLeaks(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"))
    runUntil(r, client.made)
    runUntil(r, factory.builtAtLeast(1))
    server = factory.built[0]
    first = _freshFile(sockDir)
    client.transport.sendFileDescriptor(first)
    client.transport.write(b"data")
    runUntil(r, server.receivedAtLeast(4))
    copies = _copiesOf(first)
    os.close(first)
    closeAll(r, port, factory, client)
    assert server.received == b"data"
    assert copies == 1  # Ours only: the duplicate sent was closed, and none was received.


def test_descriptorsNeverSentAreClosedWhenTheConnectionEnds(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Receiver)
    runUntil(r, client.made)
    first, second = _freshFile(sockDir), _freshFile(sockDir)
    client.transport.sendFileDescriptor(first)  # No byte follows: it cannot be sent.
    client.transport.sendFileDescriptor(second)
    pending = (_copiesOf(first), _copiesOf(second))
    closeAll(r, port, factory, client)
    after = (_copiesOf(first), _copiesOf(second))
    os.close(first)
    os.close(second)
    assert pending == (2, 2)
    assert after == (1, 1)


def test_anAbortedConnectionClosesItsPendingDescriptors(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    port, factory, client = unixPair(r, str(sockDir / "s"), Receiver)
    runUntil(r, client.made)
    runUntil(r, factory.builtAtLeast(1))
    first = _freshFile(sockDir)
    server = factory.built[0]
    runUntil(r, server.made)
    server.transport.pauseProducing()  # Nobody reads: the client's buffer fills up.
    client.transport.write(b"z" * 8_000_000)
    client.transport.sendFileDescriptor(first)
    client.transport.write(b"after")
    client.transport.abortConnection()
    pending = _copiesOf(first)
    runUntil(r, client.lost)
    after = _copiesOf(first)
    os.close(first)
    server.transport.loseConnection()
    runUntil(r, server.lost)
    port.stopListening()
    assert (pending, after) == (2, 1)


def test_anErrorInFileDescriptorReceivedDropsTheConnectionAndLeaksNothing(
    realReactor: Reactor, sockDir: Path, reactorLog: Any
) -> None:
    r = realReactor

    @implementer(IFileDescriptorReceiver)
    class Failing(Recorder):
        def fileDescriptorReceived(self, descriptor: int) -> None:
            os.close(descriptor)
            raise RuntimeError("no thanks")

    port, factory, client = unixPair(r, str(sockDir / "s"), Failing)
    runUntil(r, client.made)
    runUntil(r, factory.builtAtLeast(1))
    server = factory.built[0]
    first = _freshFile(sockDir)
    client.transport.sendFileDescriptor(first)
    client.transport.sendFileDescriptor(first)
    client.transport.write(b"x")
    runUntil(r, server.lost)
    runUntil(r, client.lost)
    port.stopListening()
    copies = _copiesOf(first)
    os.close(first)
    assert server.reason is not None and server.reason.check(RuntimeError)
    assert "fileDescriptorReceived" in reactorLog.text
    assert copies == 1  # The one it closed, and the one left unclaimed, are both closed.


def test_endpointClientsReceiveDescriptors(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")

    class Sender(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            readEnd, writeEnd = os.pipe()
            os.write(writeEnd, b"from the server")
            self.transport.sendFileDescriptor(readEnd)
            self.transport.write(b"!")
            os.close(readEnd)
            os.close(writeEnd)

    factory = CollectingFactory(Sender)
    listening: Deferred[Any] = serverFromString(r, f"unix:{path}:lockfile=0").listen(factory)
    port = runUntil(r, listening)
    receiver = Receiver()

    class One(CollectingFactory):
        def buildProtocol(self, addr: Any) -> Any:
            return receiver

    connected = clientFromString(r, f"unix:path={path}").connect(One(Receiver))
    protocol = runUntil(r, connected)
    runUntil(r, receiver.receivedAtLeast(1))
    content = os.read(receiver.descriptors[0], 100)
    receiver.closeDescriptors()
    closeAll(r, port, factory, receiver)
    assert protocol is receiver
    assert content == b"from the server"
