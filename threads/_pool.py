"""``ThreadPool``: a bounded set of worker threads that run blocking calls, and its errors.

This module owns the pool itself: its workers, the queue of jobs waiting for a worker, the
life cycle (start, stop with or without draining), resizing, statistics and the bookkeeping that
detects the nested-blocking deadlock. It knows nothing about Deferreds or how a result reaches
the reactor: a job's ``deliver`` method decides that (see ``threads._bridge``). The reactor's
default pool lives in ``threads._reactorpool``.

Guarantees
----------
* At most ``maxthreads`` jobs run at once, and at most ``maxthreads`` workers exist (after a
  shrink through ``adjustPoolsize`` the extra workers leave as soon as their job returns).
* Workers are started on demand, one per job that finds no idle worker, and a worker idle for
  ``idleTimeout`` seconds exits (never below ``minthreads``), so a burst leaves no threads behind.
* Every accepted job is either run or, when the pool stops without draining, delivered a
  ``PoolStopped`` failure. Nothing accepted is dropped silently.
* With ``maxqueue`` set, no more than ``maxqueue`` jobs wait for a worker; a submission beyond
  that fails with ``PoolFull`` (``callInThread``) or waits outside the pool (``deferToThreadPool``
  keeps a reactor-side FIFO, see ``threads._bridge``).

How jobs reach workers
----------------------
The pool keeps a LIFO stack of idle workers and a FIFO deque of jobs no worker has taken yet.
A submission, under the pool lock, (1) hands the job straight to the most recently idle worker if
there is one, else (2) starts a new worker for it if the pool is below ``maxthreads``, else
(3) appends it to the queue. A worker that finishes a job takes the next queued one under the
same lock without sleeping; only when the queue is empty does it push itself on the idle stack
and block on its *own* wake-up lock. So each job wakes at most one thread, and that thread is
the one it was given to: no thundering herd, no lock convoy. The pool lock is held for a few
list/deque operations and never while a job runs, a thread starts or a result is delivered.

Why the most recently idle worker first: its stack and the job's data are the likeliest to be
in the CPU caches, and it concentrates work on few threads so the ones at the bottom of the
stack really sit idle for ``idleTimeout`` and retire. With FIFO (round-robin) reuse every worker
gets a job now and then, none ever times out, and the pool never shrinks after a burst.

Rejected: all workers blocking on one shared ``queue.SimpleQueue``. It is simple and fast, but
which waiter wakes is up to the OS (no LIFO, so no shrinking, see above), and "is a worker idle
or should I start one?" cannot be answered without a race: a worker can be timing out while the
submitter counts it as idle, leaving a job queued with nobody to run it. Handing the job to a
chosen worker under the lock closes that race the way trio's thread cache does: a worker that
timed out only exits if it can still remove itself from the idle stack; if it cannot, someone
popped it and is handing it a job, so it waits again.

Thread-safety, with and without a GIL
-------------------------------------
Correctness never depends on the GIL: every read-modify-write of shared state happens under
``ThreadPool._lock`` (a ``threading.Lock``), and the one cross-thread signal that is not that
lock is a worker's ``wake`` lock, released by the thread that hands it a job after writing
``worker.job`` under ``_lock``. Lock release/acquire orders memory on every build, so the worker
sees the job. On a free-threaded build the same reasoning holds unchanged. The only reads
without the lock are of values fixed at construction (``name``, ``maxqueue``, ``idleTimeout``)
or advisory ones (``minthreads``, ``maxthreads``, ``started``: one attribute load, possibly
already stale; ``statistics()`` takes the lock for a consistent snapshot). Jobs' own fields are
written before submission and read by the worker after it acquires a lock, so they need no lock
of their own. A job's ``deliver`` runs outside every pool
lock, in the worker thread (or, for jobs failed by ``stop``, in the stopping thread).

Nested blocking (pool exhaustion)
---------------------------------
A worker that calls ``blockingCallFromThread`` and, from the reactor, submits work to its *own*
pool waits for a job that needs a free worker. If every worker of the pool ends up waiting like
that, none will ever be freed: a deadlock. The bridge tells the pool about such a wait (a
``_Waiter``); the pool counts the jobs each waiter submitted that still wait for a worker, and
counts the waiters that are blocked with such jobs (``_stalled``). When one more waiter would
make *every* worker stalled, ``_beginStall`` reports it and the bridge fails that call with
``PoolExhausted`` (cancelling its queued jobs) instead of hanging. That worker then returns,
which frees a thread for the others. The detection assumes the blocked worker waits on the jobs
it submitted during that call, which is the nested pattern; cycles across two pools are not
detected (give each pool enough threads, or do not block a pool on another that blocks on it).

Rejected: growing past ``maxthreads`` to break the cycle. It silently breaks the bound the user
chose, and recursive nesting would grow threads without limit.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from contextvars import Context, copy_context
from itertools import count
from typing import Any, ParamSpec, Protocol

import attrs

from deferred import Deferred, Failure

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "PoolExhausted",
    "PoolFull",
    "PoolStatistics",
    "PoolStopped",
    "ThreadPool",
    "currentPool",
]

_P = ParamSpec("_P")

log = logging.getLogger("threads")

#: Seconds a worker waits for a job before it exits (if the pool is above ``minthreads``).
#: Long enough that a steady trickle of jobs keeps its threads, short enough that a burst's
#: extra threads are gone soon after. (trio picks the same figure for its thread cache.)
DEFAULT_IDLE_TIMEOUT = 10.0


class PoolStopped(RuntimeError):
    """The pool is stopping or stopped: the job was refused, or dropped from the queue unrun."""


class PoolFull(RuntimeError):
    """``callInThread``: every worker is busy and ``maxqueue`` jobs already wait for one."""


class PoolExhausted(RuntimeError):
    """A worker blocked on work queued in its own pool while every other worker does the same.

    Raised by ``blockingCallFromThread`` instead of deadlocking; see this module's docstring.
    """


@attrs.frozen
class PoolStatistics:
    """A snapshot of a ``ThreadPool``, taken atomically under its lock.

    ``workers`` threads exist, ``idle`` of them wait for work and ``busy`` run a job (or are
    delivering its result); ``queued`` jobs wait for a worker (``highWaterQueued`` is the most
    that ever did at once); ``completed`` jobs returned normally and ``failed`` ones raised.
    """

    workers: int
    idle: int
    busy: int
    queued: int
    completed: int
    failed: int
    highWaterQueued: int


class _State(enum.Enum):
    """The pool's life cycle; ``ThreadPool._transition`` is the only place that changes it."""

    NEW = "new"  # constructed, not started: jobs queue, no worker runs them yet
    RUNNING = "running"  # workers start on demand
    STOPPING = "stopping"  # no new jobs; running (and, when draining, queued) jobs finish
    STOPPED = "stopped"  # no workers left; start() may run the pool again


