"""The networking interfaces in reactor.interfaces: their shape, names and implementations."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

import reactor.interfaces
from reactor.address import IPv4Address
from reactor.interfaces import (
    IAddress,
    IClientProtocolFactory,
    IConnector,
    IConsumer,
    IHalfCloseableProtocol,
    IListeningPort,
    IProducer,
    IProtocol,
    IProtocolFactory,
    IPullProducer,
    IPushProducer,
    IReactorTCP,
    IStreamClientEndpoint,
    IStreamServerEndpoint,
    ITCPTransport,
    ITransport,
)
from reactor.testing import FakeConnector, FakePort, MemoryReactor, StringTransport

ADDRESS = IPv4Address("TCP", "127.0.0.1", 1)


@pytest.mark.parametrize(
    ("interface", "names"),
    [
        (IProtocol, {"makeConnection", "connectionMade", "dataReceived", "connectionLost"}),
        (IHalfCloseableProtocol, {"readConnectionLost", "writeConnectionLost"}),
        (IProtocolFactory, {"doStart", "doStop", "buildProtocol"}),
        (
            IClientProtocolFactory,
            {"startedConnecting", "clientConnectionFailed", "clientConnectionLost"},
        ),
        (IProducer, {"stopProducing"}),
        (IPushProducer, {"pauseProducing", "resumeProducing"}),
        (IPullProducer, {"resumeProducing"}),
        (IConsumer, {"registerProducer", "unregisterProducer", "write"}),
        (
            ITransport,
            {"write", "writeSequence", "loseConnection", "getPeer", "getHost", "disconnecting"},
        ),
        (
            ITCPTransport,
            {
                "loseWriteConnection",
                "abortConnection",
                "getTcpNoDelay",
                "setTcpNoDelay",
                "getTcpKeepAlive",
                "setTcpKeepAlive",
            },
        ),
        (IListeningPort, {"startListening", "stopListening", "getHost"}),
        (IConnector, {"stopConnecting", "disconnect", "connect", "getDestination"}),
        (IReactorTCP, {"listenTCP", "connectTCP"}),
        (IStreamServerEndpoint, {"listen"}),
        (IStreamClientEndpoint, {"connect"}),
        (IAddress, set()),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_interface_declares_Twisted_names(interface: object, names: set[str]) -> None:
    assert set(interface.names()) == names  # type: ignore[attr-defined]


def test_transport_interfaces_extend_the_flow_control_interfaces() -> None:
    assert ITCPTransport.extends(ITransport)
    assert ITransport.extends(IConsumer)
    assert ITransport.extends(IPushProducer)
    assert IPushProducer.extends(IProducer)
    assert IPullProducer.extends(IProducer)
    assert IClientProtocolFactory.extends(IProtocolFactory)


def test_interfaces_live_in_reactor_interfaces() -> None:
    for name in ("IProtocol", "ITransport", "IReactorTCP", "Transport", "StreamProtocol"):
        assert name in reactor.interfaces.__all__
    assert IProtocol.__module__ == "reactor.interfaces"


def test_StringTransport_provides_ITransport() -> None:
    transport = StringTransport()
    assert verifyObject(ITransport, transport)
    assert verifyObject(IConsumer, transport)
    assert verifyObject(IPushProducer, transport)


def test_MemoryReactor_provides_IReactorTCP() -> None:
    assert verifyObject(IReactorTCP, MemoryReactor())


def test_memory_ports_and_connectors_provide_their_interfaces() -> None:
    assert verifyObject(IListeningPort, FakePort(ADDRESS))
    assert verifyObject(IConnector, FakeConnector(ADDRESS))
