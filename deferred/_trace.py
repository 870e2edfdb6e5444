"""Tracing Deferreds: a hook told of every firing, callback, pause and resume.

This module owns :func:`setTracing` and :class:`TraceStep`. ``setTracing(hook)`` makes every
Deferred report its steps as ``hook(event, step)``; ``setTracing(None)`` turns that off. It
does not own the chain engine (``deferred._deferred``) and changes nothing about how chains run.

The events, with what the :class:`TraceStep` carries:

``"fired"``
    ``callback``/``errback`` was called: ``step.value`` is the result (or Failure) it got.
``"callback"`` / ``"errback"``
    A callback (success side) or errback (failure side) is about to run: ``step.function`` is
    it, ``step.value`` its input.
``"paused"``
    That callback returned a Deferred that has no result yet: the chain waits for it
    (``step.value`` is the inner Deferred).
``"unpaused"``
    The inner Deferred fired; the chain goes on with ``step.value``.

Why the methods are swapped instead of a flag tested on every step: tracing must cost nothing
when it is off, and the chain engine is the hottest code of the package. So while tracing is
on, ``Deferred.callback``/``errback``/``_fire`` and the four ``add*`` methods are replaced *on
the class* by variants that emit an event and delegate to the originals; the ``add*`` variants
wrap each callback in a small object that emits ``"callback"``/``"errback"`` (and ``"paused"``
when it returns a waiting Deferred) around the real call. Turning tracing off puts the original
methods back, so an untraced program runs exactly the code it ran before this module existed.
(Rejected: a copy of the chain engine with hook calls in it -- two copies of the most delicate
code in the package would drift apart.)

What follows from that design, and is documented for users:

* Only callbacks added while tracing is on are traced; a Deferred created by ``succeed`` or
  fired inside the engine (the target of ``chainDeferred``) reports no ``"fired"`` event.
* A traced callback shows one extra frame (``_TracedFunction.__call__``) in tracebacks.
* ``"unpaused"`` comes from a pass-through step added to the inner Deferred just before the
  engine's own hand-back, so it is reported as the inner result reaches the waiting chain.

Threads: tracing is process-wide. ``setTracing`` may be called from any thread (a lock orders
concurrent calls); the hook is called in whichever thread runs the Deferred, so a hook used with
several reactor threads must be thread-safe itself. ``_hook`` is read without the lock by the
traced code: a stale read around a ``setTracing`` call misses or adds one event, nothing worse.
An exception raised by the hook is logged (logger ``deferred``) and tracing goes on.
"""

from __future__ import annotations

import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ._deferred import Deferred, passthru
from ._failure import Failure

__all__ = ["TraceHook", "TraceStep", "getTracing", "setTracing"]

log = logging.getLogger("deferred")

#: What ``setTracing`` takes: ``hook(event, step)``.
TraceHook = Callable[[str, "TraceStep"], None]

# The installed hook; None when tracing is off. Written under _lock by setTracing only; read
# unlocked by the traced methods (see the module docstring).
_hook: TraceHook | None = None
_lock = threading.Lock()

# The methods the traced variants replace, saved from the class at import (before any swap).
_SWAPPED = ("addCallbacks", "addCallback", "addErrback", "addBoth", "callback", "errback", "_fire")
_originals: dict[str, Any] = {name: Deferred.__dict__[name] for name in _SWAPPED}

# Labels ("#1", "#2", ...) given to Deferreds in the order tracing first sees them, so that a
# trace reads the same on every run (an id() would not). Guarded by _lock; weak, so tracing
# keeps no Deferred alive.
_labels: weakref.WeakKeyDictionary[Deferred[Any], str] = weakref.WeakKeyDictionary()
_numbers = itertools.count(1)