# Allowed transitions. stop() on a NEW pool goes straight to STOPPING (it may have queued jobs).
_TRANSITIONS = {
    _State.NEW: {_State.RUNNING, _State.STOPPING},
    _State.RUNNING: {_State.STOPPING},
    _State.STOPPING: {_State.STOPPED},
    _State.STOPPED: {_State.RUNNING},
}


class _JobState(enum.Enum):
    """Where a job is. Changed only under the owning pool's lock."""

    NEW = "new"  # built, not submitted yet
    WAITING = "waiting"  # refused for lack of room; held outside the pool (a reactor backlog)
    QUEUED = "queued"  # in the pool's queue
    RUNNING = "running"  # given to a worker; cannot be cancelled any more
    CANCELLED = "cancelled"  # withdrawn before a worker took it


# Module-level aliases: the hot paths compare with ``is`` against a global, not an attribute.
_NEW = _JobState.NEW
_WAITING = _JobState.WAITING
_QUEUED = _JobState.QUEUED
_RUNNING = _JobState.RUNNING
_CANCELLED = _JobState.CANCELLED


class Job:
    """One call to run in a worker: ``func(*args, **kwargs)`` inside ``context``.

    Subclasses decide where the outcome goes by overriding ``deliver``. The base class is what
    ``callInThread`` submits: nobody waits for its result, so a failure is logged.
    """

    __slots__ = ("args", "context", "counted", "func", "kwargs", "state", "waiter")

    def __init__(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: Context,
    ) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.context = context
        # Guarded by the pool lock once submitted.
        self.state = _NEW
        # The blocked caller this job was submitted for (nested-blocking detection), or None.
        self.waiter: _Waiter | None = None
        # True while this job counts in ``waiter.pending``. Guarded by the pool lock.
        self.counted = False

    def deliver(self, ok: bool, result: Any) -> None:
        """Hand over the outcome: the return value (``ok``) or a ``Failure``.

        Called once, outside every pool lock, in the worker that ran the job — or, when
        ``stop`` drops a queued job, in the thread that called ``stop`` with a ``PoolStopped``
        failure. Must not block.
        """
        if not ok and not result.check(PoolStopped):
            log.error(
                "Unhandled error in a job of a thread pool (%r):\n%s",
                self.func,
                result.getTraceback(),
            )


