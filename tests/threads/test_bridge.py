"""deferToThreadPool & friends and blockingCallFromThread, on a real reactor and real threads.

Each test runs a fresh EPollReactor until its body's Deferred fires (``runUntil`` crashes it
and fails the test after a deadline, so nothing hangs). Jobs that must stay busy wait on an
``Event``; nothing is timed by sleeping.
"""

from __future__ import annotations

import collections
import contextvars
import gc
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from deferred import (
    CancelledError,
    Deferred,
    DeferredList,
    Failure,
    gatherResults,
    inlineCallbacks,
    succeed,
)
from reactor import EPollReactor
from reactor.error import ReactorNotRunning, WrongThreadError
from threads import (
    PoolExhausted,
    PoolStopped,
    ThreadPool,
    blockingCallFromThread,
    callMultipleInThread,
    deferToThread,
    deferToThreadPool,
)

pytestmark = pytest.mark.usefixtures("noThreadLeaks")

#: Bound on every wait (seconds); the same as conftest.DEADLINE. None should come close.
DEADLINE = 10.0

NewPool = Callable[..., ThreadPool]
RunUntil = Callable[..., Any]
WaitUntil = Callable[..., None]


def blockOn(event: threading.Event) -> str:
    """A job that holds its worker until ``event`` is set; returns its thread's name."""
    if not event.wait(DEADLINE):
        raise AssertionError("the test never released this job")
    return threading.current_thread().name


def inWorker(
    r: EPollReactor, pool: ThreadPool, f: Callable[[], Any]
) -> Callable[[], Deferred[Any]]:
    """A test body running ``f`` in a worker of ``pool`` (for blockingCallFromThread tests)."""
    return lambda: deferToThreadPool(r, pool, f)


# --- deferToThreadPool ------------------------------------------------------------------------


