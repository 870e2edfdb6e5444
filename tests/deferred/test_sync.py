"""DeferredLock, DeferredSemaphore and DeferredQueue: FIFO waiting, cancellation, ``run``,
``async with``, limits, and wake-ups that do not recurse."""

from __future__ import annotations

from typing import Any

import pytest

from deferred import (
    CancelledError,
    Deferred,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    Failure,
    QueueOverflow,
    QueueUnderflow,
    ensureDeferred,
)

#: Enough waiters that waking them by recursion would exceed Python's default stack limit.
MANY = 10_000

# -- helpers ---------------------------------------------------------------------------------


def successOf(d: Deferred[Any]) -> Any:
    """The success result ``d`` has already fired with (taking it out of the chain)."""
    outcomes: list[Any] = []
    d.addBoth(outcomes.append)
    assert outcomes, f"{d!r} has not fired"
    assert not isinstance(outcomes[0], Failure), outcomes[0]
    return outcomes[0]


def failureOf(d: Deferred[Any]) -> Failure:
    """The Failure ``d`` has already failed with (handling it, so it is not reported)."""
    outcomes: list[Any] = []
    d.addBoth(outcomes.append)
    assert outcomes, f"{d!r} has not fired"
    assert isinstance(outcomes[0], Failure), outcomes[0]
    return outcomes[0]


class Boom(Exception):
    """The error the functions of these tests fail with."""


# -- DeferredLock: acquire and release -------------------------------------------------------


def test_lockStartsUnlocked() -> None:
    assert not DeferredLock().locked


def test_acquiringAFreeLockFiresAtOnceWithTheLock() -> None:
    lock = DeferredLock()
    assert successOf(lock.acquire()) is lock
    assert lock.locked


def test_acquiringAHeldLockWaits() -> None:
    lock = DeferredLock()
    lock.acquire()
    second = lock.acquire()
    assert not second.called
    assert len(lock.waiting) == 1


def test_releaseHandsTheLockToTheWaiter() -> None:
    lock = DeferredLock()
    lock.acquire()
    second = lock.acquire()
    lock.release()
    assert successOf(second) is lock
    assert lock.locked


def test_releaseWithoutWaitersUnlocks() -> None:
    lock = DeferredLock()
    lock.acquire()
    lock.release()
    assert not lock.locked


def test_lockWaitersAreServedInTheOrderTheyAsked() -> None:
    lock = DeferredLock()
    lock.acquire()
    served: list[int] = []
    for i in range(3):
        lock.acquire().addCallback(lambda held, i=i: served.append(i))
    for _ in range(3):
        lock.release()
    assert served == [0, 1, 2]


def test_releasingAnUnlockedLockRaises() -> None:
    with pytest.raises(RuntimeError, match="without a matching acquire"):
        DeferredLock().release()


def test_acquireMadeWhileWaitersAreBeingWokenQueuesBehindThem() -> None:
    lock = DeferredLock()
    lock.acquire()
    served: list[str] = []

    def firstHolder(held: DeferredLock) -> None:
        served.append("first")
        held.release()  # the lock is free for an instant, but "second" is waiting
        held.acquire().addCallback(lambda again: served.append("first again"))

    lock.acquire().addCallback(firstHolder)
    lock.acquire().addCallback(lambda held: (served.append("second"), held.release()))
    lock.release()
    assert served == ["first", "second", "first again"]


def test_lockRepr() -> None:
    lock = DeferredLock()
    lock.acquire()
    lock.acquire()
    assert repr(lock) == "<DeferredLock locked, 1 waiting>"


# -- DeferredLock: cancellation --------------------------------------------------------------


def test_cancellingAWaitingAcquireRemovesTheWaiter() -> None:
    lock = DeferredLock()
    lock.acquire()
    waiter = lock.acquire()
    waiter.cancel()
    assert failureOf(waiter).check(CancelledError)
    assert len(lock.waiting) == 0


def test_releaseSkipsACancelledWaiter() -> None:
    lock = DeferredLock()
    lock.acquire()
    cancelled = lock.acquire()
    nextInLine = lock.acquire()
    cancelled.cancel()
    lock.release()
    assert successOf(nextInLine) is lock
    failureOf(cancelled)


def test_releaseAfterTheOnlyWaiterWasCancelledUnlocks() -> None:
    lock = DeferredLock()
    lock.acquire()
    waiter = lock.acquire()
    waiter.cancel()
    lock.release()
    assert not lock.locked
    failureOf(waiter)


