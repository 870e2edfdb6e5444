"""The handoff queue: items travel from any thread to the reactor thread, one wake-up per burst.

This module owns :class:`HandoffQueue` and the argument for why it is correct. It does not own
the waker descriptor (:mod:`reactor._waker`) nor decide what an item means: the reactor uses one
queue for ``callFromThread`` (items are calls), and the ``threads`` package may make its own
for results (items are whatever its consumer understands) through
``Reactor.newHandoffQueue(consume)``; every queue of a reactor shares that reactor's one waker.

The protocol
------------

State shared across threads, and what protects it:

* ``_items`` -- a ``collections.deque``. ``append`` and ``popleft`` are each atomic with respect
  to other threads and to signal handlers (documented for deque; on free-threaded builds deque
  has its own per-object lock). Any number of producers append; only the reactor thread pops.
* ``_wakePending`` -- "a wake-up is on its way": a ``threading.Lock`` used as an atomic
  test-and-set flag, never to wait. ``acquire(blocking=False)`` sets it and says whether it was
  clear, in one atomic step; only the reactor thread ``release``\\ s it (a plain ``Lock`` may be
  released by a thread other than the one that acquired it). Nobody ever blocks on it, so a
  signal handler interrupting a producer in the same thread cannot deadlock.

Producer (:meth:`HandoffQueue.put`, any thread)::

    P1  append the item
    P2  if wakePending is set: done (fast path, a plain ``locked()`` read)
        else if test-and-set(wakePending) found it clear: write the waker

Reactor thread, when the waker is readable (``Reactor`` then :meth:`HandoffQueue.drain`)::

    C1  clear the waker (read the eventfd / empty the socket)
    C2  clear wakePending
    C3  n = len(items); pop and run exactly n items

Why no wake-up is lost. Take any item X and its producer's P2. Either P2 happens before C2 of
some pass, or after it.

* P2 after the C2 of the pass that last ran: ``wakePending`` was clear at C2, so either this
  producer's test-and-set finds it clear and writes the waker, or another producer set it after
  C2 and so writes the waker after C2 -- in both cases after C1, so the waker is readable and a
  next pass will come; X (appended at P1, before P2) is in the queue by then.
* P2 before a pass's C2: P1 came even earlier, so X is in the deque before C3 takes its length,
  and that pass runs X.

The order C1 before C2 matters: clearing the flag first would let a producer set the flag and
write the waker between the two, C1 would swallow that write, and the flag would stay set with
nothing left to wake the loop -- every later producer would skip its write and the queue would
stall. The order P1 before P2 matters for the same reason on the producer side.

The fast path in P2 is the same argument: seeing the flag set after P1 means some producer set
it before then and no C2 has cleared it since; the next C2 therefore comes after our P1, and the
C3 that follows it runs our item. That C2 does come: the producer holding the flag writes the
waker after setting it, and the pass that consumes that write clears the flag. (The read costs
about 30 ns; ``acquire(False)`` about 230 ns, and a burst would pay it on every item.)

Why at most one extra wake-up per pass: a producer whose P2 falls between C2 and C3 writes the
waker although C3 will run its item anyway; the next pass then finds nothing (or only newer
items) to do. Everything else that arrives while a wake-up is pending piggybacks on it, so a
burst of N items costs one waker write and one pass, not N.

Why this does not rely on the GIL: every cross-thread step is a single atomic operation with
its own synchronisation -- deque append/len/popleft, and lock acquire/release/locked, which are
full memory barriers on free-threaded builds as well. Without a GIL two producers may run P1/P2
truly in parallel; the argument above never assumed they could not.

Why only ``n`` items per pass (C3 takes a snapshot of the length): items appended while a pass
runs wait for the next pass, so producers that never stop cannot starve the reactor's I/O and
timers. They cannot be forgotten either: their P2 comes after C2 (see above).

Hot paths. ``Reactor.callFromThread`` performs P1 and P2 itself on its :class:`CallQueue`
rather than calling :meth:`HandoffQueue.put` (a Python frame less: ~10% of a call from a
thread, in instructions); it must stay step for step what ``put`` does. A :class:`CallQueue`
runs its items directly in :meth:`CallQueue.drain` instead of through ``consume`` (another frame
less per call, ~9%).

Rejected: a ``queue.Queue`` (a Python-level lock per item, and not reentrant, so unsafe from a
signal handler); writing the waker on every ``put`` (one system call per item -- what Twisted
and asyncio's ``call_soon_threadsafe`` do); "wake only if the queue length is now 1" (two
producers can both see 2 and nobody wakes).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from itertools import repeat
from typing import Any, Generic, TypeVar

__all__ = ["CallQueue", "HandoffQueue"]

_T = TypeVar("_T")

#: An item of a :class:`CallQueue`: ``(f, args, kw)``, to run as ``f(*args, **kw)``.
Call = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]


class HandoffQueue(Generic[_T]):
    """A many-producer, one-consumer queue into the reactor thread (see the module docstring).

    ``wake`` makes the reactor's waker readable (called from producer threads, at most once per
    burst); ``consume`` runs in the reactor thread for each item, in ``put`` order per producer
    thread. ``consume`` should not raise: if it does, the exception propagates out of
    :meth:`drain` and the items not yet consumed stay queued, with a wake-up re-armed for them.
    """

    __slots__ = ("_consume", "_items", "_wake", "_wakePending")

    def __init__(self, wake: Callable[[], None], consume: Callable[[_T], None]) -> None:
        self._wake = wake
        self._consume = consume
        # Appended by any thread, popped by the reactor thread only (see module docstring).
        self._items: deque[_T] = deque()
        # Set: a producer has written, or is about to write, the waker. Test-and-set by
        # producers, cleared by the reactor thread only (see module docstring).
        self._wakePending = threading.Lock()

    def put(self, item: _T) -> None:
        """Queue ``item`` for the reactor thread and wake it if needed. Any thread; never blocks.

        Also safe from a signal handler.
        """
        self._items.append(item)  # P1
        pending = self._wakePending
        if not pending.locked() and pending.acquire(False):  # P2
            self._wake()

    def drain(self) -> int:
        """Run ``consume`` on every item queued before this call; return how many ran.

        Reactor thread only, and only after the waker has been cleared (step C1).
        """
        pending = self._wakePending
        # C2. Only this thread releases, so "locked" cannot change to clear under our feet.
        if pending.locked():
            pending.release()
        items = self._items
        count = len(items)  # C3: a snapshot, so producers cannot starve the loop
        consume = self._consume
        popleft = items.popleft
        try:
            # repeat() rather than a counter: measured ~10% less per item on this hot loop.
            for _ in repeat(None, count):
                consume(popleft())
        except BaseException:
            if items and pending.acquire(False):
                # consume raised: the rest are still queued but nobody would wake us for them.
                self._wake()
            raise
        return count

    def __len__(self) -> int:
        """The number of items queued and not yet consumed (a snapshot; any thread)."""
        return len(self._items)


class CallQueue(HandoffQueue[Call]):
    """A handoff queue of calls ``(f, args, kw)``: the reactor's ``callFromThread`` queue.

    ``consume`` is ``runCall``, which runs one call and handles its exception; :meth:`drain`
    does the same inline, saving a Python call per item, for as long as ``_consume`` is still
    ``runCall``. Anything else put in its place (tracing wraps it, see :mod:`reactor._trace`)
    is called per item, as a plain :class:`HandoffQueue` would. ``onError(f)`` is called
    inside the ``except`` block of a call ``f`` that raised an ``Exception`` (so it may log the
    exception); it must not raise.
    """

    __slots__ = ("_onError", "_runCall")

    def __init__(
        self,
        wake: Callable[[], None],
        runCall: Callable[[Call], None],
        onError: Callable[[Callable[..., object]], None],
    ) -> None:
        super().__init__(wake, runCall)
        self._runCall = runCall
        self._onError = onError

    def drain(self) -> int:
        """Run every call queued before this call; return how many ran (see the base class).

        Reactor thread only, and only after the waker has been cleared (step C1).
        """
        # ==, not is: a bound method put back (tracing turned off) is an equal new object.
        if self._consume != self._runCall:
            return super().drain()
        pending = self._wakePending
        if pending.locked():  # C2, as in HandoffQueue.drain
            pending.release()
        items = self._items
        count = len(items)  # C3
        popleft = items.popleft
        onError = self._onError
        try:
            for _ in repeat(None, count):
                f, args, kw = popleft()
                try:
                    f(*args, **kw)
                except Exception:
                    onError(f)
        except BaseException:
            # KeyboardInterrupt, SystemExit...: re-arm for the calls still queued.
            if items and pending.acquire(False):
                self._wake()
            raise
        return count