def test_deferToThreadPoolFiresWithTheResult(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()
    assert runUntil(threadReactor, lambda: deferToThreadPool(threadReactor, pool, sum, [1, 2])) == 3


def test_deferToThreadPoolFiresInTheReactorThread(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()
    threads: list[threading.Thread] = []

    def body() -> Deferred[None]:
        d = deferToThreadPool(threadReactor, pool, threading.current_thread)
        return d.addCallback(lambda worker: threads.extend([worker, threading.current_thread()]))

    runUntil(threadReactor, body)
    worker, firedIn = threads
    assert worker is not threading.main_thread()
    assert firedIn is threading.main_thread()


def test_deferToThreadPoolFailsWithTheOriginalException(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()

    def broken() -> None:
        raise KeyError("the original")

    with pytest.raises(KeyError, match="the original") as info:
        runUntil(threadReactor, lambda: deferToThreadPool(threadReactor, pool, broken))
    assert "broken" in "".join(traceback.format_tb(info.value.__traceback__))


def test_fiftyThousandJobsAreEachDeliveredExactlyOnce(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=4)
    count = 50_000
    values: collections.Counter[int] = collections.Counter()
    errors: collections.Counter[int] = collections.Counter()

    def job(i: int) -> int:
        if i % 3 == 0:
            raise ValueError(i)
        return i

    def value(result: int) -> None:
        values[result] += 1

    def error(failure: Failure) -> None:
        failure.trap(ValueError)
        errors[failure.value.args[0]] += 1

    def body() -> Deferred[Any]:
        ds = [
            deferToThreadPool(threadReactor, pool, job, i).addCallbacks(value, error)
            for i in range(count)
        ]
        return gatherResults(ds)

    runUntil(threadReactor, body, timeout=60)
    assert values == collections.Counter(i for i in range(count) if i % 3)
    assert errors == collections.Counter(range(0, count, 3))
    stats = pool.statistics()
    assert (stats.completed, stats.failed) == (count - len(errors), len(errors))


def test_aBurstOfResultsCostsAHandfulOfWakeups(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=4)
    count = 10_000
    lock = threading.Lock()
    ran = 0
    allRan = threading.Event()

    def job(i: int) -> int:
        nonlocal ran
        with lock:
            ran += 1
            if ran == count:
                allRan.set()
        return i

    def body() -> Deferred[tuple[list[int], int]]:
        before = threadReactor.wakeups
        ds = [deferToThreadPool(threadReactor, pool, job, i) for i in range(count)]
        # Hold the reactor thread until every job has run, so the results pile up in the
        # handoff queue and arrive as one burst.
        assert allRan.wait(DEADLINE)
        return gatherResults(ds).addCallback(
            lambda results: (results, threadReactor.wakeups - before)
        )

    results, wakeups = runUntil(threadReactor, body)
    assert results == list(range(count))
    # One wake-up for the burst, plus at most one per worker whose last result raced the drain.
    assert 1 <= wakeups <= 1 + pool.maxthreads


def test_jobsRunInACopyOfTheCallersContext(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    pool = newPool()

    def readAndChange() -> str:
        seen = var.get()
        var.set("changed in the worker")
        return seen

    def body() -> Deferred[tuple[str, str]]:
        var.set("set by the caller")
        d = deferToThreadPool(threadReactor, pool, readAndChange)
        # Once the job has run, the caller's context still has its own value.
        return d.addCallback(lambda seen: (seen, context.run(var.get)))

    context = contextvars.copy_context()
    seen, afterwards = runUntil(threadReactor, lambda: context.run(body))
    assert (seen, afterwards) == ("set by the caller", "set by the caller")


def test_cancellingAQueuedJobRemovesIt(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1)
    gate = threading.Event()
    ran: list[str] = []

    def body() -> Deferred[Any]:
        blocker = deferToThreadPool(threadReactor, pool, blockOn, gate)
        queued = deferToThreadPool(threadReactor, pool, ran.append, "queued job")
        assert pool.statistics().queued == 1
        queued.cancel()
        assert pool.statistics().queued == 0
        gate.set()
        return DeferredList([blocker, queued], consumeErrors=True)

    [(blockerOk, _), (queuedOk, failure)] = runUntil(threadReactor, body)
    assert blockerOk and not queuedOk
    assert failure.check(CancelledError)
    assert ran == []
    assert pool.statistics().completed == 1


def test_cancellingManyQueuedJobsLeavesNoneBehind(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1)
    gate = threading.Event()
    ran: list[int] = []

    def body() -> Deferred[Any]:
        blocker = deferToThreadPool(threadReactor, pool, blockOn, gate)
        queued = [deferToThreadPool(threadReactor, pool, ran.append, i) for i in range(5_000)]
        for d in queued[:-1]:
            d.cancel()
            d.addErrback(lambda failure: failure.trap(CancelledError))
        assert pool.statistics().queued == 1
        gate.set()
        return gatherResults([blocker, queued[-1].addCallback(lambda _: ran)])

    [_, ranJobs] = runUntil(threadReactor, body)
    assert ranJobs == [4_999]


def test_cancellingARunningJobDiscardsItsResultAndKeepsTheWorkerBusy(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1)
    started = threading.Event()
    gate = threading.Event()
    outcomes: list[object] = []

    def job() -> str:
        started.set()
        return blockOn(gate)

    def body() -> Deferred[Any]:
        d = deferToThreadPool(threadReactor, pool, job)
        d.addBoth(outcomes.append)
        assert started.wait(DEADLINE)
        d.cancel()
        [failure] = outcomes
        assert isinstance(failure, Failure) and failure.check(CancelledError)
        assert pool.statistics().busy == 1  # the thread cannot be interrupted
        gate.set()
        # The next job on the same single worker runs once the cancelled one has finished.
        return deferToThreadPool(threadReactor, pool, int, 5)

    assert runUntil(threadReactor, body) == 5
    assert len(outcomes) == 1
    assert pool.statistics().completed == 2


def test_boundedPoolMakesExtraJobsWaitInOrder(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1, maxqueue=2)
    gate = threading.Event()
    order: list[int] = []

    def body() -> Deferred[Any]:
        blocker = deferToThreadPool(threadReactor, pool, blockOn, gate)
        ds = [deferToThreadPool(threadReactor, pool, order.append, i) for i in range(20)]
        assert pool.statistics().queued == 2  # the other 18 wait on the reactor side
        gate.set()
        return gatherResults([blocker, *ds])

    runUntil(threadReactor, body)
    assert order == list(range(20))
    assert pool.statistics().highWaterQueued == 2


def test_cancellingAJobWaitingForRoomRemovesIt(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1, maxqueue=1)
    gate = threading.Event()
    ran: list[int] = []

    def body() -> Deferred[Any]:
        blocker = deferToThreadPool(threadReactor, pool, blockOn, gate)
        inQueue = deferToThreadPool(threadReactor, pool, ran.append, 1)
        waiting = deferToThreadPool(threadReactor, pool, ran.append, 2)
        last = deferToThreadPool(threadReactor, pool, ran.append, 3)
        waiting.cancel()
        gate.set()
        return DeferredList([blocker, inQueue, waiting, last], consumeErrors=True)

    outcomes = runUntil(threadReactor, body)
    assert [ok for ok, _ in outcomes] == [True, True, False, True]
    assert outcomes[2][1].check(CancelledError)
    assert ran == [1, 3]


def test_stoppingABoundedPoolFailsTheJobsWaitingForRoom(
    threadReactor: EPollReactor, runUntil: RunUntil
) -> None:
    pool = ThreadPool(maxthreads=1, maxqueue=1)
    pool.start()
    gate = threading.Event()

    def body() -> Deferred[Any]:
        ds = [deferToThreadPool(threadReactor, pool, blockOn, gate)]
        ds += [deferToThreadPool(threadReactor, pool, int, i) for i in range(5)]
        stopped = pool.beginStop(threadReactor)
        gate.set()
        return gatherResults([stopped, DeferredList(ds, consumeErrors=True)])

    _, outcomes = runUntil(threadReactor, body)
    assert outcomes[0][0]
    assert all(not ok and failure.check(PoolStopped) for ok, failure in outcomes[1:])


def test_deferToThreadPoolOnAStoppedPoolFailsWithPoolStopped(
    threadReactor: EPollReactor, runUntil: RunUntil
) -> None:
    pool = ThreadPool()
    pool.start()
    assert pool.stop(timeout=DEADLINE)
    with pytest.raises(PoolStopped):
        runUntil(threadReactor, lambda: deferToThreadPool(threadReactor, pool, int))


@pytest.mark.parametrize("drain", [False, True])
def test_stopDuringLoadDeliversEveryDeferred(
    threadReactor: EPollReactor, runUntil: RunUntil, drain: bool
) -> None:
    pool = ThreadPool(maxthreads=3)
    pool.start()
    count = 2_000

    def body() -> Deferred[Any]:
        ds = [deferToThreadPool(threadReactor, pool, int, i) for i in range(count)]
        stopped = pool.beginStop(threadReactor, drain=drain)
        return gatherResults([stopped, DeferredList(ds, consumeErrors=True)])

    _, outcomes = runUntil(threadReactor, body)
    assert len(outcomes) == count
    values = [result for ok, result in outcomes if ok]
    failures = [result for ok, result in outcomes if not ok]
    assert all(failure.check(PoolStopped) for failure in failures)
    assert values == sorted(values)
    if drain:
        assert values == list(range(count))
    else:
        assert failures  # the queue was not empty when the stop began
    assert pool.statistics().workers == 0


def test_reactorShutdownStopsTheDefaultPoolDeliveringEveryDeferred(
    threadReactor: EPollReactor,
) -> None:
    outcomes: list[tuple[bool, Any]] = []
    gate = threading.Event()

    def main() -> None:
        pool = threadReactor.getThreadPool()
        running = deferToThreadPool(threadReactor, pool, blockOn, gate)
        queued = [deferToThreadPool(threadReactor, pool, int, i) for i in range(500)]
        for d in [running, *queued]:
            d.addCallbacks(
                lambda v: outcomes.append((True, v)), lambda f: outcomes.append((False, f))
            )
        threadReactor.stop()
        # The shutdown waits for the running job; let it finish once shutdown has begun.
        threadReactor.callLater(0, gate.set)

    threadReactor.suggestThreadPoolSize(1)
    threadReactor.callWhenRunning(main)
    guard = threadReactor.callLater(DEADLINE, threadReactor.crash)
    threadReactor.run(installSignalHandlers=False)
    assert guard.active()
    guard.cancel()
    assert len(outcomes) == 501
    [(_, name)] = [outcome for outcome in outcomes if outcome[0]]
    assert name.startswith("reactor")
    assert all(result.check(PoolStopped) for ok, result in outcomes if not ok)


# --- the reactor's thread methods -------------------------------------------------------------


def test_getThreadPoolIsMadeOnceAndSizedBySuggestion(threadReactor: EPollReactor) -> None:
    threadReactor.suggestThreadPoolSize(3)
    pool = threadReactor.getThreadPool()
    assert pool is threadReactor.getThreadPool()
    assert pool.maxthreads == 3
    threadReactor.suggestThreadPoolSize(5)
    assert pool.maxthreads == 5
    with pytest.raises(ValueError):
        threadReactor.suggestThreadPoolSize(0)
    threadReactor.callWhenRunning(threadReactor.stop)
    threadReactor.run(installSignalHandlers=False)
    assert not pool.started  # stopped by the shutdown
    fresh = threadReactor.getThreadPool()
    assert fresh is not pool and fresh.started and fresh.maxthreads == 5
    threadReactor.callWhenRunning(threadReactor.stop)
    threadReactor.run(installSignalHandlers=False)
    assert not fresh.started


def test_reactorCallInThreadRunsInTheDefaultPool(
    threadReactor: EPollReactor, runUntil: RunUntil
) -> None:
    def body() -> Deferred[str]:
        d: Deferred[str] = Deferred()

        def job() -> None:
            name = threading.current_thread().name
            threadReactor.callFromThread(d.callback, name)

        threadReactor.callInThread(job)
        return d

    assert runUntil(threadReactor, body).startswith("reactor")


def test_callMultipleInThreadRunsTheCallsInOrderInOneThread(
    threadReactor: EPollReactor, runUntil: RunUntil
) -> None:
    calls: list[tuple[int, str]] = []

    def record(i: int, tag: str = "") -> None:
        calls.append((i, threading.current_thread().name + tag))

    def body() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        tupleList = [(record, (i,), {}) for i in range(5)]
        tupleList.append((threadReactor.callFromThread, (d.callback, None), {}))
        callMultipleInThread(tupleList, reactor=threadReactor)
        return d

    runUntil(threadReactor, body)
    assert [i for i, _ in calls] == list(range(5))
    assert len({name for _, name in calls}) == 1


# The process-wide default reactor, made on first use (maybe here), keeps its waker for the
# life of the process: a socket pair on the asyncio and uvloop backends.
@pytest.mark.treadle_allow_leftovers("sockets")
def test_deferToThreadUsesTheDefaultReactorsPool() -> None:
    from reactor import reactor as default

    outcome: list[object] = []

    def main() -> None:
        d = deferToThread(lambda: threading.current_thread().name)
        d.addBoth(outcome.append).addBoth(lambda _: default.stop())

    default.callWhenRunning(main)
    guard = default.callLater(DEADLINE, default.crash)
    default.run(installSignalHandlers=False)
    guard.cancel()
    [name] = outcome
    assert isinstance(name, str) and name.startswith("reactor")


# --- blockingCallFromThread -------------------------------------------------------------------


def test_blockingCallFromThreadReturnsTheValue(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()

    def work() -> tuple[int, bool]:
        inReactor = blockingCallFromThread(
            threadReactor, lambda: threading.current_thread() is threading.main_thread()
        )
        return blockingCallFromThread(threadReactor, sum, [1, 2, 3]), inReactor

    assert runUntil(threadReactor, inWorker(threadReactor, pool, work)) == (6, True)


def test_blockingCallFromThreadRaisesTheOriginalException(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()

    def failsInReactor() -> None:
        raise LookupError("raised in the reactor")

    def work() -> tuple[str, str]:
        try:
            blockingCallFromThread(threadReactor, failsInReactor)
        except LookupError as e:
            return str(e), "".join(traceback.format_tb(e.__traceback__))
        raise AssertionError("no exception")

    message, tb = runUntil(threadReactor, inWorker(threadReactor, pool, work))
    assert message == "raised in the reactor"
    assert "failsInReactor" in tb


def test_blockingCallFromThreadWaitsForADeferred(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()

    def later() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        threadReactor.callLater(0.001, d.callback, "fired later")
        return d

    def failsLater() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        threadReactor.callLater(0.001, d.errback, OSError("failed later"))
        return d

    def work() -> tuple[str, str]:
        value = blockingCallFromThread(threadReactor, later)
        try:
            blockingCallFromThread(threadReactor, failsLater)
        except OSError as e:
            return value, str(e)
        raise AssertionError("no exception")

    assert runUntil(threadReactor, inWorker(threadReactor, pool, work)) == (
        "fired later",
        "failed later",
    )


def test_blockingCallFromThreadRunsCoroutinesAndInlineCallbacks(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()

    async def coroutine(x: int) -> int:
        return await succeed(x) + 1

    @inlineCallbacks
    def generator(x: int) -> Any:
        value = yield succeed(x)
        return value * 2

    def work() -> tuple[int, int]:
        return (
            blockingCallFromThread(threadReactor, coroutine, 1),
            blockingCallFromThread(threadReactor, generator, 4),
        )

    assert runUntil(threadReactor, inWorker(threadReactor, pool, work)) == (2, 8)


def test_blockingCallFromThreadRunsInTheCallersContext(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    pool = newPool()

    def work() -> str:
        var.set("the worker's value")
        return blockingCallFromThread(threadReactor, var.get)

    assert runUntil(threadReactor, inWorker(threadReactor, pool, work)) == "the worker's value"


def test_blockingCallFromThreadTimeoutCancelsAndRaises(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool()
    neverFires: Deferred[None] = Deferred()
    cancelled = threading.Event()
    neverFires.addErrback(
        lambda failure: cancelled.set() if failure.check(CancelledError) else None
    )

    def work() -> str:
        try:
            blockingCallFromThread(threadReactor, lambda: neverFires, timeout=0.01)
        except TimeoutError as e:
            return str(e)
        raise AssertionError("no timeout")

    message = runUntil(threadReactor, inWorker(threadReactor, pool, work))
    assert "within 0.01 s" in message

    # The cancellation travels to the reactor thread; the next run delivers it.
    def waitForCancel() -> Deferred[None]:
        return deferToThreadPool(threadReactor, pool, cancelled.wait, DEADLINE)

    assert runUntil(threadReactor, waitForCancel) is True


def test_blockingCallFromThreadInTheReactorThreadRaisesAtOnce(
    threadReactor: EPollReactor, runUntil: RunUntil
) -> None:
    def body() -> None:
        with pytest.raises(WrongThreadError, match="reactor thread"):
            blockingCallFromThread(threadReactor, int)

    runUntil(threadReactor, body)


def test_blockingCallFromThreadWithoutARunningReactorRaisesAtOnce(
    threadReactor: EPollReactor,
) -> None:
    ran: list[int] = []
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            blockingCallFromThread(threadReactor, ran.append, 1)
        except ReactorNotRunning as e:
            errors.append(e)

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join(DEADLINE)
    assert not thread.is_alive()
    assert len(errors) == 1 and "not running" in str(errors[0])
    threadReactor.iterate(0)
    assert ran == []  # the call was never queued


def test_blockingCallFromThreadDuringShutdownRaisesAtOnce(threadReactor: EPollReactor) -> None:
    outcome: list[object] = []

    def duringShutdown() -> Deferred[None]:
        d: Deferred[None] = Deferred()

        def caller() -> None:
            try:
                outcome.append(blockingCallFromThread(threadReactor, int, 1))
            except ReactorNotRunning as e:
                outcome.append(e)
            threadReactor.callFromThread(d.callback, None)

        thread = threading.Thread(target=caller)
        thread.start()
        return d.addCallback(lambda _: thread.join(DEADLINE))

    threadReactor.addSystemEventTrigger("before", "shutdown", duringShutdown)
    threadReactor.callWhenRunning(threadReactor.stop)
    guard = threadReactor.callLater(DEADLINE, threadReactor.crash)
    threadReactor.run(installSignalHandlers=False)
    guard.cancel()
    [error] = outcome
    assert isinstance(error, ReactorNotRunning) and "shutting down" in str(error)


def test_blockingCallFromThreadFailsWhenTheReactorStopsWhileItWaits(
    threadReactor: EPollReactor,
) -> None:
    outcome: list[object] = []

    def stopAndNeverFire() -> Deferred[None]:
        # The call has started and its caller waits on this Deferred: the reactor goes away.
        threadReactor.stop()
        return Deferred()

    def caller() -> None:
        try:
            outcome.append(blockingCallFromThread(threadReactor, stopAndNeverFire))
        except ReactorNotRunning as e:
            outcome.append(e)

    thread = threading.Thread(target=caller)
    threadReactor.callWhenRunning(thread.start)
    guard = threadReactor.callLater(DEADLINE, threadReactor.crash)
    threadReactor.run(installSignalHandlers=False)
    assert guard.active()
    guard.cancel()
    thread.join(DEADLINE)
    assert not thread.is_alive()
    [error] = outcome
    assert isinstance(error, ReactorNotRunning) and "stopped while" in str(error)


# --- nested blocking (pool exhaustion) --------------------------------------------------------


def test_nestedCallIntoAFullPoolRaisesPoolExhaustedInsteadOfHanging(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=1)

    def outer() -> int:
        return blockingCallFromThread(threadReactor, deferToThreadPool, threadReactor, pool, int, 3)

    with pytest.raises(PoolExhausted, match="deadlock avoided"):
        runUntil(threadReactor, inWorker(threadReactor, pool, outer))
    # The inner job was withdrawn, never run; the pool is usable again.
    assert pool.statistics().completed == 0
    assert runUntil(threadReactor, lambda: deferToThreadPool(threadReactor, pool, int, 4)) == 4


def test_nestedCallsFromEveryWorkerFailOnlyTheOneThatWouldDeadlock(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=2)
    barrier = threading.Barrier(2, timeout=DEADLINE)

    def outer(i: int) -> int:
        barrier.wait()  # both workers are busy before either nests
        return blockingCallFromThread(threadReactor, deferToThreadPool, threadReactor, pool, int, i)

    def body() -> Deferred[Any]:
        ds = [deferToThreadPool(threadReactor, pool, outer, i) for i in (10, 20)]
        return DeferredList(ds, consumeErrors=True)

    outcomes = runUntil(threadReactor, body)
    succeeded = [result for ok, result in outcomes if ok]
    failed = [result for ok, result in outcomes if not ok]
    assert len(succeeded) == 1 and succeeded[0] in (10, 20)
    assert len(failed) == 1 and failed[0].check(PoolExhausted)


def test_nestedCallWithAFreeWorkerSucceeds(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=2)

    def outer() -> str:
        inner = blockingCallFromThread(
            threadReactor,
            deferToThreadPool,
            threadReactor,
            pool,
            lambda: threading.current_thread().name,
        )
        return f"{threading.current_thread().name} waited for {inner}"

    result = runUntil(threadReactor, inWorker(threadReactor, pool, outer))
    outerName, innerName = result.split(" waited for ")
    assert outerName != innerName


def test_nestedCallQueuedBehindABusyWorkerWaitsInsteadOfFailing(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    pool = newPool(maxthreads=2)
    gate = threading.Event()

    def outer() -> int:
        # The other worker is busy (not blocked on this pool): it will come back for the job.
        threadReactor.callFromThread(threadReactor.callLater, 0.001, gate.set)
        return blockingCallFromThread(threadReactor, deferToThreadPool, threadReactor, pool, int, 7)

    def body() -> Deferred[Any]:
        busy = deferToThreadPool(threadReactor, pool, blockOn, gate)
        return gatherResults([busy, deferToThreadPool(threadReactor, pool, outer)])

    _, value = runUntil(threadReactor, body)
    assert value == 7


def test_beginStopTimeoutFiresWhileAJobStillRunsAndWarns(
    threadReactor: EPollReactor, runUntil: RunUntil, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="threads")
    pool = ThreadPool(maxthreads=1)
    pool.start()
    gate = threading.Event()

    def body() -> Deferred[Any]:
        running = deferToThreadPool(threadReactor, pool, blockOn, gate)
        stopped = pool.beginStop(threadReactor, timeout=0.01)
        # The stop gives up waiting although the job still runs; then the job is let go.
        return stopped.addCallback(lambda _: (gate.set(), running)[1])

    assert runUntil(threadReactor, body).startswith(pool.name)
    assert "stop timeout" in caplog.text and "1 worker(s) still running" in caplog.text
    assert pool.stop(timeout=DEADLINE)  # the straggler has left by now, or leaves soon


def test_jobsLeaveNoCyclicGarbage(
    threadReactor: EPollReactor, newPool: NewPool, runUntil: RunUntil
) -> None:
    # A job and its Deferred must be freed by reference counting: a cycle per job would make
    # the collector run (and pause the reactor) every few hundred jobs.
    pool = newPool(maxthreads=2)
    count = 2_000

    def body() -> Deferred[Any]:
        return gatherResults([deferToThreadPool(threadReactor, pool, int, i) for i in range(count)])

    runUntil(threadReactor, body)  # warm up: threads started, queues made
    gc.collect()
    gc.disable()
    try:
        assert runUntil(threadReactor, body) == list(range(count))
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage < count // 20
