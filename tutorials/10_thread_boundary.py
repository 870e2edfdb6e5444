"""Thread boundary: callFromThread, blockingCallFromThread, a wedged pool

What you will see: worker threads (from ``deferToThread``) talking back to the reactor, the
wrong way and the right way.

1. The wrong way: a worker calls the reactor's API directly. ``reactor.callLater`` refuses
   with ``WrongThreadError`` (treadle checks). Firing a Deferred directly from the worker is
   not caught, and is worse: its callbacks then run *in the worker thread*, at the same time
   as the reactor runs other code -- a data race waiting to happen.
2. The right way: ``reactor.callFromThread(f, ...)`` is the one reactor method any thread may
   call. It queues ``f`` for the reactor thread and wakes the loop; the Deferred's callbacks
   then run in the reactor thread, like every other callback.
3. The other direction: ``blockingCallFromThread(reactor, f)`` lets a worker run ``f`` in the
   reactor thread and *wait* for its result -- even when ``f`` returns a Deferred.
4. A wedged pool: a pool of ONE worker whose job uses ``blockingCallFromThread`` to ask the
   reactor for something that itself needs a worker of that same pool. The only worker is
   waiting for the reactor, the reactor is waiting for a worker: a deadlock. treadle notices
   and raises ``PoolExhausted`` at once, instead of hanging forever.

Why it matters: a reactor is single-threaded by design. Everything it owns -- timers,
connections, Deferreds -- must be touched from its thread only; threads hand work over
through ``callFromThread``. Getting this wrong rarely fails loudly: it corrupts state, sometimes.

Try this:
1. In part 3, make ``askTheReactor`` raise an exception. What does the worker get?
2. In part 4, give the pool two workers. Does the job finish now? What happens with two
   workers if two such jobs run at once?
"""

import threading
import time
from typing import Any

from deferred import Deferred
from reactor.error import WrongThreadError
from reactor.task import deferLater, react
from threads import (
    PoolExhausted,
    ThreadPool,
    blockingCallFromThread,
    deferToThread,
    deferToThreadPool,
)


def inReactorThread() -> bool:
    return threading.current_thread() is threading.main_thread()  # the reactor runs in main


async def part1and2(reactor: Any) -> None:
    print("1. a worker calls the reactor directly (wrong)")

    def scheduleFromWorker() -> str:
        try:
            reactor.callLater(0, print, "never")
        except WrongThreadError:
            return "reactor.callLater from a worker raised WrongThreadError"
        return "reactor.callLater from a worker was accepted"

    print(f"   {await deferToThread(scheduleFromWorker)}")

    ranIn: list[bool] = []
    d: Deferred[str] = Deferred()
    d.addCallback(lambda result: ranIn.append(inReactorThread()))
    await deferToThread(d.callback, "result")  # the worker fires d itself
    print(f"   d.callback() from a worker: the callback ran in the reactor thread? {ranIn[0]}")

    print("2. the worker uses reactor.callFromThread (right)")
    ranIn.clear()
    d = Deferred()
    d.addCallback(lambda result: ranIn.append(inReactorThread()))
    await deferToThread(reactor.callFromThread, d.callback, "result")
    await d  # the call was queued for the reactor thread: wait until it ran
    print(f"   callFromThread(d.callback): the callback ran in the reactor thread? {ranIn[0]}")


async def part3(reactor: Any) -> None:
    print("3. blockingCallFromThread: a worker waits for the reactor's answer")

    def makeSettings() -> str:
        return f"settings, made in the reactor thread: {inReactorThread()}"

    def askTheReactor() -> Deferred[str]:
        # Runs in the reactor thread; its Deferred fires 0.1 s later.
        return deferLater(reactor, 0.1, makeSettings)

    def worker() -> str:
        return blockingCallFromThread(reactor, askTheReactor)  # blocks this worker only

    start = time.monotonic()
    answer = await deferToThread(worker)
    print(f"   the worker got {answer!r} after ≈{time.monotonic() - start:.1f}s")


async def part4(reactor: Any) -> None:
    print("4. a wedged pool: its only worker waits for work queued on that same pool")
    pool = ThreadPool(maxthreads=1, name="tiny pool")
    pool.start()

    def needsAWorker() -> Deferred[str]:
        # Runs in the reactor thread, and needs a worker of the tiny pool -- but its only
        # worker is the one blocked in blockingCallFromThread below.
        return deferToThreadPool(reactor, pool, lambda: "never computed")

    def worker() -> str:
        return blockingCallFromThread(reactor, needsAWorker)

    start = time.monotonic()
    try:
        await deferToThreadPool(reactor, pool, worker)
    except PoolExhausted:
        print(
            f"   PoolExhausted after ≈{time.monotonic() - start:.1f}s, instead of hanging forever"
        )
    pool.stop()


async def main(reactor: Any) -> None:
    await part1and2(reactor)
    await part3(reactor)
    await part4(reactor)


react(main)
