"""``Deferred``: a result that is not ready yet, and the chain of callbacks waiting for it.

This module owns the Deferred type and the four small constructors around it (``succeed``,
``fail``, ``maybeDeferred``, ``Deferred.fromFuture``). Driving coroutines and generators lives in
``_inline``; combining several Deferreds in ``_combinators``; locks and queues in ``_sync``.

How a chain runs
----------------
Each entry of ``callbacks`` is a pair of (function, args, kwargs) for the success and the failure
side, flattened into one 6-tuple. Firing runs them in order; each result (or raised exception,
captured as a ``Failure``) becomes the input of the next. A callback may return another Deferred:
the outer chain then *waits* for it (``paused`` goes up by one and a continuation entry is added
to the inner Deferred that hands the inner result back). Entries that have run are removed, so
``callbacks`` holds exactly the steps still to come.

Nothing here recurses. ``_runCallbacks`` keeps an explicit stack of the Deferreds it is working
on: handing a result to a waiting outer Deferred, or to the target of ``chainDeferred``, pushes
that Deferred on the stack instead of calling into it. So 100,000 nested or chained Deferreds run
in constant Python stack depth (Twisted recurses through ``chainDeferred`` and fails there).

Where we differ from Twisted, on purpose
----------------------------------------
* A Deferred whose result is handed to another chain — returned from a callback, or the source
  of ``chainDeferred`` — *keeps* its result. Twisted replaces it with ``None``, so callbacks added
  to the inner Deferred later silently see ``None``. Here they see the same result. The
  responsibility for a Failure moves with it: the giving Deferred no longer reports it as
  unhandled (the receiving chain will, if nobody handles it there).
* ``cancel()`` that had to fire the Deferred itself (no canceller, or a canceller that did not
  fire it) makes the producer's one late ``callback``/``errback`` a no-op instead of an
  ``AlreadyCalledError``: the producer simply lost the race. Twisted does this only without a
  canceller.
* A canceller that raises before firing the Deferred fires it with that error instead of
  leaking it to the ``cancel()`` caller. (One that fired the Deferred and then raised has
  nothing left to fire, so its error reaches the caller.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine, Generator
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    NoReturn,
    ParamSpec,
    TypeVar,
    overload,
)

from . import _debug
from ._debug import CreationSite, internalFiles
from ._errors import AlreadyCalledError, CancelledError, TimeoutError
from ._failure import Failure, chainTypes, failureTypes, registerChainType
from ._report import UnhandledFailureReport

if TYPE_CHECKING:
    import asyncio
    from types import CodeType

__all__ = ["Deferred", "fail", "maybeDeferred", "passthru", "succeed"]

_T = TypeVar("_T")
_U = TypeVar("_U")
_P = ParamSpec("_P")


def passthru(arg: _T) -> _T:
    """The identity function: the default for the side of a callback pair nobody supplied."""
    return arg


def _handOffMarker(arg: object) -> NoReturn:  # pragma: no cover - never called
    raise AssertionError("chain marker called")


# A callback entry whose function is this marker is an instruction to _runCallbacks, never
# called: hand the result to another Deferred. Its "args" slot holds that Deferred itself, not a
# tuple (one allocation fewer per wait); its "kwargs" slot says which kind of hand-off it is:
# False, to a Deferred that waits on this one (it is paused once for the wait); True, to the
# target of chainDeferred (which must not have fired). One marker, not one per kind, so that the
# engine tells a marker from a callback with one identity test.
_HANDOFF: Callable[..., Any] = _handOffMarker

# A kwargs slot holding this marker says that the args slot before it is the one positional
# argument itself, not a tuple of them. Entries hold everything they refer to until the callback
# runs, and a Deferred is often given its callbacks long before it fires: one tuple fewer per
# such callback is one object fewer for the cyclic garbage collector to count and walk.
_ONE_ARG: Any = object()

# (callback, its args, its kwargs, errback, its args, its kwargs); for a marker entry the
# args slots hold the receiving Deferred instead of a tuple and the kwargs slots its kind.
_CallbackEntry = tuple[
    Callable[..., Any],
    Any,
    Any,
    Callable[..., Any],
    Any,
    Any,
]

#: Deferred and its subclasses (see ``chainTypes`` in ``_failure``): registered by
#: ``Deferred.__init_subclass__``. Shared across threads like ``chainTypes``: mutated only by
#: ``registerChainType``, under its lock; read without it.
deferredTypes: set[type[Any]] = set()

# object.__new__, held here: calling it is cheaper than looking up Deferred.__new__ each time.
_newObject = object.__new__


class Deferred(Generic[_T]):
    """A result that is not ready yet.

    Add callbacks (success) and errbacks (failure) to it; fire it once with ``callback(result)``
    or ``errback(failure)``; each callback's return value feeds the next. ``await`` works on it
    inside coroutines driven by ``Deferred.fromCoroutine``/``ensureDeferred``.

    Not thread-safe: a Deferred belongs to the thread that runs its reactor. Fire it from
    another thread through ``reactor.callFromThread``.
    """

    # Hot state lives in slots; cold state (canceller, debug stacks, hand-off marks) in class
    # defaults that an instance overrides in its lazily created __dict__ only when it needs to.
    # Measured: this halves the cost of creating a Deferred against setting every field.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_createdIn",
        "_createdLasti",
        "_report",
        "_runningCallbacks",
        "callbacks",
        "called",
        "paused",
        "result",
    )

    _canceller: Callable[[Deferred[Any]], None] | None = None
    _suppressAlreadyCalled = False
    _handedOff: Failure | None = None
    _creationStack: str | None = None
    _firstFireStack: str | None = None
    # How many entries of ``callbacks`` have run. Always 0 between runs of the engine, which
    # removes the entries it ran; kept for code written against the old index-based layout.
    _next = 0

    called: bool
    paused: int
    result: Any
    callbacks: list[_CallbackEntry]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        registerChainType(cls, deferredTypes)

    def __init__(self, canceller: Callable[[Deferred[Any]], None] | None = None) -> None:
        self.callbacks = []
        self.called = False
        self.paused = 0
        self._runningCallbacks = False
        self._report: UnhandledFailureReport | None = None
        if canceller is not None:
            self._canceller = canceller
        # The creation site: the code object and instruction offset of the first caller outside
        # this package (so succeed() names its caller). The line number is worked out only
        # when a report needs it: reading f_lineno costs three times as much as f_lasti.
        frame = sys._getframe(1)
        code = frame.f_code
        if code.co_filename in internalFiles:
            while code.co_filename in internalFiles and frame.f_back is not None:
                frame = frame.f_back
                code = frame.f_code
        self._createdIn: CodeType | None = code
        self._createdLasti: int = frame.f_lasti
        if _debug._debugging:
            self._creationStack = _debug.formatStack(frame)

    # -- adding callbacks ---------------------------------------------------------------------

    def addCallbacks(
        self,
        callback: Callable[..., Any],
        errback: Callable[..., Any] | None = None,
        callbackArgs: tuple[Any, ...] = (),
        callbackKeywords: dict[str, Any] | None = None,
        errbackArgs: tuple[Any, ...] = (),
        errbackKeywords: dict[str, Any] | None = None,
    ) -> Deferred[Any]:
        """Add a success callback and a failure errback as one step of the chain."""
        self.callbacks.append(
            (
                callback,
                callbackArgs,
                callbackKeywords,
                passthru if errback is None else errback,
                errbackArgs,
                errbackKeywords,
            )
        )
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Deferred[_U]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], Failure],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[NoReturn]: ...

    @overload
    def addCallback(
        self,
        callback: Callable[Concatenate[_T, _P], _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    def addCallback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add a callback for success; failures pass it by unchanged."""
        if args and len(args) == 1 and not kwargs:
            # The usual ``addCallback(f, x)``: keep x itself, not the tuple holding it (see
            # _ONE_ARG: one object fewer kept alive per callback, a cheaper call).
            self.callbacks.append((callback, args[0], _ONE_ARG, passthru, (), None))
        else:
            self.callbacks.append((callback, args, kwargs, passthru, (), None))
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], Deferred[_U]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _U]: ...

    @overload
    def addErrback(
        self,
        errback: Callable[Concatenate[Failure, _P], _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T | _U]: ...

    def addErrback(self, errback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add an errback for failure (it gets the ``Failure``); results pass it by unchanged."""
        self.callbacks.append((passthru, (), None, errback, args, kwargs))
        if self.called:
            self._runCallbacks()
        return self

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[_T | Failure, _P], Deferred[_U]],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    @overload
    def addBoth(
        self,
        callback: Callable[Concatenate[_T | Failure, _P], _U],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_U]: ...

    def addBoth(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Add one function as both callback and errback (like ``finally``)."""
        self.callbacks.append((callback, args, kwargs, callback, args, kwargs))
        if self.called:
            self._runCallbacks()
        return self

    def chainDeferred(self, d: Deferred[_T]) -> Deferred[_T]:
        """Fire ``d`` with this Deferred's result, when it has one.

        This Deferred keeps its result (see the module docstring); a Failure becomes ``d``'s
        responsibility. Chains of any length run without recursion.
        """
        self.callbacks.append((_HANDOFF, d, True, _HANDOFF, d, True))
        if self.called:
            self._runCallbacks()
        return self

    # -- firing --------------------------------------------------------------------------------

    def callback(self, result: _T | Failure) -> None:
        """Fire the chain with a success value (a ``Failure`` takes the errback path)."""
        if type(result) in deferredTypes:
            raise TypeError(
                "callback() needs a result, not a Deferred: return the Deferred from a "
                "callback, or use chainDeferred, to wait on it"
            )
        if self.called:
            self._firedAgain()
            return
        if _debug._debugging:
            self._firstFireStack = _debug.formatStack(sys._getframe(1))
        self.called = True
        self.result = result
        self._runCallbacks()

    def errback(self, fail: Failure | BaseException | None = None) -> None:
        """Fire the chain with a failure; with no argument, the exception being handled."""
        if fail is None:
            fail = Failure()
        elif type(fail) not in failureTypes:
            if not isinstance(fail, BaseException):
                raise TypeError(f"errback() needs a Failure or an exception, got {fail!r}")
            fail = Failure(fail)
        if self.called:
            self._firedAgain()
            return
        if _debug._debugging:
            self._firstFireStack = _debug.formatStack(sys._getframe(1))
        self.called = True
        self.result = fail
        self._runCallbacks()

    def _fire(self, result: object) -> None:
        """Fire with ``result`` as is (a Failure goes down the errback side)."""
        if self.called:
            self._firedAgain()
            return
        if _debug._debugging:
            self._firstFireStack = _debug.formatStack(sys._getframe(2))
        self.called = True
        self.result = result
        self._runCallbacks()

    def _firedAgain(self) -> None:
        if self._suppressAlreadyCalled:
            # The producer lost a race with cancel(): ignore its one late result.
            self._suppressAlreadyCalled = False
            return
        raise AlreadyCalledError(self._alreadyCalledMessage())

    def _alreadyCalledMessage(self) -> str:
        lines = [f"{self!r} was already fired"]
        if self._creationStack is not None:
            lines.append("It was created at:\n" + self._creationStack.rstrip())
        elif self._createdIn is not None:
            lines.append(f"It was created in {self.creationSite()}")
        else:
            lines.append("(turn on deferred.setDebugging(True) to see where it was created)")
        if self._firstFireStack is not None:
            lines.append("It was first fired at:\n" + self._firstFireStack.rstrip())
        else:
            lines.append("(turn on deferred.setDebugging(True) to see where it was first fired)")
        return "\n".join(lines)

    # -- pausing and cancelling -----------------------------------------------------------------

    def pause(self) -> None:
        """Stop running callbacks until ``unpause`` (calls nest)."""
        self.paused += 1

    def unpause(self) -> None:
        """Undo one ``pause``; when none is left and a result is here, run the callbacks."""
        if self.paused == 0:
            return
        self.paused -= 1
        if self.paused == 0 and self.called:
            self._runCallbacks()

    def cancel(self) -> None:
        """Give up on the result.

        Not fired yet: the canceller (if any) runs, and if the Deferred is still unfired it
        errbacks with ``CancelledError``. Waiting on an inner Deferred: that one is cancelled.
        Already fired: nothing happens.
        """
        if not self.called:
            canceller = self._canceller
            if canceller is not None:
                try:
                    canceller(self)
                except BaseException:
                    if not self.called:
                        self.errback(Failure())
                        self._suppressAlreadyCalled = True
                        return
                    raise
            if not self.called:
                self.errback(Failure(CancelledError()))
                self._suppressAlreadyCalled = True
        elif isinstance(self.result, Deferred):
            self.result.cancel()

    def addTimeout(
        self,
        timeout: float,
        clock: Any,
        onTimeoutCancel: Callable[[Any, float], Any] | None = None,
    ) -> Deferred[_T]:
        """Cancel this Deferred if it has not fired ``timeout`` seconds from now.

        ``clock`` is anything with ``callLater`` (a reactor or ``reactor.task.Clock``). On
        timeout the CancelledError becomes ``TimeoutError`` (or whatever ``onTimeoutCancel
        (result, timeout)`` returns). The timer is cancelled as soon as the Deferred fires.
        """
        timedOut = False

        def timeItOut() -> None:
            nonlocal timedOut
            timedOut = True
            self.cancel()

        delayedCall = clock.callLater(timeout, timeItOut)

        def convertCancelled(result: object) -> object:
            if timedOut:
                if onTimeoutCancel is not None:
                    return onTimeoutCancel(result, timeout)
                if isinstance(result, Failure) and result.check(CancelledError):
                    raise TimeoutError(f"Deferred timed out after {timeout} seconds")
            return result

        def cancelTimeout(result: object) -> object:
            if delayedCall.active():
                delayedCall.cancel()
            return result

        self.addBoth(convertCancelled)
        self.addBoth(cancelTimeout)
        return self

    # -- introspection --------------------------------------------------------------------------

    def creationSite(self) -> CreationSite | None:
        """The function and line that created this Deferred.

        None for a Deferred made by ``succeed()`` outside debug mode, which skips the cost.
        """
        createdIn = self._createdIn
        if createdIn is None:
            return None
        return CreationSite(createdIn, self._createdLasti)

    def __repr__(self) -> str:
        if not self.called:
            state = "waiting"
        elif isinstance(self.result, Deferred):
            state = f"waiting on {self.result!r}"
        else:
            state = f"current result: {self.result!r}"
        return f"<Deferred at {id(self):#x} {state}>"

    # -- the chain engine ---------------------------------------------------------------------

    def _handOff(self) -> Any:
        """Give this Deferred's result to another party; a Failure becomes its responsibility."""
        result = self.result
        if type(result) in failureTypes:
            self._handedOff = result
            report = self._report
            if report is not None:
                report.disarm()
                self._report = None
        return result

    def _runCallbacks(self) -> None:
        if self._runningCallbacks:
            # A callback added a callback to its own Deferred: the running loop will reach it.
            return
        chain: list[Deferred[Any]] = [self]
        while chain:
            current = chain[-1]
            if current.paused:
                # Paused by the user (or waiting on an inner Deferred): unpause resumes it.
                if type(current.result) in failureTypes:
                    current._reportIfUnhandled()
                chain.pop()
                continue
            if current._report is not None:
                # Someone is about to look at the failure again.
                current._report.disarm()
                current._report = None
            callbacks = current.callbacks
            result = current.result
            # Whether ``result`` is a Failure, kept up to date with it: type tests are the
            # engine's main cost after the calls themselves (see chainTypes in _failure).
            failed = type(result) in failureTypes
            finished = True
            # ``consumed`` counts the entries this visit has taken from the front of
            # ``callbacks``; they are deleted when the visit ends. Meanwhile the "running" flag
            # makes a re-entrant _runCallbacks on this Deferred return at once, so nobody else
            # takes entries from it, and callbacks added meanwhile are appended where this loop
            # will reach them.
            consumed = 0
            current._runningCallbacks = True
            try:
                for entry in callbacks:
                    consumed += 1
                    # (Unpacking the whole entry is cheaper than indexing three of its items.)
                    if failed:
                        _, _, _, function, args, kwargs = entry
                    else:
                        function, args, kwargs, _, _, _ = entry
                    if function is passthru:
                        continue
                    if function is _HANDOFF:
                        receiver: Deferred[Any] = args
                        if kwargs:
                            # The target of chainDeferred: it must not have fired yet.
                            if receiver.called:
                                if receiver._suppressAlreadyCalled:
                                    receiver._suppressAlreadyCalled = False
                                else:
                                    result = current.result = Failure(
                                        AlreadyCalledError(receiver._alreadyCalledMessage())
                                    )
                                    failed = True
                                continue
                            receiver.called = True
                        else:
                            receiver.paused -= 1
                        # Hand the result over: a Failure becomes the receiver's to report.
                        if failed:
                            current._handedOff = result
                        receiver.result = result
                        # Relay: while the receiver has nothing to do but hand the result on to
                        # the Deferred waiting on it (the shape of every level of a chain of
                        # nested Deferreds but the outer-most), do that here instead of a whole
                        # visit. Such a receiver is not paused, has no report armed (it was
                        # waiting) and runs no code, so this is all its visit would do.
                        while not receiver.paused and len(receiver.callbacks) == 1:
                            entry = receiver.callbacks[0]
                            if entry[0] is not _HANDOFF or entry[2]:
                                break
                            if failed:
                                receiver._handedOff = result
                            receiver.callbacks.clear()
                            receiver = entry[1]
                            receiver.paused -= 1
                            receiver.result = result
                        finished = False
                        if consumed == len(callbacks):
                            # Nothing after the hand-off: this Deferred is done, so the
                            # receiver takes its place on the stack instead of going on top.
                            # A chain of N waiting Deferreds then unwinds in one visit each.
                            chain[-1] = receiver
                        else:
                            chain.append(receiver)
                        break

                    try:
                        if kwargs:
                            if kwargs is _ONE_ARG:
                                result = function(result, args)
                            else:
                                result = function(result, *args, **kwargs)
                        elif args:
                            result = function(result, *args)
                        else:
                            result = function(result)
                    except BaseException:
                        result = Failure()
                        failed = True
                    else:
                        resultType = type(result)
                        if resultType not in chainTypes:
                            failed = False
                        elif resultType is Failure or resultType in failureTypes:
                            failed = True
                        else:
                            inner: Deferred[Any] = result
                            if inner is current:
                                result = Failure(
                                    TypeError(
                                        "a callback returned the Deferred it was added to; "
                                        "a Deferred cannot wait on itself"
                                    )
                                )
                            elif (
                                inner.called
                                and not inner.paused
                                and not inner._runningCallbacks
                                and not inner.callbacks
                            ):
                                # Already settled: take its result now, no waiting needed.
                                result = inner._handOff()
                            else:
                                current.result = inner
                                current.paused += 1
                                inner.callbacks.append(
                                    (_HANDOFF, current, False, _HANDOFF, current, False)
                                )
                                # Waiting now: leave the stack at once (the continuation added
                                # above brings this Deferred back).
                                finished = False
                                chain.pop()
                                if (
                                    inner.called
                                    and not inner.paused
                                    and not inner._runningCallbacks
                                ):
                                    # Its own loop is suspended lower on some stack: make sure
                                    # the continuation runs by working on it here.
                                    chain.append(inner)
                                break
                            failed = type(result) in failureTypes
                    current.result = result
                    if current.paused > 0:
                        # The callback paused its own Deferred: stop here; unpause resumes.
                        finished = False
                        break
            finally:
                current._runningCallbacks = False
                if consumed:
                    del callbacks[:consumed]

            if finished:
                if failed and result is not current._handedOff:
                    current._report = UnhandledFailureReport(
                        result,
                        current.creationSite(),
                        current._creationStack,
                        current._firstFireStack,
                    )
                chain.pop()

    def _reportIfUnhandled(self) -> None:
        """Arm the unhandled-error report if this (paused) Deferred holds a Failure."""
        result = self.result
        if type(result) in failureTypes and self._report is None and result is not self._handedOff:
            self._report = UnhandledFailureReport(
                result,
                self.creationSite(),
                self._creationStack,
                self._firstFireStack,
            )

    # -- await and coroutine support ----------------------------------------------------------

    def __await__(self) -> Generator[Deferred[_T], Any, _T]:
        """``await d`` inside a coroutine run by ``fromCoroutine``/``ensureDeferred``.

        A fired Deferred returns at once, without a trip through the driver; an unfired one is
        yielded to the driver, which resumes the coroutine from this Deferred's callback.
        """
        while not self.called or self.paused:
            yield self
        result = self.result
        if type(result) in failureTypes:
            self._handOff()
            raise result.value.with_traceback(result.tb)
        return result  # type: ignore[no-any-return]

    __iter__ = __await__

    @classmethod
    def fromCoroutine(cls, coro: Coroutine[Any, Any, _U]) -> Deferred[_U]:
        """Run ``coro`` (an ``async def`` call), awaiting Deferreds; its return fires the result.

        Cancelling the returned Deferred cancels the Deferred the coroutine is awaiting.
        """
        from ._inline import runCoroutine

        return runCoroutine(coro)

    @classmethod
    def fromFuture(cls, future: asyncio.Future[_U]) -> Deferred[_U]:
        """A Deferred fired by an asyncio Future's outcome; cancelling it cancels the future."""
        import asyncio

        def cancelFuture(d: Deferred[_U]) -> None:
            future.cancel()

        d: Deferred[_U] = Deferred(cancelFuture)

        def adapt(done: asyncio.Future[_U]) -> None:
            if d.called:
                return
            try:
                outcome: object = done.result()
            except asyncio.CancelledError:
                outcome = Failure(CancelledError("the asyncio Future was cancelled"))
            except BaseException:
                outcome = Failure()
            d._fire(outcome)

        future.add_done_callback(adapt)
        return d

    def asFuture(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[_T]:
        """An asyncio Future on ``loop`` completed by this Deferred; cancelling it cancels this.

        Call it from the loop's own thread.
        """
        future: asyncio.Future[_T] = loop.create_future()

        def succeeded(result: _T) -> _T:
            if not future.done():
                future.set_result(result)
            return result

        def failed(failure: Failure) -> Failure:
            # The future now carries the failure; this Deferred keeps it, but unreported.
            self._handOff()
            if not future.done():
                future.set_exception(failure.value)
            return failure

        def futureDone(done: asyncio.Future[_T]) -> None:
            if done.cancelled():
                self.cancel()

        self.addCallbacks(succeeded, failed)
        future.add_done_callback(futureDone)
        return future


def succeed(result: _T) -> Deferred[_T]:
    """A Deferred that has already fired with ``result``."""
    # Hot (every ``yield succeed(x)``): builds the Deferred without __init__'s frame walk; the
    # caller's frame is known to be the creation site. Keep in step with Deferred.__init__.
    d: Deferred[_T] = _newObject(Deferred)
    d.callbacks = []
    d.paused = 0
    d._runningCallbacks = False
    d._report = None
    # The creation site is recorded in debug mode only: it cost a quarter of a succeed(), and a
    # Deferred that starts with a value seldom ends unhandled -- when one does, the Failure's
    # traceback names the callback that raised, and debug mode tells the rest.
    if _debug._debugging:
        frame = sys._getframe(1)
        d._createdIn = frame.f_code
        d._createdLasti = frame.f_lasti
        d._creationStack = _debug.formatStack(frame)
    else:
        d._createdIn = None
    d.called = True
    d.result = result
    return d


def fail(result: Failure | BaseException | None = None) -> Deferred[Any]:
    """A Deferred that has already failed with ``result`` (default: the exception being handled)."""
    d: Deferred[Any] = Deferred()
    d.errback(result)
    return d


# Overloads, because a single ``Deferred[T] | Coroutine[..., T] | T`` return type leaves mypy
# unable to solve T: it rejected ``maybeDeferred(f)`` for any f returning a Deferred or coroutine.
@overload
def maybeDeferred(
    f: Callable[_P, Deferred[_T]], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]: ...


@overload
def maybeDeferred(
    f: Callable[_P, Coroutine[Any, Any, _T]], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]: ...


@overload
def maybeDeferred(f: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]: ...


def maybeDeferred(
    f: Callable[_P, Deferred[_T] | Coroutine[Any, Any, _T] | _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> Deferred[_T]:
    """Call ``f`` and always get a Deferred: its result, its exception, its Deferred as is, or
    its coroutine run by ``fromCoroutine``."""
    try:
        result = f(*args, **kwargs)
    except BaseException:
        return fail(Failure())
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Failure):
        return fail(result)
    if isinstance(result, Coroutine):
        return Deferred.fromCoroutine(result)
    return succeed(result)


registerChainType(Deferred, deferredTypes)
