"""``Clock``: deterministic time for tests.

This module owns :class:`Clock`, an ``IReactorTime`` whose time moves only when told to
(:meth:`Clock.advance`). It keeps its calls in the same :class:`reactor._timers.TimerQueue` as
the real reactors, so ordering (deadline, then scheduling order), ``reset``/``delay`` and
cancellation behave exactly as they do there. It does not do I/O and knows no reactor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ParamSpec

from zope.interface import classImplements  # type: ignore[import-untyped]

from reactor._timers import DelayedCall, TimerQueue
from reactor.interfaces import IReactorTime, ReactorTime

__all__ = ["Clock"]

_P = ParamSpec("_P")


def _propagate(call: DelayedCall, error: BaseException) -> None:
    # A test wants to see the exception of a timed call, so advance() lets it out.
    raise error


class Clock:
    """A clock that starts at 0 and moves only through :meth:`advance` and :meth:`pump`.

    ``callLater`` behaves as on a reactor. ``advance`` runs every call due at the new time --
    including calls that those calls schedule for a time already reached, as Twisted's ``Clock``
    does (so ``advance(0)`` runs a chain of ``callLater(0)`` to its end; a call that always
    reschedules itself with delay 0 would make it loop forever). An exception from a call
    propagates out of ``advance``; the calls not yet run stay scheduled.

    Not thread-safe: use it from the test's thread only.
    """

    def __init__(self) -> None:
        #: The current time (Twisted's attribute name); change it only through advance().
        self.rightNow = 0.0
        self._timers = TimerQueue(self.seconds)

    def seconds(self) -> float:
        """Return the current time on this clock."""
        return self.rightNow

    def callLater(
        self, delay: float, callable: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Run ``callable(*args, **kw)`` once the clock has advanced by ``delay`` seconds."""
        return self._timers.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the pending calls in the order they will run."""
        return self._timers.getDelayedCalls()

    @property
    def calls(self) -> list[DelayedCall]:
        """The pending calls in the order they will run (Twisted's ``Clock.calls``; read-only)."""
        return self._timers.getDelayedCalls()

    def advance(self, amount: float) -> None:
        """Move time forward by ``amount`` seconds and run every call that is then due.

        :raises ValueError: if ``amount`` is negative (time never goes back).
        """
        if not amount >= 0:
            raise ValueError(f"Clock.advance() needs a non-negative amount, not {amount!r}")
        self.rightNow += amount
        runDue = self._timers.runDue
        while runDue(_propagate):
            pass

    def pump(self, timings: Iterable[float]) -> None:
        """``advance`` by each amount in ``timings`` in turn."""
        for amount in timings:
            self.advance(amount)

    def __repr__(self) -> str:
        return f"<Clock at {self.rightNow!r} with {len(self._timers)} pending calls>"


classImplements(Clock, IReactorTime)

if TYPE_CHECKING:
    # Static proof that a Clock can stand wherever a reactor's time is expected.
    def _isReactorTime(clock: Clock) -> ReactorTime:
        return clock
