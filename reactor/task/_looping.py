"""``LoopingCall``: call a function every *interval* seconds on a clock.

This module owns :class:`LoopingCall` only. The clock is any ``IReactorTime`` (a reactor, or a
``Clock`` in tests) and defaults to the global reactor, looked up on first use and never at
import time.

Timing: calls are aimed at a grid ``start + k * interval``. A call that runs late (the loop was
busy, or the function's Deferred took longer than an interval) does not shift the grid; the next
call goes to the next grid point after *now*, and the grid points passed over are counted as
missed (``missedIntervals``; ``withCount`` passes ``1 + missed`` to the function). When a call
runs on time the next one is scheduled exactly ``interval`` later, relative to now: a test that
advances a ``Clock`` by ``interval`` steps then lands on it exactly, with no float drift.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from deferred import Deferred, Failure
from reactor.interfaces import DelayedCall, ReactorTime
from reactor.task._global import defaultReactor

__all__ = ["LoopingCall"]

# How close to a grid point (in intervals) a call must be to count as on time: absorbs the
# float noise of adding up intervals, while real lateness is many orders of magnitude larger.
_ON_TIME = 1e-9


class LoopingCall:
    """Call ``f(*a, **kw)`` repeatedly, every ``interval`` seconds, until stopped.

    ``start(interval, now=True)`` returns a Deferred that fires with this LoopingCall when
    :meth:`stop` is called, or fails with the error if ``f`` raises (or returns a Deferred that
    fails). If ``f`` returns a Deferred (or a coroutine), the next call waits until it fires.
    An interval of 0 calls ``f`` once per pass of the reactor loop.

    Attributes (Twisted's names): ``f``, ``a``, ``kw``, ``running``, ``interval``, ``starttime``,
    ``call`` (the pending DelayedCall or None) and ``clock``; plus ``callCount`` (calls since
    the last start) and ``missedIntervals`` (grid points skipped since the last start).

    Not thread-safe: use it from the thread that runs its clock.
    """

    def __init__(self, f: Callable[..., object], *a: Any, **kw: Any) -> None:
        self.f = f
        self.a = a
        self.kw = kw
        self.running = False
        self.interval: float | None = None
        self.starttime: float | None = None
        self.call: DelayedCall | None = None
        self.callCount = 0
        self.missedIntervals = 0
        self._clock: ReactorTime | None = None
        self._deferred: Deferred[LoopingCall] | None = None
        self._passCount = False
        # Grid index of the last call, and of the call now scheduled.
        self._lastSlot = 0
        self._nextSlot = 0

    @property
    def clock(self) -> ReactorTime:
        """The clock this loop runs on; the global reactor unless one was assigned."""
        if self._clock is None:
            self._clock = defaultReactor()
        return self._clock

    @clock.setter
    def clock(self, clock: ReactorTime) -> None:
        self._clock = clock

    @classmethod
    def withCount(cls, countCallable: Callable[[int], object]) -> LoopingCall:
        """A LoopingCall that calls ``countCallable(count)``.

        ``count`` is how many intervals passed since the previous call: 1 when on time, more
        when grid points were missed (always 1 with an interval of 0).
        """
        loop = cls(countCallable)
        loop._passCount = True
        return loop

    def start(self, interval: float, now: bool = True) -> Deferred[LoopingCall]:
        """Start calling every ``interval`` seconds; first call at once if ``now``, else later.

        :returns: a Deferred fired with this LoopingCall by :meth:`stop`, or failed with the
            error that stopped the loop.
        :raises RuntimeError: if it is already running.
        :raises ValueError: if ``interval`` is negative.
        """
        if self.running:
            raise RuntimeError(f"{self!r} is already running; stop() it before start()")
        if not interval >= 0:
            raise ValueError(f"LoopingCall interval must be >= 0 seconds, not {interval!r}")
        self.interval = interval
        self.running = True
        self.callCount = 0
        self.missedIntervals = 0
        deferred: Deferred[LoopingCall] = Deferred()
        self._deferred = deferred
        self.starttime = self.clock.seconds()
        if now:
            self._lastSlot = -1
            self._nextSlot = 0
            self._run()
        else:
            self._lastSlot = 0
            self._scheduleNext()
        return deferred

    def stop(self) -> None:
        """Stop the loop and fire the Deferred returned by :meth:`start` with this LoopingCall.

        :raises RuntimeError: if it is not running.
        """
        if not self.running:
            raise RuntimeError(f"{self!r} is not running")
        self.running = False
        if self.call is not None:
            self.call.cancel()
            self.call = None
        deferred, self._deferred = self._deferred, None
        assert deferred is not None
        deferred.callback(self)

    def reset(self) -> None:
        """Restart the interval from now: the next call comes ``interval`` seconds from now.

        :raises RuntimeError: if it is not running.
        """
        if not self.running:
            raise RuntimeError(f"{self!r} is not running")
        self.starttime = self.clock.seconds()
        self._lastSlot = 0
        if self.call is not None:
            # Otherwise the function's Deferred is pending and schedules from the new grid.
            self.call.cancel()
            self.call = None
            self._scheduleNext()

    def _run(self) -> None:
        self.call = None
        interval = self.interval
        assert interval is not None
        slot = self._nextSlot
        if interval:
            slot = max(slot, math.floor(self._elapsedIntervals()))
        count = slot - self._lastSlot
        self._lastSlot = slot
        self.callCount += 1
        self.missedIntervals += count - 1
        try:
            result = self.f(count) if self._passCount else self.f(*self.a, **self.kw)
            if inspect.iscoroutine(result):
                result = Deferred.fromCoroutine(result)
        except BaseException:
            self._failed(Failure())
            return
        if isinstance(result, Deferred):
            result.addCallbacks(self._callFinished, self._callFailed)
        else:
            self._scheduleNext()

    def _callFinished(self, result: object) -> None:
        if self.running:
            self._scheduleNext()

    def _callFailed(self, failure: Failure) -> Failure | None:
        if not self.running:
            # Stopped while the call was pending: nobody waits for this error any more, so
            # leave it on the Deferred, which reports it as unhandled instead of losing it.
            return failure
        self._failed(failure)
        return None

    def _failed(self, failure: Failure) -> None:
        self.running = False
        deferred, self._deferred = self._deferred, None
        assert deferred is not None
        deferred.errback(failure)

    def _scheduleNext(self) -> None:
        if not self.running:
            return  # f() called stop()
        interval = self.interval
        assert interval is not None
        if not interval:
            self._nextSlot = self._lastSlot + 1
            self.call = self.clock.callLater(0, self._run)
            return
        elapsed = self._elapsedIntervals()
        nextSlot = max(self._lastSlot + 1, math.floor(elapsed) + 1)
        self._nextSlot = nextSlot
        self.call = self.clock.callLater((nextSlot - elapsed) * interval, self._run)

    def _elapsedIntervals(self) -> float:
        # Intervals since start, snapped to a whole number when within float noise of one.
        assert self.interval and self.starttime is not None
        elapsed = (self.clock.seconds() - self.starttime) / self.interval
        nearest = round(elapsed)
        if abs(elapsed - nearest) < _ON_TIME:
            return float(nearest)
        return elapsed

    def __repr__(self) -> str:
        name = getattr(self.f, "__qualname__", None) or repr(self.f)
        return f"<LoopingCall every {self.interval!r}s: {name}>"
