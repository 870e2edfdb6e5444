"""Crossing the thread boundary: ``deferToThread`` & friends and ``blockingCallFromThread``.

This module owns the two directions of the bridge between the reactor thread and worker
threads:

* reactor -> worker: ``deferToThreadPool``/``deferToThread`` run a blocking call in a pool and
  return a Deferred; ``callMultipleInThread`` runs a batch in one worker. Results come back
  through the reactor's result queue (``threads._reactorpool.resultQueue``: a handoff queue
  sharing the reactor's waker, so a burst of N results costs one wake-up and one pass).
* worker -> reactor: ``blockingCallFromThread`` runs a function in the reactor thread and
  waits for its (possibly Deferred) result.

It also owns the reactor-side backlog of a bounded pool (jobs waiting for room in its queue)
and the reactor half of nested-blocking detection. It does not own the pool (``threads._pool``)
or the per-reactor default pool (``threads._reactorpool``).

Threads and state
-----------------
A ``_DeferredJob`` is written by the reactor thread before submission, its ``ok``/``result``
by the one worker that ran it (or the thread that stopped the pool), then read by the reactor
thread after the result queue handed it over; the queue's deque append/popleft order those
accesses on every build (see ``reactor._handoff``). Its Deferred is touched in the reactor
thread only. A ``_Backlog`` is reactor-thread-only; the pool calls its ``whenSpace`` from any
thread, which only does ``callFromThread``. A ``_BlockingCall`` hands its result from the
reactor thread to the waiting worker through a lock released after the result is written
(release/acquire order memory with or without a GIL); who runs or abandons the call is decided
by one non-blocking acquire of ``claim``, atomic on every build.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from contextvars import ContextVar, copy_context
from typing import Any, ParamSpec, TypeVar, overload

from deferred import Deferred, Failure
from reactor.error import ReactorNotRunning, WrongThreadError
from threads._pool import (
    _CANCELLED,
    _NEW,
    Job,
    PoolExhausted,
    PoolStopped,
    ThreadPool,
    _Waiter,
    currentPool,
)
from threads._reactorpool import ResultQueue, ThreadsReactor, getThreadPool, resultQueue

__all__ = [
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

# The blocked worker on whose behalf the reactor is running a blockingCallFromThread function,
# set only inside that call's private context copy (so it is visible to deferToThreadPool called
# synchronously by the function, and to nothing else). See threads._pool "Nested blocking".
_blockedWaiter: ContextVar[_Waiter | None] = ContextVar("threads.blockedWaiter", default=None)


# --- reactor -> worker ----------------------------------------------------------------------


class _DeferredJob(Job):
    """A job whose outcome fires a Deferred in the reactor thread."""

    __slots__ = ("deferred", "ok", "pool", "result", "results")

    # Reactor thread only. Cleared once the job is settled: the Deferred's canceller (a bound
    # method of this job) points back at the job, and that cycle would leave every job to the
    # garbage collector (measured: ~5 objects per job, and the collections that go with them).
    deferred: Deferred[Any] | None

    def __init__(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        pool: ThreadPool,
        results: ResultQueue,
    ) -> None:
        # Job.__init__ inlined: this runs once per deferToThreadPool (hot path).
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.context = copy_context()
        self.state = _NEW
        self.waiter: _Waiter | None = None
        self.counted = False
        self.pool = pool
        self.results = results
        # The outcome: written by the worker (or a stopping thread) before results.put(self),
        # read by the reactor thread after the queue handed the job over.
        self.ok = False
        self.result: Any = None

    def deliver(self, ok: bool, result: Any) -> None:
        """Worker thread (or a stopping thread): queue the outcome for the reactor thread."""
        self.ok = ok
        self.result = result
        self.results.put(self)

    def fire(self) -> None:
        """Reactor thread: fire the Deferred, unless it was cancelled while the job ran."""
        d = self.deferred
        result, self.result = self.result, None
        if d is None:
            return
        self.deferred = None
        if d.called:
            return  # cancelled while running: the result is discarded, as documented
        if self.ok:
            d.callback(result)
        else:
            d.errback(result)

    def failNow(self, failure: Failure) -> None:
        """Reactor thread: fail the Deferred at once (the job was refused before it ran)."""
        d = self.deferred
        self.deferred = None
        if d is not None and not d.called:
            d.errback(failure)

    def cancel(self, d: Deferred[Any]) -> None:
        """The Deferred's canceller: withdraw the job if no worker has taken it yet.

        If a worker already runs it, nothing can stop it: the Deferred fails with
        ``CancelledError`` now and the job's eventual result is discarded.
        """
        if self.pool._cancel(self):
            self.deferred = None


def deferToThreadPool(
    reactor: ThreadsReactor,
    threadpool: ThreadPool,
    f: Callable[_P, _R],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> Deferred[_R]:
    """Run ``f(*args, **kwargs)`` in ``threadpool``; the Deferred fires in ``reactor``'s thread.

    Call it in the reactor thread. ``f`` runs in a copy of the caller's ``contextvars``
    context. The Deferred gets ``f``'s return value, or a Failure with its exception (or with
    ``PoolStopped`` if the pool stops before a worker takes the job, or refused it).

    Cancelling the Deferred of a job still waiting for a worker removes it: it never runs.
    Cancelling once it runs cannot interrupt the thread: the Deferred fails with
    ``CancelledError`` at once, the result is discarded, and the worker stays busy until ``f``
    really returns.

    A pool with ``maxqueue`` applies backpressure: when its queue is full the job waits in a
    FIFO on the reactor side (not in the pool) and enters the pool as room appears; the
    Deferred simply fires later.
    """
    job = _DeferredJob(f, args, kwargs, threadpool, resultQueue(reactor))
    d: Deferred[_R] = Deferred(job.cancel)
    job.deferred = d
    waiter = _blockedWaiter.get()
    if waiter is not None and waiter.pool is threadpool:
        # Submitted by a blockingCallFromThread function for a worker of this same pool.
        job.waiter = waiter
        job.context.run(_blockedWaiter.set, None)  # the job itself is not that call
    try:
        if threadpool.maxqueue is None:
            threadpool._submit(job, None)
        else:
            _backlogFor(reactor, threadpool).submit(job)
    except PoolStopped:
        job.failNow(Failure())
    return d


def deferToThread(f: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_R]:
    """Run ``f(*args, **kwargs)`` in the default reactor's pool (``reactor.getThreadPool()``).

    ``deferToThreadPool`` with the process-wide default reactor (``from reactor import
    reactor``, created on first use); see it for cancellation and context. Library code should
    prefer ``deferToThreadPool`` with an explicit reactor and pool.
    """
    from reactor import reactor as defaultReactor

    return deferToThreadPool(defaultReactor, getThreadPool(defaultReactor), f, *args, **kwargs)


def _runMultiple(
    tupleList: list[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
) -> None:
    for f, args, kwargs in tupleList:
        f(*args, **kwargs)


def callMultipleInThread(
    tupleList: Iterable[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
    reactor: ThreadsReactor | None = None,
) -> None:
    """Run each ``(f, args, kwargs)`` of ``tupleList`` in order, in one worker of the reactor's
    pool. An exception stops the batch and is logged (as Twisted does). ``reactor`` defaults to
    the process-wide one."""
    if reactor is None:
        from reactor import reactor as defaultReactor

        reactor = defaultReactor
    getThreadPool(reactor).callInThread(_runMultiple, list(tupleList))


class _Backlog:
    """The reactor-side FIFO of jobs waiting for room in one bounded pool's queue.

    Reactor thread only, except ``whenSpace``, which the pool calls from whichever thread freed
    a slot (or stopped the pool). Invariant: while ``jobs`` is not empty, ``whenSpace`` is
    registered with the pool or an ``admit`` is on its way, so no job is forgotten.
    """

    def __init__(self, reactor: ThreadsReactor, pool: ThreadPool) -> None:
        self.reactor = reactor
        self.pool = pool
        self.jobs: deque[_DeferredJob] = deque()
        # One bound method, so the pool can tell it is already registered.
        self.whenSpace = self._whenSpace

    def submit(self, job: _DeferredJob) -> None:
        """Give ``job`` to the pool, or queue it here behind the others (FIFO)."""
        if self.jobs:
            self.pool._submit(job, self.whenSpace, wait=True)
            self.jobs.append(job)
        elif not self.pool._submit(job, self.whenSpace):
            self.jobs.append(job)

    def _whenSpace(self) -> None:  # any thread
        self.reactor.callFromThread(self.admit)

    def admit(self) -> None:
        """Move waiting jobs into the pool while it has room (reactor thread)."""
        jobs = self.jobs
        while jobs:
            job = jobs[0]
            # Read without the pool lock: a WAITING job only becomes CANCELLED through its
            # Deferred's canceller, which runs in this (the reactor) thread.
            if job.state is _CANCELLED:
                jobs.popleft()
                continue
            try:
                if not self.pool._submit(job, self.whenSpace):
                    return
            except PoolStopped:
                jobs.popleft()
                job.failNow(Failure())
                continue
            jobs.popleft()


_backlogs: weakref.WeakKeyDictionary[ThreadPool, weakref.WeakKeyDictionary[object, _Backlog]] = (
    weakref.WeakKeyDictionary()
)
# Guards creation in _backlogs (two reactors in two threads may share a pool).
_backlogsLock = threading.Lock()


def _backlogFor(reactor: ThreadsReactor, pool: ThreadPool) -> _Backlog:
    with _backlogsLock:
        perReactor = _backlogs.get(pool)
        if perReactor is None:
            perReactor = _backlogs[pool] = weakref.WeakKeyDictionary()
        backlog = perReactor.get(reactor)
        if backlog is None:
            backlog = perReactor[reactor] = _Backlog(reactor, pool)
    return backlog


# --- worker -> reactor ----------------------------------------------------------------------

#: While waiting, a blocked caller checks this often whether the reactor still runs, so a
#: reactor that stops (or crashes) under a waiting call makes it fail instead of hanging.
#: Rejected: failing waiters from a "shutdown" trigger. crash() skips triggers, a trigger can
#: only be added from the reactor thread, and one would have to be re-added for every run();
#: a caller that looks every 50 ms covers every way a reactor can stop, at the cost of 20
#: wake-ups a second per blocked thread.
_RUNNING_CHECK_INTERVAL = 0.05


class _BlockingCall:
    """One ``blockingCallFromThread``: the function, and the result travelling back."""

    __slots__ = (
        "args",
        "claim",
        "context",
        "deferred",
        "done",
        "f",
        "kwargs",
        "ok",
        "result",
        "waiter",
    )

    def __init__(
        self,
        f: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        waiter: _Waiter | None,
    ) -> None:
        self.f = f
        self.args = args
        self.kwargs = kwargs
        self.waiter = waiter
        self.context = copy_context()
        # Acquired (without blocking) by whichever comes first: the reactor starting the call,
        # or the caller giving up on it. The loser knows the winner's decision.
        self.claim = threading.Lock()
        # Held until the outcome is written; released by the reactor thread.
        self.done = threading.Lock()
        self.done.acquire()
        self.deferred: Deferred[Any] | None = None  # reactor thread only
        # The outcome: written by the reactor thread, then done.release(); read by the caller
        # only after it acquired done (release/acquire order the accesses on every build).
        self.ok = False
        self.result: Any = None

    def start(self) -> None:
        """Reactor thread: run the function, unless the caller already gave up."""
        if self.claim.acquire(False):
            self.context.run(self._run)

    def _run(self) -> None:
        _blockedWaiter.set(self.waiter)  # in this call's private context copy only
        try:
            result = self.f(*self.args, **self.kwargs)
        except BaseException:
            self._finish(False, Failure())
            return
        if isinstance(result, Coroutine):
            result = Deferred.fromCoroutine(result)
        if not isinstance(result, Deferred):
            self._finish(True, result)
            return
        waiter = self.waiter
        if waiter is not None and not result.called and not waiter.pool._beginStall(waiter):
            self._finish(False, Failure(PoolExhausted(_exhaustedMessage(waiter.pool))))
            result.addErrback(lambda failure: None)  # its CancelledError is expected
            result.cancel()
            return
        self.deferred = result
        result.addCallbacks(self._succeeded, self._failed)

    def _succeeded(self, value: object) -> None:
        self._finish(True, value)

    def _failed(self, failure: Failure) -> None:
        self._finish(False, failure)

    def _finish(self, ok: bool, result: object) -> None:
        # Forget the Deferred: its callbacks are bound methods of this call (a cycle).
        self.deferred = None
        self.ok = ok
        self.result = result
        self.done.release()

    def cancel(self) -> None:
        """Reactor thread: the caller gave up; cancel the Deferred it was waiting on."""
        d = self.deferred
        if d is not None and not d.called:
            d.cancel()

    def wait(self, reactor: ThreadsReactor, timeout: float | None) -> Any:
        """Caller's thread: wait for the outcome; return it or raise."""
        deadline = None if timeout is None else time.monotonic() + timeout
        done = self.done
        while True:
            interval = _RUNNING_CHECK_INTERVAL
            if deadline is not None:
                interval = min(interval, deadline - time.monotonic())
                if interval <= 0:
                    self._giveUp(reactor, stillRunning=True)
                    raise TimeoutError(
                        f"blockingCallFromThread({_describe(self.f)}) got no result within "
                        f"{timeout} s; the call was cancelled"
                    )
            if done.acquire(timeout=interval):
                return self._outcome()
            if not reactor.running:
                self._giveUp(reactor, stillRunning=False)
                raise ReactorNotRunning(
                    f"the reactor stopped while blockingCallFromThread({_describe(self.f)}) "
                    "waited for its result"
                )

    def _giveUp(self, reactor: ThreadsReactor, stillRunning: bool) -> None:
        if not self.claim.acquire(False) and stillRunning:
            # The reactor already started it: cancel what it waits on (in the reactor thread).
            reactor.callFromThread(self.cancel)

    def _outcome(self) -> Any:
        result = self.result
        self.result = None
        if self.ok:
            return result
        assert isinstance(result, Failure)
        result.raiseException()


