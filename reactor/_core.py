"""The reactor core shared by every backend: life cycle, triggers, time, descriptors, threads.

This module owns :class:`Reactor`, the part of a reactor that does not depend on how it waits:

* the life cycle (``run``/``stop``/``crash``/``iterate``), driven by the state machine in
  :mod:`reactor._state` and the system event triggers of :mod:`reactor._triggers`;
* timed calls, kept in a :class:`reactor._timers.TimerQueue` on ``time.monotonic``;
* the reader/writer tables and what happens when a descriptor is ready, hung up, or its
  ``doRead``/``doWrite`` fails;
* ``callFromThread``, through a :class:`reactor._handoff.HandoffQueue` and one waker;
* signal handling during ``run()`` (:mod:`reactor._signals`) and error logging.

It does not own waiting. A *host* subclass does: :class:`reactor._polling.PollingReactor`
drives a readiness backend (select, poll, epoll, kqueue) in its own loop, and
:class:`reactor._asyncio.AsyncioReactor` lets an asyncio event loop do the waiting. A host
implements the hooks at the bottom of :class:`Reactor` (``_watch``, ``_runLoop``, ``iterate``,
``_stateChanged``, and optionally ``_checkCanRun``/``_closeHost``) and nothing else.

Errors: an exception escaping a timed call, a call from a thread, a trigger or a
``connectionLost`` is logged with its traceback on the stdlib logger ``"reactor"`` and the loop
goes on; a ``doRead``/``doWrite`` that raises (or returns a Failure or an exception) gets only
its own descriptor dropped. ``KeyboardInterrupt``/``SystemExit`` and other non-``Exception``
``BaseException``\\ s are not swallowed: they end ``run()``, which first crashes the reactor so
it can be run again.

Threads: a reactor belongs to the thread that runs it. Only ``callFromThread`` (and
``wakeups``/``statistics``) may be used from other threads. ``callLater`` checks, and raises
:class:`reactor.error.WrongThreadError` from another thread while the reactor runs; the other
methods do not pay for a check and are simply unsafe from other threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import attrs
from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor._handoff import Call, CallQueue, HandoffQueue
from reactor._signals import signalsHandled
from reactor._state import Event, State, transition
from reactor._timers import DelayedCall, TimerQueue
from reactor._transportmethods import TransportMethods
from reactor._triggers import SystemEventTriggers, TriggerHandle
from reactor._waker import makeWaker
from reactor.backends import ERROR, HANGUP, READ, WRITE
from reactor.error import ConnectionDone, ConnectionLost, WrongThreadError
from reactor.interfaces import (
    FileDescriptor,
    IDelayedCall,
    IReactorCore,
    IReactorFDSet,
    IReactorThreads,
    IReactorTime,
    ReactorCore,
    ReactorFDSet,
    ReactorThreads,
    ReactorTime,
    ReadDescriptor,
    WriteDescriptor,
)

if TYPE_CHECKING:
    from deferred import Deferred
    from reactor._trace import TraceHook, Tracer
    from threads import ThreadPool

__all__ = ["Reactor", "ReactorStatistics"]

log = logging.getLogger("reactor")

# Bound once: callLater checks the calling thread on every call.
_currentThreadIdent = threading.get_ident

_P = ParamSpec("_P")
_T = TypeVar("_T")

_ThreadCall = Call

# Module constants: reading an Enum member through its class costs ~0.2 us on 3.11.
_CLOSED = State.CLOSED

# States in which ``running`` is true (Twisted: from the end of startup until shutdown ends).
_RUNNING_STATES = frozenset({State.RUNNING, State.STOP_REQUESTED, State.STOPPING})
# States in which a stop has been asked for and shutdown has not finished.
_STOPPING_STATES = frozenset({State.STOP_REQUESTED, State.STOPPING})


@attrs.frozen
class ReactorStatistics:
    """A snapshot of a reactor's counters (see :meth:`Reactor.statistics`)."""

    #: Times the loop was woken through its waker (one per burst of ``callFromThread`` calls).
    wakeups: int
    #: ``callFromThread`` calls run so far.
    threadCallsRun: int
    #: ``callFromThread`` calls queued and not yet run.
    threadCallsPending: int
    #: Live timed calls.
    delayedCalls: int
    readers: int
    writers: int