def test_cancellingAFiredAcquireKeepsTheLock() -> None:
    lock = DeferredLock()
    acquired = lock.acquire()
    acquired.cancel()
    assert lock.locked
    assert successOf(acquired) is lock


# -- DeferredLock: run -----------------------------------------------------------------------


def test_runCallsTheFunctionWithItsArgumentsAndGivesItsResult() -> None:
    lock = DeferredLock()
    d = lock.run(lambda a, b=0: a + b, 2, b=3)
    assert successOf(d) == 5
    assert not lock.locked


def test_runHoldsTheLockWhileTheFunctionRuns() -> None:
    lock = DeferredLock()
    seen: list[bool] = []
    lock.run(lambda: seen.append(lock.locked))
    assert seen == [True]


def test_runReleasesWhenTheFunctionRaises() -> None:
    lock = DeferredLock()

    def explode() -> None:
        raise Boom("raised")

    assert failureOf(lock.run(explode)).check(Boom)
    assert not lock.locked


def test_runHoldsTheLockUntilTheReturnedDeferredFires() -> None:
    lock = DeferredLock()
    work: Deferred[str] = Deferred()
    d = lock.run(lambda: work)
    assert lock.locked
    work.callback("done")
    assert successOf(d) == "done"
    assert not lock.locked


def test_runReleasesWhenTheReturnedDeferredFails() -> None:
    lock = DeferredLock()
    work: Deferred[str] = Deferred()
    d = lock.run(lambda: work)
    work.errback(Boom())
    assert failureOf(d).check(Boom)
    assert not lock.locked


def test_runHoldsTheLockUntilACoroutineFinishes() -> None:
    lock = DeferredLock()
    work: Deferred[str] = Deferred()

    async def job() -> str:
        return await work + "!"

    d = lock.run(job)
    assert lock.locked
    work.callback("done")
    assert successOf(d) == "done!"
    assert not lock.locked


def test_runReleasesWhenACoroutineRaises() -> None:
    lock = DeferredLock()

    async def job() -> None:
        raise Boom("in coroutine")

    assert failureOf(lock.run(job)).check(Boom)
    assert not lock.locked


def test_runWaitsForTheLock() -> None:
    lock = DeferredLock()
    lock.acquire()
    called: list[bool] = []
    d = lock.run(lambda: called.append(True))
    assert called == []
    lock.release()
    assert called == [True]
    successOf(d)
    assert not lock.locked


def test_cancellingARunWaitingForTheLockNeverCallsTheFunction() -> None:
    lock = DeferredLock()
    lock.acquire()
    called: list[bool] = []
    d = lock.run(lambda: called.append(True))
    d.cancel()
    assert failureOf(d).check(CancelledError)
    assert len(lock.waiting) == 0
    lock.release()
    assert called == []
    assert not lock.locked


def test_cancellingARunningRunCancelsTheWorkAndReleases() -> None:
    lock = DeferredLock()
    work: Deferred[str] = Deferred()
    d = lock.run(lambda: work)
    d.cancel()
    assert failureOf(work).check(CancelledError)
    assert failureOf(d).check(CancelledError)
    assert not lock.locked


def test_manyQueuedRunsOfASynchronousFunctionDoNotRecurse() -> None:
    lock = DeferredLock()
    lock.acquire()
    order: list[int] = []
    ds = [lock.run(order.append, i) for i in range(MANY)]
    lock.release()
    assert order == list(range(MANY))
    assert all(d.called for d in ds)
    assert not lock.locked


def test_manyQueuedAcquiresReleasedInTheirCallbacksDoNotRecurse() -> None:
    lock = DeferredLock()
    lock.acquire()
    order: list[int] = []

    def holdBriefly(held: DeferredLock, i: int) -> None:
        order.append(i)
        held.release()

    for i in range(MANY):
        lock.acquire().addCallback(holdBriefly, i)
    lock.release()
    assert order == list(range(MANY))
    assert not lock.locked


# -- DeferredLock: async with ----------------------------------------------------------------


def test_asyncWithHoldsTheLockInsideTheBlock() -> None:
    lock = DeferredLock()
    seen: list[bool] = []

    async def critical() -> None:
        async with lock as held:
            assert held is lock
            seen.append(lock.locked)

    successOf(Deferred.fromCoroutine(critical()))
    assert seen == [True]
    assert not lock.locked


def test_asyncWithReleasesWhenTheBlockRaises() -> None:
    lock = DeferredLock()

    async def critical() -> None:
        async with lock:
            raise Boom("inside")

    assert failureOf(ensureDeferred(critical())).check(Boom)
    assert not lock.locked