def _exhaustedMessage(pool: ThreadPool) -> str:
    return (
        f"every worker of {pool!r} is blocked in blockingCallFromThread waiting for work queued "
        f"on that same pool, so none would ever run it (deadlock avoided). Give the pool more "
        f"threads (maxthreads={pool.maxthreads}), or run the inner work in another pool."
    )


def _describe(f: Callable[..., object]) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _refuseUnlessServable(reactor: ThreadsReactor) -> None:
    """Raise at once if ``reactor`` cannot run a blocking call for this thread now."""
    # A reactor without isInReactorThread (a test double) skips this check.
    isInReactorThread = getattr(reactor, "isInReactorThread", None)
    if isInReactorThread is not None and isInReactorThread():
        raise WrongThreadError(
            "blockingCallFromThread() was called in the reactor thread: it would wait for the "
            "reactor, which would be waiting for it. Call the function directly (or use "
            "maybeDeferred) in the reactor thread."
        )
    if not reactor.running:
        raise ReactorNotRunning(
            "blockingCallFromThread() needs a running reactor to run the call; this one is not "
            "running, so the call would never happen"
        )
    if _isShuttingDown(reactor):
        raise ReactorNotRunning(
            "blockingCallFromThread() refused: the reactor is shutting down and may stop "
            "before the call could finish"
        )


