"""System event triggers: phases, order, Deferred-delayed "before" triggers, one-shot."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deferred import Deferred
from reactor import Reactor

Run = Callable[..., None]


def addAllPhases(r: Reactor, events: list[str]) -> None:
    for event in ("startup", "shutdown"):
        for phase in ("after", "during", "before"):  # added out of order on purpose
            r.addSystemEventTrigger(phase, event, events.append, f"{phase} {event}")


def test_triggers_run_in_phase_order(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    addAllPhases(realReactor, events)
    realReactor.callWhenRunning(events.append, "running")
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == [
        "before startup",
        "during startup",
        "after startup",
        "running",
        "before shutdown",
        "during shutdown",
        "after shutdown",
    ]


def test_triggers_of_one_phase_run_in_order_added(realReactor: Reactor, run: Run) -> None:
    events: list[int] = []
    for i in range(5):
        realReactor.addSystemEventTrigger("before", "shutdown", events.append, i)
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == [0, 1, 2, 3, 4]


def test_deferred_from_before_shutdown_delays_shutdown(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    d: Deferred[None] = Deferred()

    def beforeShutdown() -> Deferred[None]:
        events.append("before shutdown")
        # The loop must keep running (timers fire) while shutdown waits for d.
        realReactor.callLater(0.01, events.append, "timer while waiting")
        realReactor.callLater(0.02, d.callback, None)
        d.addCallback(lambda _: events.append("deferred fired"))
        return d

    realReactor.addSystemEventTrigger("before", "shutdown", beforeShutdown)
    realReactor.addSystemEventTrigger("during", "shutdown", events.append, "during shutdown")
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == [
        "before shutdown",
        "timer while waiting",
        "deferred fired",
        "during shutdown",
    ]


def test_shutdown_waits_for_every_before_deferred(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    first: Deferred[None] = Deferred()
    second: Deferred[None] = Deferred()
    realReactor.addSystemEventTrigger("before", "shutdown", lambda: first)
    realReactor.addSystemEventTrigger("before", "shutdown", lambda: second)
    realReactor.addSystemEventTrigger("during", "shutdown", events.append, "during")
    realReactor.callLater(0.01, second.callback, None)
    realReactor.callLater(0.02, events.append, "first not yet fired")
    realReactor.callLater(0.03, first.callback, None)
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == ["first not yet fired", "during"]


def test_deferred_from_before_startup_delays_running(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    d: Deferred[None] = Deferred()
    realReactor.addSystemEventTrigger("before", "startup", lambda: d)
    realReactor.callLater(0.01, events.append, "timer during startup")
    realReactor.callLater(0.02, d.callback, None)
    realReactor.callWhenRunning(events.append, "running")
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == ["timer during startup", "running"]


def test_failed_before_deferred_is_logged_and_shutdown_goes_on(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []
    d: Deferred[None] = Deferred()
    realReactor.addSystemEventTrigger("before", "shutdown", lambda: d)
    realReactor.addSystemEventTrigger("after", "shutdown", events.append, "after shutdown")
    realReactor.callLater(0.01, d.errback, ValueError("cleanup failed"))
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == ["after shutdown"]
    assert "cleanup failed" in reactorLog.text


def test_raising_trigger_is_logged_and_others_still_run(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    def broken() -> None:
        raise RuntimeError("trigger exploded")

    realReactor.addSystemEventTrigger("before", "shutdown", broken)
    realReactor.addSystemEventTrigger("before", "shutdown", events.append, "next trigger")
    realReactor.addSystemEventTrigger("during", "shutdown", events.append, "during")
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == ["next trigger", "during"]
    assert "trigger exploded" in reactorLog.text
    assert "Traceback" in reactorLog.text


def test_removed_trigger_does_not_run(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    handle = realReactor.addSystemEventTrigger("before", "shutdown", events.append, "removed")
    realReactor.removeSystemEventTrigger(handle)
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == []


def test_removing_a_trigger_twice_raises(realReactor: Reactor) -> None:
    handle = realReactor.addSystemEventTrigger("during", "shutdown", lambda: None)
    realReactor.removeSystemEventTrigger(handle)
    with pytest.raises(ValueError, match="not pending"):
        realReactor.removeSystemEventTrigger(handle)


def test_triggers_run_once_per_firing(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    realReactor.addSystemEventTrigger("before", "shutdown", events.append, "once")
    for _ in range(2):
        realReactor.callWhenRunning(realReactor.stop)
        run(realReactor)
    assert events == ["once"]


def test_trigger_added_during_its_phase_runs_in_that_firing(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []

    def addAnother() -> None:
        events.append("first")
        realReactor.addSystemEventTrigger("before", "shutdown", events.append, "added")

    realReactor.addSystemEventTrigger("before", "shutdown", addAnother)
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert events == ["first", "added"]


def test_invalid_phase_is_rejected(realReactor: Reactor) -> None:
    with pytest.raises(ValueError, match="invalid trigger phase"):
        realReactor.addSystemEventTrigger("sometime", "shutdown", lambda: None)


def test_fireSystemEvent_runs_a_custom_event(realReactor: Reactor) -> None:
    events: list[str] = []
    realReactor.addSystemEventTrigger("after", "persist", events.append, "after")
    realReactor.addSystemEventTrigger("before", "persist", events.append, "before")
    realReactor.fireSystemEvent("persist")
    assert events == ["before", "after"]
    assert not realReactor.running


def test_removing_something_that_is_not_a_trigger_raises(realReactor: Reactor) -> None:
    with pytest.raises(ValueError, match="not pending"):
        realReactor.removeSystemEventTrigger(("before", "shutdown", 1))  # type: ignore[arg-type]