def test_asyncWithWaitsForTheLock() -> None:
    lock = DeferredLock()
    lock.acquire()
    entered: list[bool] = []

    async def critical() -> None:
        async with lock:
            entered.append(True)

    d = Deferred.fromCoroutine(critical())
    assert entered == []
    lock.release()
    assert entered == [True]
    successOf(d)
    assert not lock.locked


def test_asyncWithHoldsTheLockAcrossAwaits() -> None:
    lock = DeferredLock()
    step: Deferred[None] = Deferred()

    async def critical() -> None:
        async with lock:
            await step

    d = Deferred.fromCoroutine(critical())
    assert lock.locked
    step.callback(None)
    successOf(d)
    assert not lock.locked


def test_cancellingACoroutineWaitingInAsyncWithGivesUpItsPlace() -> None:
    lock = DeferredLock()
    lock.acquire()
    entered: list[bool] = []

    async def critical() -> None:
        async with lock:
            entered.append(True)

    d = Deferred.fromCoroutine(critical())
    d.cancel()
    assert failureOf(d).check(CancelledError)
    assert len(lock.waiting) == 0
    lock.release()
    assert not lock.locked
    assert entered == []


def test_asyncWithSerialisesCoroutines() -> None:
    lock = DeferredLock()
    gates: list[Deferred[None]] = [Deferred(), Deferred()]
    events: list[str] = []

    async def critical(i: int) -> None:
        async with lock:
            events.append(f"enter {i}")
            await gates[i]
            events.append(f"leave {i}")

    ds = [Deferred.fromCoroutine(critical(i)) for i in range(2)]
    gates[1].callback(None)  # the second must still wait for the first to leave
    assert events == ["enter 0"]
    gates[0].callback(None)
    assert events == ["enter 0", "leave 0", "enter 1", "leave 1"]
    for d in ds:
        successOf(d)


# -- DeferredSemaphore -----------------------------------------------------------------------


@pytest.mark.parametrize("tokens", [0, -1])
def test_semaphoreNeedsAtLeastOneToken(tokens: int) -> None:
    with pytest.raises(ValueError, match="at least one token"):
        DeferredSemaphore(tokens)


def test_semaphoreStartsWithAllTokensFree() -> None:
    semaphore = DeferredSemaphore(3)
    assert (semaphore.tokens, semaphore.limit) == (3, 3)


def test_semaphoreGrantsUpToItsLimitAtOnce() -> None:
    semaphore = DeferredSemaphore(2)
    first, second = semaphore.acquire(), semaphore.acquire()
    assert successOf(first) is semaphore
    assert successOf(second) is semaphore
    assert semaphore.tokens == 0


def test_semaphoreBeyondItsLimitWaits() -> None:
    semaphore = DeferredSemaphore(2)
    semaphore.acquire()
    semaphore.acquire()
    third = semaphore.acquire()
    assert not third.called
    assert len(semaphore.waiting) == 1


def test_semaphoreReleaseHandsTheTokenToTheOldestWaiter() -> None:
    semaphore = DeferredSemaphore(1)
    semaphore.acquire()
    served: list[int] = []
    for i in range(3):
        semaphore.acquire().addCallback(lambda held, i=i: served.append(i))
    semaphore.release()
    assert served == [0]
    assert semaphore.tokens == 0


def test_semaphoreReleaseWithoutWaitersFreesAToken() -> None:
    semaphore = DeferredSemaphore(2)
    semaphore.acquire()
    semaphore.release()
    assert semaphore.tokens == 2


def test_semaphoreReleasedMoreThanAcquiredRaises() -> None:
    semaphore = DeferredSemaphore(2)
    semaphore.acquire()
    semaphore.release()
    with pytest.raises(RuntimeError, match="without a matching acquire"):
        semaphore.release()
    assert semaphore.tokens == 2


def test_cancellingAWaitingSemaphoreAcquireRemovesTheWaiter() -> None:
    semaphore = DeferredSemaphore(1)
    semaphore.acquire()
    waiter = semaphore.acquire()
    waiter.cancel()
    assert failureOf(waiter).check(CancelledError)
    assert len(semaphore.waiting) == 0
    semaphore.release()
    assert semaphore.tokens == 1


def test_semaphoreRunBoundsHowManyRunAtOnce() -> None:
    semaphore = DeferredSemaphore(2)
    works: list[Deferred[int]] = [Deferred() for _ in range(5)]
    running: list[int] = []
    peak = 0

    def start(i: int) -> Deferred[int]:
        nonlocal peak
        running.append(i)
        peak = max(peak, len(running))
        return works[i].addBoth(lambda result: (running.remove(i), result)[1])

    ds = [semaphore.run(start, i) for i in range(5)]
    assert running == [0, 1]
    for i in (1, 0, 3, 2, 4):
        works[i].callback(i)
    assert peak == 2
    assert [successOf(d) for d in ds] == [0, 1, 2, 3, 4]
    assert semaphore.tokens == 2