class _CallbackJob(Job):
    """A job whose outcome goes to ``onResult(ok, result)`` (``callInThreadWithCallback``)."""

    __slots__ = ("onResult",)

    def __init__(
        self,
        onResult: Callable[[bool, Any], object],
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: Context,
    ) -> None:
        super().__init__(func, args, kwargs, context)
        self.onResult = onResult

    def deliver(self, ok: bool, result: Any) -> None:
        """Call ``onResult(ok, result)``; an exception from it is logged, never lost."""
        try:
            self.onResult(ok, result)
        except BaseException:
            log.error(
                "Exception in the onResult callback %r of a thread pool job:\n%s",
                self.onResult,
                Failure().getTraceback(),
            )


class _Waiter:
    """A worker of ``pool`` blocked (in ``blockingCallFromThread``) on work it may have queued.

    ``pending`` counts the jobs submitted on its behalf that still wait for a worker; ``stalled``
    is true while the pool counts it among the workers that can make no progress. Both fields
    are guarded by ``pool._lock``.
    """

    __slots__ = ("pending", "pool", "stalled")

    def __init__(self, pool: ThreadPool) -> None:
        self.pool = pool
        self.pending = 0
        self.stalled = False


class _Worker:
    """One worker thread's hand-off slot.

    ``wake`` is held (acquired) while the worker has nothing to do; whoever pops the worker off
    the idle stack writes ``job`` under the pool lock and then releases ``wake``. ``job`` None
    after a wake-up means "exit".
    """

    __slots__ = ("job", "thread", "wake")

    def __init__(self) -> None:
        self.wake = threading.Lock()
        self.wake.acquire()
        self.job: Job | None = None
        self.thread: threading.Thread | None = None


class _ReactorForStop(Protocol):
    """What ``ThreadPool.beginStop`` needs from a reactor."""

    def callFromThread(self, f: Callable[..., object], /, *args: Any, **kw: Any) -> None: ...

    def callLater(
        self, delay: float, f: Callable[..., object], /, *args: Any, **kw: Any
    ) -> Any: ...


# Each worker thread records its pool here (the bridge asks "am I a worker, of which pool?").
# Thread-local, so it needs no lock. A contextvar would not do: jobs run in the *caller's*
# context copy, which would hide a value set in the worker.
_workerLocal = threading.local()


def currentPool() -> ThreadPool | None:
    """The pool whose worker is running the calling thread, or None."""
    pool: ThreadPool | None = getattr(_workerLocal, "pool", None)
    return pool


# Numbers pools in thread names. next() on a shared count is not documented as atomic without
# a GIL, so it is taken under this lock (once per pool: not a hot path).
_poolNumbers = count(1)
_poolNumbersLock = threading.Lock()