class TraceStep:
    """One step of a traced Deferred: which Deferred, which function (if any), which value.

    ``str(step)`` is a one-line description that reads the same on every run, e.g.
    ``Deferred#1 runs callback double(3)``.
    """

    __slots__ = ("deferred", "event", "function", "label", "value")

    def __init__(
        self,
        event: str,
        deferred: Deferred[Any],
        function: Callable[..., Any] | None,
        value: object,
    ) -> None:
        #: The event name (also passed to the hook as its first argument).
        self.event = event
        #: The Deferred whose chain took the step.
        self.deferred = deferred
        #: The callback or errback about to run (``"callback"``/``"errback"`` only).
        self.function = function
        #: The result fired with, the callback's input, the inner Deferred, or the resumed value.
        self.value = value
        #: ``"Deferred#N"``: N counts the Deferreds this trace has seen, in order.
        self.label = labelOf(deferred)

    def __str__(self) -> str:
        event = self.event
        if event == "fired":
            return f"{self.label} fired with {describeValue(self.value)}"
        if event in ("callback", "errback"):
            name = describeFunction(self.function)
            return f"{self.label} runs {event} {name}({describeValue(self.value)})"
        if event == "paused":
            return f"{self.label} paused: waiting on {describeValue(self.value)}"
        if event == "unpaused":
            return f"{self.label} unpaused with {describeValue(self.value)}"
        return f"{self.label} {event} {describeValue(self.value)}"

    def __repr__(self) -> str:
        return f"<TraceStep {self}>"


def labelOf(d: Deferred[Any]) -> str:
    """``"Deferred#N"``, N counting the Deferreds seen since tracing was turned on."""
    with _lock:
        label = _labels.get(d)
        if label is None:
            label = _labels[d] = f"Deferred#{next(_numbers)}"
        return label


def describeValue(value: object) -> str:
    """A short, run-independent description of a value in a trace."""
    if isinstance(value, Deferred):
        return labelOf(value)
    if isinstance(value, Failure):
        return f"Failure({value.type.__name__}: {value.getErrorMessage()})"
    text = repr(value)
    if " at 0x" in text:  # a default repr carries an address: keep only the type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def describeFunction(f: object) -> str:
    """A function's qualified name, without the enclosing functions (``outer.<locals>.``)."""
    if isinstance(f, _TracedFunction):
        f = f.function
    name = getattr(f, "__qualname__", None)
    if not isinstance(name, str):
        return type(f).__name__
    return name.rpartition("<locals>.")[2]


def getTracing() -> TraceHook | None:
    """The installed trace hook, or None when tracing is off."""
    return _hook


def setTracing(hook: TraceHook | None) -> None:
    """Call ``hook(event, step)`` for every step of every Deferred; None turns tracing off.

    Events: ``"fired"``, ``"callback"``, ``"errback"``, ``"paused"``, ``"unpaused"`` (see the
    module :mod:`deferred._trace`). Only callbacks added while tracing is on are reported.
    Off, Deferreds run their original, untraced methods: tracing costs nothing then.
    """
    global _hook, _numbers
    with _lock:
        _hook = hook
        if hook is None:
            for name in _SWAPPED:
                setattr(Deferred, name, _originals[name])
            # The next trace numbers its Deferreds from #1 again.
            _labels.clear()
            _numbers = itertools.count(1)
        else:
            for name in _SWAPPED:
                setattr(Deferred, name, _traced[name])


def _emit(event: str, deferred: Deferred[Any], function: Any, value: object) -> None:
    hook = _hook
    if hook is None:
        return
    try:
        hook(event, TraceStep(event, deferred, function, value))
    except Exception:
        log.exception("Unhandled error in the Deferred trace hook %r", hook)


def _isSettled(d: Deferred[Any]) -> bool:
    # The chain engine's own test for "take the inner result now, no waiting" (keep in step
    # with Deferred._runCallbacks).
    return d.called and not d.paused and not d._runningCallbacks and d._next >= len(d.callbacks)


def _resumed(result: object, waiter: weakref.ref[Deferred[Any]]) -> object:
    # A pass-through step on the inner Deferred, just before the engine's hand-back entry.
    outer = waiter()
    if outer is not None:
        _emit("unpaused", outer, None, result)
    return result


