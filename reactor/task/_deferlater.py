"""``deferLater``: a Deferred that fires after a delay on a clock.

This module owns :func:`deferLater` only: one DelayedCall bridged to one Deferred, with
cancellation in both directions handled in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from deferred import Deferred
from reactor.interfaces import DelayedCall, ReactorTime

__all__ = ["deferLater"]

_T = TypeVar("_T")


@overload
def deferLater(clock: ReactorTime, delay: float) -> Deferred[None]: ...


@overload
def deferLater(
    clock: ReactorTime,
    delay: float,
    callable: Callable[..., Deferred[_T] | _T],
    *args: Any,
    **kw: Any,
) -> Deferred[_T]: ...


def deferLater(
    clock: ReactorTime,
    delay: float,
    callable: Callable[..., Any] | None = None,
    *args: Any,
    **kw: Any,
) -> Deferred[Any]:
    """Return a Deferred that fires ``delay`` seconds from now on ``clock``.

    With ``callable``, it fires with ``callable(*args, **kw)`` called then (its exception
    becomes the failure; a returned Deferred is waited for); without, it fires with None.
    Cancelling the Deferred before then cancels the timed call, and the Deferred fails with
    ``CancelledError``.
    """
    timedCall: DelayedCall | None = None

    def cancelTimedCall(d: Deferred[Any]) -> None:
        # Runs only while the Deferred is unfired, so the timed call has not run yet.
        assert timedCall is not None
        timedCall.cancel()

    result: Deferred[Any] = Deferred(cancelTimedCall)
    if callable is not None:
        result.addCallback(lambda _: callable(*args, **kw))
    timedCall = clock.callLater(delay, result.callback, None)
    return result