class ThreadPool:
    """A bounded pool of worker threads for blocking calls (Twisted's ``ThreadPool`` API).

    ``minthreads`` workers are kept even when idle; up to ``maxthreads`` are started on demand;
    a worker idle for ``idleTimeout`` seconds above ``minthreads`` exits. ``maxqueue`` bounds
    the jobs waiting for a worker (None: unbounded). Jobs submitted before ``start`` wait in the
    queue. ``stop`` waits for the workers (blocking; for use without a reactor); the reactor
    uses ``beginStop``, which returns a Deferred instead of blocking.

    Safe to use from any thread. Every job runs in a copy of the submitter's ``contextvars``
    context. Workers are daemon threads so that a job stuck forever cannot keep the process
    alive after ``stop(timeout=...)`` gave up on it.
    """

    def __init__(
        self,
        minthreads: int = 0,
        maxthreads: int = 10,
        maxqueue: int | None = None,
        name: str = "treadle",
        idleTimeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        _checkSizes(minthreads, maxthreads)
        if maxqueue is not None and maxqueue < 0:
            raise ValueError(f"maxqueue must be None or >= 0, got {maxqueue}")
        if idleTimeout <= 0:
            raise ValueError(f"idleTimeout must be > 0, got {idleTimeout}")
        self.name = name
        # maxqueue and idleTimeout are read-only after construction: readable without the lock.
        self.maxqueue = maxqueue
        self.idleTimeout = idleTimeout
        with _poolNumbersLock:
            self._number = next(_poolNumbers)
        self._threadNumbers = count(1)  # guarded by _lock, like everything below

        # Everything below is guarded by _lock.
        self._lock = threading.Lock()
        self._state = _State.NEW
        self._min = minthreads
        self._max = maxthreads
        # Workers that take jobs: started or starting, not yet leaving. A worker told to exit is
        # uncounted by the thread that tells it, before it has even woken up.
        self._workers = 0
        self._idle: list[_Worker] = []  # LIFO stack: the top is the most recently idle worker
        self._queue: deque[Job] = deque()  # FIFO; may hold CANCELLED jobs (lazy removal)
        self._queued = 0  # live (QUEUED) jobs in _queue
        self._dead = 0  # CANCELLED jobs still in _queue
        # Worker threads a stop will join (ended ones are pruned when the set grows large).
        self._threads: set[threading.Thread] = set()
        self._spaceListeners: list[Callable[[], None]] = []  # one-shot "a queue slot freed"
        # One-shot "the last worker left", given the threads to join.
        self._stopListeners: list[Callable[[list[threading.Thread]], None]] = []
        self._stalled = 0  # waiters blocked with jobs that still wait for a worker
        self._completed = 0
        self._failed = 0
        self._highWater = 0

    # -- properties ------------------------------------------------------------------------------

    @property
    def minthreads(self) -> int:
        """The number of workers kept even when idle."""
        return self._min

    @property
    def maxthreads(self) -> int:
        """The most workers (and so the most concurrently running jobs)."""
        return self._max

    # Twisted's attribute names, for ported code that reads them.
    min = minthreads
    max = maxthreads

    @property
    def started(self) -> bool:
        """True between ``start`` and the beginning of ``stop``."""
        return self._state is _State.RUNNING

    def __repr__(self) -> str:
        return f"<ThreadPool {self.name!r} {self._state.value} {self._min}..{self._max}>"

    def _transition(self, new: _State) -> None:
        """Move to ``new``; the caller holds ``_lock``. Anything else is a bug in this module."""
        if new not in _TRANSITIONS[self._state]:
            raise AssertionError(f"{self!r}: no transition {self._state.value} -> {new.value}")
        self._state = new

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the pool: run queued jobs and start ``minthreads`` workers. No-op if started.

        A stopped pool may be started again. Raises ``PoolStopped`` while a stop is under way.
        """
        with self._lock:
            if self._state is _State.RUNNING:
                return
            if self._state is _State.STOPPING:
                raise PoolStopped(f"{self!r} is stopping; start it again once it has stopped")
            self._transition(_State.RUNNING)
            starts = self._growLocked()
            spaceListeners = self._takeSpaceListenersLocked() if starts else []
        self._startWorkers(starts)
        for listener in spaceListeners:
            listener()

    def stop(self, drain: bool = False, timeout: float | None = None) -> bool:
        """Stop the pool and wait for every worker to exit; returns True when all have.

        Running jobs always finish. Queued jobs finish too with ``drain=True``; otherwise each
        gets a ``PoolStopped`` failure (delivered in this thread). New jobs are refused with
        ``PoolStopped``. With ``timeout``, stop waits at most that long and returns False if
        some job is still running (its thread is a daemon and exits when the job returns).

        Blocking: do not call it from the reactor thread while the reactor runs (results on
        their way to the reactor could not arrive); use ``beginStop`` there. Calling it from
        one of this pool's own workers raises ``RuntimeError`` (it would wait for itself).
        """
        if currentPool() is self:
            raise RuntimeError(f"{self!r}.stop() called from one of its own workers")
        stopped = threading.Event()
        leftThreads: list[threading.Thread] = []

        def onStopped(threads: list[threading.Thread]) -> None:  # the last worker's thread
            leftThreads.extend(threads)
            stopped.set()

        deadline = None if timeout is None else time.monotonic() + timeout
        self._beginStopping(drain, onStopped)
        if not stopped.wait(timeout):
            return False
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self._joinThreads(leftThreads, remaining)

    def beginStop(
        self, reactor: _ReactorForStop, drain: bool = False, timeout: float | None = None
    ) -> Deferred[None]:
        """Start stopping without blocking; the Deferred fires (in the reactor) once stopped.

        Same semantics as ``stop``. Meant for the reactor thread, typically as a
        ``("before", "shutdown")`` system event trigger, which delays the reactor's shutdown
        until the Deferred fires; results of jobs finishing meanwhile still reach the reactor
        first (they travel the same FIFO handoff queue, ahead of the "stopped" notice). With
        ``timeout``, the Deferred fires after at most that many seconds even if some job still
        runs (a warning names the pool).
        """
        d: Deferred[None] = Deferred()
        timer: Any = None

        def stopped(threads: list[threading.Thread]) -> None:  # reactor thread
            if timer is not None and timer.active():
                timer.cancel()
            self._joinThreads(threads, 1.0)  # also after a timeout: the stragglers are done
            if not d.called:
                d.callback(None)

        def gaveUp() -> None:  # reactor thread
            if not d.called:
                log.warning(
                    "%r: stop timeout (%.3g s) expired with %d worker(s) still running",
                    self,
                    timeout,
                    self.statistics().busy,
                )
                d.callback(None)

        if timeout is not None:
            timer = reactor.callLater(timeout, gaveUp)
        self._beginStopping(drain, lambda threads: reactor.callFromThread(stopped, threads))
        return d

    def _beginStopping(
        self, drain: bool, onStopped: Callable[[list[threading.Thread]], None]
    ) -> None:
        """Refuse new jobs, fail or keep the queue, tell idle workers to exit, and arrange for
        ``onStopped(threads)`` once no worker is left (``threads``: the ones to join)."""
        dropped: list[Job] = []
        idlers: list[_Worker] = []
        starts: list[tuple[_Worker, Job | None]] = []
        stopListeners: list[Callable[[list[threading.Thread]], None]] = []
        threads: list[threading.Thread] = []
        with self._lock:
            if self._state is _State.STOPPED:
                stopListeners = [onStopped]
            else:
                if self._state is not _State.STOPPING:
                    self._transition(_State.STOPPING)
                self._stopListeners.append(onStopped)
                if not drain:
                    dropped = self._takeQueueLocked()
                # Idle workers leave now. They are uncounted here, by the thread that tells
                # them, so every decision taken under the lock from now on sees the right count.
                idlers, self._idle = self._idle, []
                self._workers -= len(idlers)
                # Draining a pool whose queued jobs have too few workers (never started, or
                # shrunk): start workers for them so the drain can finish.
                starts = self._growLocked()
                stopListeners, threads = self._workerLeftLocked()
            spaceListeners = self._takeSpaceListenersLocked()
        for worker in idlers:
            worker.job = None  # "exit"
            worker.wake.release()
        self._startWorkers(starts)
        self._failDropped(dropped)
        for listener in spaceListeners:
            listener()
        self._notifyStopped(stopListeners, threads)

    def _takeQueueLocked(self) -> list[Job]:
        """Empty the queue (caller holds ``_lock``); return the live jobs it held."""
        live = [job for job in self._queue if job.state is _QUEUED]
        for job in live:
            job.state = _CANCELLED
            self._uncountLocked(job)
        self._queue.clear()
        self._queued = 0
        self._dead = 0
        return live

    def _failDropped(self, dropped: list[Job]) -> None:
        """Deliver ``PoolStopped`` to each job a non-draining stop took off the queue."""
        if not dropped:
            return
        message = f"{self!r} stopped before this job started"
        plain = 0
        for job in dropped:
            if type(job) is Job:
                plain += 1
            # One exception per job: a shared instance would have its traceback rewritten
            # each time one of its Failures is re-raised.
            job.deliver(False, Failure(PoolStopped(message)))
        if plain:
            log.warning("%r stopped with %d queued callInThread job(s) never run", self, plain)

    @staticmethod
    def _joinThreads(threads: list[threading.Thread], timeout: float | None) -> bool:
        """Join the threads of a finished stop; True if all ended within ``timeout``.

        Each has already taken its last decision (it left the worker count), so joining only
        waits for it to unwind; the bound is a safety net, not an expected wait.
        """
        current = threading.current_thread()
        for thread in threads:
            if thread is not current:
                thread.join(timeout)
        return not any(t.is_alive() for t in threads if t is not current)

    # -- submitting --------------------------------------------------------------------------------

    def callInThread(self, func: Callable[_P, object], *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``func(*args, **kw)`` in a worker; its result is ignored and a failure logged.

        Raises ``PoolFull`` when ``maxqueue`` jobs already wait and no worker is free, and
        ``PoolStopped`` when the pool is stopping or stopped.
        """
        if not self._submit(Job(func, args, kw, copy_context()), None):
            raise PoolFull(self._fullMessage())

    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, Any], object],
        func: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> None:
        """Run ``func(*args, **kw)`` in a worker, then ``onResult(True, value)`` or
        ``onResult(False, failure)`` in that worker thread.

        ``onResult`` must not block. If the pool stops without draining before the job
        starts, ``onResult(False, Failure(PoolStopped(...)))`` runs in the stopping thread.
        Raises ``PoolFull`` / ``PoolStopped`` like ``callInThread``.
        """
        if not self._submit(_CallbackJob(onResult, func, args, kw, copy_context()), None):
            raise PoolFull(self._fullMessage())

    def _fullMessage(self) -> str:
        return (
            f"{self!r}: all {self._max} workers are busy and {self.maxqueue} jobs already wait "
            "(maxqueue); retry later or use deferToThreadPool, which waits for room"
        )

    def _submit(self, job: Job, whenSpace: Callable[[], None] | None, wait: bool = False) -> bool:
        """Accept ``job`` (True) or, if the queue is full (or ``wait``), refuse it (False).

        On refusal ``job`` becomes WAITING and ``whenSpace`` (if given and not already
        registered) is called once, from whichever thread next frees a queue slot or stops the
        pool; ``wait`` is for a caller keeping its own FIFO of earlier refused jobs. Raises
        ``PoolStopped`` when the pool is stopping or stopped. Safe from any thread.
        """
        worker: _Worker | None = None
        spawn = False
        with self._lock:
            state = self._state
            if state is not _State.RUNNING and state is not _State.NEW:
                self._uncountLocked(job)
                raise PoolStopped(f"{self!r} is {state.value}: it accepts no new jobs")
            if state is _State.RUNNING and not wait:
                if self._idle:
                    worker = self._idle.pop()
                    worker.job = job
                    job.state = _RUNNING
                    self._uncountLocked(job)
                elif self._workers < self._max:
                    self._workers += 1
                    job.state = _RUNNING
                    self._uncountLocked(job)
                    spawn = True
            if worker is None and not spawn:
                waiter = job.waiter
                if waiter is not None and not job.counted:
                    # It waits for a worker on behalf of a blocked worker (nested blocking).
                    waiter.pending += 1
                    job.counted = True
                if wait or (self.maxqueue is not None and self._queued >= self.maxqueue):
                    job.state = _WAITING
                    if whenSpace is not None and whenSpace not in self._spaceListeners:
                        self._spaceListeners.append(whenSpace)
                    return False
                job.state = _QUEUED
                self._queue.append(job)
                self._queued += 1
                if self._queued > self._highWater:
                    self._highWater = self._queued
                return True
        if worker is not None:
            worker.wake.release()
        else:
            self._startWorkers([(_Worker(), job)])
        return True

    def _cancel(self, job: Job) -> bool:
        """Withdraw ``job`` if no worker has taken it yet (True); False once it runs or ran.

        O(1): a queued job is only marked; workers skip marked jobs, and the queue is rebuilt
        when marked ones outnumber live ones. Safe from any thread.
        """
        with self._lock:
            state = job.state
            if state is _QUEUED:
                self._queued -= 1
                self._dead += 1
                if self._dead > 32 and self._dead > self._queued:
                    self._queue = deque(j for j in self._queue if j.state is _QUEUED)
                    self._dead = 0
            elif state is not _WAITING and state is not _NEW:
                return False
            job.state = _CANCELLED
            self._uncountLocked(job)
            listeners = self._takeSpaceListenersLocked() if state is _QUEUED else None
        if listeners:
            for listener in listeners:
                listener()
        return True

    # -- nested-blocking bookkeeping (see the module docstring) ------------------------------------

    def _newWaiter(self) -> _Waiter:
        """A record for one ``blockingCallFromThread`` made by a worker of this pool."""
        return _Waiter(self)

    def _beginStall(self, waiter: _Waiter) -> bool:
        """``waiter`` now blocks on a result not yet there; False if that would deadlock.

        Called in the reactor thread when the blocking call's function has returned an unfired
        Deferred. If jobs submitted on the waiter's behalf still wait for a worker and every
        other worker is stalled the same way, no worker can ever take them: return False.
        """
        with self._lock:
            if waiter.pending == 0 or waiter.stalled:
                return True
            if self._stalled + 1 >= self._workers:
                return False
            self._stalled += 1
            waiter.stalled = True
            return True

    def _endWait(self, waiter: _Waiter) -> None:
        """The blocking call of ``waiter`` returned: it no longer holds its worker back."""
        with self._lock:
            if waiter.stalled:
                waiter.stalled = False
                self._stalled -= 1

    def _uncountLocked(self, job: Job) -> None:
        """``job`` no longer waits for a worker (taken, cancelled, refused); caller holds lock."""
        if job.counted:
            job.counted = False
            waiter = job.waiter
            assert waiter is not None
            waiter.pending -= 1
            if waiter.pending == 0 and waiter.stalled:
                waiter.stalled = False
                self._stalled -= 1

    # -- workers -----------------------------------------------------------------------------------

    def _growLocked(self) -> list[tuple[_Worker, Job | None]]:
        """Decide which workers to start now (caller holds ``_lock``; start them after).

        Starts one worker per queued job while below ``maxthreads`` (each takes a job with it),
        then idle ones up to ``minthreads`` when running.
        """
        starts: list[tuple[_Worker, Job | None]] = []
        while self._queued and self._workers < self._max:
            job = self._popLocked()
            assert job is not None
            self._workers += 1
            starts.append((_Worker(), job))
        if self._state is _State.RUNNING:
            while self._workers < self._min:
                # Idle from birth: on the stack before its thread even runs, so a job can be
                # handed to it at once (its wake lock holds the job until the thread is there).
                worker = _Worker()
                self._idle.append(worker)
                self._workers += 1
                starts.append((worker, None))
        return starts

    def _startWorkers(self, starts: list[tuple[_Worker, Job | None]]) -> None:
        """Start threads for workers already counted in ``_workers``.

        Never called under ``_lock``: ``Thread.start`` waits until the new thread runs, and the
        other workers must not wait for that.
        """
        for worker, job in starts:
            with self._lock:
                thread = threading.Thread(
                    target=self._work,
                    args=(worker, job),
                    name=f"{self.name}-{self._number}-worker-{next(self._threadNumbers)}",
                    daemon=True,
                )
                worker.thread = thread
                # Forget threads that retired for idleness and have ended, so a long-lived pool
                # does not accumulate Thread objects; the live ones are joined by stop.
                if len(self._threads) > 2 * self._max:
                    self._threads = {t for t in self._threads if t.is_alive()}
                self._threads.add(thread)
            try:
                thread.start()
            except RuntimeError as e:  # the OS refused a new thread
                self._workerFailedToStart(worker, job, e)

    def _workerFailedToStart(self, worker: _Worker, job: Job | None, error: Exception) -> None:
        """Undo the count of a worker that never started; requeue or fail its job."""
        with self._lock:
            assert worker.thread is not None
            self._threads.discard(worker.thread)
            self._workers -= 1
            requeued = job is not None and self._workers > 0
            if requeued:
                assert job is not None
                job.state = _QUEUED
                self._queue.appendleft(job)
                self._queued += 1
            stopListeners, threads = self._workerLeftLocked()
        log.error("%r could not start a worker thread: %s", self, error)
        if job is not None and not requeued:
            job.deliver(False, Failure(error))
        self._notifyStopped(stopListeners, threads)

    def _popLocked(self) -> Job | None:
        """Take the next live job off the queue and mark it RUNNING (caller holds ``_lock``)."""
        queue = self._queue
        while queue:
            job = queue.popleft()
            if job.state is _QUEUED:
                self._queued -= 1
                job.state = _RUNNING
                if job.counted:
                    self._uncountLocked(job)
                return job
            self._dead -= 1
        return None

    def _takeSpaceListenersLocked(self) -> list[Callable[[], None]]:
        listeners = self._spaceListeners
        if listeners:
            self._spaceListeners = []
        return listeners

    def _workerLeftLocked(
        self,
    ) -> tuple[list[Callable[[list[threading.Thread]], None]], list[threading.Thread]]:
        """Called (under ``_lock``) after a worker left the count. If that ends a stop, move to
        STOPPED and return the stop listeners and the threads they should join."""
        if self._workers == 0 and self._state is _State.STOPPING:
            self._transition(_State.STOPPED)
            listeners, self._stopListeners = self._stopListeners, []
            threads = list(self._threads)
            self._threads.clear()
            return listeners, threads
        return [], []

    @staticmethod
    def _notifyStopped(
        listeners: list[Callable[[list[threading.Thread]], None]], threads: list[threading.Thread]
    ) -> None:
        """Tell stop waiters the pool has stopped (never under ``_lock``)."""
        for listener in listeners:
            try:
                listener(threads)
            except BaseException:
                log.error("Exception in a thread pool stop listener:\n%s", Failure().getTraceback())

    def _work(self, worker: _Worker, job: Job | None) -> None:
        """A worker thread's life: run jobs until told to exit or idle for too long."""
        _workerLocal.pool = self
        lock = self._lock
        while True:
            if job is None:
                job = self._waitForJob(worker)
                if job is None:
                    return
            # The hot path: run the job; then, under one acquisition of the lock, count the
            # outcome and take the next queued job (or go idle, or leave); then deliver the
            # result outside the lock.
            try:
                result = job.context.run(job.func, *job.args, **job.kwargs)
                ok = True
            except BaseException:
                result = Failure()
                ok = False
            nextJob: Job | None = None
            spaceListeners: list[Callable[[], None]] | None = None  # None, not []: hot path
            leaving = None
            with lock:
                if ok:
                    self._completed += 1
                else:
                    self._failed += 1
                if self._workers > self._max or (
                    self._state is _State.STOPPING and not self._queued
                ):
                    # Shrunk below the current count, or stopping with nothing left to do.
                    self._workers -= 1
                    leaving = self._workerLeftLocked()
                elif self._queued:
                    nextJob = self._popLocked()
                    if self._spaceListeners:
                        spaceListeners = self._takeSpaceListenersLocked()
                else:
                    # Idle *before* delivering: if the result makes the reactor submit more
                    # work, that finds this worker instead of starting another one (the race
                    # trio's thread cache describes).
                    self._idle.append(worker)
            try:
                job.deliver(ok, result)
            except BaseException:
                log.error("Exception delivering a job's result:\n%s", Failure().getTraceback())
            job = nextJob
            del result  # let go of it before possibly sleeping for a long time
            if spaceListeners:
                for listener in spaceListeners:
                    listener()
            if leaving is not None:
                self._notifyStopped(*leaving)
                return

    def _waitForJob(self, worker: _Worker) -> Job | None:
        """Sleep on ``worker.wake`` (the worker is on the idle stack); the job, or None to exit.

        Whoever tells a worker to exit (job None) has already taken it out of the count.
        """
        while True:
            if worker.wake.acquire(timeout=self.idleTimeout):
                job = worker.job
                worker.job = None
                return job
            with self._lock:
                if worker not in self._idle:
                    # Someone popped us and is about to hand us a job (or an exit): wait for it.
                    continue
                if self._workers <= self._min:
                    continue  # minthreads are kept
                self._idle.remove(worker)
                self._workers -= 1
                stopListeners, threads = self._workerLeftLocked()
            self._notifyStopped(stopListeners, threads)
            return None

    # -- resizing and statistics -------------------------------------------------------------------

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change the bounds (Twisted's name). Growing starts workers for queued jobs (and up to
        ``minthreads``) at once; shrinking stops idle workers now and busy ones when their job
        returns. Raising only ``minthreads`` above ``maxthreads`` raises ``maxthreads`` too."""
        with self._lock:
            newMin = self._min if minthreads is None else minthreads
            newMax = self._max if maxthreads is None else maxthreads
            if maxthreads is None and newMin > newMax:
                newMax = newMin
            _checkSizes(newMin, newMax)
            self._min, self._max = newMin, newMax
            quitting: list[_Worker] = []
            while self._idle and self._workers > self._max:
                # Retire from the bottom of the stack: the longest idle. Uncounted here, by the
                # thread that tells it to exit (see _waitForJob).
                quitting.append(self._idle.pop(0))
                self._workers -= 1
            starts = self._growLocked() if self._state is _State.RUNNING else []
            spaceListeners = self._takeSpaceListenersLocked() if starts else []
        for worker in quitting:
            worker.job = None
            worker.wake.release()
        self._startWorkers(starts)
        for listener in spaceListeners:
            listener()

    def statistics(self) -> PoolStatistics:
        """A consistent snapshot of the pool's counters (see ``PoolStatistics``)."""
        with self._lock:
            idle = len(self._idle)
            return PoolStatistics(
                workers=self._workers,
                idle=idle,
                busy=self._workers - idle,
                queued=self._queued,
                completed=self._completed,
                failed=self._failed,
                highWaterQueued=self._highWater,
            )


def _checkSizes(minthreads: int, maxthreads: int) -> None:
    if minthreads < 0:
        raise ValueError(f"minthreads must be >= 0, got {minthreads}")
    if maxthreads < 1:
        raise ValueError(f"maxthreads must be >= 1, got {maxthreads}")
    if minthreads > maxthreads:
        raise ValueError(f"minthreads ({minthreads}) must not exceed maxthreads ({maxthreads})")
