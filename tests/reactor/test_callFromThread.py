"""callFromThread on real reactors: exactly once, per-thread order, prompt wake-ups, batching."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from reactor import Reactor

Run = Callable[..., None]

THREADS = 8
CALLS = 10_000


def test_calls_from_many_threads_arrive_once_in_per_thread_order(
    realReactor: Reactor, run: Run
) -> None:
    received: list[list[int]] = [[] for _ in range(THREADS)]
    remaining = [THREADS * CALLS]
    start = threading.Barrier(THREADS)

    def record(thread: int, i: int) -> None:
        received[thread].append(i)
        remaining[0] -= 1
        if remaining[0] == 0:
            realReactor.stop()

    def produce(thread: int) -> None:
        start.wait()
        for i in range(CALLS):
            realReactor.callFromThread(record, thread, i)

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(THREADS)]
    realReactor.callWhenRunning(lambda: [t.start() for t in threads])
    try:
        run(realReactor, timeout=30)
    finally:
        for t in threads:
            t.join(10)
    for perThread in received:
        assert perThread == list(range(CALLS))
    # Batching: far fewer wake-ups than calls (one per burst, not one per call).
    assert realReactor.wakeups < THREADS * CALLS / 4
    assert realReactor.statistics().threadCallsRun == THREADS * CALLS + 0


def test_blocked_loop_is_woken_within_milliseconds(realReactor: Reactor, run: Run) -> None:
    latencies: list[float] = []

    def arrived(sentAt: float) -> None:
        latencies.append(time.monotonic() - sentAt)
        realReactor.stop()

    def produce() -> None:
        time.sleep(0.05)  # let the loop block: it has nothing to do for 5 s but the guard
        realReactor.callFromThread(arrived, time.monotonic())

    thread = threading.Thread(target=produce)
    realReactor.callWhenRunning(thread.start)
    try:
        run(realReactor)
    finally:
        thread.join(5)
    assert len(latencies) == 1
    assert latencies[0] < 0.05


def test_call_made_while_stopped_runs_on_next_run(realReactor: Reactor, run: Run) -> None:
    ran: list[str] = []
    thread = threading.Thread(target=realReactor.callFromThread, args=(ran.append, "late"))
    thread.start()
    thread.join()
    assert ran == []
    realReactor.callLater(0.02, realReactor.stop)
    run(realReactor)
    assert ran == ["late"]


def test_burst_queued_while_stopped_costs_one_wakeup(realReactor: Reactor, run: Run) -> None:
    ran: list[int] = []
    for i in range(1000):
        realReactor.callFromThread(ran.append, i)
    realReactor.callLater(0.02, realReactor.stop)
    run(realReactor)
    assert ran == list(range(1000))
    assert realReactor.wakeups == 1


def test_raising_call_is_logged_and_later_calls_still_run(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise KeyError("thread call exploded")

    realReactor.callFromThread(broken)
    realReactor.callFromThread(ran.append, "after")
    realReactor.callLater(0.02, realReactor.stop)
    run(realReactor)
    assert ran == ["after"]
    assert "thread call exploded" in reactorLog.text
    assert "Traceback" in reactorLog.text


def test_callFromThread_passes_arguments(realReactor: Reactor, run: Run) -> None:
    got: list[object] = []

    def record(*args: object, **kw: object) -> None:
        got.append((args, kw))
        realReactor.stop()

    realReactor.callFromThread(record, 1, 2, key="value")
    run(realReactor)
    assert got == [((1, 2), {"key": "value"})]


def test_newHandoffQueue_delivers_items_in_the_reactor_thread(
    realReactor: Reactor, run: Run
) -> None:
    got: list[tuple[int, int]] = []
    reactorThread: list[int] = []

    def consume(item: int) -> None:
        got.append((item, threading.get_ident()))
        if len(got) == 100:
            realReactor.stop()

    queue = realReactor.newHandoffQueue(consume)
    realReactor.callWhenRunning(lambda: reactorThread.append(threading.get_ident()))

    def produce() -> None:
        for i in range(100):
            queue.put(i)

    thread = threading.Thread(target=produce)
    realReactor.callWhenRunning(thread.start)
    try:
        run(realReactor)
    finally:
        thread.join(5)
    assert [item for item, _ in got] == list(range(100))
    assert {ident for _, ident in got} == set(reactorThread)


def test_callFromThread_after_close_raises(realReactor: Reactor) -> None:
    realReactor.close()
    with pytest.raises(RuntimeError, match="closed"):
        realReactor.callFromThread(lambda: None)
