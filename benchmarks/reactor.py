"""Reactor workloads: timers, callLater+cancel, idle passes, callFromThread throughput/latency.

Each workload body is written once against a *loop*: the handful of bound methods it needs
(``callLater``, ``callFromThread``, ``run``, ``stop``, ``poll``, ``close``) taken straight from
one library, so the body runs the same code on every side and calls each library's own methods
with no wrapper in between:

* treadle: ``reactor.EPollReactor``;
* twisted: ``twisted.internet.epollreactor.EPollReactor``, instantiated directly (never
  installed as the global reactor), so both reactors wait on epoll;
* asyncio: ``asyncio.new_event_loop()`` (the selector loop, epoll on Linux), with
  ``call_later``, ``call_soon_threadsafe``, ``run_forever``, ``stop``;
* uvloop: the same methods on ``uvloop.new_event_loop()``, when uvloop is installed.

Workloads that run a loop make a fresh one per run on every side (a Twisted reactor cannot be
run twice) and close it afterwards, so each run pays for one loop creation on every side.
Threads are started by setup and reused by every run; they inherit the runner's CPU pinning, so
the loop and its producer threads share one CPU.

Two figures the ops/s table cannot show are reported as *metrics* under the table (see
`benchmarks.runner`): loop wake-ups and waker writes per 10,000 ``callFromThread`` calls,
counted in dedicated untimed runs (the counters are patched in for those runs only, so timed
runs carry no counting overhead), and the p50/p99 thread -> reactor latency of every trip.

This module owns the workload bodies, the loop adapters and the producer threads; measuring and
reporting live in `benchmarks.runner`.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks.counting import CallCounter
from benchmarks.workload import Implementation, Run, Setup, Workload, stateless

#: Producer threads in the callFromThread throughput workload.
PRODUCERS = 4
#: Timers in timers_100k are due between 0 and this many seconds after being scheduled.
TIMER_SPREAD = 0.05
#: Seed of the timer delays and of the choice of cancelled timers (the same on every side).
SEED = 20240503
#: Untimed runs made to count wake-ups and waker writes.
COUNTING_RUNS = 3


def _noop() -> None:
    return None


@dataclass(frozen=True)
class Loop:
    """One fresh event loop of one library, as bound methods a workload body calls directly.

    ``callLater(delay, f)`` returns a handle with ``cancel()``; ``run()`` runs the loop until
    ``stop()`` is called in it; ``poll()`` runs one pass without blocking, with the loop not
    running; ``close()`` releases its descriptors. ``counts()`` gives (waker writes, loop
    wake-ups) so far, each None when this loop cannot count it.
    """

    callLater: Callable[..., Any]
    callFromThread: Callable[..., Any]
    run: Callable[[], object]
    stop: Callable[[], object]
    poll: Callable[[], object]
    close: Callable[[], object]
    counts: Callable[[], tuple[int | None, int | None]]


#: ``makeLoop(count)``: a fresh loop; with ``count``, its waker writes and reads are counted.
MakeLoop = Callable[[bool], Loop]


def _treadleLoop(count: bool) -> Loop:
    from reactor import EPollReactor

    r = EPollReactor()
    writes: CallCounter | None = None
    if count:
        # The callFromThread queue bound the waker's wake method when the reactor was made:
        # wrap the queue's copy (private, benchmark-only).
        handoff = r._threadCalls
        writes = CallCounter(handoff._wake)
        handoff._wake = writes

    def counts() -> tuple[int | None, int | None]:
        # Wake-ups come from the reactor's own public statistics.
        return (None if writes is None else writes.count, r.statistics().wakeups)

    return Loop(
        callLater=r.callLater,
        callFromThread=r.callFromThread,
        run=lambda: r.run(installSignalHandlers=False),
        stop=r.stop,
        poll=r.iterate,
        close=r.close,
        counts=counts,
    )


def _twistedLoop(count: bool) -> Loop:
    from twisted.internet.epollreactor import EPollReactor

    r: Any = EPollReactor()  # type: ignore[no-untyped-call]
    waker = r.waker
    writes = reads = None
    if count:
        # callFromThread -> reactor.wakeUp -> waker.wakeUp (a pipe write per call); the loop
        # calls waker.doRead once per wake-up. Both are looked up on the instance each time.
        writes = CallCounter(waker.wakeUp)
        reads = CallCounter(waker.doRead)
        waker.wakeUp = writes
        waker.doRead = reads

    def poll() -> None:
        # One pass of Twisted's mainLoop without waiting.
        r.runUntilCurrent()
        r.doIteration(0)

    def close() -> None:
        # Twisted reactors have no close(): release the waker's pipe and the epoll descriptor.
        r.removeReader(waker)
        waker.connectionLost(None)
        r._poller.close()

    def counts() -> tuple[int | None, int | None]:
        return (
            None if writes is None else writes.count,
            None if reads is None else reads.count,
        )

    return Loop(
        callLater=r.callLater,
        callFromThread=r.callFromThread,
        run=lambda: r.run(installSignalHandlers=False),
        stop=r.stop,
        poll=poll,
        close=close,
        counts=counts,
    )


def _asyncioLoop(useUvloop: bool) -> MakeLoop:
    def make(count: bool) -> Loop:
        if useUvloop:
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        writes = reads = None
        # The selector loop (uvloop's is C code we cannot count): one _write_to_self per
        # call_soon_threadsafe, one _process_self_data per self-pipe read.
        if count and hasattr(loop, "_write_to_self") and hasattr(loop, "_process_self_data"):
            writes = CallCounter(loop._write_to_self)
            reads = CallCounter(loop._process_self_data)
            loop._write_to_self = writes
            loop._process_self_data = reads

        def poll() -> None:
            loop.call_soon(loop.stop)
            loop.run_forever()

        def counts() -> tuple[int | None, int | None]:
            return (
                None if writes is None else writes.count,
                None if reads is None else reads.count,
            )

        return Loop(
            callLater=loop.call_later,
            callFromThread=loop.call_soon_threadsafe,
            run=loop.run_forever,
            stop=loop.stop,
            poll=poll,
            close=loop.close,
            counts=counts,
        )

    return make


LOOPS: dict[str, MakeLoop] = {
    "treadle": _treadleLoop,
    "twisted": _twistedLoop,
    "asyncio": _asyncioLoop(useUvloop=False),
    "uvloop": _asyncioLoop(useUvloop=True),
}
REQUIRES: dict[str, tuple[str, ...]] = {
    "treadle": ("reactor",),
    "twisted": ("twisted",),
    "asyncio": (),
    "uvloop": ("uvloop",),
}


# --- timers_100k ------------------------------------------------------------------------------


def _timerPlan(size: int) -> tuple[list[float], list[int]]:
    """The delays of ``size`` timers and the indices of the half to cancel (fixed seed)."""
    rng = random.Random(SEED)
    delays = [rng.uniform(0, TIMER_SPREAD) for _ in range(size)]
    cancelled = rng.sample(range(size), size // 2)
    return delays, cancelled


def _timers(makeLoop: MakeLoop, size: int) -> Run:
    """``size`` timers with random delays, half cancelled, the loop run until the last fires."""
    delays, cancelled = _timerPlan(size)
    live = size - len(cancelled)

    def run() -> object:
        loop = makeLoop(False)
        stop = loop.stop
        fired = 0

        def fire() -> None:
            nonlocal fired
            fired += 1
            if fired == live:
                stop()

        callLater = loop.callLater
        calls = [callLater(delay, fire) for delay in delays]
        for index in cancelled:
            calls[index].cancel()
        try:
            loop.run()
        finally:
            loop.close()
        return fired

    return run


# --- calllater_cancel -------------------------------------------------------------------------


@contextmanager
def _callLaterCancel(makeLoop: MakeLoop, size: int) -> Iterator[Run]:
    """``size`` callLater(1, f) + cancel cycles, then one non-blocking pass of the loop."""
    loop = makeLoop(False)
    callLater = loop.callLater
    poll = loop.poll

    def run() -> object:
        for _ in itertools.repeat(None, size):
            callLater(1.0, _noop).cancel()
        # One pass, as a busy program's loop would make between batches: it lets every side
        # drop the dead entries it keeps until its next pass (Twisted keeps them all).
        poll()
        return size

    try:
        yield run
    finally:
        loop.close()


# --- idle_passes -----------------------------------------------------------------------------


@contextmanager
def _idlePasses(makeLoop: MakeLoop, size: int) -> Iterator[Run]:
    """``size`` non-blocking passes of a loop with nothing to do: the fixed cost every message
    of a ping-pong pays at least once."""
    loop = makeLoop(False)
    poll = loop.poll

    def run() -> object:
        for _ in itertools.repeat(None, size):
            poll()
        return size

    try:
        yield run
    finally:
        loop.close()


# --- producer threads ---------------------------------------------------------------------------


class _Workers:
    """Threads that run a job each time they are given one, until closed.

    Started once by setup so that thread creation is never timed. ``start(job)`` hands ``job``
    to every thread; ``wait()`` returns once each has finished it, and raises if one failed.
    """

    def __init__(self, count: int, name: str) -> None:
        # One inbox per thread (SimpleQueue: thread-safe); None tells the thread to end.
        self._inboxes: list[queue.SimpleQueue[Callable[[], object] | None]] = []
        # Each thread puts one item here per job: None, or the exception the job raised
        # (SimpleQueue: thread-safe).
        self._finished: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        for index in range(count):
            inbox: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
            thread = threading.Thread(
                target=self._serve, args=(inbox,), name=f"{name}-{index}", daemon=True
            )
            self._inboxes.append(inbox)
            self._threads.append(thread)
            thread.start()

    def _serve(self, inbox: queue.SimpleQueue[Callable[[], object] | None]) -> None:
        while (job := inbox.get()) is not None:
            try:
                job()
            except BaseException as error:
                self._finished.put(error)
            else:
                self._finished.put(None)

    def start(self, job: Callable[[], object]) -> None:
        """Give ``job`` to every thread (any thread may call this)."""
        for inbox in self._inboxes:
            inbox.put(job)

    def wait(self) -> None:
        """Block until every thread has finished the job it was last given.

        :raises RuntimeError: if the job raised in one of them.
        """
        errors = [self._finished.get(timeout=60) for _ in self._inboxes]
        for error in errors:
            if error is not None:
                raise RuntimeError("a benchmark thread failed") from error

    def close(self) -> None:
        """End and join every thread."""
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join(timeout=60)


# --- callfromthread_throughput ------------------------------------------------------------------


class _ThroughputRun:
    """One run: ``PRODUCERS`` threads each make ``size`` callFromThread calls while the loop
    runs; the loop stops when the last call has run. ``metrics()`` counts wake-ups."""

    def __init__(self, makeLoop: MakeLoop, workers: _Workers, size: int) -> None:
        self._makeLoop = makeLoop
        self._workers = workers
        self._size = size

    def _once(self, count: bool) -> tuple[int, tuple[int | None, int | None]]:
        loop = self._makeLoop(count)
        size = self._size
        total = PRODUCERS * size
        stop = loop.stop
        callFromThread = loop.callFromThread
        ran = 0

        def call() -> None:
            nonlocal ran
            ran += 1
            if ran == total:
                stop()

        def produce() -> None:
            try:
                for _ in itertools.repeat(None, size):
                    callFromThread(call)
            except BaseException:
                callFromThread(stop)  # or the loop would wait for the missing calls forever
                raise

        # Queued before the loop runs and run by its first pass: the producers start while
        # the loop is running.
        callFromThread(self._workers.start, produce)
        try:
            loop.run()
            self._workers.wait()
            return ran, loop.counts()
        finally:
            loop.close()

    def __call__(self) -> object:
        return self._once(False)[0]

    def metrics(self) -> dict[str, float]:
        """Waker writes and loop wake-ups per 10,000 calls over `COUNTING_RUNS` untimed runs.

        The kick-off call from the main thread is counted as a call; it costs one write.
        """
        writes: list[int] = []
        wakeups: list[int] = []
        calls = 0
        for _ in range(COUNTING_RUNS):
            ran, (written, woken) = self._once(True)
            calls += ran + 1
            if written is not None:
                writes.append(written)
            if woken is not None:
                wakeups.append(woken)
        metrics: dict[str, float] = {}
        if wakeups:
            metrics["wake-ups/10k calls"] = sum(wakeups) * 10_000 / calls
        if writes:
            metrics["waker writes/10k calls"] = sum(writes) * 10_000 / calls
        return metrics


def _throughput(makeLoop: MakeLoop) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        workers = _Workers(PRODUCERS, "producer")
        try:
            yield _ThroughputRun(makeLoop, workers, size)
        finally:
            workers.close()

    return setup


# --- callfromthread_latency ---------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class _LatencyRun:
    """One run: a thread sends ``size`` calls one at a time, each stamped with the time it was
    sent; the loop records how long it took to arrive and lets the thread send the next.
    ``metrics()`` gives the percentiles of every trip recorded so far."""

    def __init__(self, makeLoop: MakeLoop, pinger: _Workers, size: int) -> None:
        self._makeLoop = makeLoop
        self._pinger = pinger
        self._size = size
        # Thread -> reactor latency of every trip of every run, in seconds. Loop thread only.
        self._latencies: list[float] = []

    def __call__(self) -> object:
        loop = self._makeLoop(False)
        size = self._size
        stop = loop.stop
        callFromThread = loop.callFromThread
        clock = time.perf_counter
        record = self._latencies.append
        # Released by the loop when a call arrived, acquired by the pinger before it sends the
        # next one: a binary semaphore between the two threads (Lock release from any thread).
        arrivedLock = threading.Lock()
        arrivedLock.acquire()
        arrived = 0

        def arrive(sent: float) -> None:
            nonlocal arrived
            record(clock() - sent)
            arrived += 1
            if arrived == size:
                stop()
            arrivedLock.release()

        def ping() -> None:
            try:
                for _ in itertools.repeat(None, size):
                    callFromThread(arrive, clock())
                    arrivedLock.acquire()
            except BaseException:
                callFromThread(stop)  # or the loop would wait for the missing calls forever
                raise

        callFromThread(self._pinger.start, ping)
        try:
            loop.run()
            self._pinger.wait()
        finally:
            loop.close()
        return arrived

    def metrics(self) -> dict[str, float]:
        """p50 and p99 thread -> reactor latency, in microseconds, over every trip so far."""
        if not self._latencies:
            return {}
        return {
            "µs p50": _percentile(self._latencies, 0.50) * 1e6,
            "µs p99": _percentile(self._latencies, 0.99) * 1e6,
        }


def _latency(makeLoop: MakeLoop) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        pinger = _Workers(1, "pinger")
        try:
            yield _LatencyRun(makeLoop, pinger, size)
        finally:
            pinger.close()

    return setup


# --- registration -------------------------------------------------------------------------------


def _implementations(
    setupFor: Callable[[MakeLoop], Setup], notes: dict[str, str] | None = None
) -> tuple[Implementation, ...]:
    return tuple(
        Implementation(
            name, setupFor(make), requires=REQUIRES[name], note=(notes or {}).get(name, "")
        )
        for name, make in LOOPS.items()
    )


def _stateless(body: Callable[[MakeLoop, int], Run]) -> Callable[[MakeLoop], Setup]:
    return lambda make: stateless(lambda size: body(make, size))


WORKLOADS = [
    Workload(
        name="timers_100k",
        description=(
            "a fresh loop; 100,000 callLater/call_later with random delays (fixed seed) over "
            f"0-{TIMER_SPREAD * 1000:g} ms, half of them cancelled, then the loop run until the "
            "last live one fires (CPU time: the loop's idle waits are not charged)"
        ),
        unit="timers",
        size=100_000,
        smokeSize=100,
        opsPerRun=lambda size: size,
        expected=lambda size: size - size // 2,
        implementations=_implementations(_stateless(_timers)),
        clock="cpu",
    ),
    Workload(
        name="calllater_cancel",
        description=(
            "1,000 callLater(1, f) + cancel cycles on a loop that is not running, then one "
            "non-blocking pass of the loop"
        ),
        unit="cycles",
        size=1_000,
        smokeSize=10,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(lambda make: lambda size: _callLaterCancel(make, size)),
        clock="cpu",
    ),
    Workload(
        name="idle_passes",
        description=(
            "1,000 non-blocking passes of a fresh loop with nothing scheduled and nothing ready "
            "(treadle iterate(0); Twisted runUntilCurrent + doIteration(0); asyncio/uvloop "
            "call_soon(stop) + run_forever, which is more work than a bare pass)"
        ),
        unit="passes",
        size=1_000,
        smokeSize=10,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(lambda make: lambda size: _idlePasses(make, size)),
        clock="cpu",
    ),
    Workload(
        name="callfromthread_throughput",
        description=(
            f"{PRODUCERS} threads each make 10,000 callFromThread/call_soon_threadsafe calls "
            "while a fresh loop runs, until all have run; all threads on one CPU; metrics: "
            f"waker writes and loop wake-ups per 10,000 calls ({COUNTING_RUNS} untimed runs)"
        ),
        unit="calls",
        size=10_000,
        smokeSize=10,
        opsPerRun=lambda size: PRODUCERS * size,
        expected=lambda size: PRODUCERS * size,
        implementations=_implementations(_throughput),
    ),
    Workload(
        name="callfromthread_latency",
        description=(
            "a thread sends 500 callFromThread/call_soon_threadsafe calls one at a time to a "
            "fresh running loop, each carrying its send time, the next sent once the loop ran "
            "the previous; ops/s = trips/s; metrics: p50/p99 thread -> loop latency of every trip"
        ),
        unit="trips",
        size=500,
        smokeSize=5,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_latency),
    ),
]
