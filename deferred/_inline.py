"""Drive generators and coroutines that wait on Deferreds: ``inlineCallbacks``,
``Deferred.fromCoroutine`` and ``ensureDeferred``.

One ``_Driver`` per running generator/coroutine sends each result in and looks at what comes
out. A yielded (or awaited) Deferred that has already fired is consumed in the same loop, so a
generator yielding 100,000 fired Deferreds runs in constant stack depth; an ``await`` of a fired
Deferred does not even leave the coroutine (``Deferred.__await__`` returns at once). Only a Deferred
that is still waiting suspends the driver, which resumes from that Deferred's callback.

Each step runs inside a copy of the ``contextvars`` context taken when the generator/coroutine
was started, so context variables set inside stay inside, and those set by the caller before
the call are visible.

Failures are thrown into the generator with their original traceback, so the traceback of a
failure that crosses several ``inlineCallbacks``/coroutine levels shows every level.

Cancelling the result Deferred cancels the Deferred currently awaited; if the generator
swallows that error and waits on something else, the result still fails with CancelledError and
the generator is closed when it next resumes.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Coroutine, Generator
from types import CoroutineType, GeneratorType
from typing import Any, ParamSpec, TypeVar

from ._deferred import Deferred, fail
from ._errors import NotACoroutineError
from ._failure import Failure, failureTypes

__all__ = ["ensureDeferred", "inlineCallbacks", "runCoroutine"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class _Driver:
    """Runs one generator or coroutine to completion, firing ``result`` with its outcome."""

    __slots__ = ("context", "gen", "isCoroutine", "result", "waitingOn")

    def __init__(
        self,
        gen: Generator[Any, Any, Any] | Coroutine[Any, Any, Any],
        context: contextvars.Context,
        isCoroutine: bool,
    ) -> None:
        self.gen = gen
        self.context = context
        self.isCoroutine = isCoroutine
        self.waitingOn: Deferred[Any] | None = None
        self.result: Deferred[Any] = Deferred(self._cancel)

    def _cancel(self, result: Deferred[Any]) -> None:
        waitingOn = self.waitingOn
        if waitingOn is not None:
            waitingOn.cancel()

    def run(self, value: Any, isFailure: bool) -> None:
        """Send ``value`` in (throw it, if a Failure) and keep going until the generator waits."""
        gen = self.gen
        run = self.context.run
        while True:
            try:
                if isFailure:
                    failure: Failure = value
                    yielded = run(gen.throw, failure.value.with_traceback(failure.tb))
                else:
                    yielded = run(gen.send, value)
            except StopIteration as stop:
                self._finish(stop.value)
                return
            except BaseException:
                if not self.result.called:
                    self.result.errback(Failure())
                return

            if isinstance(yielded, Deferred):
                if yielded.called and not yielded.paused:
                    value = yielded._handOff()
                    # A type lookup: isinstance is slow to say no (see chainTypes in _failure).
                    isFailure = type(value) in failureTypes
                    continue
                self.waitingOn = yielded
                yielded.addBoth(self._resume)
                return
            if hasattr(yielded, "_asyncio_future_blocking"):
                # An asyncio Future awaited in a coroutine: wait for it through a Deferred.
                yielded._asyncio_future_blocking = False
                waiting: Deferred[Any] = Deferred.fromFuture(yielded)
                self.waitingOn = waiting
                waiting.addBoth(self._resume)
                return
            if self.isCoroutine and yielded is not None:
                value = Failure(
                    TypeError(
                        f"a coroutine run by treadle awaited {yielded!r}, which is not a "
                        "Deferred or an asyncio Future"
                    )
                )
                isFailure = True
                continue
            # A generator may yield plain values (and a bare coroutine yield is a no-op
            # "let others run"): they are sent straight back.
            value = yielded
            isFailure = False

    def _resume(self, result: Any) -> Any:
        waitingOn = self.waitingOn
        self.waitingOn = None
        if waitingOn is not None:
            waitingOn._handOff()
        if self.result.called:
            # The result was cancelled while the generator was waiting: stop it.
            self.gen.close()
            return result
        self.run(result, type(result) in failureTypes)
        return result

    def _finish(self, value: Any) -> None:
        result = self.result
        if result.called:
            return
        if isinstance(value, Deferred):
            value.chainDeferred(result)
        else:
            result.callback(value)


def inlineCallbacks(
    f: Callable[_P, Generator[Any, Any, _T]],
) -> Callable[_P, Deferred[_T]]:
    """Decorate a generator function so that it can ``yield`` Deferreds and get their results.

    The decorated function returns a Deferred that fires with the generator's ``return`` value
    (or its exception). Each call runs in a copy of the caller's ``contextvars`` context.
    """

    @functools.wraps(f)
    def unwindGenerator(*args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]:
        context = contextvars.copy_context()
        try:
            gen = context.run(f, *args, **kwargs)
        except BaseException:
            return fail(Failure())
        if not isinstance(gen, GeneratorType):
            raise TypeError(
                f"inlineCallbacks needs a generator function, but {f.__qualname__} returned "
                f"{gen!r}; add a yield, or drop the decorator"
            )
        driver = _Driver(gen, context, False)
        driver.run(None, False)
        return driver.result

    return unwindGenerator


def runCoroutine(coro: Coroutine[Any, Any, _T]) -> Deferred[_T]:
    """Start ``coro`` now and return a Deferred for its result (``Deferred.fromCoroutine``)."""
    if not isinstance(coro, CoroutineType | GeneratorType | Coroutine):
        raise NotACoroutineError(f"{coro!r} is not a coroutine")
    driver = _Driver(coro, contextvars.copy_context(), True)
    driver.run(None, False)
    return driver.result


def ensureDeferred(coro: Coroutine[Any, Any, _T] | Deferred[_T]) -> Deferred[_T]:
    """A Deferred for ``coro``: a Deferred is returned as is, a coroutine is started."""
    if isinstance(coro, Deferred):
        return coro
    return runCoroutine(coro)
