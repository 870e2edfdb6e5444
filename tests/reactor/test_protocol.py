"""reactor.protocol: Protocol, the factories, the reconnecting backoff, DatagramProtocol."""

from __future__ import annotations

import logging
import pickle
import random

import pytest
from zope.interface.verify import verifyClass, verifyObject

from deferred import Failure
from reactor.address import IPv4Address
from reactor.error import ConnectionDone, ConnectionLost, NotConnectingError
from reactor.interfaces import (
    IClientProtocolFactory,
    ILoggingContext,
    IProtocol,
    IProtocolFactory,
)
from reactor.protocol import (
    ClientFactory,
    DatagramProtocol,
    Factory,
    Protocol,
    ReconnectingClientFactory,
    ServerFactory,
    connectionDone,
)
from reactor.task import Clock
from reactor.testing import FakeConnector, StringTransport

ADDRESS = IPv4Address("TCP", "127.0.0.1", 4321)
LOST = Failure(ConnectionLost())


class RecordingProtocol(Protocol):
    """Records the events it receives, and what it saw when connectionMade ran."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def connectionMade(self) -> None:
        self.events.append(("made", self.transport, self.connected))

    def dataReceived(self, data: bytes) -> None:
        self.events.append(("data", data))

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.events.append(("lost", reason))


class CountingFactory(Factory):
    protocol = RecordingProtocol

    def __init__(self) -> None:
        self.starts = 0
        self.stops = 0

    def startFactory(self) -> None:
        self.starts += 1

    def stopFactory(self) -> None:
        self.stops += 1


# --- Interfaces --------------------------------------------------------------------------------


def test_Protocol_provides_IProtocol_and_ILoggingContext() -> None:
    assert verifyObject(IProtocol, Protocol())
    assert verifyObject(ILoggingContext, Protocol())


@pytest.mark.parametrize("factoryClass", [Factory, ServerFactory, ClientFactory])
def test_factories_provide_IProtocolFactory(factoryClass: type[Factory]) -> None:
    assert verifyObject(IProtocolFactory, factoryClass.forProtocol(Protocol))
    assert verifyObject(ILoggingContext, factoryClass())


@pytest.mark.parametrize("factoryClass", [ClientFactory, ReconnectingClientFactory])
def test_client_factories_provide_IClientProtocolFactory(factoryClass: type[Factory]) -> None:
    assert verifyObject(IClientProtocolFactory, factoryClass())
    assert verifyClass(IProtocolFactory, factoryClass)


def test_DatagramProtocol_provides_ILoggingContext() -> None:
    assert verifyObject(ILoggingContext, DatagramProtocol())


def test_IProtocol_has_Twisted_method_names() -> None:
    assert set(IProtocol.names()) == {
        "makeConnection",
        "connectionMade",
        "dataReceived",
        "connectionLost",
    }


# --- Protocol ----------------------------------------------------------------------------------


def test_protocol_starts_unconnected_without_transport() -> None:
    protocol = Protocol()
    assert protocol.transport is None
    assert protocol.connected is False
    assert protocol.factory is None


def test_makeConnection_sets_transport_and_connected_before_connectionMade() -> None:
    protocol = RecordingProtocol()
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert protocol.events == [("made", transport, True)]
    assert protocol.transport is transport


def test_events_after_makeConnection_reach_the_handlers_in_order() -> None:
    protocol = RecordingProtocol()
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(b"abc")
    protocol.connectionLost(LOST)
    assert protocol.events[1:] == [("data", b"abc"), ("lost", LOST)]


def test_base_handlers_accept_events_and_do_nothing() -> None:
    protocol = Protocol()
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(b"ignored")
    protocol.connectionLost()
    assert transport.value() == b""
    assert not transport.disconnecting


def test_connectionDone_is_a_clean_close_failure() -> None:
    assert connectionDone.check(ConnectionDone)


def test_logPrefix_is_the_class_name() -> None:
    assert RecordingProtocol().logPrefix() == "RecordingProtocol"
    assert CountingFactory().logPrefix() == "CountingFactory"


# --- Factory -----------------------------------------------------------------------------------


def test_buildProtocol_builds_a_new_protocol_that_knows_its_factory() -> None:
    factory = Factory.forProtocol(RecordingProtocol)
    first = factory.buildProtocol(ADDRESS)
    second = factory.buildProtocol(ADDRESS)
    assert isinstance(first, RecordingProtocol)
    assert first is not second
    assert first.factory is factory


def test_forProtocol_passes_arguments_to_the_factory_class() -> None:
    class NamedFactory(Factory):
        def __init__(self, name: str, *, greeting: str) -> None:
            self.name = name
            self.greeting = greeting

    factory = NamedFactory.forProtocol(Protocol, "n", greeting="hi")
    assert isinstance(factory, NamedFactory)
    assert (factory.name, factory.greeting, factory.protocol) == ("n", "hi", Protocol)


def test_buildProtocol_without_a_protocol_says_how_to_give_one() -> None:
    with pytest.raises(TypeError, match="forProtocol"):
        Factory().buildProtocol(ADDRESS)


def test_buildProtocol_may_return_None_to_refuse() -> None:
    class Refusing(Factory):
        def buildProtocol(self, addr: object) -> Protocol | None:
            return None

    assert verifyObject(IProtocolFactory, Refusing())
    assert Refusing().buildProtocol(ADDRESS) is None


def test_startFactory_runs_on_first_doStart_only() -> None:
    factory = CountingFactory()
    factory.doStart()
    factory.doStart()
    assert (factory.starts, factory.numPorts) == (1, 2)


def test_stopFactory_runs_on_last_doStop_only() -> None:
    factory = CountingFactory()
    factory.doStart()
    factory.doStart()
    factory.doStop()
    assert factory.stops == 0
    factory.doStop()
    assert (factory.stops, factory.numPorts) == (1, 0)


def test_factory_restarts_after_a_full_stop() -> None:
    factory = CountingFactory()
    for _ in range(2):
        factory.doStart()
        factory.doStop()
    assert (factory.starts, factory.stops) == (2, 2)


def test_doStop_without_doStart_is_an_error() -> None:
    factory = CountingFactory()
    with pytest.raises(RuntimeError, match="more often than doStart"):
        factory.doStop()
    assert factory.stops == 0


def test_noisy_factory_logs_start_and_stop(caplog: pytest.LogCaptureFixture) -> None:
    factory = Factory.forProtocol(Protocol)
    with caplog.at_level(logging.INFO, logger="reactor.protocol"):
        factory.doStart()
        factory.doStop()
    assert [r.getMessage() for r in caplog.records] == [
        f"Starting factory {factory!r}",
        f"Stopping factory {factory!r}",
    ]


def test_quiet_factory_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    factory = Factory.forProtocol(Protocol)
    factory.noisy = False
    with caplog.at_level(logging.DEBUG, logger="reactor.protocol"):
        factory.doStart()
        factory.doStop()
    assert caplog.records == []


def test_factory_repr_names_its_protocol() -> None:
    assert repr(ServerFactory.forProtocol(RecordingProtocol)) == (
        "<ServerFactory protocol=RecordingProtocol>"
    )


def test_ClientFactory_connection_events_do_nothing_by_default() -> None:
    factory = ClientFactory()
    connector = FakeConnector(ADDRESS)
    factory.startedConnecting(connector)
    factory.clientConnectionFailed(connector, LOST)
    factory.clientConnectionLost(connector, LOST)
    assert connector.connectAttempts == 1
    assert not connector.stoppedConnecting


# --- ReconnectingClientFactory ---------------------------------------------------------------


def reconnecting(**attributes: object) -> tuple[ReconnectingClientFactory, Clock, FakeConnector]:
    factory = ReconnectingClientFactory()
    factory.clock = Clock()
    factory.noisy = False
    for name, value in attributes.items():
        setattr(factory, name, value)
    return factory, factory.clock, FakeConnector(ADDRESS)


def waitsUntilReconnect(factory: ReconnectingClientFactory, count: int) -> list[float]:
    """Fail the connection ``count`` times; return the scheduled wait before each retry."""
    clock = factory.clock
    assert isinstance(clock, Clock)
    connector = FakeConnector(ADDRESS)
    waits = []
    for _ in range(count):
        factory.clientConnectionFailed(connector, LOST)
        (call,) = clock.getDelayedCalls()
        waits.append(call.getTime() - clock.seconds())
        clock.advance(waits[-1])
    return waits


def test_failed_connection_reconnects_after_initialDelay_times_factor() -> None:
    factory, clock, connector = reconnecting(jitter=0, initialDelay=1.0, factor=2.0)
    factory.clientConnectionFailed(connector, LOST)
    clock.advance(1.999)
    assert connector.connectAttempts == 1
    clock.advance(0.001)
    assert connector.connectAttempts == 2
    assert clock.getDelayedCalls() == []


def test_lost_connection_reconnects_too() -> None:
    factory, clock, connector = reconnecting(jitter=0, factor=2.0)
    factory.clientConnectionLost(connector, LOST)
    clock.advance(2.0)
    assert connector.connectAttempts == 2


def test_delay_grows_exponentially_without_jitter() -> None:
    factory, _, _ = reconnecting(jitter=0, initialDelay=0.5, factor=3.0)
    assert waitsUntilReconnect(factory, 4) == pytest.approx([1.5, 4.5, 13.5, 40.5])


def test_delay_never_exceeds_maxDelay() -> None:
    factory, _, _ = reconnecting(jitter=0, factor=10.0, maxDelay=50.0)
    assert waitsUntilReconnect(factory, 4) == pytest.approx([10.0, 50.0, 50.0, 50.0])


def test_jittered_delay_stays_within_its_band_and_under_maxDelay() -> None:
    factory, _, _ = reconnecting(
        jitter=0.5, factor=2.0, maxDelay=20.0, randomSource=random.Random(1)
    )
    nominal = [2.0, 4.0, 8.0, 16.0, 20.0, 20.0, 20.0, 20.0]
    for wait, expected in zip(waitsUntilReconnect(factory, 8), nominal, strict=True):
        assert expected * 0.5 <= wait <= min(expected * 1.5, 20.0)


def test_jitter_spreads_the_waits() -> None:
    factory, _, _ = reconnecting(jitter=0.2, randomSource=random.Random(7))
    waits = []
    for _ in range(20):
        factory.resetDelay()
        waits.extend(waitsUntilReconnect(factory, 1))
    assert len(set(waits)) == 20


def test_same_random_seed_gives_the_same_schedule() -> None:
    schedules = []
    for _ in range(2):
        factory, _, _ = reconnecting(randomSource=random.Random(42))
        schedules.append(waitsUntilReconnect(factory, 5))
    assert schedules[0] == schedules[1]


def test_changing_initialDelay_before_the_first_retry_takes_effect() -> None:
    factory, _, _ = reconnecting(jitter=0, factor=2.0)
    factory.initialDelay = 10.0
    assert waitsUntilReconnect(factory, 1) == [20.0]


def test_gives_up_after_maxRetries() -> None:
    factory, clock, connector = reconnecting(jitter=0, maxRetries=2)
    for _ in range(2):
        factory.clientConnectionFailed(connector, LOST)
        clock.advance(1000)
    factory.clientConnectionFailed(connector, LOST)
    assert clock.getDelayedCalls() == []
    assert connector.connectAttempts == 3


def test_resetDelay_starts_the_backoff_over() -> None:
    factory, _, _ = reconnecting(jitter=0, factor=2.0)
    waitsUntilReconnect(factory, 3)
    factory.resetDelay()
    assert (factory.delay, factory.retries) == (factory.initialDelay, 0)
    assert waitsUntilReconnect(factory, 1) == [2.0]


def test_resetDelay_also_resets_the_retry_budget() -> None:
    factory, clock, connector = reconnecting(jitter=0, maxRetries=1)
    factory.clientConnectionFailed(connector, LOST)
    clock.advance(1000)
    factory.resetDelay()
    factory.clientConnectionFailed(connector, LOST)
    assert len(clock.getDelayedCalls()) == 1


def test_stopTrying_cancels_the_scheduled_reconnect() -> None:
    factory, clock, connector = reconnecting()
    factory.clientConnectionFailed(connector, LOST)
    factory.stopTrying()
    clock.advance(10_000)
    assert connector.connectAttempts == 1
    assert clock.getDelayedCalls() == []


def test_stopTrying_abandons_the_attempt_in_progress() -> None:
    factory, clock, connector = reconnecting()
    factory.clientConnectionFailed(connector, LOST)
    clock.advance(10_000)
    factory.stopTrying()
    assert connector.stoppedConnecting


def test_stopTrying_when_not_connecting_is_quiet() -> None:
    class IdleConnector(FakeConnector):
        def stopConnecting(self) -> None:
            raise NotConnectingError()

    factory, clock, _ = reconnecting()
    factory.clientConnectionLost(IdleConnector(ADDRESS), LOST)
    factory.stopTrying()
    assert factory.continueTrying is False
    assert clock.getDelayedCalls() == []


def test_no_reconnect_after_stopTrying() -> None:
    factory, clock, connector = reconnecting()
    factory.stopTrying()
    factory.clientConnectionLost(connector, LOST)
    factory.clientConnectionFailed(connector, LOST)
    factory.retry(connector)
    assert clock.getDelayedCalls() == []


def test_retry_without_any_connector_is_an_error() -> None:
    factory, _, _ = reconnecting()
    with pytest.raises(ValueError, match="needs a connector"):
        factory.retry()


def test_retry_reuses_the_last_connector() -> None:
    factory, clock, connector = reconnecting(jitter=0)
    factory.clientConnectionFailed(connector, LOST)
    clock.advance(1000)
    factory.retry()
    clock.advance(1000)
    assert connector.connectAttempts == 3


def test_pickled_factory_keeps_its_settings_but_not_its_connection_state() -> None:
    factory, _, connector = reconnecting(maxDelay=7.0)
    factory.clientConnectionFailed(connector, LOST)
    copy = pickle.loads(pickle.dumps(factory))
    assert copy.maxDelay == 7.0
    assert copy.connector is None
    assert copy.clock is None
    factory.stopTrying()


def test_retry_logs_when_noisy(caplog: pytest.LogCaptureFixture) -> None:
    factory, clock, connector = reconnecting(jitter=0, factor=2.0, maxRetries=1)
    factory.noisy = True
    with caplog.at_level(logging.INFO, logger="reactor.protocol"):
        factory.clientConnectionFailed(connector, LOST)
        clock.advance(2)
        factory.clientConnectionFailed(connector, LOST)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"{connector!r} will retry in 2 seconds",
        f"Abandoning {connector!r} after 1 retries",
    ]


# --- DatagramProtocol ---------------------------------------------------------------------------


class RecordingDatagramProtocol(DatagramProtocol):
    noisy = False

    def __init__(self) -> None:
        self.events: list[object] = []

    def startProtocol(self) -> None:
        self.events.append(("start", self.transport))

    def stopProtocol(self) -> None:
        self.events.append(("stop", self.transport))


def test_datagram_makeConnection_attaches_transport_and_starts() -> None:
    protocol = RecordingDatagramProtocol()
    port = object()
    protocol.makeConnection(port)
    assert protocol.events == [("start", port)]
    assert protocol.numPorts == 1


def test_datagram_protocol_cannot_attach_twice() -> None:
    protocol = RecordingDatagramProtocol()
    protocol.makeConnection(object())
    with pytest.raises(RuntimeError, match="already attached"):
        protocol.makeConnection(object())


def test_datagram_doStop_detaches_and_stops_on_last_port() -> None:
    protocol = RecordingDatagramProtocol()
    protocol.makeConnection(object())
    protocol.doStop()
    assert protocol.events[-1] == ("stop", None)
    assert protocol.transport is None


def test_datagram_protocol_can_listen_again_after_stopping() -> None:
    protocol = RecordingDatagramProtocol()
    first, second = object(), object()
    protocol.makeConnection(first)
    protocol.doStop()
    protocol.makeConnection(second)
    assert protocol.events == [("start", first), ("stop", None), ("start", second)]


def test_datagram_doStop_without_doStart_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="more often than doStart"):
        RecordingDatagramProtocol().doStop()


def test_datagram_handlers_do_nothing_by_default() -> None:
    protocol = DatagramProtocol()
    protocol.datagramReceived(b"packet", ("127.0.0.1", 53))
    protocol.connectionRefused()
    assert protocol.transport is None