class _TracedFunction:
    """A callback or errback that reports itself before it runs (see the module docstring).

    It holds its Deferred weakly: the Deferred holds it in its callback list.
    """

    __slots__ = ("function", "owner")

    def __init__(self, owner: Deferred[Any], function: Callable[..., Any]) -> None:
        self.owner = weakref.ref(owner)
        self.function = function

    def __repr__(self) -> str:
        return f"<traced {describeFunction(self.function)}>"

    def __call__(self, result: Any, *args: Any, **kwargs: Any) -> Any:
        owner = self.owner()
        if owner is None or _hook is None:
            return self.function(result, *args, **kwargs)
        event = "errback" if isinstance(result, Failure) else "callback"
        _emit(event, owner, self.function, result)
        outcome = self.function(result, *args, **kwargs)
        if isinstance(outcome, Deferred) and outcome is not owner and not _isSettled(outcome):
            _emit("paused", owner, None, outcome)
            # Appended directly (not through addBoth): the inner Deferred must not run it now.
            waiter = weakref.ref(owner)
            outcome.callbacks.append((_resumed, (waiter,), None, _resumed, (waiter,), None))
        return outcome


def _wrap(owner: Deferred[Any], f: Callable[..., Any]) -> Callable[..., Any]:
    # passthru must stay itself: the engine skips it by identity.
    return f if f is passthru else _TracedFunction(owner, f)


# The traced variants. Their signatures match the originals' exactly, keywords included.


def _addCallbacks(
    self: Deferred[Any],
    callback: Callable[..., Any],
    errback: Callable[..., Any] | None = None,
    callbackArgs: tuple[Any, ...] = (),
    callbackKeywords: dict[str, Any] | None = None,
    errbackArgs: tuple[Any, ...] = (),
    errbackKeywords: dict[str, Any] | None = None,
) -> Deferred[Any]:
    return _originals["addCallbacks"](  # type: ignore[no-any-return]
        self,
        _wrap(self, callback),
        None if errback is None else _wrap(self, errback),
        callbackArgs,
        callbackKeywords,
        errbackArgs,
        errbackKeywords,
    )


def _addCallback(
    self: Deferred[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any
) -> Deferred[Any]:
    return _originals["addCallback"](self, _wrap(self, callback), *args, **kwargs)  # type: ignore[no-any-return]


def _addErrback(
    self: Deferred[Any], errback: Callable[..., Any], *args: Any, **kwargs: Any
) -> Deferred[Any]:
    return _originals["addErrback"](self, _wrap(self, errback), *args, **kwargs)  # type: ignore[no-any-return]


def _addBoth(
    self: Deferred[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any
) -> Deferred[Any]:
    return _originals["addBoth"](self, _wrap(self, callback), *args, **kwargs)  # type: ignore[no-any-return]


def _callback(self: Deferred[Any], result: Any) -> None:
    if not self.called and not isinstance(result, Deferred):
        _emit("fired", self, None, result)
    _originals["callback"](self, result)


def _errback(self: Deferred[Any], fail: Failure | BaseException | None = None) -> None:
    if not self.called:
        if fail is None:
            fail = Failure()
        elif isinstance(fail, BaseException):
            fail = Failure(fail)
        if isinstance(fail, Failure):  # anything else: the original raises TypeError
            _emit("fired", self, None, fail)
    _originals["errback"](self, fail)


def _fire(self: Deferred[Any], result: object) -> None:
    if not self.called:
        _emit("fired", self, None, result)
    _originals["_fire"](self, result)


_traced: dict[str, Any] = {
    "addCallbacks": _addCallbacks,
    "addCallback": _addCallback,
    "addErrback": _addErrback,
    "addBoth": _addBoth,
    "callback": _callback,
    "errback": _errback,
    "_fire": _fire,
}
