"""The ``fd:`` and ``stdio:`` endpoint descriptions: parsing, and a protocol connected through
each over real pipes (every backend)."""

from __future__ import annotations

import os

import pytest
from _fdhelpers import Recorder, closeQuietly, duplexPipes, runUntil
from zope.interface.verify import verifyObject

from reactor import Reactor
from reactor.endpoints import clientFromString, serverFromString
from reactor.fd import FileDescriptorAddress, FileDescriptorTransport
from reactor.fd._endpoints import FileDescriptorEndpoint, StandardIOEndpoint
from reactor.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from reactor.protocol import Factory
from reactor.stdio import StandardIO


class _RecordingFactory(Factory):
    def __init__(self) -> None:
        self.built: list[Recorder] = []
        self.addresses: list[object] = []

    def buildProtocol(self, addr: object) -> Recorder:
        self.addresses.append(addr)
        protocol = Recorder()
        self.built.append(protocol)
        return protocol


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("fd:3", "<FileDescriptorEndpoint fd=3>"),
        ("fd:in=0:out=1", "<FileDescriptorEndpoint in=0 out=1>"),
        ("fd:in=7", "<FileDescriptorEndpoint in=7 out=None>"),
        ("fd:out=8", "<FileDescriptorEndpoint in=None out=8>"),
    ],
)
def test_fdDescriptionsParseOnBothSides(description: str, expected: str) -> None:
    assert repr(serverFromString(None, description)) == expected
    assert repr(clientFromString(None, description)) == expected


def test_stdioDescriptionParses() -> None:
    endpoint = serverFromString(None, "stdio:")
    assert isinstance(endpoint, StandardIOEndpoint)
    assert repr(endpoint) == "<StandardIOEndpoint in=0 out=1>"
    assert isinstance(serverFromString(None, "stdio"), StandardIOEndpoint)


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("fd:", "a descriptor is needed"),
        ("fd:abc", "must be an integer"),
        ("fd:-1", "descriptor number"),
        ("fd:in=-2", "descriptor number"),
        ("fd:1:2", "one descriptor at most"),
        ("fd:3:in=0", "not both"),
        ("fd:mode=raw", "unknown parameters"),
        ("stdio:extra", "takes no parameters"),
        ("stdio:in=3", "takes no parameters"),
    ],
)
def test_badDescriptionsSayWhatIsWrong(description: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        serverFromString(None, description)


def test_fdWithNoDescriptorIsRefused() -> None:
    with pytest.raises(ValueError, match="a descriptor is needed"):
        clientFromString(None, "fd")
    with pytest.raises(ValueError):
        FileDescriptorEndpoint(None)
    with pytest.raises(ValueError, match="not both"):
        FileDescriptorEndpoint(None, 3, readFd=4)


def test_endpointsProvideTheirInterfaces() -> None:
    endpoint = FileDescriptorEndpoint(None, 3)
    assert verifyObject(IStreamServerEndpoint, endpoint)
    assert verifyObject(IStreamClientEndpoint, endpoint)
    assert verifyObject(IStreamServerEndpoint, StandardIOEndpoint(None))


def test_fdServerEndpointFiresWithTheTransport(realReactor: Reactor) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    factory = _RecordingFactory()
    endpoint = serverFromString(r, f"fd:in={aRead}:out={aWrite}")
    transport = runUntil(r, endpoint.listen(factory))
    assert isinstance(transport, FileDescriptorTransport)
    (protocol,) = factory.built
    assert factory.addresses == [FileDescriptorAddress(aRead, aWrite)]
    assert protocol.transport is transport
    os.write(bWrite, b"to the protocol")
    assert runUntil(r, protocol.want(15)) == b"to the protocol"
    transport.write(b"from it")
    transport.loseConnection()
    runUntil(r, protocol.lost)
    assert os.read(bRead, 100) == b"from it"
    closeQuietly(bRead, bWrite)


def test_fdClientEndpointFiresWithTheConnectedProtocol(realReactor: Reactor) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    factory = _RecordingFactory()
    endpoint = clientFromString(r, f"fd:in={aRead}:out={aWrite}")
    protocol = runUntil(r, endpoint.connect(factory))
    assert protocol is factory.built[0]
    assert protocol.events == ["made"]
    # A descriptor carries one connection: a second use is refused, not a second transport.
    with pytest.raises(RuntimeError, match="used already"):
        runUntil(r, endpoint.connect(factory))
    protocol.transport.loseConnection()
    runUntil(r, protocol.lost)
    closeQuietly(bRead, bWrite)


def test_aFactoryRefusingToBuildFailsTheEndpoint(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()

    class Refusing(Factory):
        def buildProtocol(self, addr: object) -> None:
            return None

    endpoint = FileDescriptorEndpoint(realReactor, readFd=rfd)
    with pytest.raises(RuntimeError, match="returned None"):
        runUntil(realReactor, endpoint.listen(Refusing()))
    closeQuietly(rfd, wfd)


def test_stdioEndpointPutsOneProtocolOnTheGivenDescriptors(realReactor: Reactor) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    factory = _RecordingFactory()
    transport = runUntil(r, StandardIOEndpoint(r, aRead, aWrite).listen(factory))
    assert isinstance(transport, StandardIO)
    (protocol,) = factory.built
    transport.write(b"hello")
    assert os.read(bRead, 10) == b"hello"
    os.close(bWrite)
    runUntil(r, protocol.lost)
    assert os.read(bRead, 10) == b""
    os.close(bRead)