def test_semaphoreRunReleasesWhenTheFunctionRaises() -> None:
    semaphore = DeferredSemaphore(1)

    def explode() -> None:
        raise Boom()

    failureOf(semaphore.run(explode))
    assert semaphore.tokens == 1


def test_manyQueuedSemaphoreRunsDoNotRecurse() -> None:
    semaphore = DeferredSemaphore(2)
    semaphore.acquire()
    semaphore.acquire()
    order: list[int] = []
    for i in range(MANY):
        semaphore.run(order.append, i)
    semaphore.release()
    semaphore.release()
    assert order == list(range(MANY))
    assert semaphore.tokens == 2


def test_asyncWithSemaphoreTakesAndGivesBackAToken() -> None:
    semaphore = DeferredSemaphore(2)
    inside: list[int] = []

    async def bounded() -> None:
        async with semaphore as held:
            assert held is semaphore
            inside.append(semaphore.tokens)

    successOf(Deferred.fromCoroutine(bounded()))
    assert inside == [1]
    assert semaphore.tokens == 2


def test_semaphoreRepr() -> None:
    semaphore = DeferredSemaphore(2)
    semaphore.acquire()
    assert repr(semaphore) == "<DeferredSemaphore 1/2 free, 0 waiting>"


# -- DeferredQueue: put and get --------------------------------------------------------------


def test_getOfAHeldItemFiresAtOnce() -> None:
    queue: DeferredQueue[str] = DeferredQueue()
    queue.put("item")
    assert successOf(queue.get()) == "item"
    assert len(queue.pending) == 0


def test_getOfAnEmptyQueueWaitsForAPut() -> None:
    queue: DeferredQueue[str] = DeferredQueue()
    d = queue.get()
    assert not d.called
    queue.put("item")
    assert successOf(d) == "item"
    assert len(queue.waiting) == 0
    assert len(queue.pending) == 0


def test_itemsComeOutInTheOrderTheyWerePut() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    for i in range(3):
        queue.put(i)
    assert [successOf(queue.get()) for _ in range(3)] == [0, 1, 2]


def test_waitingGetsAreServedInTheOrderTheyWereMade() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    ds = [queue.get() for _ in range(3)]
    for i in range(3):
        queue.put(i)
    assert [successOf(d) for d in ds] == [0, 1, 2]


def test_putFromAWokenGetGoesToTheOldestWaiter() -> None:
    queue: DeferredQueue[str] = DeferredQueue()
    first = queue.get()
    second = queue.get()
    third: list[Deferred[str]] = []

    def relay(item: str) -> str:
        third.append(queue.get())  # made after "second": must not overtake it
        queue.put("relayed")
        return item

    first.addCallback(relay)
    queue.put("original")
    assert successOf(second) == "relayed"
    assert not third[0].called


def test_getMadeWhileItemsAreBeingDeliveredQueuesBehindOlderGets() -> None:
    queue: DeferredQueue[str] = DeferredQueue()
    first = queue.get()
    second = queue.get()
    late: list[Deferred[str]] = []

    def putTwoThenGet(item: str) -> str:
        queue.put("a")
        queue.put("b")
        late.append(queue.get())  # "a" is held for "second", so this one gets "b"
        return item

    first.addCallback(putTwoThenGet)
    queue.put("original")
    assert successOf(second) == "a"
    assert successOf(late[0]) == "b"


def test_queueRepr() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    queue.put(1)
    assert repr(queue) == "<DeferredQueue 1 items, 0 waiting>"


def test_queueWorksWithAwaitInACoroutine() -> None:
    queue: DeferredQueue[int] = DeferredQueue()

    async def consume() -> int:
        return await queue.get() + await queue.get()

    d = Deferred.fromCoroutine(consume())
    queue.put(1)
    queue.put(2)
    assert successOf(d) == 3


def test_manyWaitingGetsRelayingPutsDoNotRecurse() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    received: list[int] = []

    def relay(item: int) -> None:
        received.append(item)
        queue.put(item + 1)  # wakes the next waiter

    for _ in range(MANY):
        queue.get().addCallback(relay)
    queue.put(0)
    assert received == list(range(MANY))
    assert list(queue.pending) == [MANY]


# -- DeferredQueue: size and backlog ---------------------------------------------------------


