"""ThreadPool on its own (no reactor): bounds, worker reuse and retirement, stop, statistics.

Real threads. Jobs that must overlap meet at a ``threading.Barrier``; jobs that must stay busy
wait on an ``Event`` the test sets; every wait has a deadline, so a broken pool fails, never hangs.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest

from deferred import Failure
from threads import PoolFull, PoolStatistics, PoolStopped, ThreadPool

pytestmark = pytest.mark.usefixtures("noThreadLeaks")

#: Bound on every wait (seconds); the same as conftest.DEADLINE. None should come close.
DEADLINE = 10.0

NewPool = Callable[..., ThreadPool]
WaitUntil = Callable[..., None]


class Outcomes:
    """Collects ``onResult(ok, result)`` calls; ``wait(n)`` blocks until n have arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.items: list[tuple[bool, Any]] = []

    def __call__(self, ok: bool, result: Any) -> None:
        with self.lock:
            self.items.append((ok, result))
            self.changed.notify_all()

    def wait(self, count: int) -> list[tuple[bool, Any]]:
        with self.lock:
            if not self.changed.wait_for(lambda: len(self.items) >= count, DEADLINE):
                raise AssertionError(f"only {len(self.items)} of {count} outcomes arrived")
            return list(self.items)


def blockOn(event: threading.Event) -> str:
    """A job that holds its worker until ``event`` is set; returns its thread's name."""
    if not event.wait(DEADLINE):
        raise AssertionError("the test never released this job")
    return threading.current_thread().name


def test_concurrencyNeverExceedsMaxthreads(newPool: NewPool) -> None:
    pool = newPool(maxthreads=4)
    lock = threading.Lock()
    running = 0
    highest = 0
    # Every 4 jobs meet at the barrier, so 4 always overlap; a 5th concurrent job would be
    # counted while those 4 wait there.
    barrier = threading.Barrier(4, timeout=DEADLINE)

    def job() -> None:
        nonlocal running, highest
        with lock:
            running += 1
            highest = max(highest, running)
        barrier.wait()
        with lock:
            running -= 1

    outcomes = Outcomes()
    for _ in range(200):
        pool.callInThreadWithCallback(outcomes, job)
    assert all(ok for ok, _ in outcomes.wait(200))
    assert highest == 4
    assert pool.statistics().workers <= 4


def test_sequentialJobsReuseOneWorker(newPool: NewPool) -> None:
    pool = newPool(maxthreads=8)
    names: set[str] = set()
    for _ in range(20):
        outcomes = Outcomes()
        pool.callInThreadWithCallback(outcomes, lambda: threading.current_thread().name)
        [(ok, name)] = outcomes.wait(1)
        assert ok
        names.add(name)
    assert len(names) == 1
    assert pool.statistics().workers == 1


def test_mostRecentlyIdleWorkerIsReusedFirst(newPool: NewPool) -> None:
    pool = newPool(maxthreads=3)
    gates = [threading.Event() for _ in range(3)]
    outcomes = Outcomes()
    for gate in gates:
        pool.callInThreadWithCallback(outcomes, blockOn, gate)
    for count, gate in enumerate(gates, 1):
        gate.set()
        outcomes.wait(count)
    lastIdle = outcomes.items[-1][1]
    pool.callInThreadWithCallback(outcomes, lambda: threading.current_thread().name)
    assert outcomes.wait(4)[-1] == (True, lastIdle)


def test_idleWorkersRetireAfterIdleTimeout(newPool: NewPool, waitUntil: WaitUntil) -> None:
    pool = newPool(maxthreads=3, idleTimeout=0.02)
    barrier = threading.Barrier(3, timeout=DEADLINE)
    outcomes = Outcomes()
    for _ in range(3):
        pool.callInThreadWithCallback(outcomes, barrier.wait)
    outcomes.wait(3)
    assert pool.statistics().workers == 3
    waitUntil(lambda: pool.statistics().workers == 0)
    # The retired threads really end (noThreadLeaks checks the count after the test).
    waitUntil(lambda: not any(t.name.startswith(pool.name) for t in threading.enumerate()))


