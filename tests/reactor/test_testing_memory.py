"""Tests for reactor.testing.MemoryReactor and MemoryReactorClock."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor.error import ReactorAlreadyRunning, ReactorNotRunning
from reactor.interfaces import IReactorCore, IReactorFDSet, IReactorThreads, IReactorTime
from reactor.task import LoopingCall, deferLater
from reactor.testing import (
    FakeConnector,
    IPv4Address,
    IPv6Address,
    MemoryReactor,
    MemoryReactorClock,
    UNIXAddress,
)


class Descriptor:
    def fileno(self) -> int:
        return 99

    def doRead(self) -> None:
        pass

    def doWrite(self) -> None:
        pass

    def connectionLost(self, reason: object) -> None:
        pass


class ClientFactory:
    def __init__(self) -> None:
        self.connectors: list[FakeConnector] = []

    def startedConnecting(self, connector: FakeConnector) -> None:
        self.connectors.append(connector)


# --- interfaces -------------------------------------------------------------------------------


def test_memory_reactor_provides_core_fdset_and_threads_interfaces() -> None:
    r = MemoryReactor()
    assert verifyObject(IReactorCore, r)
    assert verifyObject(IReactorFDSet, r)
    assert verifyObject(IReactorThreads, r)


def test_memory_reactor_provides_the_network_interfaces_it_records() -> None:
    from reactor.interfaces import IReactorSSL, IReactorTCP, IReactorUDP, IReactorUNIX

    r = MemoryReactor()
    for interface in (IReactorTCP, IReactorSSL, IReactorUNIX, IReactorUDP):
        assert verifyObject(interface, r)


def test_memory_reactor_clock_provides_time_interface() -> None:
    assert verifyObject(IReactorTime, MemoryReactorClock())


# --- life cycle -------------------------------------------------------------------------------


def test_run_runs_callWhenRunning_hooks_then_stops() -> None:
    r = MemoryReactor()
    seen: list[bool] = []
    r.callWhenRunning(lambda: seen.append(r.running))
    assert len(r.whenRunningHooks) == 1
    r.run()
    assert seen == [True]
    assert (r.hasRun, r.hasStopped, r.running) == (True, True, False)


def test_callWhenRunning_while_running_calls_at_once() -> None:
    r = MemoryReactor()
    seen: list[str] = []
    r.callWhenRunning(lambda: r.callWhenRunning(seen.append, "inner"))
    r.run()
    assert seen == ["inner"]


def test_run_fires_startup_and_shutdown_triggers_in_phase_order() -> None:
    r = MemoryReactor()
    order: list[str] = []
    for event in ("shutdown", "startup"):
        for phase in ("after", "during", "before"):
            r.addSystemEventTrigger(phase, event, order.append, f"{phase} {event}")
    r.run()
    assert order == [
        "before startup",
        "during startup",
        "after startup",
        "before shutdown",
        "during shutdown",
        "after shutdown",
    ]


def test_triggers_are_recorded_twisted_style() -> None:
    r = MemoryReactor()

    def f() -> None:
        pass

    r.addSystemEventTrigger("before", "shutdown", f, 1, key=2)
    assert r.triggers["before"]["shutdown"] == [(f, (1,), {"key": 2})]


def test_removed_trigger_does_not_run() -> None:
    r = MemoryReactor()
    ran: list[int] = []
    handle = r.addSystemEventTrigger("during", "custom", ran.append, 1)
    r.removeSystemEventTrigger(handle)
    r.fireSystemEvent("custom")
    assert ran == []
    with pytest.raises(ValueError, match="not a pending trigger"):
        r.removeSystemEventTrigger(handle)


def test_unknown_phase_is_rejected() -> None:
    with pytest.raises(ValueError, match="phase"):
        MemoryReactor().addSystemEventTrigger("whenever", "startup", print)


def test_triggers_are_one_shot() -> None:
    r = MemoryReactor()
    ran: list[int] = []
    r.addSystemEventTrigger("during", "custom", ran.append, 1)
    r.fireSystemEvent("custom")
    r.fireSystemEvent("custom")
    assert ran == [1]


def test_before_trigger_deferred_delays_later_phases() -> None:
    r = MemoryReactor()
    gate: Deferred[None] = Deferred()
    order: list[str] = []
    r.addSystemEventTrigger("before", "custom", lambda: gate)
    r.addSystemEventTrigger("during", "custom", order.append, "during")
    r.fireSystemEvent("custom")
    assert order == []
    gate.callback(None)
    assert order == ["during"]


def test_stop_when_not_running_is_an_error() -> None:
    with pytest.raises(ReactorNotRunning):
        MemoryReactor().stop()


def test_run_while_running_is_an_error() -> None:
    r = MemoryReactor()
    errors: list[BaseException] = []

    def runAgain() -> None:
        try:
            r.run()
        except ReactorAlreadyRunning as e:
            errors.append(e)

    r.callWhenRunning(runAgain)
    r.run()
    assert len(errors) == 1


def test_crash_skips_shutdown_triggers() -> None:
    r = MemoryReactor()
    ran: list[str] = []
    r.addSystemEventTrigger("before", "shutdown", ran.append, "shutdown")
    r.callWhenRunning(r.crash)
    r.run()
    assert ran == []
    assert r.hasCrashed
    assert not r.hasStopped


def test_hook_stopping_the_reactor_is_not_stopped_twice() -> None:
    r = MemoryReactor()
    ran: list[str] = []
    r.addSystemEventTrigger("during", "shutdown", ran.append, "shutdown")
    r.callWhenRunning(r.stop)
    r.run()
    assert ran == ["shutdown"]


# --- readers, writers, threads ----------------------------------------------------------------


def test_readers_and_writers_are_recorded_in_sets() -> None:
    r = MemoryReactor()
    d = Descriptor()
    r.addReader(d)
    r.addReader(d)
    r.addWriter(d)
    assert r.readers == {d}
    assert r.getReaders() == [d]
    assert r.getWriters() == [d]
    r.removeReader(d)
    r.removeReader(d)
    assert r.readers == set()
    assert r.writers == {d}


def test_removeAll_returns_each_descriptor_once() -> None:
    r = MemoryReactor()
    a, b = Descriptor(), Descriptor()
    r.addReader(a)
    r.addWriter(a)
    r.addWriter(b)
    assert sorted(map(id, r.removeAll())) == sorted([id(a), id(b)])
    assert (r.readers, r.writers) == (set(), set())


def test_callFromThread_runs_at_once() -> None:
    r = MemoryReactor()
    ran: list[tuple[object, ...]] = []
    r.callFromThread(lambda *a, **kw: ran.append((a, kw)), 1, k=2)
    assert ran == [((1,), {"k": 2})]


# --- networking is recorded --------------------------------------------------------------------


def test_listenTCP_is_recorded_and_returns_a_port() -> None:
    r = MemoryReactor()
    factory = object()
    port = r.listenTCP(8080, factory, backlog=5, interface="127.0.0.1")
    assert r.tcpServers == [(8080, factory, 5, "127.0.0.1")]
    assert port.getHost() == IPv4Address("TCP", "127.0.0.1", 8080)
    assert port.stopListening().called
    assert port.stopped


def test_listenTCP_on_all_interfaces_reports_0_0_0_0() -> None:
    assert MemoryReactor().listenTCP(1, object()).getHost() == IPv4Address("TCP", "0.0.0.0", 1)


def test_listenTCP_on_ipv6_interface_reports_ipv6_address() -> None:
    port = MemoryReactor().listenTCP(1, object(), interface="::1")
    assert port.getHost() == IPv6Address("TCP", "::1", 1)


def test_connectTCP_is_recorded_and_factory_told() -> None:
    r = MemoryReactor()
    factory = ClientFactory()
    connector = r.connectTCP("example.org", 80, factory, timeout=3)
    assert r.tcpClients == [("example.org", 80, factory, 3, None)]
    assert factory.connectors == [connector]
    assert r.connectors == [connector]
    assert connector.getDestination() == IPv4Address("TCP", "example.org", 80)


def test_connector_records_what_is_done_to_it() -> None:
    connector = MemoryReactor().connectTCP("h", 1, object())
    connector.connect()
    connector.stopConnecting()
    connector.disconnect()
    assert connector.connectAttempts == 2
    assert connector.stoppedConnecting
    assert connector.disconnected


def test_ssl_calls_are_recorded() -> None:
    r = MemoryReactor()
    factory, context = ClientFactory(), object()
    r.listenSSL(443, factory, context)
    r.connectSSL("h", 443, factory, context)
    assert r.sslServers == [(443, factory, context, 50, "")]
    assert r.sslClients == [("h", 443, factory, context, 30, None)]
    assert len(factory.connectors) == 1


def test_unix_calls_are_recorded() -> None:
    r = MemoryReactor()
    factory = ClientFactory()
    port = r.listenUNIX("/tmp/s", factory)
    connector = r.connectUNIX("/tmp/s", factory)
    assert r.unixServers == [("/tmp/s", factory, 50, 0o666, False)]
    assert r.unixClients == [("/tmp/s", factory, 30, False)]
    assert port.getHost() == connector.getDestination() == UNIXAddress("/tmp/s")


def test_udp_calls_are_recorded() -> None:
    r = MemoryReactor()
    protocol = object()
    port = r.listenUDP(53, protocol)
    assert r.udpPorts == [(53, protocol, "", 8192)]
    assert port.getHost() == IPv4Address("UDP", "0.0.0.0", 53)


# --- MemoryReactorClock ----------------------------------------------------------------------


def test_clock_reactor_runs_timed_calls_when_advanced() -> None:
    r = MemoryReactorClock()
    ran: list[float] = []
    r.callLater(2, lambda: ran.append(r.seconds()))
    r.advance(1)
    assert ran == []
    r.pump([0.5, 0.5])
    assert ran == [2]


def test_clock_reactor_lists_delayed_calls() -> None:
    r = MemoryReactorClock()
    call = r.callLater(1, lambda: None)
    assert r.getDelayedCalls() == [call]


def test_clock_reactor_iterate_runs_due_calls_without_moving_time() -> None:
    r = MemoryReactorClock()
    ran: list[str] = []
    r.callLater(0, ran.append, "now")
    r.callLater(1, ran.append, "later")
    r.iterate(5)
    assert ran == ["now"]
    assert r.seconds() == 0


def test_clock_reactor_drives_task_helpers() -> None:
    r = MemoryReactorClock()
    ticks: list[float] = []
    loop = LoopingCall(lambda: ticks.append(r.seconds()))
    loop.clock = r
    loop.start(1)
    results: list[object] = []
    deferLater(r, 2.5, lambda: "later").addCallback(results.append)
    r.pump([1, 1, 1])
    loop.stop()
    assert ticks == [0, 1, 2, 3]
    assert results == ["later"]
