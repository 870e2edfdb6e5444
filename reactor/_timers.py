"""The time heap: :class:`DelayedCall` and :class:`TimerQueue`.

This module owns timed calls and nothing else. The real reactors and :class:`reactor.task.Clock`
both keep their ``callLater`` calls in a :class:`TimerQueue`; they differ only in the clock they
pass in and in when they call :meth:`TimerQueue.runDue`. It does not wait, sleep, log or know
about I/O: the host asks for :meth:`TimerQueue.nextDeadline`, waits however it likes, then calls
:meth:`TimerQueue.runDue` and decides what to do with exceptions.

Design:

* Entries are ``(deadline, seq, call)`` tuples. ``seq`` is unique and increasing, so tuples
  compare on floats and ints in C and never reach the ``DelayedCall`` itself; equal deadlines
  therefore run strictly in scheduling order. (A heap of ``DelayedCall`` objects with a Python
  ``__lt__``, as Twisted has, makes every sift step a Python call. A heap of bare float
  deadlines with a dict of per-deadline buckets was also tried: the dict and bucket lists cost
  more than the cheaper comparisons save, ~0.9 s against ~0.5 s for 100,000 timers.)
* New and reset calls are first staged in a list (an append, no comparisons, no entry tuple)
  and get their heap entry when the host next asks :meth:`TimerQueue.nextDeadline` or
  :meth:`TimerQueue.runDue`; a call cancelled before that (a timeout that did not fire, a
  callLater+cancel inside one callback) never touches the heap. Not allocating the tuple up
  front also halves the objects the cyclic garbage collector tracks during a burst of
  ``callLater``: with 100,000 calls scheduled at once, full collections were most of the cost.
* ``call._entry`` says where a call stands: its heap entry, ``_STAGED``, None once it ran or
  ``_CANCELLED`` once it was cancelled (``called`` and ``cancelled`` are read from it). A heap
  entry is live exactly when its call still points at it. Cancelling changes the pointer: O(1),
  a heap entry stays behind as a dead entry. Resetting or delaying stages the call again, so its
  old heap entry dies: O(log n) whether the deadline moves earlier or later. (Re-sifting the
  old entry in place would need its heap index, which every sift would then have to maintain
  in Python.)
* Dead entries are dropped when they reach the top or are merged, and everything is compacted
  in place when dead entries outnumber live ones (and there are at least ``_COMPACT_MIN_DEAD`` of
  them), so memory stays proportional to the live calls and each compaction is paid for by the
  cancellations that made it necessary: amortised O(1) per cancel.
* ``runDue`` samples the clock once and takes a sequence snapshot first; an entry pushed while it
  runs (a new ``callLater`` or a ``reset``) has a later ``seq`` and waits for the next
  ``runDue``, even if it is already due. That keeps a call that reschedules itself with delay 0
  from starving the host's I/O.
* When many calls are due at once, ``runDue`` stops popping them one at a time: it sorts the
  heap (a sorted list is a heap too) and moves the due entries into ``_due`` in one slice, then
  runs them from there (``TimerQueue._takeDue`` has the figures: ~5x cheaper per call). ``_due``
  is empty except while a ``runDue`` runs, and the heap keeps at least one entry meanwhile;
  everything that reads the heap reads ``_due`` too, and a ``runDue`` nested in a timed call
  (one that advances its clock, or iterates the reactor) runs its entries first, as it would
  have found them at the top of the heap. If ``onError`` raises, the entries not yet run go
  back into the heap.

Thread-safety: none. A ``TimerQueue`` and its ``DelayedCall`` objects belong to the thread that
runs the host (the reactor thread, or the test using a ``Clock``); other threads must go through
``callFromThread``.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable
from itertools import count
from operator import itemgetter
from typing import Any, NoReturn, ParamSpec

from reactor.error import AlreadyCalled, AlreadyCancelled

__all__ = ["DelayedCall", "TimerQueue"]

_P = ParamSpec("_P")

# A heap entry: (deadline, sequence number, call). Tuples keep the heap comparisons in C.
_Entry = tuple[float, int, "DelayedCall"]

# The value of ``DelayedCall._entry`` while the call waits in TimerQueue._pending.
_STAGED: Any = object()
# The value of ``DelayedCall._entry`` once the call was cancelled (None: once it ran).
_CANCELLED: Any = object()

# Below this many dead entries compaction is not worth a pass over the heap.
_COMPACT_MIN_DEAD = 64

_INFINITY = float("inf")
_newCall = object.__new__

# Sort keys of heap entries (TimerQueue._takeDue).
_deadlineOf = itemgetter(0)
_seqOf = itemgetter(1)

# runDue pops calls one by one until it has popped len(heap) >> _SORT_AFTER_SHIFT of them plus
# _SORT_AFTER_MIN, then sorts what is left (TimerQueue._takeDue explains the figures). With an
# eighth, popping then sorting costs at most ~2.7x what the better choice alone would have (d
# just over n/8 due), and at least ~1.6x less than sorting at once when everything is due.
_SORT_AFTER_SHIFT = 3
_SORT_AFTER_MIN = 16


class DelayedCall:
    """A call scheduled to run at an absolute time on a clock; returned by ``callLater``.

    Attributes (Twisted's names): ``time`` is the deadline on the owning clock, ``func``, ``args``
    and ``kw`` are what will be run, ``called`` becomes true just before ``func`` runs and
    ``cancelled`` once :meth:`cancel` succeeds. A call is :meth:`active` until either happens.
    """

    # No ``called``/``cancelled`` slots: both are read from ``_entry`` (see the properties).
    # Two slots fewer were ~2.5% of timers_100k (instructions): two stores per call, and two
    # references fewer for every garbage collection to visit in every live call.
    __slots__ = ("_entry", "_queue", "_seq", "args", "func", "kw", "time")

    # Made only by TimerQueue.schedule, which sets every slot itself: there is no __init__,
    # whose frame was ~15% of a callLater (instructions).

    #: The owning queue.
    _queue: TimerQueue
    #: The heap entry that stands for this call, _STAGED while it waits to get one, None once
    #: it ran, _CANCELLED once it was cancelled.
    _entry: _Entry | None
    #: Scheduling order among equal deadlines; renewed by reset() and delay().
    _seq: int
    time: float
    func: Callable[..., object]
    args: tuple[Any, ...]
    kw: dict[str, Any]

    def getTime(self) -> float:
        """Return the absolute time, on the owning clock, at which this call is due."""
        return self.time

    @property
    def called(self) -> bool:
        """Whether this call has run (true from just before ``func`` is called)."""
        return self._entry is None

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` succeeded."""
        return self._entry is _CANCELLED

    def active(self) -> bool:
        """Return whether this call has neither run nor been cancelled."""
        entry = self._entry
        return entry is not None and entry is not _CANCELLED

    def cancel(self) -> None:
        """Stop this call from running.

        :raises AlreadyCalled: if it has already run (or is running).
        :raises AlreadyCancelled: if it was already cancelled.
        """
        entry = self._entry
        if entry is None or entry is _CANCELLED:
            self._raiseInactive("cancel")
        self._entry = _CANCELLED
        # TimerQueue bookkeeping, inlined (a method call was ~6% of a callLater + cancel
        # cycle): the entry is now dead. Both compaction tests are made here, not in _compact:
        # when few calls are live (timeouts that keep being cancelled), dead > live after
        # nearly every cancel, and a call only to find fewer than _COMPACT_MIN_DEAD dead
        # entries cost ~6% of a cycle.
        queue = self._queue
        live = queue._live - 1
        queue._live = live
        dead = len(queue._heap) + len(queue._pending) - live
        if dead > live and dead >= _COMPACT_MIN_DEAD:
            queue._compact()

    def reset(self, secondsFromNow: float) -> None:
        """Move the deadline to ``secondsFromNow`` after the clock's current time.

        Works in either direction in O(log n). Negative values are treated as 0.

        :raises AlreadyCalled: if it has already run (or is running).
        :raises AlreadyCancelled: if it was cancelled.
        """
        entry = self._entry
        if entry is None or entry is _CANCELLED:
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
        entry = self._entry
        if entry is None or entry is _CANCELLED:
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

    ``onEarlierDeadline``, when set, is called with a new or reset call's deadline when it is
    earlier than every deadline already stored, so a host that re-arms its wake-up from
    :meth:`nextDeadline` after each :meth:`runDue` can never sleep past a call. It is not called
    when the earliest deadline moves later (a cancel, a delay): a host that wakes early merely
    finds nothing due and re-arms. The hook runs inside ``callLater``/``reset`` and must not
    schedule timers itself.

    Owned by one thread (see the module docstring); not safe to touch from others.
    """

    __slots__ = (
        "_counter",
        "_due",
        "_earliest",
        "_heap",
        "_live",
        "_pending",
        "_seconds",
        "onEarlierDeadline",
    )

    def __init__(
        self,
        seconds: Callable[[], float],
        onEarlierDeadline: Callable[[float], None] | None = None,
    ) -> None:
        self._seconds = seconds
        self.onEarlierDeadline = onEarlierDeadline
        # Entries ordered by (deadline, seq), live and dead.
        self._heap: list[_Entry] = []
        # Entries runDue took out of the heap to run, sorted latest first; every one of them
        # comes before every heap entry. Empty except while runDue runs, and never non-empty
        # with an empty heap (see _takeDue).
        self._due: list[_Entry] = []
        # Calls scheduled or reset since the last merge, live (``_entry is _STAGED``) or
        # cancelled since; see the module docstring.
        self._pending: list[DelayedCall] = []
        # Live calls. len(_heap) + len(_pending) - _live items are dead.
        self._live = 0
        # The smallest deadline of any stored entry (live or dead), +inf when there are none:
        # the bar a new deadline must beat to call onEarlierDeadline.
        self._earliest = _INFINITY
        self._counter = count()

    def callLater(
        self, delay: float, f: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Schedule ``f(*args, **kw)`` to run ``delay`` seconds from now (negative means 0).

        :raises ValueError: if ``delay`` is NaN.
        """
        return self.schedule(delay, f, args, kw)

    def schedule(
        self, delay: float, f: Callable[..., object], args: tuple[Any, ...], kw: dict[str, Any]
    ) -> DelayedCall:
        """``callLater`` with the arguments already packed, for wrappers such as the reactor's.

        Passing ``*args, **kw`` through a second layer would unpack and repack them: measured,
        that was a quarter of a reactor callLater+cancel cycle.

        :raises ValueError: if ``delay`` is NaN.
        """
        if not delay >= 0:  # one comparison catches both negative and NaN delays
            if delay != delay:
                raise ValueError("callLater() delay must be a number of seconds, not NaN")
            delay = 0
        deadline = self._seconds() + delay
        # Every slot set here (DelayedCall has no __init__, see there).
        call = _newCall(DelayedCall)
        call._queue = self
        call._entry = _STAGED
        call._seq = next(self._counter)
        call.time = deadline
        call.func = f
        call.args = args
        call.kw = kw
        self._pending.append(call)
        self._live += 1
        if deadline < self._earliest:
            self._earliest = deadline
            if self.onEarlierDeadline is not None:
                self.onEarlierDeadline(deadline)
        return call

    def nextDeadline(self) -> float | None:
        """Return the earliest deadline among live calls, or None when there are none."""
        if self._pending:
            self._merge()
        due = self._due
        while due:
            entry = due[-1]
            if entry[2]._entry is entry:
                self._earliest = entry[0]
                return entry[0]
            due.pop()
        heap = self._heap
        while heap:
            entry = heap[0]
            if entry[2]._entry is entry:
                self._earliest = entry[0]
                return entry[0]
            heapq.heappop(heap)
        self._earliest = _INFINITY
        return None

    def runDue(self, onError: Callable[[DelayedCall, BaseException], None]) -> int:
        """Run every live call due at the current time, in (deadline, scheduling) order.

        The clock is read once, at the start. Calls scheduled or reset while this runs wait for
        the next ``runDue`` even if they are already due. An exception from a call goes to
        ``onError(call, exception)`` and the run continues; if ``onError`` itself raises, the
        exception propagates and the calls not yet run stay queued for the next ``runDue``.

        :returns: the number of calls run.
        """
        if self._pending:
            self._merge()
        heap = self._heap
        due = self._due
        if not heap and not due:
            return 0
        now = self._seconds()
        # Every entry pushed from here on gets a larger seq than this snapshot.
        snapshot = next(self._counter)
        heappop = heapq.heappop
        # Calls popped one by one before sorting the rest pays off (see _takeDue).
        budget = (len(heap) >> _SORT_AFTER_SHIFT) + _SORT_AFTER_MIN
        ran = 0
        try:
            while True:
                if due:
                    # Taken out of the heap, in order, by this run or by one this call is
                    # nested in (a timed call that runs the clock or the reactor again): they
                    # come before anything still in the heap.
                    entry = due.pop()
                    call = entry[2]
                    if call._entry is not entry:
                        continue
                elif heap:
                    entry = heap[0]
                    if entry[0] > now:
                        break
                    call = entry[2]
                    if call._entry is not entry:
                        heappop(heap)  # cancelled, or superseded by a reset
                        continue
                    if entry[1] > snapshot:
                        # Pushed during this run and merged early (someone asked
                        # nextDeadline). With a clock that never goes back, every entry still
                        # due sorts after it.
                        break
                    if budget == 0:
                        budget = -1  # at most once per run
                        self._takeDue(now, snapshot)
                        continue
                    budget -= 1
                    heappop(heap)
                else:
                    break
                call._entry = None  # called
                self._live -= 1
                ran += 1
                try:
                    call.func(*call.args, **call.kw)
                except BaseException as e:
                    onError(call, e)
        finally:
            if due:
                # onError raised: the calls taken out of the heap and not run go back.
                heap.extend(due)
                heapq.heapify(heap)
                due.clear()
            # Calls made during the run sit in _pending; merging now keeps _earliest exact.
            self.nextDeadline()
            # Running calls lowers the live count without a cancel, so check here too.
            live = self._live
            dead = len(heap) + len(self._pending) - live
            if dead > live and dead >= _COMPACT_MIN_DEAD:
                self._compact()
        return ran

    def _takeDue(self, now: float, snapshot: int) -> None:
        # Move every entry due at ``now`` and older than ``snapshot`` from the heap to _due,
        # latest first (the run pops from the end). Called by runDue once it has popped an
        # eighth of the heap one by one and more calls are due.
        #
        # Why sort: a heappop compares tuples through the generic rich comparison, ~2 log2(n)
        # times; list.sort on float (int) keys compares them directly (CPython's pre-checked
        # compares). Measured with 50,000 entries: ~5,800 instructions per heappop, ~1,250
        # per entry for the two sorts below, so sorting wins once more than about a fifth of
        # the heap is due. A sorted list is still a valid heap, so what stays needs no
        # heapify. runDue only sorts once it has popped an eighth of the heap one by one (see
        # _SORT_AFTER_SHIFT): a pass that runs one call out of n must not pay O(n log n).
        heap = self._heap
        # Two stable sorts on keys, so every comparison is between two ints, then two floats:
        # half the cost of one sort comparing the tuples (~1,250 against ~2,500 instructions
        # per entry). Equal deadlines keep the seq order of the first sort.
        heap.sort(key=_seqOf)
        heap.sort(key=_deadlineOf)
        # Entries sort below (now, snapshot) exactly when they are due and older than the
        # snapshot; heap[0] is such an entry (runDue checked), so taken >= 1 here.
        taken = bisect_left(heap, (now, snapshot))
        if taken == len(heap):
            # Leave the latest in the heap (runDue pops it last): while _due holds entries the
            # heap is never empty, so a host may test only _heap and _pending for "anything
            # stored?" (reactor._polling does, on every pass).
            taken -= 1
        if taken:
            self._due.extend(heap[taken - 1 :: -1])
            del heap[:taken]

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the live calls in the order they will run (deadline, then scheduling order)."""
        live = [e for e in self._heap if e[2]._entry is e]
        live += [e for e in self._due if e[2]._entry is e]
        live += [(c.time, c._seq, c) for c in self._pending if c._entry is _STAGED]
        live.sort()  # seq is unique, so the sort never compares two DelayedCalls
        return [e[2] for e in live]

    def __len__(self) -> int:
        """Return the number of live calls."""
        return self._live

    def storedEntries(self) -> int:
        """Return how many entries are held, live and dead (for tests and statistics)."""
        return len(self._heap) + len(self._pending) + len(self._due)

    def _reschedule(self, call: DelayedCall, deadline: float) -> None:
        # Stage an active call again; its heap entry (if it has one) dies because the call
        # stops pointing at it. A call still staged only needs its new deadline and seq.
        call.time = deadline
        call._seq = next(self._counter)
        if call._entry is not _STAGED:
            call._entry = _STAGED
            self._pending.append(call)
        if deadline < self._earliest:
            self._earliest = deadline
            if self.onEarlierDeadline is not None:
                self.onEarlierDeadline(deadline)
        live = self._live
        dead = len(self._heap) + len(self._pending) - live
        if dead > live and dead >= _COMPACT_MIN_DEAD:
            self._compact()

    def _merge(self) -> None:
        # Give the live staged calls their heap entries; cancelled ones are simply dropped.
        heap = self._heap
        pending = self._pending
        live = []
        for call in pending:
            if call._entry is _STAGED:
                entry = (call.time, call._seq, call)
                call._entry = entry
                live.append(entry)
        pending.clear()
        if len(live) > len(heap):
            # At least doubling the heap: one O(n) heapify beats k pushes.
            heap.extend(live)
            heapq.heapify(heap)
        else:
            heappush = heapq.heappush
            for entry in live:
                heappush(heap, entry)

    def _compact(self) -> None:
        # Drop every dead entry (callers decide when it is worth a pass). Not while runDue
        # runs calls from _due: compacting could empty the heap under them (see _takeDue);
        # runDue checks again when it ends.
        if self._due:
            return
        heap = self._heap
        pending = self._pending
        # In place: runDue holds a reference to the heap list while it runs.
        heap[:] = [e for e in heap if e[2]._entry is e]
        heapq.heapify(heap)
        pending[:] = [c for c in pending if c._entry is _STAGED]
