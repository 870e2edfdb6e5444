"""The reactor core hosted on an asyncio event loop (and so on uvloop).

This module owns :class:`AsyncioReactor`: the same core as every other reactor
(:mod:`reactor._core`), but asyncio does the waiting. Readers and writers become
``loop.add_reader``/``loop.add_writer`` registrations, the waker is one more reader, and the
timer heap arms a single ``loop.call_later`` for its earliest deadline (re-armed through
``TimerQueue.onEarlierDeadline`` whenever an earlier call is scheduled, and after each run of due
calls). asyncio's own timers and callbacks are untouched, so asyncio libraries can share the
thread.

Two ways to run it:

* ``run()`` runs the loop itself until the reactor stops (the loop must not be running yet);
* ``startRunning()``, from a coroutine on an already running loop, starts the reactor without
  blocking; ``stop()`` then shuts it down while the loop keeps going.

Registrations stay on the loop while the reactor is idle (as in Twisted's asyncio reactor): if
someone else runs the loop meanwhile, ready descriptors, due timers and calls from threads are
dispatched then. With an owned loop nobody does, so they wait for the next ``run()``.

Descriptors the loop refuses (a regular file under an epoll selector: ``EPERM``) are treated as
always ready, as select() and poll() treat them: dispatched once per loop iteration through
``call_soon`` while watched.
"""

from __future__ import annotations

import asyncio
import errno
import threading
import time
from typing import TYPE_CHECKING, Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from reactor._core import Reactor
from reactor._state import State
from reactor.backends import READ, WRITE
from reactor.interfaces import IReactorTCP

if TYPE_CHECKING:
    from reactor._asyncio_tcp import AsyncioPort
    from reactor.tcp import Connector, Port
from reactor.error import WrongThreadError

__all__ = ["AsyncioReactor"]


