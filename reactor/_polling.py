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
from reactor.backends import READ, Backend
from reactor.interfaces import IReactorTCP

if TYPE_CHECKING:
    from reactor._trace import Tracer
    from reactor.tcp import Connector, Port
from reactor.error import WrongThreadError

__all__ = ["EPollReactor", "KQueueReactor", "PollReactor", "PollingReactor", "SelectReactor"]


class PollingReactor(Reactor):
    """A reactor whose loop waits on a :class:`reactor.backends.Backend`."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self._backend = backend
        # The waker is watched for the whole life of the reactor, never listed as a reader.
        backend.setInterest(self._waker.fileno(), READ)

    @property
    def backendName(self) -> str:
        """The backend's name: "select", "poll", "epoll" or "kqueue"."""
        return self._backend.name

    def _watch(self, fd: int, events: int) -> None:
        self._backend.setInterest(fd, events)

    def _traceHost(self, tracer: Tracer | None) -> None:
        # Tracing wraps the backend so every wait is reported; _pass itself stays untouched.
        from reactor._trace import TracedBackend

        backend = self._backend
        if isinstance(backend, TracedBackend):
            self._backend = backend = backend.backend
        if tracer is not None:
            self._backend = TracedBackend(backend, tracer)

    def _runLoop(self) -> None:
        while True:
            self._advance()
            if self._state is State.IDLE or self._state is State.CLOSED:
                return
            self._pass(None)

    def iterate(self, delay: float = 0) -> None:
        """Run one pass: wait at most ``delay`` seconds for I/O (less if a timer is due sooner),
        dispatch it, run the timers that are due. Usable whether or not the reactor runs.

        :raises WrongThreadError: if another thread is running the reactor.
        """
        outer = self._loopThread
        if outer is None:
            self._loopThread = threading.get_ident()
        elif outer != threading.get_ident():
            raise WrongThreadError("iterate() was called while another thread runs the reactor")
        try:
            self._advance()
            self._pass(delay)
        finally:
            self._loopThread = outer

    def _pass(self, maxWait: float | None) -> None:
        timeout = maxWait
        deadline = self._timers.nextDeadline()
        if deadline is not None:
            untilDeadline = deadline - time.monotonic()
            if untilDeadline < 0:
                untilDeadline = 0
            if timeout is None or untilDeadline < timeout:
                timeout = untilDeadline
        wakerFd = self._waker.fileno()
        for fd, mask in self._backend.wait(timeout):
            if fd == wakerFd:
                self._wokenUp()
            else:
                self._ready(fd, mask)
        self._runDueTimers()

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