def _isShuttingDown(reactor: ThreadsReactor) -> bool:
    # A stop was requested or the "shutdown" triggers are firing (a test double without the
    # ``stopping`` property never is).
    return bool(getattr(reactor, "stopping", False))


@overload
def blockingCallFromThread(
    reactor: ThreadsReactor,
    f: Callable[..., Deferred[_R]],
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> _R: ...


@overload
def blockingCallFromThread(
    reactor: ThreadsReactor,
    f: Callable[..., Coroutine[Any, Any, _R]],
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> _R: ...


@overload
def blockingCallFromThread(
    reactor: ThreadsReactor,
    f: Callable[..., _R],
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> _R: ...


def blockingCallFromThread(
    reactor: ThreadsReactor,
    f: Callable[..., Any],
    *args: Any,
    timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """From a non-reactor thread, run ``f(*args, **kwargs)`` in the reactor thread and wait.

    Returns ``f``'s result; if it is a Deferred (or a coroutine, run with
    ``Deferred.fromCoroutine``), waits for it and returns its result. Raises the original
    exception (with its traceback) if ``f`` raised or the Deferred failed. ``f`` runs in a copy
    of the caller's ``contextvars`` context.

    Never hangs:

    * called in the reactor thread, it raises ``reactor.error.WrongThreadError`` at once;
    * if the reactor is not running or is shutting down, it raises
      ``reactor.error.ReactorNotRunning`` at once (and the call does not happen), or as soon
      as the reactor stops while it waits;
    * with ``timeout`` (seconds), it raises ``TimeoutError`` when no result came in time and
      cancels the Deferred it was waiting on;
    * called by a worker of a pool, if ``f`` queues work on that same pool and every worker
      of the pool is blocked the same way (none could ever run the work), it raises
      ``threads.PoolExhausted`` and cancels that work. Only work submitted while ``f`` itself
      runs (synchronously) is tracked; see ``threads._pool``.

    ``timeout`` is this function's own keyword: pass ``f`` a keyword of that name with
    ``functools.partial``. (The arguments are typed ``Any``: Python's typing cannot add a
    keyword to a ParamSpec signature.)
    """
    _refuseUnlessServable(reactor)
    pool = currentPool()
    waiter = pool._newWaiter() if pool is not None else None
    call = _BlockingCall(f, args, kwargs, waiter)
    try:
        reactor.callFromThread(call.start)
        return call.wait(reactor, timeout)
    finally:
        if waiter is not None:
            waiter.pool._endWait(waiter)
