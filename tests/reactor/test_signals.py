"""SIGINT/SIGTERM stop a running reactor gracefully; handlers are restored after run()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from deferred import Deferred
from reactor import DelayedCall, Reactor, availableReactors

Run = Callable[..., None]

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
import reactor

r = reactor.availableReactors()[sys.argv[1]]()
r.addSystemEventTrigger("before", "shutdown", print, "before shutdown trigger ran", flush=True)
r.addSystemEventTrigger("after", "shutdown", print, "after shutdown trigger ran", flush=True)
r.callWhenRunning(print, "ready", flush=True)
r.callLater(10, lambda: (print("timed out", flush=True), r.stop()))
r.run()
print("run returned", flush=True)
"""


@pytest.mark.parametrize("name", list(availableReactors()))
def test_sigterm_to_child_runs_shutdown_triggers_and_exits_0(name: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert out.splitlines() == [
        "before shutdown trigger ran",
        "after shutdown trigger ran",
        "run returned",
    ]


def cancelIfActive(call: DelayedCall) -> None:
    """Cancel a time-bound guard that did not have to fire (the plugin checks for leftovers)."""
    if call.active():
        call.cancel()


def test_sigint_stops_the_reactor_gracefully(realReactor: Reactor) -> None:
    events: list[str] = []
    realReactor.addSystemEventTrigger("before", "shutdown", events.append, "shutdown trigger")
    realReactor.callWhenRunning(os.kill, os.getpid(), signal.SIGINT)
    guard = realReactor.callLater(5, realReactor.crash)
    realReactor.run()
    cancelIfActive(guard)
    assert events == ["shutdown trigger"]


def test_second_signal_while_stopping_crashes(realReactor: Reactor) -> None:
    events: list[str] = []
    never: Deferred[None] = Deferred()

    def hangingCleanup() -> Deferred[None]:
        events.append("cleanup started")
        realReactor.callLater(0.01, os.kill, os.getpid(), signal.SIGINT)
        return never

    realReactor.addSystemEventTrigger("before", "shutdown", hangingCleanup)
    realReactor.addSystemEventTrigger("during", "shutdown", events.append, "during shutdown")
    realReactor.callWhenRunning(os.kill, os.getpid(), signal.SIGINT)
    guard = realReactor.callLater(5, realReactor.crash)
    realReactor.run()
    cancelIfActive(guard)
    assert events == ["cleanup started"]
    assert not realReactor.running


def test_handlers_are_installed_during_run_and_restored_after(
    realReactor: Reactor, run: Run
) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    during: dict[int, object] = {}

    def look() -> None:
        during.update({s: signal.getsignal(s) for s in before})
        realReactor.stop()

    realReactor.callWhenRunning(look)
    guard = realReactor.callLater(5, realReactor.crash)
    realReactor.run()  # installSignalHandlers defaults to True
    cancelIfActive(guard)
    assert all(during[s] is not before[s] for s in before)
    assert {s: signal.getsignal(s) for s in before} == before


def test_installSignalHandlers_false_leaves_handlers_alone(realReactor: Reactor, run: Run) -> None:
    before = signal.getsignal(signal.SIGTERM)
    during: list[object] = []
    realReactor.callWhenRunning(lambda: during.append(signal.getsignal(signal.SIGTERM)))
    realReactor.callWhenRunning(realReactor.stop)
    run(realReactor)  # runs with installSignalHandlers=False
    assert during == [before]


def test_run_in_a_non_main_thread_installs_nothing(realReactor: Reactor) -> None:
    before = signal.getsignal(signal.SIGTERM)
    during: list[object] = []
    errors: list[BaseException] = []

    def runIt() -> None:
        try:
            realReactor.callWhenRunning(lambda: during.append(signal.getsignal(signal.SIGTERM)))
            realReactor.callWhenRunning(realReactor.stop)
            guard = realReactor.callLater(5, realReactor.crash)
            realReactor.run()
            cancelIfActive(guard)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    thread = threading.Thread(target=runIt)
    thread.start()
    thread.join(10)
    assert errors == []
    assert during == [before]