def test_putBeyondSizeRaisesQueueOverflow() -> None:
    queue: DeferredQueue[int] = DeferredQueue(size=2)
    queue.put(1)
    queue.put(2)
    with pytest.raises(QueueOverflow):
        queue.put(3)
    assert list(queue.pending) == [1, 2]


def test_putToAFullQueueWithAWaiterIsDelivered() -> None:
    queue: DeferredQueue[int] = DeferredQueue(size=0)
    d = queue.get()
    queue.put(1)
    assert successOf(d) == 1


def test_sizeZeroRejectsAPutNobodyWaitsFor() -> None:
    with pytest.raises(QueueOverflow):
        DeferredQueue[int](size=0).put(1)


def test_sizeCountsOnlyItemsLeftOverAfterWaitersDuringDelivery() -> None:
    queue: DeferredQueue[str] = DeferredQueue(size=1)
    first = queue.get()
    second = queue.get()
    outcomes: list[str] = []

    def putThree(item: str) -> str:
        queue.put("x")  # for "second"
        queue.put("y")  # held: the queue is now full
        try:
            queue.put("z")
        except QueueOverflow:
            outcomes.append("overflow")
        return item

    first.addCallback(putThree)
    queue.put("original")
    assert outcomes == ["overflow"]
    assert successOf(second) == "x"
    assert list(queue.pending) == ["y"]


def test_getBeyondBacklogRaisesQueueUnderflow() -> None:
    queue: DeferredQueue[int] = DeferredQueue(backlog=2)
    queue.get()
    queue.get()
    with pytest.raises(QueueUnderflow):
        queue.get()
    assert len(queue.waiting) == 2


def test_backlogCountsOnlyGetsLeftWaitingAfterDelivery() -> None:
    queue: DeferredQueue[str] = DeferredQueue(backlog=2)
    first = queue.get()
    second = queue.get()
    outcomes: list[str] = []
    late: list[Deferred[str]] = []

    def putThenGetThrice(item: str) -> str:
        queue.put("a")  # for "second": "second" no longer counts as waiting
        late.append(queue.get())
        late.append(queue.get())  # the backlog is now full
        try:
            queue.get()
        except QueueUnderflow:
            outcomes.append("underflow")
        return item

    first.addCallback(putThenGetThrice)
    queue.put("original")
    assert outcomes == ["underflow"]
    assert successOf(second) == "a"
    assert list(queue.waiting) == late


def test_backlogZeroRejectsAGetThatWouldWait() -> None:
    queue: DeferredQueue[int] = DeferredQueue(backlog=0)
    with pytest.raises(QueueUnderflow):
        queue.get()
    queue.put(1)
    assert successOf(queue.get()) == 1


def test_cancelledGetsDoNotCountAgainstBacklog() -> None:
    queue: DeferredQueue[int] = DeferredQueue(backlog=1)
    waiter = queue.get()
    waiter.cancel()
    failureOf(waiter)
    assert not queue.get().called


# -- DeferredQueue: cancellation -------------------------------------------------------------


def test_cancellingAWaitingGetRemovesTheWaiter() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    waiter = queue.get()
    waiter.cancel()
    assert failureOf(waiter).check(CancelledError)
    assert len(queue.waiting) == 0


def test_itemPutAfterACancelledGetGoesToTheNextWaiter() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    cancelled = queue.get()
    nextInLine = queue.get()
    cancelled.cancel()
    queue.put(1)
    assert successOf(nextInLine) == 1
    failureOf(cancelled)


def test_itemPutAfterTheOnlyGetWasCancelledIsKept() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    waiter = queue.get()
    waiter.cancel()
    queue.put(1)
    assert list(queue.pending) == [1]
    failureOf(waiter)


def test_cancellingAServedGetChangesNothing() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    waiter = queue.get()
    queue.put(1)
    waiter.cancel()
    assert successOf(waiter) == 1


def test_getFiredBySomeoneElseIsSkippedAndKeepsTheItem() -> None:
    queue: DeferredQueue[int] = DeferredQueue()
    misused = queue.get()
    nextInLine = queue.get()
    misused.callback(0)  # not the queue's doing
    queue.put(1)
    assert successOf(nextInLine) == 1
    assert successOf(misused) == 0


def test_acquireFiredBySomeoneElseIsSkipped() -> None:
    lock = DeferredLock()
    lock.acquire()
    misused = lock.acquire()
    nextInLine = lock.acquire()
    misused.callback(lock)  # not the lock's doing
    lock.release()
    assert successOf(nextInLine) is lock
    successOf(misused)
