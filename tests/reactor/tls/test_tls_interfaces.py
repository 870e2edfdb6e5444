"""The TLS layer, factory, TCP transports and reactors provide the TLS interfaces."""

from __future__ import annotations

import ssl

import pytest
from _tcphelpers import CollectingFactory, Recorder, runUntil
from _tlsio import connectSSLTo, listenSSLOn
from _tlspair import Pair
from zope.interface.verify import verifyObject

from reactor import Reactor
from reactor._tlsinterfaces import IReactorSSL, ISSLTransport, ITLSTransport
from reactor.interfaces import IProtocol, IProtocolFactory
from reactor.protocol import Factory
from reactor.tls import TLSMemoryBIOFactory


def test_theLayerIsAnSSLTransportAndAProtocol(
    clientCtx: ssl.SSLContext, serverCtx: ssl.SSLContext
) -> None:
    pair = Pair(clientCtx, serverCtx).connect()
    pair.pump()
    assert verifyObject(ISSLTransport, pair.clientTLS)
    assert verifyObject(IProtocol, pair.clientTLS)


def test_theWrappingFactoryIsAProtocolFactory(clientCtx: ssl.SSLContext) -> None:
    assert verifyObject(IProtocolFactory, TLSMemoryBIOFactory(clientCtx, True, Factory()))


@pytest.mark.reactor("all")
def test_everyReactorHasTheSSLMethods(reactor: Reactor) -> None:
    assert verifyObject(IReactorSSL, reactor)


@pytest.mark.reactor("all")
def test_tcpTransportsCanStartTLSAndPortsGiveTheirSocket(
    reactor: Reactor, serverCtx: ssl.SSLContext, clientCtx: ssl.SSLContext
) -> None:
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(reactor, factory, serverCtx)
    assert port.getHandle().getsockname()[1] == port.getHost().port
    client = Recorder()
    connectSSLTo(reactor, port.getHost().port, client, clientCtx, "localhost")
    runUntil(reactor, client.made)
    layer = client.transport
    assert verifyObject(ITLSTransport, layer.transport)  # type: ignore[attr-defined]
    assert layer.getHandle() is layer.transport.getHandle()  # type: ignore[attr-defined]
    [built] = runUntil(reactor, factory.builtAtLeast(1))
    layer.loseConnection()
    runUntil(reactor, client.lost)
    runUntil(reactor, built.lost)
    port.stopListening()
