"""ProcessEndpoint on every backend: a stream protocol over a child's stdin and stdout."""

from __future__ import annotations

import logging

import pytest
from _processhelpers import python
from zope.interface.verify import verifyObject

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.error import ConnectionDone, NoProtocol, ProcessTerminated
from reactor.interfaces import IStreamClientEndpoint
from reactor.process import Process, ProcessAddress, ProcessEndpoint, StandardErrorBehavior
from reactor.protocol import Factory, Protocol

pytestmark = pytest.mark.reactor("all")


class _Collector(Protocol):
    def __init__(self) -> None:
        self.received = b""
        self.reason: Failure | None = None
        self.lost: Deferred[None] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Failure = None) -> None:  # type: ignore[assignment]
        self.reason = reason
        self.lost.callback(None)


_UPPER = "import sys; sys.stdout.write(sys.stdin.read().upper()); sys.stderr.write('noise')"


def test_connect_fires_with_a_protocol_whose_transport_is_the_child(
    reactor: Reactor,
) -> Deferred[None]:
    endpoint = ProcessEndpoint(reactor, python("")[0], python(_UPPER))
    assert verifyObject(IStreamClientEndpoint, endpoint)
    connected = endpoint.connect(Factory.forProtocol(_Collector))

    def talk(protocol: _Collector) -> Deferred[None]:
        assert isinstance(protocol.transport, Process)
        protocol.transport.write(b"shout")
        protocol.transport.closeStdin()
        return protocol.lost.addCallback(lambda _: check(protocol))

    def check(protocol: _Collector) -> None:
        assert protocol.received == b"SHOUT"
        assert protocol.reason is not None and protocol.reason.check(ConnectionDone)
        assert isinstance(protocol.transport.getPeer(), ProcessAddress)

    return connected.addCallback(talk)


def test_failed_child_loses_the_connection_with_process_terminated(
    reactor: Reactor,
) -> Deferred[None]:
    endpoint = ProcessEndpoint(reactor, python("")[0], python("raise SystemExit(9)"))

    def wait(protocol: _Collector) -> Deferred[None]:
        return protocol.lost.addCallback(lambda _: check(protocol))

    def check(protocol: _Collector) -> None:
        assert protocol.reason is not None
        assert protocol.reason.check(ProcessTerminated)
        assert protocol.reason.value.exitCode == 9

    return endpoint.connect(Factory.forProtocol(_Collector)).addCallback(wait)


@pytest.mark.parametrize(
    ("errFlag", "logged"), [(StandardErrorBehavior.LOG, True), (StandardErrorBehavior.DROP, False)]
)
def test_stderr_is_logged_or_dropped(
    reactor: Reactor,
    caplog: pytest.LogCaptureFixture,
    errFlag: StandardErrorBehavior,
    logged: bool,
) -> Deferred[None]:
    caplog.set_level(logging.INFO, logger="reactor.process")
    endpoint = ProcessEndpoint(reactor, python("")[0], python(_UPPER), errFlag=errFlag)

    def wait(protocol: _Collector) -> Deferred[None]:
        protocol.transport.closeStdin()
        return protocol.lost

    def check(_: object) -> None:
        assert ("noise" in caplog.text) is logged

    return endpoint.connect(Factory.forProtocol(_Collector)).addCallback(wait).addCallback(check)


def test_child_that_cannot_start_fails_the_connect(reactor: Reactor) -> None:
    endpoint = ProcessEndpoint(reactor, "/no/such/program", ["program"])
    d = endpoint.connect(Factory.forProtocol(_Collector))
    outcome: list[object] = []
    d.addBoth(outcome.append)
    [failure] = outcome
    assert isinstance(failure, Failure) and failure.check(FileNotFoundError)


def test_factory_refusing_fails_the_connect_and_spawns_nothing(reactor: Reactor) -> None:
    class Refusing(Factory):
        def buildProtocol(self, addr: object) -> None:  # type: ignore[override]
            return None

    endpoint = ProcessEndpoint(reactor, python("")[0], python("pass"))
    outcome: list[object] = []
    endpoint.connect(Refusing()).addBoth(outcome.append)
    [failure] = outcome
    assert isinstance(failure, Failure) and failure.check(NoProtocol)