def test_minthreadsWorkersStayWhenIdle(newPool: NewPool, waitUntil: WaitUntil) -> None:
    pool = newPool(minthreads=2, maxthreads=4, idleTimeout=0.01)
    assert pool.statistics().workers == 2
    barrier = threading.Barrier(4, timeout=DEADLINE)
    outcomes = Outcomes()
    for _ in range(4):
        pool.callInThreadWithCallback(outcomes, barrier.wait)
    outcomes.wait(4)
    waitUntil(lambda: pool.statistics().workers == 2)
    # Many idle timeouts later the two are still there.
    threading.Event().wait(0.1)
    assert pool.statistics().workers == 2


def test_burstLeavesNoThreadsBehind(newPool: NewPool, waitUntil: WaitUntil) -> None:
    baseline = threading.active_count()
    pool = newPool(maxthreads=6, idleTimeout=0.02)
    barrier = threading.Barrier(6, timeout=DEADLINE)
    outcomes = Outcomes()
    for _ in range(60):
        pool.callInThreadWithCallback(outcomes, barrier.wait)
    outcomes.wait(60)
    assert threading.active_count() == baseline + 6
    waitUntil(lambda: threading.active_count() == baseline)


def test_callInThreadWithCallbackDeliversValueAndFailure(newPool: NewPool) -> None:
    pool = newPool()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, sum, [1, 2, 3])
    [(ok, value)] = outcomes.wait(1)
    assert (ok, value) == (True, 6)
    pool.callInThreadWithCallback(outcomes, int, "not a number")
    ok, failure = outcomes.wait(2)[1]
    assert not ok
    assert isinstance(failure, Failure)
    assert failure.check(ValueError)


def test_onResultRunsInTheWorkerThread(newPool: NewPool) -> None:
    pool = newPool()
    outcomes = Outcomes()
    seen: list[str] = []

    def onResult(ok: bool, result: Any) -> None:
        seen.append(threading.current_thread().name)
        outcomes(ok, result)

    pool.callInThreadWithCallback(onResult, lambda: threading.current_thread().name)
    [(ok, jobThread)] = outcomes.wait(1)
    assert ok
    assert seen == [jobThread]


def test_callInThreadFailureIsLogged(newPool: NewPool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="threads")
    pool = newPool()
    done = threading.Event()

    def failing() -> None:
        done.set()
        raise ZeroDivisionError("boom in a worker")

    pool.callInThread(failing)
    assert done.wait(DEADLINE)
    assert pool.stop(timeout=DEADLINE)
    assert "boom in a worker" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_exceptionInOnResultIsLoggedAndWorkerSurvives(
    newPool: NewPool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="threads")
    pool = newPool(maxthreads=1)

    def brokenOnResult(ok: bool, result: Any) -> None:
        raise RuntimeError("onResult broke")

    pool.callInThreadWithCallback(brokenOnResult, int, 1)
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, int, 2)
    assert outcomes.wait(1) == [(True, 2)]
    assert "onResult broke" in caplog.text


def test_jobsRunInACopyOfTheCallersContext(newPool: NewPool) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    pool = newPool()
    outcomes = Outcomes()

    def readAndChange() -> str:
        seen = var.get()
        var.set("changed in worker")
        return seen

    token = var.set("caller's value")
    try:
        pool.callInThreadWithCallback(outcomes, readAndChange)
        assert outcomes.wait(1) == [(True, "caller's value")]
        assert var.get() == "caller's value"
    finally:
        var.reset(token)


def test_fullQueueRaisesPoolFull(newPool: NewPool) -> None:
    pool = newPool(maxthreads=1, maxqueue=2)
    gate = threading.Event()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    pool.callInThreadWithCallback(outcomes, int, 1)
    pool.callInThreadWithCallback(outcomes, int, 2)
    with pytest.raises(PoolFull, match="maxqueue"):
        pool.callInThread(int, 3)
    gate.set()
    assert [result for ok, result in outcomes.wait(3)][1:] == [1, 2]
    assert pool.statistics().highWaterQueued == 2


