"""Running, stopping, crashing and running again, on every backend."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from reactor import Reactor, availableReactors
from reactor.error import ReactorAlreadyRunning, ReactorNotRunning

Run = Callable[..., None]


def test_run_returns_after_stop(realReactor: Reactor, run: Run) -> None:
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert not realReactor.running


def test_reactor_runs_again_after_stop(realReactor: Reactor, run: Run) -> None:
    runs: list[int] = []
    for i in range(3):
        realReactor.callWhenRunning(runs.append, i)
        realReactor.callWhenRunning(realReactor.stop)
        run(realReactor)
    assert runs == [0, 1, 2]


def test_stop_lets_the_current_callback_finish(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []

    def stopThenContinue() -> None:
        realReactor.stop()
        events.append("after stop() returned")

    realReactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")
    realReactor.callWhenRunning(stopThenContinue)
    run(realReactor)
    assert events == ["after stop() returned", "shutdown"]


def test_running_is_true_while_running_only(realReactor: Reactor, run: Run) -> None:
    seen: list[tuple[str, bool]] = []
    realReactor.addSystemEventTrigger(
        "before", "startup", lambda: seen.append(("before startup", realReactor.running))
    )
    realReactor.addSystemEventTrigger(
        "before", "shutdown", lambda: seen.append(("before shutdown", realReactor.running))
    )
    realReactor.callWhenRunning(lambda: seen.append(("running", realReactor.running)))
    realReactor.callWhenRunning(realReactor.stop)
    assert not realReactor.running
    run(realReactor)
    assert seen == [("before startup", False), ("running", True), ("before shutdown", True)]
    assert not realReactor.running


def test_callWhenRunning_while_running_calls_at_once(realReactor: Reactor, run: Run) -> None:
    calls: list[str] = []

    def whenRunning() -> None:
        result = realReactor.callWhenRunning(calls.append, "inner")
        calls.append(f"returned {result!r}")
        realReactor.stop()

    realReactor.callWhenRunning(whenRunning)
    run(realReactor)
    assert calls == ["inner", "returned None"]


def test_crash_skips_shutdown_triggers(realReactor: Reactor, run: Run) -> None:
    ran: list[str] = []
    realReactor.addSystemEventTrigger("before", "shutdown", ran.append, "shutdown")
    realReactor.callWhenRunning(realReactor.crash)
    run(realReactor)
    assert ran == []
    assert not realReactor.running


def test_reactor_runs_again_after_crash(realReactor: Reactor, run: Run) -> None:
    realReactor.callWhenRunning(realReactor.crash)
    run(realReactor)
    ran: list[str] = []
    realReactor.callWhenRunning(ran.append, "second run")
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)
    assert ran == ["second run"]


def test_stop_when_not_running_raises(realReactor: Reactor) -> None:
    with pytest.raises(ReactorNotRunning, match="isn't running"):
        realReactor.stop()


def test_stop_twice_raises(realReactor: Reactor, run: Run) -> None:
    errors: list[BaseException] = []

    def stopTwice() -> None:
        realReactor.stop()
        try:
            realReactor.stop()
        except ReactorNotRunning as e:
            errors.append(e)

    realReactor.callWhenRunning(stopTwice)
    run(realReactor)
    assert len(errors) == 1
    assert "already stopping" in str(errors[0])


def test_run_while_running_raises(realReactor: Reactor, run: Run) -> None:
    errors: list[BaseException] = []

    def runAgain() -> None:
        try:
            realReactor.run(installSignalHandlers=False)
        except (ReactorAlreadyRunning, RuntimeError) as e:
            errors.append(e)
        realReactor.stop()

    realReactor.callWhenRunning(runAgain)
    run(realReactor)
    assert len(errors) == 1


def test_stop_during_startup_finishes_startup_first(realReactor: Reactor, run: Run) -> None:
    events: list[str] = []
    realReactor.addSystemEventTrigger("before", "startup", realReactor.stop)
    realReactor.callWhenRunning(events.append, "running")
    realReactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")
    run(realReactor)
    assert events == ["running", "shutdown"]


def test_exception_escaping_run_leaves_reactor_runnable(realReactor: Reactor, run: Run) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    realReactor.callLater(0, interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(realReactor)
    assert not realReactor.running
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)


def test_iterate_runs_due_calls_without_running(realReactor: Reactor) -> None:
    ran: list[int] = []
    realReactor.callLater(0, ran.append, 1)
    for _ in range(50):
        realReactor.iterate(0.01)
        if ran:
            break
    assert ran == [1]
    assert not realReactor.running


def test_close_prevents_running_again(realReactor: Reactor) -> None:
    realReactor.close()
    realReactor.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        realReactor.run(installSignalHandlers=False)


def test_close_while_running_raises(realReactor: Reactor, run: Run) -> None:
    errors: list[BaseException] = []

    def closeNow() -> None:
        try:
            realReactor.close()
        except RuntimeError as e:
            errors.append(e)
        realReactor.stop()

    realReactor.callWhenRunning(closeNow)
    run(realReactor)
    assert len(errors) == 1
    assert "stop it first" in str(errors[0])


@pytest.mark.parametrize("name", list(availableReactors()))
def test_two_reactors_run_at_once_in_two_threads(name: str) -> None:
    first = availableReactors()[name]()
    second = availableReactors()[name]()
    started = threading.Event()
    errors: list[BaseException] = []

    def runSecond() -> None:
        try:
            second.callWhenRunning(started.set)
            second.callLater(5, second.crash)
            second.run(installSignalHandlers=False)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    thread = threading.Thread(target=runSecond)
    thread.start()
    try:
        assert started.wait(5)
        assert second.running

        def whileBothRun() -> None:
            assert second.running
            second.callFromThread(second.stop)
            first.stop()

        first.callWhenRunning(whileBothRun)
        first.callLater(5, first.crash)
        first.run(installSignalHandlers=False)
    finally:
        thread.join(5)
        first.close()
        second.close()
    assert not thread.is_alive()
    assert errors == []
    assert not first.running and not second.running


def test_iterate_from_another_thread_while_running_is_refused(
    realReactor: Reactor, run: Run
) -> None:
    errors: list[BaseException] = []

    def fromThread() -> None:
        try:
            realReactor.iterate(0)
        except RuntimeError as e:  # WrongThreadError, or asyncio's "loop already running"
            errors.append(e)
        realReactor.callFromThread(realReactor.stop)

    realReactor.callWhenRunning(lambda: threading.Thread(target=fromThread).start())
    run(realReactor)
    assert len(errors) == 1
