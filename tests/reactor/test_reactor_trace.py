"""Reactor.setTracing: every step of the loop reported, on every backend; nothing left when off."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest

from reactor import PollingReactor, Reactor
from reactor._trace import TracedCall

Run = Callable[..., None]
Events = list[tuple[str, Any]]

# The instance attributes tracing adds to a reactor (they shadow the class's methods).
SHADOWED = {"_move", "_readReady", "_writeReady", "_wokenUp", "callLater"}


def recordInto(events: Events) -> Callable[[str, Any], None]:
    """A hook that records every event except waits (their count depends on the backend)."""

    def hook(event: str, detail: Any) -> None:
        if event != "wait":
            events.append((event, detail))

    return hook


def tick() -> None:
    """A timed call with a recognisable name."""


def test_life_cycle_states_are_reported_in_order(realReactor: Reactor, run: Run) -> None:
    events: Events = []
    realReactor.setTracing(recordInto(events))
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    states = [detail for event, detail in events if event == "state"]
    assert states == ["starting", "running", "stop requested", "stopping", "idle"]


def test_timer_is_reported_with_its_function_before_it_runs(realReactor: Reactor, run: Run) -> None:
    events: Events = []
    realReactor.setTracing(recordInto(events))
    realReactor.callLater(0, tick)
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    timers = [detail for event, detail in events if event == "timer"]
    assert timers[:2] == [tick, realReactor.stop]


def test_timer_scheduled_before_tracing_is_reported(realReactor: Reactor, run: Run) -> None:
    events: Events = []
    realReactor.callLater(0, tick)
    realReactor.setTracing(recordInto(events))
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    assert ("timer", tick) in events


def test_call_from_thread_is_reported_after_a_wake(realReactor: Reactor, run: Run) -> None:
    events: Events = []
    realReactor.setTracing(recordInto(events))
    realReactor.callFromThread(realReactor.stop)
    run(realReactor)
    stepsRun = [event for event, _ in events if event in ("wake", "thread call")]
    assert stepsRun == ["wake", "thread call"]
    assert ("thread call", realReactor.stop) in events


def test_readable_descriptor_is_reported_with_its_reader(realReactor: Reactor, run: Run) -> None:
    events: Events = []
    ours, theirs = socket.socketpair()

    class Reader:
        def fileno(self) -> int:
            return ours.fileno()

        def doRead(self) -> None:
            ours.recv(10)
            realReactor.removeReader(self)
            realReactor.stop()

        def connectionLost(self, reason: object) -> None:
            pass

    reader = Reader()
    try:
        realReactor.setTracing(recordInto(events))
        realReactor.addReader(reader)
        theirs.send(b"x")
        run(realReactor)
    finally:
        ours.close()
        theirs.close()
    assert ("readable", reader) in events


@pytest.mark.reactor("select", "poll", "epoll")
def test_polling_reactor_reports_each_wait_with_its_timeout(reactor: Reactor, run: Run) -> None:
    waits: list[float | None] = []
    reactor.setTracing(lambda event, detail: waits.append(detail) if event == "wait" else None)
    reactor.callLater(0.05, reactor.stop)
    run(reactor)
    timeouts = [w for w in waits if w is not None]
    assert timeouts and 0 < timeouts[0] <= 0.05


def test_turning_tracing_off_leaves_the_reactor_as_it_was(realReactor: Reactor, run: Run) -> None:
    backend = getattr(realReactor, "_backend", None)
    events: Events = []
    realReactor.setTracing(recordInto(events))
    assert set(vars(realReactor)) >= SHADOWED
    realReactor.setTracing(None)
    assert not SHADOWED & set(vars(realReactor))
    assert getattr(realReactor, "_backend", None) is backend
    assert realReactor._threadCalls._consume == realReactor._runThreadCall
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == []


def test_turning_tracing_off_unwraps_pending_timers(realReactor: Reactor) -> None:
    realReactor.setTracing(recordInto([]))
    call = realReactor.callLater(10, tick)
    assert isinstance(call.func, TracedCall)
    realReactor.setTracing(None)
    assert call.func is tick
    call.cancel()


def test_traced_timer_keeps_its_function_name_in_reprs(realReactor: Reactor) -> None:
    realReactor.setTracing(recordInto([]))
    call = realReactor.callLater(10, tick)
    try:
        assert "tick()" in repr(call)
    finally:
        call.cancel()
        realReactor.setTracing(None)


def test_a_new_hook_replaces_the_old_one(realReactor: Reactor, run: Run) -> None:
    first: Events = []
    second: Events = []
    realReactor.setTracing(recordInto(first))
    realReactor.callLater(0, tick)
    realReactor.setTracing(recordInto(second))
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    assert first == []
    assert ("timer", tick) in second
    if isinstance(realReactor, PollingReactor):
        assert type(realReactor._backend).__name__ == "TracedBackend"
        assert type(realReactor._backend.backend).__name__ != "TracedBackend"  # type: ignore[attr-defined]


def test_tracing_one_reactor_leaves_another_untraced(realReactor: Reactor) -> None:
    from reactor import SelectReactor

    other = SelectReactor()
    try:
        realReactor.setTracing(recordInto([]))
        assert not SHADOWED & set(vars(other))
    finally:
        realReactor.setTracing(None)
        other.close()


def test_a_raising_hook_is_logged_and_the_loop_goes_on(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def badHook(event: str, detail: Any) -> None:
        raise RuntimeError("hook broke")

    realReactor.setTracing(badHook)
    realReactor.callLater(0, ran.append, "timer ran")
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    assert ran == ["timer ran"]
    assert any("trace hook" in r.getMessage() for r in reactorLog.records)
    assert all(r.levelno == logging.ERROR for r in reactorLog.records if "trace" in r.getMessage())
