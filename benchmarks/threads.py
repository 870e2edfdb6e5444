"""Thread-pool workloads: deferToThread throughput, round-trip latency, and bursts of results.

Each workload body is written once against a small *driver* (submit a blocking call, get its
result back on the event-loop thread; spin the loop until a condition holds) and run on:

* treadle: ``threads.deferToThreadPool`` on an ``EPollReactor`` with a ``ThreadPool`` of 10;
* twisted: ``twisted.internet.threads.deferToThreadPool`` on Twisted's epoll reactor with a
  ``twisted.python.threadpool.ThreadPool(0, 10)`` (Twisted's default reactor pool size);
* asyncio: ``asyncio.to_thread`` (which, like treadle, copies the caller's contextvars) with a
  10-thread default executor; asyncio-pool: ``loop.run_in_executor`` on that executor (no
  context copy and no task: less work, marked with ``*``); uvloop: ``to_thread`` on a uvloop
  loop, when uvloop is installed.

Both reactors are driven by hand, one pass at a time, as their own ``run()`` loops would
(Twisted's global reactor cannot be run again after it stops, and the runner calls each run
many times); asyncio runs ``run_forever`` until a callback stops it. Every worker
thread inherits the runner's CPU pinning, so the loop and its workers share one CPU.

This module owns the workload bodies, the drivers and a supplementary report the runner's
ops/s table cannot show — round-trip latency percentiles and wake-ups per result in a burst —
printed by ``python -m benchmarks.threads`` after the usual table.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from benchmarks.counting import CallCounter
from benchmarks.workload import Implementation, Run, Setup, Workload

#: Worker threads on every side (Twisted's default for its reactor pool).
POOL_SIZE = 10
#: At most this many jobs outstanding in the throughput workload.
WINDOW = 100


def _noop() -> None:
    return None


class Driver(Protocol):
    """One implementation seen from a workload body; everything runs in the loop thread."""

    def wakeups(self) -> int | None:
        """Loop wake-ups (waker reads) so far, when they can be counted (else None)."""
        ...

    def wakerWrites(self) -> int | None:
        """Waker writes (system calls made to wake the loop) so far, or None."""
        ...

    def submit(self, f: Callable[[], object], onResult: Callable[[object], None]) -> None:
        """Run ``f`` in a worker; call ``onResult(value)`` in the loop thread afterwards."""
        ...

    def spinUntil(self, done: Callable[[], bool]) -> None:
        """Run the loop until ``done()`` is true (checked after each callback batch)."""
        ...

    def startSubmitted(self) -> None:
        """Make sure every submitted call has reached the pool (asyncio's ``to_thread`` only
        hands its call to the executor once its task first runs on the loop)."""
        ...


# --- drivers --------------------------------------------------------------------------------


class _ReactorDriver:
    """treadle or Twisted: a reactor, a pool and that library's ``deferToThreadPool``."""

    def __init__(
        self,
        reactor: Any,
        pool: Any,
        deferToThreadPool: Any,
        wakeups: Callable[[], int],
        writes: CallCounter,
    ) -> None:
        self._reactor = reactor
        self._pool = pool
        self._defer = deferToThreadPool
        self._wakeups = wakeups
        self._writes = writes

    def wakeups(self) -> int | None:
        return self._wakeups()

    def wakerWrites(self) -> int | None:
        return self._writes.count

    def submit(self, f: Callable[[], object], onResult: Callable[[object], None]) -> None:
        self._defer(self._reactor, self._pool, f).addCallback(onResult)

    def spinUntil(self, done: Callable[[], bool]) -> None:
        # treadle's iterate() waits for I/O, then runs what it brought (thread results).
        iterate = self._reactor.iterate
        while not done():
            iterate(1.0)

    def startSubmitted(self) -> None:
        pass  # deferToThreadPool hands the call to the pool at once


class _TwistedDriver(_ReactorDriver):
    def spinUntil(self, done: Callable[[], bool]) -> None:
        # Twisted's iterate() runs queued calls *before* waiting, so a loop of iterate() would
        # end every run with one needless wait; this is the body of its mainLoop instead.
        reactor = self._reactor
        while True:
            reactor.runUntilCurrent()
            if done():
                return
            reactor.doIteration(1.0)


