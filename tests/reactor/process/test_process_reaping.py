"""Reaping children with pidfds and with the waiter-thread fallback, on every backend: exit
statuses, signals, many children at once, a child reaped by someone else, a reactor outside the
main thread."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import pytest
from _processhelpers import Recorder, python, reaped

from deferred import Deferred, gatherResults
from reactor import Reactor, SelectReactor
from reactor.error import ProcessDone, ProcessExitedAlready, ProcessTerminated
from reactor.process import _reaping

everyBackend = pytest.mark.reactor("all")


@pytest.fixture(params=["pidfd", "thread"])
def reaper(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with pidfds (where the system has them) and with the waiter thread."""
    if request.param == "pidfd" and not _reaping.PIDFD_SUPPORTED:
        pytest.skip("no pidfd_open on this system")
    if request.param == "thread":
        monkeypatch.setattr(_reaping, "PIDFD_SUPPORTED", False)
    return str(request.param)


@everyBackend
def test_watch_kind_follows_the_system(reactor: Reactor, reaper: str) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    kind = type(process._watch).__name__
    assert kind == {"pidfd": "_PidfdWatch", "thread": "_ThreadWatch"}[reaper]
    return p.ended.addCallback(lambda _: None)


@everyBackend
def test_exit_code_is_reported(reactor: Reactor, reaper: str) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("")[0], python("raise SystemExit(7)"))
    pid = process.pid

    def check(_: object) -> None:
        assert p.endReason is not None
        assert p.endReason.value.exitCode == 7
        assert pid is not None and reaped(pid)

    return p.ended.addCallback(check)


@everyBackend
def test_signal_reaches_the_child_until_it_is_reaped(
    reactor: Reactor, reaper: str
) -> Deferred[None]:
    p = Recorder()
    code = "import time; time.sleep(30)"
    process = reactor.spawnProcess(p, python(code)[0], python(code))
    process.signalProcess("KILL")

    def check(_: object) -> None:
        assert p.endReason is not None
        assert p.endReason.value.signal == signal.SIGKILL
        with pytest.raises(ProcessExitedAlready):
            process.signalProcess("KILL")

    return p.ended.addCallback(check)


@everyBackend
def test_one_hundred_concurrent_children_each_report_exactly_once(
    reactor: Reactor, reaper: str
) -> Deferred[None]:
    protocols = [Recorder() for _ in range(100)]
    pids = []
    for index, p in enumerate(protocols):
        # /bin/sh, not Python: a hundred interpreters would take seconds to start.
        process = reactor.spawnProcess(p, "/bin/sh", ["sh", "-c", f"echo {index}; exit {index}"])
        pids.append(process.pid)

    def check(_: object) -> None:
        for index, (p, pid) in enumerate(zip(protocols, pids, strict=True)):
            assert p.out() == f"{index}\n".encode()
            assert [e for e in p.events if e[0] in ("exited", "ended")] == [
                ("exited", ProcessDone if index == 0 else ProcessTerminated),
                ("ended", ProcessDone if index == 0 else ProcessTerminated),
            ]
            assert p.endReason is not None
            assert p.endReason.value.exitCode == index
            assert reaped(pid)

    return gatherResults([p.ended for p in protocols]).addCallback(check)


@everyBackend
def test_child_reaped_by_someone_else_is_reported_without_a_status(
    reactor: Reactor, reaper: str
) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    pid = process.pid
    assert pid is not None
    os.waitpid(pid, 0)  # steal it, as a careless waitpid(-1) elsewhere would

    def check(_: object) -> None:
        assert p.endReason is not None
        error = p.endReason.value
        assert isinstance(error, ProcessTerminated)
        assert (error.exitCode, error.signal, error.status) == (None, None, None)

    return p.ended.addCallback(check)


@pytest.mark.parametrize("kind", ["pidfd", "thread"])
def test_reactor_in_another_thread_reaps_its_children(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither way needs a signal handler, so a reactor outside the main thread works alike.
    if kind == "thread":
        monkeypatch.setattr(_reaping, "PIDFD_SUPPORTED", False)
    r = SelectReactor()
    outcome: list[Any] = []

    def start() -> None:
        p = Recorder()
        r.spawnProcess(p, python("")[0], python("raise SystemExit(3)"))

        def done(result: object) -> None:
            outcome.append(result)
            r.stop()

        p.ended.addBoth(done)

    def runInThread() -> None:
        r.callWhenRunning(start)
        r.run(installSignalHandlers=False)

    thread = threading.Thread(target=runInThread, name="reactor outside the main thread")
    thread.start()
    thread.join(10)
    try:
        assert not thread.is_alive(), "the reactor thread did not finish"
        [p] = outcome
        assert p.endReason.value.exitCode == 3
    finally:
        if thread.is_alive():
            r.callFromThread(r.crash)
            thread.join(5)
        r.close()
