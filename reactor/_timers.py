"""The time heap: :class:`DelayedCall` and :class:`TimerQueue`.

This module owns timed calls and nothing else. The real reactors and :class:`reactor.task.Clock`
both keep their ``callLater`` calls in a :class:`TimerQueue`; they differ only in the clock they
pass in and in when they call :meth:`TimerQueue.runDue`. It does not wait, sleep, log or know
about I/O: the host asks for :meth:`TimerQueue.nextDeadline`, waits however it likes, then calls
:meth:`TimerQueue.runDue` and decides what to do with exceptions.

Design:

* The heap holds ``(deadline, seq, call)`` tuples. ``seq`` is unique and increasing, so tuples
  compare on floats and ints in C and never reach the ``DelayedCall`` itself; equal deadlines
  therefore run strictly in scheduling order. (Putting ``DelayedCall`` objects with a Python
  ``__lt__`` in the heap, as Twisted does, makes every sift step a Python call; on 100,000 timers
  that is the bulk of the cost.)
* An entry is live exactly when its call still points at it (``call._entry is entry``).
  Cancelling clears that pointer: O(1), the entry stays in the heap as a dead entry. Resetting or
  delaying pushes a fresh entry and repoints the call, so the old entry dies: O(log n) whether the
  deadline moves earlier or later. (Re-sifting the old entry in place would need its heap index,
  which every sift would then have to maintain in Python.)
* Dead entries are dropped when they reach the top, and the whole heap is compacted in place
  when dead entries outnumber live ones (and there are at least ``_COMPACT_MIN_DEAD`` of them),
  so memory stays proportional to the live calls and each compaction is paid for by the
  cancellations that made it necessary: amortised O(1) per cancel.
* ``runDue`` samples the clock once and takes a sequence snapshot first; an entry pushed while it
  runs (a new ``callLater`` or a ``reset``) has a later ``seq`` and waits for the next
  ``runDue``, even if it is already due. That keeps a call that reschedules itself with delay 0
  from starving the host's I/O.

Thread-safety: none. A ``TimerQueue`` and its ``DelayedCall`` objects belong to the thread that
runs the host (the reactor thread, or the test using a ``Clock``); other threads must go through
``callFromThread``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import count
from typing import Any, NoReturn, ParamSpec

from reactor.error import AlreadyCalled, AlreadyCancelled

__all__ = ["DelayedCall", "TimerQueue"]

_P = ParamSpec("_P")

# A heap entry: (deadline, sequence number, call). Tuples keep the heap comparisons in C.
_Entry = tuple[float, int, "DelayedCall"]

# Below this many dead entries compaction is not worth a pass over the heap.
_COMPACT_MIN_DEAD = 64


class DelayedCall:
    """A call scheduled to run at an absolute time on a clock; returned by ``callLater``.

    Attributes (Twisted's names): ``time`` is the deadline on the owning clock, ``func``, ``args``
    and ``kw`` are what will be run, ``called`` becomes true just before ``func`` runs and
    ``cancelled`` once :meth:`cancel` succeeds. A call is :meth:`active` until either happens.
    """

    __slots__ = ("_entry", "_queue", "args", "called", "cancelled", "func", "kw", "time")

    def __init__(
        self,
        queue: TimerQueue,
        time: float,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> None:
        self._queue = queue
        # The heap entry that currently stands for this call; None once it ran or was cancelled.
        self._entry: _Entry | None = None
        self.time = time
        self.func = func
        self.args = args
        self.kw = kw
        self.called = False
        self.cancelled = False

    def getTime(self) -> float:
        """Return the absolute time, on the owning clock, at which this call is due."""
        return self.time

    def active(self) -> bool:
        """Return whether this call has neither run nor been cancelled."""
        return self._entry is not None

    def cancel(self) -> None:
        """Stop this call from running.

        :raises AlreadyCalled: if it has already run (or is running).
        :raises AlreadyCancelled: if it was already cancelled.
        """
        if self._entry is None:
            self._raiseInactive("cancel")
        self._entry = None
        self.cancelled = True
        self._queue._forget()

    def reset(self, secondsFromNow: float) -> None:
        """Move the deadline to ``secondsFromNow`` after the clock's current time.

        Works in either direction in O(log n). Negative values are treated as 0.

        :raises AlreadyCalled: if it has already run (or is running).
        :raises AlreadyCancelled: if it was cancelled.
        """
        if self._entry is None:
            self._raiseInactive("reset")
        if secondsFromNow < 0:
            secondsFromNow = 0
        queue = self._queue
        queue._reschedule(self, queue._seconds() + secondsFromNow)

    def delay(self, secondsLater: float) -> None:
        """Move the deadline by ``secondsLater`` (negative values move it earlier).

        :raises AlreadyCalled: if it has already run (or is running).
        :raises AlreadyCancelled: if it was cancelled.
        """
        if self._entry is None:
            self._raiseInactive("delay")
        self._queue._reschedule(self, self.time + secondsLater)

    def _raiseInactive(self, verb: str) -> NoReturn:
        if self.cancelled:
            raise AlreadyCancelled(f"cannot {verb} {self!r}: it was already cancelled")
        raise AlreadyCalled(f"cannot {verb} {self!r}: it has already been called")

    def __repr__(self) -> str:
        name = getattr(self.func, "__qualname__", None) or repr(self.func)
        arguments = [repr(a) for a in self.args]
        arguments.extend(f"{k}={v!r}" for k, v in self.kw.items())
        if self.called:
            state = "called"
        elif self.cancelled:
            state = "cancelled"
        else:
            state = f"due in {self.time - self._queue._seconds():.6g}s"
        call = f"{name}({', '.join(arguments)})"
        return f"<DelayedCall {id(self):#x} at {self.time!r} ({state}) {call}>"


class TimerQueue:
    """A heap of :class:`DelayedCall` objects on the clock ``seconds``.

    ``onEarlierDeadline``, when set, is called with the new deadline whenever a new or reset call
    lands at the top of the heap, that is, when it may be earlier than anything the host has
    armed a wake-up for. It is not called when the earliest deadline moves later (a cancel, a
    delay): a host that wakes early merely finds nothing due, asks :meth:`nextDeadline` again and
    re-arms. The hook runs inside ``callLater``/``reset`` and must not schedule timers itself.

    Owned by one thread (see the module docstring); not safe to touch from others.
    """

    __slots__ = ("_counter", "_heap", "_live", "_seconds", "onEarlierDeadline")

    def __init__(
        self,
        seconds: Callable[[], float],
        onEarlierDeadline: Callable[[float], None] | None = None,
    ) -> None:
        self._seconds = seconds
        self.onEarlierDeadline = onEarlierDeadline
        # Live and dead entries; a heap ordered by (deadline, seq).
        self._heap: list[_Entry] = []
        # Number of live entries (== live calls); len(self._heap) - self._live are dead.
        self._live = 0
        self._counter = count()

    def callLater(
        self, delay: float, f: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Schedule ``f(*args, **kw)`` to run ``delay`` seconds from now (negative means 0)."""
        if delay < 0:
            delay = 0
        deadline = self._seconds() + delay
        call = DelayedCall(self, deadline, f, args, kw)
        entry = (deadline, next(self._counter), call)
        call._entry = entry
        heap = self._heap
        heapq.heappush(heap, entry)
        self._live += 1
        if heap[0] is entry and self.onEarlierDeadline is not None:
            self.onEarlierDeadline(deadline)
        return call

    def nextDeadline(self) -> float | None:
        """Return the earliest deadline among live calls, or None when there are none."""
        heap = self._heap
        while heap:
            entry = heap[0]
            if entry[2]._entry is entry:
                return entry[0]
            heapq.heappop(heap)
        return None

    def runDue(self, onError: Callable[[DelayedCall, BaseException], None]) -> int:
        """Run every live call due at the current time, in (deadline, scheduling) order.

        The clock is read once, at the start. Calls scheduled or reset while this runs wait for
        the next ``runDue`` even if they are already due. An exception from a call goes to
        ``onError(call, exception)`` and the run continues; if ``onError`` itself raises, the
        exception propagates and the calls not yet run stay queued for the next ``runDue``.

        :returns: the number of calls run.
        """
        heap = self._heap
        if not heap:
            return 0
        now = self._seconds()
        # Every entry pushed from here on gets a larger seq than this snapshot.
        snapshot = next(self._counter)
        heappop = heapq.heappop
        ran = 0
        while heap:
            entry = heap[0]
            if entry[0] > now:
                break
            call = entry[2]
            if call._entry is not entry:
                heappop(heap)  # cancelled, or superseded by a reset
                continue
            if entry[1] > snapshot:
                # Pushed during this run. With a clock that never goes back, every entry still
                # due sorts after it, so nothing older is left behind by stopping here.
                break
            heappop(heap)
            call._entry = None
            call.called = True
            self._live -= 1
            ran += 1
            try:
                call.func(*call.args, **call.kw)
            except BaseException as e:
                onError(call, e)
        if len(heap) - self._live > self._live:
            self._compactIfSparse()
        return ran

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the live calls (in no particular order)."""
        return [entry[2] for entry in self._heap if entry[2]._entry is entry]

    def __len__(self) -> int:
        """Return the number of live calls."""
        return self._live

    def storedEntries(self) -> int:
        """Return how many heap entries are held, live and dead (for tests and statistics)."""
        return len(self._heap)

    def _forget(self) -> None:
        # A call was cancelled: its entry is now dead.
        self._live -= 1
        if len(self._heap) - self._live > self._live:
            self._compactIfSparse()

    def _reschedule(self, call: DelayedCall, deadline: float) -> None:
        # Push a fresh entry for an active call; the old one dies because the call stops
        # pointing at it.
        call.time = deadline
        entry = (deadline, next(self._counter), call)
        call._entry = entry
        heap = self._heap
        heapq.heappush(heap, entry)
        if heap[0] is entry and self.onEarlierDeadline is not None:
            self.onEarlierDeadline(deadline)
        if len(heap) - self._live > self._live:
            self._compactIfSparse()

    def _compactIfSparse(self) -> None:
        heap = self._heap
        if len(heap) - self._live < _COMPACT_MIN_DEAD:
            return
        # In place: runDue holds a reference to this very list while it runs.
        heap[:] = [entry for entry in heap if entry[2]._entry is entry]
        heapq.heapify(heap)