@contextmanager
def _treadleDriver() -> Iterator[_ReactorDriver]:
    from reactor import EPollReactor
    from threads import ThreadPool, deferToThreadPool

    reactor = EPollReactor()
    # Count waker writes (benchmark-only patching): the result queue, made on the first
    # deferToThreadPool, binds the waker's wake method then, so patch it before.
    writes = CallCounter(reactor._waker.wake)
    reactor._waker.wake = writes  # type: ignore[method-assign]
    pool = ThreadPool(maxthreads=POOL_SIZE)
    pool.start()
    try:
        yield _ReactorDriver(reactor, pool, deferToThreadPool, lambda: reactor.wakeups, writes)
    finally:
        pool.stop()
        reactor.close()


def _twistedReactor() -> Any:
    """Twisted's global reactor: epoll, installed here unless some reactor already is."""
    if "twisted.internet.reactor" not in sys.modules:
        from twisted.internet import epollreactor

        epollreactor.install()
    from twisted.internet import reactor

    return reactor


@contextmanager
def _twistedDriver() -> Iterator[_ReactorDriver]:
    from twisted.internet.threads import deferToThreadPool
    from twisted.python.threadpool import ThreadPool

    reactor = _twistedReactor()
    # Count the loop's wake-ups: each readable waker is one doRead (benchmark-only patching).
    reads = CallCounter(reactor.waker.doRead)
    writes = CallCounter(reactor.waker.wakeUp)
    reactor.waker.doRead = reads
    reactor.waker.wakeUp = writes
    pool = ThreadPool(0, POOL_SIZE)
    pool.start()
    try:
        yield _TwistedDriver(reactor, pool, deferToThreadPool, lambda: reads.count, writes)
    finally:
        pool.stop()
        reactor.waker.doRead = reads.f
        reactor.waker.wakeUp = writes.f


