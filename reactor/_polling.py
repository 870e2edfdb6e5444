"""Reactors that run their own loop over a readiness backend (select, poll, epoll, kqueue).

This module owns the loop itself -- one pass: begin a requested shutdown, wait for readiness
until the next timer deadline, dispatch ready descriptors, run due timers -- and the four
reactor classes that pair :class:`PollingReactor` with a backend from :mod:`reactor.backends`.
Everything else (what dispatching means, the life cycle, threads) is the core's
(:mod:`reactor._core`).

Why this order in a pass: I/O first, then timers, so that a timer due "now" never waits behind a
burst of I/O longer than one pass, and I/O never waits behind more than the timers that were due
when the pass began (``TimerQueue.runDue`` takes a snapshot). Calls from other threads arrive
through the waker, as ordinary I/O.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from reactor._core import Reactor
from reactor._state import State
from reactor.backends import READ, WRITE, Backend
from reactor.interfaces import IReactorTCP

if TYPE_CHECKING:
    from reactor._trace import Tracer
    from reactor.tcp import Connector, Port
from reactor.error import WrongThreadError

__all__ = ["EPollReactor", "KQueueReactor", "PollReactor", "PollingReactor", "SelectReactor"]

# Module constants: the loop reads them on every pass, and a global load is cheaper than reading
# an Enum member through its class (~0.2 us on 3.11) or ``time.monotonic`` through the module.
_RUNNING = State.RUNNING
_STOP_REQUESTED = State.STOP_REQUESTED
_IDLE = State.IDLE
_CLOSED = State.CLOSED
_monotonic = time.monotonic
_getIdent = threading.get_ident


class PollingReactor(Reactor):
    """A reactor whose loop waits on a :class:`reactor.backends.Backend`."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self._backend = backend
        # The waker is watched for the whole life of the reactor, never listed as a reader. Its
        # descriptor number never changes (until close(), after which no pass runs), so the
        # pass compares against a copy instead of calling fileno() each time.
        self._wakerFd = self._waker.fileno()
        backend.setInterest(self._wakerFd, READ)

    @property
    def backendName(self) -> str:
        """The backend's name: "select", "poll", "epoll" or "kqueue"."""
        return self._backend.name

    def _watch(self, fd: int, events: int) -> None:
        self._backend.setInterest(fd, events)

    def _traceHost(self, tracer: Tracer | None) -> None:
        # Tracing wraps the backend so every wait is reported; _passes itself stays untouched.
        from reactor._trace import TracedBackend

        backend = self._backend
        if isinstance(backend, TracedBackend):
            self._backend = backend = backend.backend
        if tracer is not None:
            self._backend = TracedBackend(backend, tracer)

    def _runLoop(self) -> None:
        self._passes(None, False)

    def iterate(self, delay: float = 0) -> None:
        """Run one pass: wait at most ``delay`` seconds for I/O (less if a timer is due sooner),
        dispatch it, run the timers that are due. Usable whether or not the reactor runs.

        :raises WrongThreadError: if another thread is running the reactor.
        """
        outer = self._loopThread
        if outer is None:
            self._loopThread = _getIdent()
        elif outer != _getIdent():
            raise WrongThreadError("iterate() was called while another thread runs the reactor")
        try:
            self._passes(delay, True)
        finally:
            self._loopThread = outer

    def _passes(self, maxWait: float | None, once: bool) -> None:
        # Run passes (see the module docstring) until the state is IDLE or CLOSED, or just one
        # with ``once``, waiting at most ``maxWait`` seconds each (None: until I/O or a timer).
        #
        # The hot path of every reactor on a polling backend: one pass per message of a
        # ping-pong. Written for speed; each step was measured in instructions (callgrind):
        # * one loop for run() and iterate(): a method call per pass was ~5% of a ping-pong
        #   message on a socket pair;
        # * _advance() inlined for the common case (it acts only on STOP_REQUESTED);
        # * the timer queue is asked only when it holds entries: its two lists are read
        #   directly (two method calls per pass were a quarter of an idle pass; TimerQueue
        #   keeps its heap non-empty while it runs calls it took out of it, see _takeDue);
        # * a readable-only (writable-only) descriptor goes straight to _readReady
        #   (_writeReady), which is all _ready would do with it.
        # The methods tracing shadows (_readReady, _writeReady, _wokenUp) are still looked up
        # on the instance each time, and the backend through self._backend: tracing may be
        # turned on or off by any callback.
        timers = self._timers
        while True:
            state = self._state
            if state is not _RUNNING:
                if state is _STOP_REQUESTED:
                    self._advance()
                    state = self._state
                if not once and (state is _IDLE or state is _CLOSED):
                    return
            timeout = maxWait
            if timers._heap or timers._pending:
                deadline = timers.nextDeadline()
                if deadline is not None:
                    untilDeadline = deadline - _monotonic()
                    if untilDeadline < 0:
                        untilDeadline = 0
                    if timeout is None or untilDeadline < timeout:
                        timeout = untilDeadline
            ready = self._backend.wait(timeout)
            if ready:
                wakerFd = self._wakerFd
                for fd, mask in ready:
                    if fd == wakerFd:
                        self._wokenUp()
                    elif mask == READ:
                        self._readReady(fd)
                    elif mask == WRITE:
                        self._writeReady(fd)
                    else:
                        self._ready(fd, mask)
            if timers._heap or timers._pending:
                timers.runDue(self._timedCallFailed)
            if once:
                return

    def _closeHost(self) -> None:
        self._backend.close()

    # TCP lives in reactor.tcp (imported on first use); these only delegate.

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Port:
        """Listen on ``interface``:``port`` for ``factory``; see :func:`reactor.tcp.listenTCP`."""
        from reactor.tcp import listenTCP

        return listenTCP(self, port, factory, backlog, interface)

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to ``host``:``port`` for ``factory``; see :func:`reactor.tcp.connectTCP`."""
        from reactor.tcp import connectTCP

        return connectTCP(self, host, port, factory, timeout, bindAddress)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state.value}>"


class SelectReactor(PollingReactor):
    """A reactor on ``select()``: everywhere, but only descriptors below 1024."""

    def __init__(self) -> None:
        from reactor.backends.select import SelectBackend

        super().__init__(SelectBackend())


class PollReactor(PollingReactor):
    """A reactor on ``poll()``: POSIX, no descriptor-number limit."""

    def __init__(self) -> None:
        from reactor.backends.poll import PollBackend

        super().__init__(PollBackend())


class EPollReactor(PollingReactor):
    """A reactor on ``epoll`` (Linux): the default there."""

    def __init__(self) -> None:
        from reactor.backends.epoll import EPollBackend

        super().__init__(EPollBackend())


class KQueueReactor(PollingReactor):
    """A reactor on ``kqueue`` (macOS, BSD): the default there.

    :raises ImportError: where the OS has no kqueue.
    """

    def __init__(self) -> None:
        from reactor.backends.kqueue import KQueueBackend

        super().__init__(KQueueBackend())


classImplements(PollingReactor, IReactorTCP)
