"""Tracing a reactor: a hook told of every step the loop takes.

This module owns what ``Reactor.setTracing(hook)`` does: while a hook is set, the reactor calls
``hook(event, detail)`` for each step of its loop. It does not own the loop (``reactor._core``
and its hosts) and changes nothing about what the loop does.

The events, with their ``detail``:

``"state"``
    The life cycle moved: ``detail`` is the new state's name -- ``"starting"`` (the "startup"
    triggers run), ``"running"``, ``"stop requested"``, ``"stopping"`` (the "shutdown" triggers
    run), ``"idle"``, ``"closed"`` (and ``"starting, stop requested"``).
``"wait"``
    A polling reactor (select, poll, epoll, kqueue) is about to wait for I/O: ``detail`` is the
    timeout in seconds, or None for "until something happens". (On ``AsyncioReactor`` the
    asyncio loop waits, and there is no such event.)
``"readable"`` / ``"writable"``
    A reader's ``doRead`` / a writer's ``doWrite`` is about to run: ``detail`` is that object.
    (``AsyncioReactor``'s TCP connections are asyncio transports, dispatched by asyncio
    itself: they report none.)
``"wake"``
    The waker woke the loop: calls from other threads (and thread results) are waiting;
    ``detail`` is None. One wake-up serves a whole burst of them.
``"thread call"``
    A ``callFromThread`` call is about to run: ``detail`` is the function.
``"timer"``
    A ``callLater`` call is about to run: ``detail`` is the function.

Why swapping instead of testing a flag: the loop's hot paths must cost nothing when tracing is
off, so none of them tests anything. ``setTracing`` installs traced variants of the few methods
that mark a step -- as attributes of that one reactor instance, shadowing the class's methods
-- plus a traced wrapper around the polling backend (``_traceHost``), and ``setTracing(None)``
deletes them again, leaving the instance as it was. Timers are traced by wrapping the function of
each live ``DelayedCall`` (and of every new one while tracing is on) in a :class:`TracedCall`,
which keeps the function's name in reprs; turning tracing off unwraps the live ones again.

Thread-safety: ``setTracing`` is for the reactor thread (or before the reactor runs), like the
rest of the reactor's API; the hook runs in the reactor thread. Per reactor, so tracing one
reactor leaves the others alone. An exception raised by the hook is logged (logger ``reactor``)
and the loop goes on.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reactor._core import Reactor
    from reactor._timers import DelayedCall
    from reactor.backends import Backend, Readiness

__all__ = ["TraceHook", "TracedBackend", "TracedCall", "Tracer", "setTracing"]

log = logging.getLogger("reactor")

#: What ``Reactor.setTracing`` takes: ``hook(event, detail)``.
TraceHook = Callable[[str, Any], None]

# Instance attributes that shadow the class's methods while tracing is on.
_SHADOWED = ("_move", "_readReady", "_writeReady", "_wokenUp", "callLater")

# The tracer of each traced reactor. Reactor thread only (see the module docstring).
_tracers: weakref.WeakKeyDictionary[Reactor, Tracer] = weakref.WeakKeyDictionary()


class Tracer:
    """The hook of one traced reactor, and a way to call it that never breaks the loop."""

    __slots__ = ("__weakref__", "hook")

    def __init__(self, hook: TraceHook | None) -> None:
        #: The hook; None once tracing was turned off (wrappers left behind then do nothing).
        self.hook = hook

    def emit(self, event: str, detail: object) -> None:
        """Call the hook, logging (not raising) whatever it raises."""
        hook = self.hook
        if hook is None:
            return
        try:
            hook(event, detail)
        except Exception:
            log.exception("Unhandled error in the reactor trace hook %r", hook)


class TracedCall:
    """A timed call's function, reporting ``"timer"`` before it runs (see the module docstring).

    ``__qualname__`` and ``repr`` are the wrapped function's, so ``DelayedCall`` reprs and the
    test plugin's leftover reports read as they would untraced.
    """

    __slots__ = ("function", "tracer")

    def __init__(self, function: Callable[..., object], tracer: Tracer) -> None:
        self.function = function
        self.tracer = tracer

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the wrapper lacks: __qualname__, __name__, __self__...
        return getattr(self.function, name)

    def __repr__(self) -> str:
        return repr(self.function)

    def __call__(self, *args: Any, **kw: Any) -> object:
        self.tracer.emit("timer", self.function)
        return self.function(*args, **kw)


class TracedBackend:
    """A polling backend that reports each ``wait`` (installed by ``PollingReactor._traceHost``)."""

    __slots__ = ("backend", "name", "tracer")

    def __init__(self, backend: Backend, tracer: Tracer) -> None:
        self.backend = backend
        self.tracer = tracer
        self.name = backend.name

    def setInterest(self, fd: int, events: int) -> None:
        """Delegate to the real backend."""
        self.backend.setInterest(fd, events)

    def wait(self, timeout: float | None) -> list[Readiness]:
        """Report ``"wait"`` with the timeout, then wait on the real backend."""
        self.tracer.emit("wait", timeout)
        return self.backend.wait(timeout)

    def close(self) -> None:
        """Delegate to the real backend."""
        self.backend.close()


def setTracing(reactor: Reactor, hook: TraceHook | None) -> None:
    """Trace ``reactor``'s loop through ``hook``, replacing any previous hook; None stops it."""
    old = _tracers.pop(reactor, None)
    if old is not None:
        old.hook = None
        for name in _SHADOWED:
            vars(reactor).pop(name, None)
        reactor._threadCalls._consume = reactor._runThreadCall
        reactor._traceHost(None)
        for call in reactor.getDelayedCalls():
            if isinstance(call.func, TracedCall):
                call.func = call.func.function
    if hook is None:
        return
    tracer = Tracer(hook)
    _tracers[reactor] = tracer
    emit = tracer.emit
    # The class's methods, bound now; the traced variants call them after emitting.
    move = reactor._move
    readReady = reactor._readReady
    writeReady = reactor._writeReady
    wokenUp = reactor._wokenUp
    callLater = reactor.callLater
    runThreadCall = reactor._runThreadCall

    def tracedMove(event: Any) -> None:
        move(event)
        emit("state", reactor._state.value)

    def tracedReadReady(fd: int) -> bool:
        reader = reactor._readers.get(fd)
        if reader is not None:
            emit("readable", reader)
        return readReady(fd)

    def tracedWriteReady(fd: int) -> bool:
        writer = reactor._writers.get(fd)
        if writer is not None:
            emit("writable", writer)
        return writeReady(fd)

    def tracedWokenUp() -> None:
        emit("wake", None)
        wokenUp()

    def tracedCallLater(
        delay: float, f: Callable[..., object], /, *args: Any, **kw: Any
    ) -> DelayedCall:
        return callLater(delay, TracedCall(f, tracer), *args, **kw)

    def tracedRunThreadCall(call: tuple[Callable[..., object], Any, Any]) -> None:
        emit("thread call", call[0])
        runThreadCall(call)

    traced: dict[str, Any] = {
        "_move": tracedMove,
        "_readReady": tracedReadReady,
        "_writeReady": tracedWriteReady,
        "_wokenUp": tracedWokenUp,
        "callLater": tracedCallLater,
    }
    vars(reactor).update(traced)
    reactor._threadCalls._consume = tracedRunThreadCall
    for call in reactor.getDelayedCalls():
        call.func = TracedCall(call.func, tracer)
    reactor._traceHost(tracer)
