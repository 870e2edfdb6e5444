"""What a reactor keeps for the threads package: its default pool and its result queue.

This module owns the per-reactor thread state: the default ``ThreadPool`` behind
``reactor.callInThread``/``getThreadPool``/``suggestThreadPoolSize`` (created on first use,
stopped by a "before shutdown" trigger without blocking the reactor), and the handoff queue that
carries job results into the reactor thread. The reactor's three thread methods are one-line
delegations to the functions here, imported lazily, so that ``reactor`` never imports
``threads`` at module level (the dependency goes deferred <- reactor <- threads).

It does not run jobs (``threads._pool``) nor turn them into Deferreds (``threads._bridge``).

State shared across threads: ``_states`` maps each reactor to its ``_ReactorThreads``; lookups
may come from any thread (``callInThread`` is allowed from workers), creation is guarded by
``_statesLock`` (double-checked, so the common lookup takes no lock; a ``WeakKeyDictionary``
lookup is a single dict read, atomic with or without a GIL). The fields of one
``_ReactorThreads`` are guarded by its own ``lock``.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol

from threads._pool import ThreadPool

if TYPE_CHECKING:
    from deferred import Deferred

__all__ = [
    "DEFAULT_POOL_SIZE",
    "ThreadsReactor",
    "callInThread",
    "getThreadPool",
    "resultQueue",
    "suggestThreadPoolSize",
]

_P = ParamSpec("_P")

log = logging.getLogger("threads")

#: Twisted's default for the reactor's pool; ``suggestThreadPoolSize`` changes it.
DEFAULT_POOL_SIZE = 10


class ResultQueue(Protocol):
    """The part of ``reactor._handoff.HandoffQueue`` the bridge uses: ``put`` from any thread."""

    def put(self, item: Deliverable, /) -> None: ...


class ThreadsReactor(Protocol):
    """What the threads package needs from a reactor (``reactor.Reactor`` has all of it)."""

    @property
    def running(self) -> bool: ...

    def callFromThread(self, f: Callable[..., object], /, *args: Any, **kw: Any) -> None: ...

    def callLater(
        self, delay: float, f: Callable[..., object], /, *args: Any, **kw: Any
    ) -> Any: ...

    def addSystemEventTrigger(
        self, phase: str, eventType: str, f: Callable[..., object], /, *args: Any, **kw: Any
    ) -> Any: ...


class _ReactorThreads:
    """The thread state of one reactor."""

    def __init__(self) -> None:
        # Guards pool and size. The result queue is written once, at creation, before the
        # object is published in _states.
        self.lock = threading.Lock()
        self.pool: ThreadPool | None = None
        self.size = DEFAULT_POOL_SIZE
        self.results: ResultQueue | None = None  # see resultQueue


_states: weakref.WeakKeyDictionary[object, _ReactorThreads] = weakref.WeakKeyDictionary()
_statesLock = threading.Lock()


def _stateOf(reactor: object) -> _ReactorThreads:
    state = _states.get(reactor)
    if state is None:
        with _statesLock:
            state = _states.get(reactor)
            if state is None:
                state = _states[reactor] = _ReactorThreads()
    return state


class Deliverable(Protocol):
    """An item of a result queue: ``fire()`` runs in the reactor thread and must not raise."""

    def fire(self) -> None: ...


def _fire(item: Deliverable) -> None:
    try:
        item.fire()
    except Exception:
        log.exception("Unhandled error delivering a thread result %r", item)


def resultQueue(reactor: ThreadsReactor) -> ResultQueue:
    """The queue that carries finished work into ``reactor``'s thread: ``put(item)`` from any
    thread, and ``item.fire()`` runs in the reactor thread.

    One per reactor, made on first use through ``reactor.newHandoffQueue`` (the reactor's one
    waker, one wake-up per burst of results, every result of a burst run in one pass). A
    reactor without that method (a test double) gets an adapter over ``callFromThread``.
    """
    state = _stateOf(reactor)
    results = state.results
    if results is None:
        with state.lock:
            results = state.results
            if results is None:
                newHandoffQueue = getattr(reactor, "newHandoffQueue", None)
                if newHandoffQueue is not None:
                    results = newHandoffQueue(_fire)
                else:
                    results = _CallFromThreadQueue(reactor)
                state.results = results
    return results


class _CallFromThreadQueue:
    """A result queue over ``callFromThread``, for reactors without ``newHandoffQueue``."""

    def __init__(self, reactor: ThreadsReactor) -> None:
        self._reactor = reactor

    def put(self, item: Deliverable, /) -> None:
        self._reactor.callFromThread(_fire, item)


def getThreadPool(reactor: ThreadsReactor) -> ThreadPool:
    """``reactor.getThreadPool()``: the reactor's default pool, created and started on first use.

    Its size is the last ``suggestThreadPoolSize`` (default 10), it keeps no idle thread
    (``minthreads=0``), and a "before shutdown" trigger stops it without blocking the reactor:
    running jobs finish and deliver their results, queued ones fail with ``PoolStopped``, and
    shutdown waits for that. After the shutdown the next call makes a fresh pool, so a reactor
    that is run again gets a working pool again.

    A pool first made while the reactor is already past the "before shutdown" phase is stopped
    at the next shutdown; until then its idle workers retire on their own (``idleTimeout``).
    """
    state = _stateOf(reactor)
    with state.lock:
        pool = state.pool
        if pool is None:
            pool = state.pool = ThreadPool(maxthreads=state.size, name="reactor")
            pool.start()
            reactor.addSystemEventTrigger("before", "shutdown", _stopPool, reactor, state, pool)
    return pool


def _stopPool(reactor: ThreadsReactor, state: _ReactorThreads, pool: ThreadPool) -> Deferred[None]:
    """The "before shutdown" trigger: forget the pool, stop it, delay shutdown until it has."""
    with state.lock:
        if state.pool is pool:
            state.pool = None
    return pool.beginStop(reactor)


def suggestThreadPoolSize(reactor: ThreadsReactor, size: int) -> None:
    """``reactor.suggestThreadPoolSize(size)``: the most threads the default pool may use.

    Applies at once to an existing pool (busy workers above the new size leave when their job
    returns) and to pools made later.
    """
    if size < 1:
        raise ValueError(f"the thread pool size must be >= 1, got {size}")
    state = _stateOf(reactor)
    with state.lock:
        state.size = size
        pool = state.pool
    if pool is not None:
        pool.adjustPoolsize(minthreads=min(pool.minthreads, size), maxthreads=size)


def callInThread(
    reactor: ThreadsReactor, f: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
) -> None:
    """``reactor.callInThread(f, *args, **kw)``: run ``f`` in the default pool, ignore its
    result (a failure is logged)."""
    getThreadPool(reactor).callInThread(f, *args, **kw)