class Reactor(TransportMethods):
    """The backend-independent core of every reactor. Instantiate a host subclass instead.

    Twisted's reactor API: ``run``, ``stop``, ``crash``, ``running``, ``iterate``,
    ``callWhenRunning``, system event triggers, ``seconds``, ``callLater``,
    ``getDelayedCalls``, ``addReader``/``addWriter``/``removeReader``/``removeWriter``/
    ``removeAll``/``getReaders``/``getWriters`` and ``callFromThread``; the transports beyond
    TCP (UDP, Unix, TLS, processes) through :class:`reactor._transportmethods.TransportMethods`;
    plus ``close()`` to
    release its descriptors, ``statistics()`` and ``newHandoffQueue()`` for the threads package.

    A reactor may be run, stopped and run again, and several may exist (one running per thread).
    """

    def __init__(self) -> None:
        # The life cycle; changed only through _move() in the reactor thread. Other threads may
        # read it (callFromThread checks for CLOSED; the threads package looks for stopping
        # states): a single attribute load, and a stale value is documented as harmless there.
        self._state = State.IDLE
        # Thread ident of the thread running run()/iterate(), None when nobody does. Written by
        # that thread; read by callLater (and threads.blockingCallFromThread) in any thread,
        # which only compare it with their own ident: a stale read happens only while run()
        # starts or ends, and can only make the check more lenient then.
        self._loopThread: int | None = None
        self._timers = TimerQueue(time.monotonic)
        self._triggers = SystemEventTriggers()
        # Reader/writer tables, both directions: fd -> object, and object -> fd so that an
        # object whose fileno() already says -1 (closed) can still be removed. Reactor thread.
        self._readers: dict[int, ReadDescriptor] = {}
        self._writers: dict[int, WriteDescriptor] = {}
        self._readerFds: dict[object, int] = {}
        self._writerFds: dict[object, int] = {}
        # The waker and every handoff queue sharing it. The list is replaced, never mutated,
        # under _handoffQueuesLock (newHandoffQueue may run in any thread); the reactor thread
        # reads it without the lock. The queues themselves are thread-safe (reactor._handoff).
        self._waker = makeWaker()
        self._handoffQueuesLock = threading.Lock()
        # callFromThread's queue: a CallQueue, which runs calls without a consume call each.
        self._threadCalls = CallQueue(self._waker.wake, self._runThreadCall, self._threadCallFailed)
        self._handoffQueues: list[HandoffQueue[Any]] = [self._threadCalls]
        # Statistics, written by the reactor thread only.
        self._wakeups = 0
        self._threadCallsRun = 0

    # --- life cycle --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True from the end of the "during startup" phase until shutdown completes."""
        return self._state in _RUNNING_STATES

    @property
    def stopping(self) -> bool:
        """True from ``stop()`` until shutdown completes. Safe to read from any thread.

        Read from another thread it is one attribute load; a stale answer only delays
        noticing the stop until the next read.
        """
        return self._state in _STOPPING_STATES

    def isInReactorThread(self) -> bool:
        """Whether the calling thread is the one running this reactor now. Any thread."""
        return self._loopThread == threading.get_ident()

    def run(self, installSignalHandlers: bool = True) -> None:
        """Fire "startup", run the loop until :meth:`stop` (or :meth:`crash`), fire "shutdown".

        With ``installSignalHandlers`` (the default) and in the main thread, SIGINT and SIGTERM
        stop the reactor gracefully (a second one while stopping crashes it); the previous
        handlers are restored when ``run`` returns. May be called again after it returns.

        :raises ReactorAlreadyRunning: if it is running already.
        """
        self._checkCanRun()
        self._move(Event.RUN)
        self._loopThread = threading.get_ident()
        try:
            # Handlers first, so a signal arriving while "startup" fires already stops us.
            with signalsHandled(self._signalReceived, installSignalHandlers):
                self._fireStartup()
                self._runLoop()
        finally:
            self._end()

    def stop(self) -> None:
        """Stop the reactor: the loop finishes its pass, then the "shutdown" triggers run.

        Reactor thread only; from another thread use ``callFromThread(reactor.stop)``.

        :raises ReactorNotRunning: if it is not running or already stopping.
        """
        self._move(Event.STOP)
        self._stateChanged()

    def crash(self) -> None:
        """Stop the loop at once, without the "shutdown" triggers (for tests and emergencies)."""
        self._triggers.abandonFirings("startup", "shutdown")
        self._move(Event.CRASH)
        self._stateChanged()

    def callWhenRunning(self, f: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs) -> Any:
        """Call ``f`` now if the reactor is running, else as an "after startup" trigger.

        :returns: None if called now, else the trigger handle.
        """
        if self.running:
            f(*args, **kw)
            return None
        return self.addSystemEventTrigger("after", "startup", f, *args, **kw)

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        f: Callable[_P, object],
        /,
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> TriggerHandle:
        """Run ``f(*args, **kw)`` in ``phase`` ("before", "during", "after") of ``eventType``.

        "startup" fires when :meth:`run` begins and "shutdown" when the reactor stops; a
        "before" trigger returning a Deferred delays the next phase until it fires. Triggers are
        one-shot: each runs once, at the next firing of its event.

        :returns: a handle for :meth:`removeSystemEventTrigger`.
        """
        return self._triggers.add(phase, eventType, f, args, kw)

    def removeSystemEventTrigger(self, triggerID: TriggerHandle) -> None:
        """Remove a trigger added with :meth:`addSystemEventTrigger` that has not run yet.

        :raises ValueError: if it already ran or was removed.
        """
        self._triggers.remove(triggerID)

    def fireSystemEvent(self, eventType: str) -> None:
        """Run the triggers of ``eventType`` (no effect on the reactor's own state)."""
        self._triggers.fire(eventType)

    def close(self) -> None:
        """Release the reactor's descriptors (waker, epoll...). It cannot be run afterwards.

        Not a Twisted method: Twisted reactors live as long as the process. Idempotent.

        :raises RuntimeError: if the reactor is running.
        """
        if self._state is State.CLOSED:
            return
        self._move(Event.CLOSE)
        self._closeHost()
        self._waker.close()

    # --- time -------------------------------------------------------------------------------

    def seconds(self) -> float:
        """Return the reactor's clock: ``time.monotonic()``."""
        return time.monotonic()

    def callLater(
        self, delay: float, f: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Run ``f(*args, **kw)`` ``delay`` seconds from now (negative means 0).

        Equal deadlines run in scheduling order; a call scheduled while timed calls run waits
        for the next pass of the loop.

        Not thread-safe: while the reactor runs, only its own thread may call this. Other threads
        use ``callFromThread(reactor.callLater, delay, f, ...)``.

        :raises WrongThreadError: when called from another thread while the reactor runs.
        """
        loopThread = self._loopThread
        if loopThread is not None and loopThread != _currentThreadIdent():
            raise WrongThreadError(
                "callLater() was called from a thread other than the one running the reactor; "
                "it is not thread-safe. Use reactor.callFromThread(reactor.callLater, delay, f, "
                "*args) instead."
            )
        return self._timers.schedule(delay, f, args, kw)

    def getDelayedCalls(self) -> list[DelayedCall]:
        """Return the pending (active) timed calls, in no particular order."""
        return self._timers.getDelayedCalls()

    # --- readers and writers ----------------------------------------------------------------

    def addReader(self, reader: ReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever ``reader.fileno()`` is readable (idempotent).

        :raises ValueError: if the descriptor is invalid or another object reads it.
        :raises OSError: if the backend cannot watch it (e.g. it is closed).
        """
        if reader in self._readerFds:
            return
        fd = self._descriptorOf(reader, self._readers, "reader")
        self._watch(fd, READ | (WRITE if fd in self._writers else 0))
        self._readers[fd] = reader
        self._readerFds[reader] = fd

    def addWriter(self, writer: WriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever ``writer.fileno()`` is writable (idempotent).

        :raises ValueError: if the descriptor is invalid or another object writes it.
        :raises OSError: if the backend cannot watch it (e.g. it is closed).
        """
        if writer in self._writerFds:
            return
        fd = self._descriptorOf(writer, self._writers, "writer")
        self._watch(fd, WRITE | (READ if fd in self._readers else 0))
        self._writers[fd] = writer
        self._writerFds[writer] = fd

    def removeReader(self, reader: ReadDescriptor) -> None:
        """Stop calling ``reader.doRead()``; nothing happens if it was not a reader."""
        self._stopReading(reader)

    def removeWriter(self, writer: WriteDescriptor) -> None:
        """Stop calling ``writer.doWrite()``; nothing happens if it was not a writer."""
        self._stopWriting(writer)

    def _stopReading(self, obj: object) -> None:
        fd = self._readerFds.pop(obj, None)
        if fd is not None:
            del self._readers[fd]
            self._watch(fd, WRITE if fd in self._writers else 0)

    def _stopWriting(self, obj: object) -> None:
        fd = self._writerFds.pop(obj, None)
        if fd is not None:
            del self._writers[fd]
            self._watch(fd, READ if fd in self._readers else 0)

    def removeAll(self) -> list[FileDescriptor]:
        """Remove every reader and writer (never the reactor's internal waker); return them."""
        removed: dict[FileDescriptor, None] = dict.fromkeys(self._readers.values())
        removed.update(dict.fromkeys(self._writers.values()))
        for obj in removed:
            self._stopReading(obj)
            self._stopWriting(obj)
        return list(removed)

    def getReaders(self) -> list[ReadDescriptor]:
        """Return the current readers (never the reactor's internal waker)."""
        return list(self._readers.values())

    def getWriters(self) -> list[WriteDescriptor]:
        """Return the current writers."""
        return list(self._writers.values())

    @staticmethod
    def _descriptorOf(obj: FileDescriptor, table: dict[int, Any], role: str) -> int:
        fd = obj.fileno()
        if not isinstance(fd, int) or fd < 0:
            raise ValueError(f"cannot add {obj!r} as a {role}: its fileno() is {fd!r}")
        other = table.get(fd)
        if other is not None:
            raise ValueError(
                f"cannot add {obj!r} as a {role} of fd {fd}: {other!r} is already its {role} "
                f"(remove it first; was its descriptor closed without removing it?)"
            )
        return fd

    # --- threads ----------------------------------------------------------------------------

    def callFromThread(self, f: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``f(*args, **kw)`` in the reactor thread soon. Safe from any thread.

        Calls from one thread run in the order they were made, each exactly once, and a blocked
        loop wakes at once; a burst of calls costs one wake-up (see :mod:`reactor._handoff`).
        A call made while the reactor is not running waits and runs during the next ``run()``
        (or ``iterate()``). Exceptions are logged; the loop goes on.

        :raises RuntimeError: if the reactor was closed, so no call can ever run again. (A call
            racing with ``close()`` in another thread may be accepted and never run: close a
            reactor only once nothing calls into it.)
        """
        # A plain attribute read from any thread: at worst stale for a call racing close().
        if self._state is _CLOSED:
            raise RuntimeError(f"callFromThread() on {self!r}, which was closed: it cannot run")
        # HandoffQueue.put, inlined (reactor._handoff: "Hot paths"); keep it step for step.
        queue = self._threadCalls
        queue._items.append((f, args, kw))  # P1
        pending = queue._wakePending
        if not pending.locked() and pending.acquire(False):  # P2
            queue._wake()

    # The thread-pool methods delegate to threads._reactorpool, imported lazily: the reactor
    # must not import the threads package at module level (deferred <- reactor <- threads).

    def callInThread(self, f: Callable[_P, object], *args: _P.args, **kw: _P.kwargs) -> None:
        """Run ``f(*args, **kw)`` in the reactor's thread pool; its result is ignored."""
        from threads._reactorpool import callInThread

        callInThread(self, f, *args, **kw)

    def getThreadPool(self) -> ThreadPool:
        """The reactor's thread pool: made on first use, stopped (without blocking) at shutdown."""
        from threads._reactorpool import getThreadPool

        return getThreadPool(self)

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the most threads the reactor's pool may use."""
        from threads._reactorpool import suggestThreadPoolSize

        suggestThreadPoolSize(self, size)

    def resolve(self, name: str, timeout: Sequence[float] = (1, 3, 11, 45)) -> Deferred[str]:
        """Return a Deferred firing with an IP address of ``name``, without blocking the loop.

        ``getaddrinfo`` runs in the reactor's thread pool; an IP literal fires at once. See
        :func:`reactor._resolve.resolve` (which this delegates to) for which address is chosen.
        """
        from reactor._resolve import resolve

        return resolve(self, name, timeout)

    def newHandoffQueue(self, consume: Callable[[_T], None]) -> HandoffQueue[_T]:
        """Create a handoff queue that this reactor drains, in its thread, through ``consume``.

        For the threads package: worker threads ``put`` results on it; the reactor thread runs
        ``consume(item)`` for each, sharing the reactor's waker and its one-wake-per-burst
        batching. ``consume`` must not raise (an exception is logged, and ends that pass).
        Any thread may create a queue.
        """
        queue: HandoffQueue[_T] = HandoffQueue(self._waker.wake, consume)
        with self._handoffQueuesLock:
            # Copy on write: the reactor thread iterates whichever list it loaded, unlocked.
            self._handoffQueues = [*self._handoffQueues, queue]
        return queue

    @property
    def wakeups(self) -> int:
        """How many times the waker woke the loop (one per burst of calls from threads)."""
        return self._wakeups

    def statistics(self) -> ReactorStatistics:
        """Return a snapshot of the reactor's counters."""
        return ReactorStatistics(
            wakeups=self._wakeups,
            threadCallsRun=self._threadCallsRun,
            threadCallsPending=len(self._threadCalls),
            delayedCalls=len(self._timers),
            readers=len(self._readers),
            writers=len(self._writers),
        )

    def _runThreadCall(self, call: _ThreadCall) -> None:
        # What the CallQueue does inline for each call (reactor._handoff.CallQueue).
        f, args, kw = call
        try:
            f(*args, **kw)
        except Exception:
            self._threadCallFailed(f)

    def _threadCallFailed(self, f: Callable[..., object]) -> None:
        # Called inside the except block, so log.exception finds the exception.
        log.exception("Unhandled error in call from thread %s", _describe(f))

    def _wokenUp(self) -> None:
        # The waker is readable: clear it first, then drain every queue (reactor._handoff
        # explains why in this order).
        self._waker.clear()
        self._wakeups += 1
        for queue in self._handoffQueues:
            try:
                ran = queue.drain()
            except Exception:
                log.exception("Unhandled error draining handoff queue %r", queue)
                continue
            if queue is self._threadCalls:
                self._threadCallsRun += ran

    # --- dispatch (called by hosts) ---------------------------------------------------------

    def _readReady(self, fd: int) -> bool:
        """Call the reader of ``fd``; return whether there was one."""
        reader = self._readers.get(fd)
        if reader is None:
            return False
        try:
            why = reader.doRead()
        except Exception:
            log.exception("Unhandled error in doRead of %r; dropping it", reader)
            why = Failure()
        if why is not None:
            self._dropIfFailed(reader, why)
        return True

    def _writeReady(self, fd: int) -> bool:
        """Call the writer of ``fd``; return whether there was one."""
        writer = self._writers.get(fd)
        if writer is None:
            return False
        try:
            why = writer.doWrite()
        except Exception:
            log.exception("Unhandled error in doWrite of %r; dropping it", writer)
            why = Failure()
        if why is not None:
            self._dropIfFailed(writer, why)
        return True

    def _ready(self, fd: int, mask: int) -> None:
        """Dispatch one readiness report from a polling backend."""
        handled = False
        if mask & READ:
            handled = self._readReady(fd)
        if mask & WRITE:
            handled = self._writeReady(fd) or handled
        if not handled and mask & (HANGUP | ERROR):
            # Hung up or failed with no data to read and nothing to write: nobody would ever
            # notice through doRead/doWrite, and a level-triggered backend would report it on
            # every pass. Drop whoever watches it.
            reason = ConnectionDone() if not mask & ERROR else ConnectionLost()
            for obj in (self._readers.get(fd), self._writers.get(fd)):
                if obj is not None:
                    self._drop(obj, Failure(reason))

    def _dropIfFailed(self, obj: FileDescriptor, why: object) -> None:
        # doRead/doWrite returned something: a Failure or an exception means "disconnect me";
        # any other value is ignored (Twisted code sometimes returns byte counts).
        if isinstance(why, Failure):
            self._drop(obj, why)
        elif isinstance(why, BaseException):
            self._drop(obj, Failure(why))

    def _drop(self, obj: FileDescriptor, reason: Failure) -> None:
        """Stop watching ``obj`` and tell it why, through ``connectionLost(reason)``."""
        self._stopReading(obj)
        self._stopWriting(obj)
        try:
            obj.connectionLost(reason)
        except Exception:
            log.exception("Unhandled error in connectionLost of %r", obj)

    def _timedCallFailed(self, call: DelayedCall, error: BaseException) -> None:
        if not isinstance(error, Exception):
            raise error
        log.error("Unhandled error in timed call %r", call, exc_info=error)

    def _runDueTimers(self) -> None:
        self._timers.runDue(self._timedCallFailed)

    # --- state machine ----------------------------------------------------------------------

    def _move(self, event: Event) -> None:
        self._state = transition(self._state, event)

    def _begin(self) -> None:
        """Enter the loop thread and fire "startup" (hosts that start without run())."""
        self._move(Event.RUN)
        self._loopThread = threading.get_ident()
        self._fireStartup()

    def _fireStartup(self) -> None:
        self._triggers.fire("startup", afterDuring=self._started)

    def _started(self) -> None:
        self._move(Event.STARTED)
        if self._state is State.STOP_REQUESTED:
            self._stateChanged()

    def _advance(self) -> None:
        """Begin a requested shutdown; hosts call this at the top of every pass."""
        if self._state is State.STOP_REQUESTED:
            self._move(Event.SHUTDOWN_BEGUN)
            self._triggers.fire("shutdown", onDone=self._shutDown)

    def _shutDown(self) -> None:
        self._move(Event.SHUTDOWN_DONE)
        self._stateChanged()

    def _end(self) -> None:
        """Leave the loop thread; crash first if an exception is unwinding through run()."""
        if self._state not in (State.IDLE, State.CLOSED):
            self.crash()
        self._loopThread = None

    def _signalReceived(self, signum: int) -> None:
        # Runs inside a signal handler: only the signal-safe handoff queue may be touched.
        self.callFromThread(self._stopForSignal, signum)

    def _stopForSignal(self, signum: int) -> None:
        if self._state in (State.STARTING, State.RUNNING):
            log.info("Received signal %d, stopping the reactor", signum)
            self.stop()
        elif self._state is not State.IDLE:
            log.warning("Received signal %d while stopping: crashing the reactor", signum)
            self.crash()

    # --- tracing ----------------------------------------------------------------------------

    def setTracing(self, hook: TraceHook | None) -> None:
        """Call ``hook(event, detail)`` for each step of the loop; None turns tracing off.

        Events: ``"state"``, ``"wait"`` (polling reactors), ``"readable"``, ``"writable"``,
        ``"wake"``, ``"thread call"``, ``"timer"``; :mod:`reactor._trace` says what each
        ``detail`` is. Not a Twisted method. Off (the default), tracing costs nothing: the
        traced variants of the loop's methods exist only while a hook is set.
        """
        from reactor._trace import setTracing

        setTracing(self, hook)

    # --- host hooks -------------------------------------------------------------------------

    def _traceHost(self, tracer: Tracer | None) -> None:
        """Trace (or, with None, stop tracing) the host's own steps, e.g. its waits."""

    def _checkCanRun(self) -> None:
        """Raise if this host cannot run now (beyond what the state machine checks)."""

    def _watch(self, fd: int, events: int) -> None:
        """Watch ``fd`` for ``events`` (READ | WRITE); 0 stops watching. May raise OSError."""
        raise NotImplementedError

    def _runLoop(self) -> None:
        """Run passes until the state is IDLE again (or CLOSED)."""
        raise NotImplementedError

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop: wait at most ``delay`` seconds for I/O, run what is due."""
        raise NotImplementedError

    def _stateChanged(self) -> None:
        """The state changed outside the loop's own pass (stop, crash, shutdown done)."""

    def _closeHost(self) -> None:
        """Release the host's own resources."""


# Declared here rather than with @implementer: zope.interface has no type information, and a
# class decorator mypy cannot see through would make the class untyped.
classImplements(Reactor, IReactorCore, IReactorTime, IReactorThreads, IReactorFDSet)
classImplements(DelayedCall, IDelayedCall)

if TYPE_CHECKING:
    # Static proof that Reactor satisfies the Protocol twins of those interfaces.
    def _isReactorCore(r: Reactor) -> ReactorCore:
        return r

    def _isReactorTime(r: Reactor) -> ReactorTime:
        return r

    def _isReactorThreads(r: Reactor) -> ReactorThreads:
        return r

    def _isReactorFDSet(r: Reactor) -> ReactorFDSet:
        return r


def _describe(f: Callable[..., object]) -> str:
    return getattr(f, "__qualname__", None) or repr(f)