class _AsyncioDriver:
    """asyncio (or uvloop): ``to_thread`` or ``run_in_executor``, results as done-callbacks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor) -> None:
        self._loop = loop
        self._executor = executor
        self._done: Callable[[], bool] = lambda: True
        self._reads: CallCounter | None = None
        self._writes: CallCounter | None = None
        # asyncio's selector loop (uvloop's is C code we cannot count): one _process_self_data
        # per self-pipe read, one _write_to_self per call_soon_threadsafe.
        if hasattr(loop, "_process_self_data") and hasattr(loop, "_write_to_self"):
            self._reads = CallCounter(loop._process_self_data)
            self._writes = CallCounter(loop._write_to_self)
            loop._process_self_data = self._reads  # type: ignore[attr-defined]
            loop._write_to_self = self._writes  # type: ignore[attr-defined]

    def wakeups(self) -> int | None:
        return None if self._reads is None else self._reads.count

    def wakerWrites(self) -> int | None:
        return None if self._writes is None else self._writes.count

    def _deliver(self, onResult: Callable[[object], None], future: asyncio.Future[Any]) -> None:
        onResult(future.result())
        if self._done():
            self._loop.stop()

    def submit(self, f: Callable[[], object], onResult: Callable[[object], None]) -> None:
        raise NotImplementedError

    def spinUntil(self, done: Callable[[], bool]) -> None:
        if done():
            return
        self._done = done
        self._loop.run_forever()

    def startSubmitted(self) -> None:
        # One pass of the loop runs every task's first step (to_thread submits there); results
        # arriving during it are delivered now, the rest later.
        self._done = lambda: False
        self._loop.call_soon(self._loop.stop)
        self._loop.run_forever()


class _ToThreadDriver(_AsyncioDriver):
    def submit(self, f: Callable[[], object], onResult: Callable[[object], None]) -> None:
        task = self._loop.create_task(asyncio.to_thread(f))
        task.add_done_callback(lambda future: self._deliver(onResult, future))


class _ExecutorDriver(_AsyncioDriver):
    def submit(self, f: Callable[[], object], onResult: Callable[[object], None]) -> None:
        future = self._loop.run_in_executor(self._executor, f)
        future.add_done_callback(lambda done: self._deliver(onResult, done))


def _asyncioDriver(kind: type[_AsyncioDriver], useUvloop: bool = False) -> Any:
    @contextmanager
    def driver() -> Iterator[_AsyncioDriver]:
        if useUvloop:
            import uvloop

            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(max_workers=POOL_SIZE)
        loop.set_default_executor(executor)
        try:
            yield kind(loop, executor)
        finally:
            executor.shutdown(wait=True)
            loop.close()

    return driver


DRIVERS: dict[str, Callable[[], Any]] = {
    "treadle": _treadleDriver,
    "twisted": _twistedDriver,
    "asyncio": _asyncioDriver(_ToThreadDriver),
    "asyncio-pool": _asyncioDriver(_ExecutorDriver),
    "uvloop": _asyncioDriver(_ToThreadDriver, useUvloop=True),
}
REQUIRES: dict[str, tuple[str, ...]] = {
    "treadle": ("reactor", "threads"),
    "twisted": ("twisted",),
    "asyncio": (),
    "asyncio-pool": (),
    "uvloop": ("uvloop",),
}
NOTES: dict[str, str] = {
    "asyncio-pool": "loop.run_in_executor: no contextvars copy, no task (less work than to_thread)",
}


# --- workload bodies --------------------------------------------------------------------------


def _throughput(driver: Driver, size: int) -> Run:
    """``size`` no-op jobs, refilled so that at most ``WINDOW`` are outstanding."""

    def run() -> object:
        sent = 0
        done = 0

        def onResult(value: object) -> None:
            nonlocal done
            done += 1
            refill()

        def refill() -> None:
            nonlocal sent
            while sent - done < WINDOW and sent < size:
                sent += 1
                driver.submit(_noop, onResult)

        refill()
        driver.spinUntil(lambda: done == size)
        return done

    return run


def _roundTrips(driver: Driver, size: int, latencies: list[float] | None = None) -> Run:
    """``size`` jobs one after the other: each is submitted when the previous result arrived."""
    clock = time.perf_counter

    def run() -> object:
        done = 0
        started = 0.0

        def onResult(value: object) -> None:
            nonlocal done
            if latencies is not None:
                latencies.append(clock() - started)
            done += 1
            if done < size:
                submit()

        def submit() -> None:
            nonlocal started
            started = clock()
            driver.submit(_noop, onResult)

        submit()
        driver.spinUntil(lambda: done == size)
        return done

    return run


def _burst(driver: Driver, size: int) -> Run:
    """``size`` jobs submitted while the loop thread waits until all of them have run, so
    their results reach the loop as one burst."""

    def run() -> object:
        lock = threading.Lock()
        ran = 0
        allRan = threading.Event()
        delivered = 0

        def job() -> None:
            nonlocal ran
            with lock:
                ran += 1
                if ran == size:
                    allRan.set()

        def onResult(value: object) -> None:
            nonlocal delivered
            delivered += 1

        for _ in range(size):
            driver.submit(job, onResult)
        driver.startSubmitted()
        if not allRan.wait(60):
            raise RuntimeError("the burst's jobs did not all run within 60 s")
        driver.spinUntil(lambda: delivered == size)
        return delivered

    return run


def _implementations(body: Callable[[Driver, int], Run]) -> tuple[Implementation, ...]:
    def setupFor(name: str) -> Setup:
        @contextmanager
        def setup(size: int) -> Iterator[Run]:
            with DRIVERS[name]() as driver:
                yield body(driver, size)

        return setup

    return tuple(
        Implementation(name, setupFor(name), requires=REQUIRES[name], note=NOTES.get(name, ""))
        for name in DRIVERS
    )


WORKLOADS = [
    Workload(
        name="thread_jobs",
        description=(
            "20,000 no-op jobs through a 10-thread pool, at most 100 outstanding, each result "
            "back on the loop thread (deferToThreadPool / to_thread / run_in_executor)"
        ),
        unit="jobs",
        size=20_000,
        smokeSize=50,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_throughput),
    ),
    Workload(
        name="thread_roundtrip",
        description=(
            "200 no-op jobs one at a time, each submitted when the previous result arrived "
            "(ops/s = 1 / mean round-trip latency; percentiles: python -m benchmarks.threads)"
        ),
        unit="trips",
        size=200,
        smokeSize=5,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_roundTrips),
    ),
    Workload(
        name="thread_burst",
        description=(
            "10,000 jobs submitted while the loop thread waits for all to run, then their "
            "results delivered as one burst (wake-ups per result: python -m benchmarks.threads)"
        ),
        unit="results",
        size=10_000,
        smokeSize=20,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_burst),
    ),
]


# --- the supplementary report: latency percentiles, wake-ups per result ----------------------


def _available() -> list[str]:
    import importlib.util

    return [
        name
        for name in DRIVERS
        if all(importlib.util.find_spec(module) is not None for module in REQUIRES[name])
    ]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latencyReport(rounds: int = 7, tripsPerRound: int = 1_000) -> str:
    """p50/p99 round-trip latency per implementation: ``rounds`` interleaved rounds (A B, B A,
    ...) of ``tripsPerRound`` sequential trips; the figures are the medians over rounds."""
    names = _available()
    perRound: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    with contextmanagers(names) as drivers:
        for driver in drivers.values():  # warm up: threads started, code paths hot
            _roundTrips(driver, 200)()
        for index in range(rounds):
            order = names if index % 2 == 0 else names[::-1]
            for name in order:
                latencies: list[float] = []
                _roundTrips(drivers[name], tripsPerRound, latencies)()
                perRound[name].append((_percentile(latencies, 0.50), _percentile(latencies, 0.99)))
    lines = [
        f"round-trip latency: {rounds} interleaved rounds of {tripsPerRound:,} sequential no-op "
        "jobs; p50 and p99 are medians over the rounds, 'best p99' the least disturbed round's "
        "(lower is better; ratio < 1: treadle's is lower)",
        f"{'implementation':<16}{'p50 µs':>9}{'p99 µs':>9}{'best p99 µs':>13}"
        f"{'treadle/peer p99':>18}{'(best)':>8}",
    ]

    def summary(name: str) -> tuple[float, float, float]:
        rows = perRound[name]
        return (
            statistics.median(p50 for p50, _ in rows) * 1e6,
            statistics.median(p99 for _, p99 in rows) * 1e6,
            min(p99 for _, p99 in rows) * 1e6,
        )

    ours = summary("treadle") if "treadle" in perRound else None
    for name in names:
        p50, p99, bestP99 = summary(name)
        ratios = ""
        if ours is not None and name != "treadle":
            ratios = f"{ours[1] / p99:>18.2f}{ours[2] / bestP99:>8.2f}"
        lines.append(f"{name:<16}{p50:>9.1f}{p99:>9.1f}{bestP99:>13.1f}{ratios}")
    return "\n".join(lines)


def burstReport(size: int = 10_000, rounds: int = 3) -> str:
    """Waker writes and loop wake-ups per result when ``size`` results arrive at once (median
    over ``rounds`` interleaved rounds)."""
    names = _available()
    writes: dict[str, list[float]] = {name: [] for name in names}
    wakeups: dict[str, list[float]] = {name: [] for name in names}
    with contextmanagers(names) as drivers:
        for index in range(rounds):
            order = names if index % 2 == 0 else names[::-1]
            for name in order:
                driver = drivers[name]
                before = (driver.wakerWrites(), driver.wakeups())
                _burst(driver, size)()
                after = (driver.wakerWrites(), driver.wakeups())
                for series, start, end in zip((writes, wakeups), before, after, strict=True):
                    if start is not None and end is not None:
                        series[name].append((end - start) / size)

    def show(values: list[float]) -> str:
        return f"{statistics.median(values):.5f}" if values else "n/a"

    lines = [
        f"burst: {size:,} results arriving at once, per result: waker writes (system calls "
        "made to wake the loop) and loop wake-ups (waker reads; a loop that finds the results "
        "already queued may read none)",
        f"{'implementation':<20}{'writes/result':>16}{'wake-ups/result':>18}",
    ]
    for name in names:
        lines.append(f"{name:<20}{show(writes[name]):>16}{show(wakeups[name]):>18}")
    return "\n".join(lines)


@contextmanager
def contextmanagers(names: list[str]) -> Iterator[dict[str, Driver]]:
    """Enter the driver of each of ``names``; leave them all afterwards."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield {name: stack.enter_context(DRIVERS[name]()) for name in names}


def main() -> int:
    """The runner's table for these workloads, then latency percentiles and burst wake-ups."""
    from benchmarks.__main__ import DEFAULT_REPEAT, DEFAULT_SAMPLE_SECONDS
    from benchmarks.runner import pinToOneCPU, runAll

    placement = pinToOneCPU()
    runAll(WORKLOADS, DEFAULT_REPEAT, DEFAULT_SAMPLE_SECONDS, placement)
    print()
    print(latencyReport())
    print()
    print(burstReport())
    return 0


if __name__ == "__main__":
    sys.exit(main())