def test_jobsSubmittedBeforeStartRunAfterStart() -> None:
    pool = ThreadPool(maxthreads=2)
    outcomes = Outcomes()
    for i in range(5):
        pool.callInThreadWithCallback(outcomes, int, i)
    assert pool.statistics() == PoolStatistics(
        workers=0, idle=0, busy=0, queued=5, completed=0, failed=0, highWaterQueued=5
    )
    pool.start()
    try:
        assert sorted(result for ok, result in outcomes.wait(5)) == [0, 1, 2, 3, 4]
    finally:
        assert pool.stop(timeout=DEADLINE)


def test_stopWithoutDrainFailsQueuedJobsWithPoolStopped() -> None:
    pool = ThreadPool(maxthreads=1)
    pool.start()
    gate = threading.Event()
    running = Outcomes()
    queued = Outcomes()
    pool.callInThreadWithCallback(running, blockOn, gate)
    for i in range(5):
        pool.callInThreadWithCallback(queued, int, i)
    stopper = threading.Thread(target=pool.stop)
    stopper.start()
    # The queued jobs fail at once (delivered by the stopping thread); the running one goes on.
    failures = queued.wait(5)
    assert all(not ok and result.check(PoolStopped) for ok, result in failures)
    assert running.items == []
    gate.set()
    stopper.join(DEADLINE)
    assert not stopper.is_alive()
    [(ok, name)] = running.wait(1)
    assert ok and name.startswith(pool.name)
    assert pool.statistics().workers == 0


def test_stopWithDrainRunsQueuedJobs() -> None:
    pool = ThreadPool(maxthreads=2)
    pool.start()
    gate = threading.Event()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    for i in range(20):
        pool.callInThreadWithCallback(outcomes, int, i)
    gate.set()
    assert pool.stop(drain=True, timeout=DEADLINE)
    results = outcomes.wait(21)
    assert all(ok for ok, _ in results)
    assert sorted(r for _, r in results if isinstance(r, int)) == list(range(20))


def test_stopRefusesNewJobs() -> None:
    pool = ThreadPool()
    pool.start()
    assert pool.stop(timeout=DEADLINE)
    with pytest.raises(PoolStopped):
        pool.callInThread(int)
    with pytest.raises(PoolStopped):
        pool.callInThreadWithCallback(lambda ok, result: None, int)


def test_stopTimeoutReturnsFalseWhileAJobStillRuns() -> None:
    pool = ThreadPool(maxthreads=1)
    pool.start()
    gate = threading.Event()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    assert pool.stop(timeout=0.01) is False
    gate.set()
    assert pool.stop(timeout=DEADLINE) is True
    assert outcomes.wait(1)[0][0]


def test_stopFromOwnWorkerRaises(newPool: NewPool) -> None:
    pool = newPool()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, pool.stop)
    [(ok, failure)] = outcomes.wait(1)
    assert not ok
    assert failure.check(RuntimeError)
    assert "own workers" in failure.getErrorMessage()


def test_stoppedPoolCanBeStartedAgain() -> None:
    pool = ThreadPool()
    pool.start()
    assert pool.stop(timeout=DEADLINE)
    assert not pool.started
    pool.start()
    try:
        outcomes = Outcomes()
        pool.callInThreadWithCallback(outcomes, int, 7)
        assert outcomes.wait(1) == [(True, 7)]
    finally:
        assert pool.stop(timeout=DEADLINE)


def test_stopOfANeverStartedPoolFailsItsQueuedJobs() -> None:
    pool = ThreadPool()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, int, 1)
    assert pool.stop(timeout=DEADLINE)
    [(ok, failure)] = outcomes.wait(1)
    assert not ok and failure.check(PoolStopped)


def test_drainingStopOfANeverStartedPoolRunsItsQueuedJobs() -> None:
    pool = ThreadPool()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, int, 1)
    assert pool.stop(drain=True, timeout=DEADLINE)
    assert outcomes.wait(1) == [(True, 1)]