class AsyncioReactor(Reactor):
    """A reactor hosted on an asyncio event loop.

    ``loop`` defaults to the loop running in this thread, else a new one. ``ownLoop`` says
    whether :meth:`close` closes the loop too; by default, only a loop the reactor created.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None = None, *, ownLoop: bool | None = None
    ) -> None:
        super().__init__()
        created = False
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = asyncio.new_event_loop()
                created = True
        self._loop = loop
        self._ownLoop = created if ownLoop is None else ownLoop
        # fd -> READ|WRITE registered with the loop; fd -> READ|WRITE for descriptors the loop
        # refused and that we pump with call_soon instead. Reactor thread only.
        self._registered: dict[int, int] = {}
        self._alwaysReady: dict[int, int] = {}
        self._pumpScheduled = False
        # The loop timer standing for our earliest deadline, and that deadline.
        self._timerHandle: asyncio.Handle | None = None
        self._armedDeadline: float | None = None
        # True while run()/iterate() is running the loop on our behalf: then reaching IDLE
        # (or, for iterate, any dispatch) stops the loop.
        self._drivingLoop = False
        self._iterating = False
        self._timers.onEarlierDeadline = self._armTimer
        loop.add_reader(self._waker.fileno(), self._onWaker)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The asyncio loop this reactor runs on."""
        return self._loop

    # --- running ----------------------------------------------------------------------------

    def _checkCanRun(self) -> None:
        if self._loop.is_running():
            raise RuntimeError(
                "cannot run(): the asyncio loop is already running; from a coroutine on that "
                "loop use reactor.startRunning() instead"
            )

    def _runLoop(self) -> None:
        self._drivingLoop = True
        try:
            self._advance()
            while self._state is not State.IDLE and self._state is not State.CLOSED:
                self._loop.run_forever()
        finally:
            self._drivingLoop = False

    def startRunning(self) -> None:
        """Start the reactor on the asyncio loop running in this thread, without blocking.

        No signal handlers are installed. ``stop()`` shuts it down; the loop keeps running.

        :raises RuntimeError: if this reactor's loop is not the one running in this thread.
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self._loop:
            raise RuntimeError(
                "startRunning() must be called from a coroutine or callback running on this "
                "reactor's asyncio loop; to run the loop yourself, use run()"
            )
        self._begin()

    def iterate(self, delay: float = 0) -> None:
        """Run the asyncio loop until something of ours was dispatched or ``delay`` passed.

        With ``delay`` 0: one iteration of the asyncio loop. (uvloop's ``stop()`` lets
        callbacks queued in the meantime run before it returns, so there it may be a few.)

        :raises WrongThreadError: if another thread is running the reactor.
        :raises RuntimeError: if the asyncio loop is already running.
        """
        outer = self._loopThread
        if outer is not None and outer != threading.get_ident():
            raise WrongThreadError("iterate() was called while another thread runs the reactor")
        self._checkCanRun()
        if outer is None:
            self._loopThread = threading.get_ident()
        self._iterating = True
        handle = self._loop.call_later(delay, self._loop.stop)
        try:
            self._advance()
            self._loop.run_forever()
        finally:
            handle.cancel()
            self._iterating = False
            self._loopThread = outer

    def _stateChanged(self) -> None:
        state = self._state
        if state is State.STOP_REQUESTED:
            # Begin the shutdown from the loop, after the current callback (as a pass would).
            self._loop.call_soon(self._advanceFromLoop)
        elif state is State.IDLE:
            if not self._drivingLoop:
                # Started with startRunning(): nobody else leaves the loop thread for us.
                self._loopThread = None
            elif self._loop.is_running():
                self._loop.stop()

    def _advanceFromLoop(self) -> None:
        self._advance()

    def _afterDispatch(self) -> None:
        if self._iterating:
            self._loop.stop()

    # --- descriptors ------------------------------------------------------------------------

    def _watch(self, fd: int, events: int) -> None:
        if fd in self._alwaysReady:
            if events:
                self._alwaysReady[fd] = events
            else:
                del self._alwaysReady[fd]
            return
        old = self._registered.get(fd, 0)
        loop = self._loop
        try:
            if events & READ and not old & READ:
                loop.add_reader(fd, self._onReadable, fd)
            elif old & READ and not events & READ:
                loop.remove_reader(fd)
            if events & WRITE and not old & WRITE:
                loop.add_writer(fd, self._onWritable, fd)
            elif old & WRITE and not events & WRITE:
                loop.remove_writer(fd)
        except OSError as e:
            if e.errno != errno.EPERM:
                raise
            # Regular files and the like: always ready (module docstring).
            self._unregister(fd, old)
            self._registered.pop(fd, None)
            self._alwaysReady[fd] = events
            self._schedulePump()
            return
        if events:
            self._registered[fd] = events
        else:
            self._registered.pop(fd, None)

    def _unregister(self, fd: int, events: int) -> None:
        if events & READ:
            self._loop.remove_reader(fd)
        if events & WRITE:
            self._loop.remove_writer(fd)

    def _onReadable(self, fd: int) -> None:
        self._readReady(fd)
        self._afterDispatch()

    def _onWritable(self, fd: int) -> None:
        self._writeReady(fd)
        self._afterDispatch()

    def _onWaker(self) -> None:
        self._wokenUp()
        self._afterDispatch()

    def _schedulePump(self) -> None:
        if not self._pumpScheduled:
            self._pumpScheduled = True
            self._loop.call_soon(self._pumpAlwaysReady)

    def _pumpAlwaysReady(self) -> None:
        self._pumpScheduled = False
        for fd, events in list(self._alwaysReady.items()):
            if events & READ:
                self._readReady(fd)
            if events & WRITE and fd in self._alwaysReady:
                self._writeReady(fd)
        if self._alwaysReady:
            self._schedulePump()
        self._afterDispatch()

    # --- time -------------------------------------------------------------------------------

    def _armTimer(self, deadline: float) -> None:
        armed = self._armedDeadline
        if armed is not None and armed <= deadline:
            return
        if self._timerHandle is not None:
            self._timerHandle.cancel()
        self._armedDeadline = deadline
        delay = deadline - time.monotonic()
        if delay > 0:
            # Relative delay: the loop's clock need not be time.monotonic (uvloop's is not).
            self._timerHandle = self._loop.call_later(delay, self._onTimer)
        else:
            # Already due. Not call_later(0): libuv (uvloop) runs a zero timer added while its
            # timers run in that same pass, so a call rescheduling itself with delay 0 would
            # starve I/O; call_soon waits for the next iteration on every loop.
            self._timerHandle = self._loop.call_soon(self._onTimer)

    def _onTimer(self) -> None:
        self._timerHandle = None
        self._armedDeadline = None
        try:
            self._runDueTimers()
        finally:
            # Also when the loop's clock woke us a hair early: re-arm for what is left.
            deadline = self._timers.nextDeadline()
            if deadline is not None:
                self._armTimer(deadline)
        self._afterDispatch()

    # --- TCP: which transports ---------------------------------------------------------------

    @property
    def usesLoopTransports(self) -> bool:
        """Whether TCP rides on the loop's own transports (uvloop) or on treadle's (asyncio).

        uvloop's transports are C: the bytes move without Python, so connections wrap them
        (:mod:`reactor._asyncio_tcp`). The standard library's are Python, slower than treadle's
        readiness transports (:mod:`reactor.tcp`) and heavier: an idle connection costs ~1.7
        KiB wrapped against ~1.1 KiB as treadle's own, with readers and writers on the loop.
        """
        return type(self._loop).__module__.partition(".")[0] == "uvloop"

    def listenTCP(
        self, port: int, factory: Any, backlog: int = 50, interface: str = ""
    ) -> AsyncioPort | Port:
        """Listen on ``interface``:``port``; see :attr:`usesLoopTransports` for the transports."""
        if self.usesLoopTransports:
            from reactor._asyncio_tcp import listenTCP as listenWithLoopTransports

            return listenWithLoopTransports(self, port, factory, backlog, interface)
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
        """Connect to ``host``:``port``; see :attr:`usesLoopTransports` for the transports."""
        if self.usesLoopTransports:
            from reactor._asyncio_tcp import connectTCP as connectWithLoopTransports

            return connectWithLoopTransports(self, host, port, factory, timeout, bindAddress)
        from reactor.tcp import connectTCP

        return connectTCP(self, host, port, factory, timeout, bindAddress)

    # --- closing ----------------------------------------------------------------------------

    def _closeHost(self) -> None:
        loop = self._loop
        if self._timerHandle is not None:
            self._timerHandle.cancel()
            self._timerHandle = None
        if not loop.is_closed():
            for fd, events in list(self._registered.items()):
                self._unregister(fd, events)
            loop.remove_reader(self._waker.fileno())
        self._registered.clear()
        self._alwaysReady.clear()
        if self._ownLoop and not loop.is_closed():
            loop.close()

    def __repr__(self) -> str:
        return f"<AsyncioReactor {self._state.value} on {self._loop!r}>"


classImplements(AsyncioReactor, IReactorTCP)