def test_stopWithIdleWorkersEndsTheirThreads(newPool: NewPool) -> None:
    baseline = threading.active_count()
    pool = ThreadPool(maxthreads=3)
    pool.start()
    barrier = threading.Barrier(3, timeout=DEADLINE)
    outcomes = Outcomes()
    for _ in range(3):
        pool.callInThreadWithCallback(outcomes, barrier.wait)
    outcomes.wait(3)
    assert pool.statistics().idle == 3
    assert pool.stop(timeout=DEADLINE)
    assert threading.active_count() == baseline


def test_adjustPoolsizeGrowthStartsWorkersForQueuedJobs(newPool: NewPool) -> None:
    pool = newPool(maxthreads=1)
    gate = threading.Event()
    outcomes = Outcomes()
    for _ in range(3):
        pool.callInThreadWithCallback(outcomes, blockOn, gate)
    assert pool.statistics().queued == 2
    pool.adjustPoolsize(maxthreads=3)
    stats = pool.statistics()
    assert (stats.workers, stats.busy, stats.queued) == (3, 3, 0)
    gate.set()
    outcomes.wait(3)


def test_adjustPoolsizeShrinkRetiresIdleAtOnceAndBusyOnReturn(
    newPool: NewPool, waitUntil: WaitUntil
) -> None:
    pool = newPool(maxthreads=4)
    barrier = threading.Barrier(4, timeout=DEADLINE)
    outcomes = Outcomes()
    for _ in range(4):
        pool.callInThreadWithCallback(outcomes, barrier.wait)
    outcomes.wait(4)
    gate = threading.Event()
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    pool.adjustPoolsize(maxthreads=1)
    # The two idle workers left at once; the two busy ones stay until their jobs return.
    assert pool.statistics().workers == 2
    gate.set()
    outcomes.wait(6)
    waitUntil(lambda: pool.statistics().workers == 1)
    assert pool.maxthreads == 1


def test_adjustPoolsizeRejectsInvalidBounds(newPool: NewPool) -> None:
    pool = newPool(maxthreads=4)
    with pytest.raises(ValueError, match="must not exceed"):
        pool.adjustPoolsize(minthreads=5, maxthreads=4)
    with pytest.raises(ValueError, match=">= 1"):
        pool.adjustPoolsize(maxthreads=0)
    pool.adjustPoolsize(minthreads=6)  # raising only the minimum raises the maximum with it
    assert (pool.minthreads, pool.maxthreads) == (6, 6)


def test_constructorRejectsInvalidArguments() -> None:
    with pytest.raises(ValueError):
        ThreadPool(minthreads=-1)
    with pytest.raises(ValueError):
        ThreadPool(minthreads=3, maxthreads=2)
    with pytest.raises(ValueError):
        ThreadPool(maxqueue=-1)
    with pytest.raises(ValueError):
        ThreadPool(idleTimeout=0)


def test_statisticsCountWorkersJobsAndQueue(newPool: NewPool) -> None:
    pool = newPool(maxthreads=2)
    gate = threading.Event()
    outcomes = Outcomes()
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    pool.callInThreadWithCallback(outcomes, blockOn, gate)
    pool.callInThreadWithCallback(outcomes, int, "x")
    pool.callInThreadWithCallback(outcomes, int, 5)
    assert pool.statistics() == PoolStatistics(
        workers=2, idle=0, busy=2, queued=2, completed=0, failed=0, highWaterQueued=2
    )
    gate.set()
    outcomes.wait(4)
    stats = pool.statistics()
    assert (stats.completed, stats.failed, stats.queued, stats.highWaterQueued) == (3, 1, 0, 2)
    assert stats.workers == stats.idle + stats.busy == 2


def test_statisticsIsAFrozenSnapshot(newPool: NewPool) -> None:
    stats = newPool().statistics()
    with pytest.raises(AttributeError):
        stats.workers = 3  # type: ignore[misc]


def test_twistedAttributeNames(newPool: NewPool) -> None:
    pool = newPool(minthreads=1, maxthreads=3)
    assert (pool.min, pool.max) == (1, 3)
    assert pool.started
