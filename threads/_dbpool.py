"""`ConnectionPool`: DB-API 2.0 connections beside the reactor, one dedicated thread each.

This module owns the reactor side of the pool: its life cycle (new, running, closing, closed),
turning ``runQuery``/``runOperation``/``runInteraction``/``runWithConnection`` into jobs, the
bound on waiting jobs, how many connection workers exist, and firing each call's Deferred. What
happens in a connection's thread (open, commit/rollback, spotting a dead connection, close) lives
in ``_dbworker``; the cursor wrapper in ``_dbtransaction``; the errors in ``_dberrors``.

How a call travels
------------------
``runQuery`` (in the reactor thread) wraps the work in a `DBJob` and puts it on the pool's job
queue, a ``queue.SimpleQueue`` shared by the pool's workers. The first free worker takes it, runs
it on its own connection in a transaction, and posts the result back with
``reactor.callFromThread`` (the reactor's batched handoff: a burst of results costs one wake-up).
The reactor thread then updates the counters and fires the call's Deferred.

Jobs wait in that queue in FIFO order until a connection is free. The queue is bounded: at most
``cp_maxqueue`` calls (default 10,000) may be outstanding — queued or running — at once; one
more gets a Deferred that has already failed with `PoolQueueFull`, so a runaway producer cannot
grow memory without limit. (Rejected: a reactor-side FIFO that hands a job to a worker only when
the reactor hears it is idle. It costs a reactor round trip between two jobs on the same
connection; with the shared queue a busy worker goes straight on to the next job.)

Workers start lazily: ``cp_min`` of them (each opening its connection at once) when the pool
starts — at reactor startup or on the first call, whichever comes first — and one more per call
that finds every worker busy, up to ``cp_max``. Idle workers are kept: a database connection is
expensive to open, and ``cp_max`` bounds them. sqlite3 gets ``cp_max=1`` unless told otherwise:
SQLite allows one writer at a time, and several connections writing one file fail with
"database is locked". Note ``":memory:"``: every sqlite3 connection opens its *own* empty
in-memory database, so with ``cp_max > 1`` calls see different databases (use a file, or
``"file::memory:?cache=shared"`` with ``uri=True``).

Threads and shared state
------------------------
Every attribute of a `ConnectionPool` except ``_jobs`` and ``_lossRecord`` (thread-safe by
themselves, see ``_dbworker``) is read and written only in the reactor thread: by the public
methods, which must be called in the reactor thread (or, before the reactor runs, in the thread
that will run it), and by the callbacks workers post with ``callFromThread``. No lock is needed
for them, and none is taken.

Closing
-------
``close()`` refuses new calls at once (their Deferreds fail with `PoolClosed`), lets the calls
already submitted finish, then every worker closes its connection in its own thread and exits;
the Deferred ``close()`` returns fires when all of them have. The pool registers a "before
shutdown" trigger, so stopping the reactor closes it cleanly too, and shutdown waits for that.

Differences from Twisted's ``adbapi.ConnectionPool``, on purpose: connections belong to worker
objects, never looked up by thread id (there is no ``connect()``/``disconnect()`` to call from a
thread); ``close()`` really closes every connection, in its thread, and reports close errors;
``cp_reconnect`` defaults to True; the reactor is a parameter (``reactor=``, or ``cp_reactor=``
as in Twisted) that defaults to the global one only when omitted; `Transaction` has explicit
methods instead of forwarding attributes to the cursor.
"""

from __future__ import annotations

import enum
import functools
import importlib
import itertools
import logging
import queue
from collections.abc import Callable
from types import ModuleType
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

import attrs

from deferred import Deferred, fail, succeed

from ._dbapi import Connection, Params, resolveDriver
from ._dberrors import ConnectionLost, PoolClosed, PoolQueueFull
from ._dbtransaction import Transaction
from ._dbworker import ConnectionSettings, ConnectionWorker, DBJob, LossRecord

__all__ = ["ConnectionPool", "ConnectionPoolStatistics", "PoolReactor"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

log = logging.getLogger("threads.dbpool")

#: The default bound on outstanding (queued or running) calls.
DEFAULT_MAXQUEUE = 10_000
#: The default ``cp_max`` for every driver but sqlite3 (which gets 1).
DEFAULT_MAX = 5

_poolNumbers = itertools.count(1)


class PoolReactor(Protocol):
    """The part of a reactor the pool uses (any treadle reactor provides it)."""

    def callFromThread(self, callable: Callable[..., object], /, *args: Any, **kw: Any) -> None:
        """Run ``callable(*args, **kw)`` in the reactor thread, soon; any thread may call it."""
        ...

    def callWhenRunning(self, callable: Callable[..., object], /, *args: Any, **kw: Any) -> Any:
        """Call now if running, else once the reactor has started."""
        ...

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., object],
        /,
        *args: Any,
        **kw: Any,
    ) -> Any:
        """Add a one-shot trigger; return a handle for ``removeSystemEventTrigger``."""
        ...

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger that has not run yet."""
        ...


class _State(enum.Enum):
    NEW = "new"  # constructed; no worker exists yet
    RUNNING = "running"  # accepting calls; workers start on demand
    CLOSING = "closing"  # close() was called: refusing calls, workers finishing and closing
    CLOSED = "closed"  # every worker has closed its connection and exited


#: The only state changes there are; `ConnectionPool._moveTo` enforces them.
_TRANSITIONS: dict[_State, frozenset[_State]] = {
    _State.NEW: frozenset({_State.RUNNING, _State.CLOSED}),
    _State.RUNNING: frozenset({_State.CLOSING}),
    _State.CLOSING: frozenset({_State.CLOSED}),
    _State.CLOSED: frozenset(),
}


@attrs.frozen
class ConnectionPoolStatistics:
    """A snapshot of a pool's counters, taken in the reactor thread.

    ``outstanding`` counts calls submitted whose result the reactor has not received yet
    (queued or running); ``completed`` and ``failed`` count the results delivered to callers
    (not those of cancelled calls). ``connectionsLost`` counts connections found dead and dropped.
    """

    state: str
    workers: int
    outstanding: int
    completed: int
    failed: int
    connectionsLost: int


class ConnectionPool:
    """A pool of DB-API 2.0 connections, each living on one dedicated worker thread.

    ``dbapiModule`` is the driver module or its import name (``"sqlite3"``, ``"psycopg"``).
    ``connargs`` and ``connkw`` go to its ``connect()``. ``cp_min`` connections open when the pool
    starts, up to ``cp_max`` as calls need them (default 5; 1 for sqlite3, one writer).
    ``cp_reconnect``: drop a connection found dead and open a new one on the next call (with
    False, the first lost connection makes every later call fail with `ConnectionLost`).
    ``cp_openfun(connection)`` runs after each connect, in the connection's thread.
    ``cp_good_sql`` (default ``"SELECT 1"``) is the harmless statement used to ping a connection
    that may be dead. ``cp_maxqueue`` bounds the outstanding calls (see `PoolQueueFull`).
    ``cp_noisy`` logs every connection opened and closed. ``reactor`` (or ``cp_reactor``)
    delivers the results; the global reactor when omitted.
    """

    def __init__(
        self,
        dbapiModule: ModuleType | str,
        *connargs: Any,
        cp_min: int = 1,
        cp_max: int | None = None,
        cp_reconnect: bool = True,
        cp_openfun: Callable[[Connection], object] | None = None,
        cp_good_sql: str | None = None,
        cp_maxqueue: int = DEFAULT_MAXQUEUE,
        cp_noisy: bool = False,
        reactor: PoolReactor | None = None,
        cp_reactor: PoolReactor | None = None,
        **connkw: Any,
    ) -> None:
        unknown = sorted(key for key in connkw if key.startswith("cp_"))
        if unknown:
            raise TypeError(f"ConnectionPool got unknown pool option(s): {', '.join(unknown)}")
        if reactor is not None and cp_reactor is not None:
            raise TypeError("pass the reactor once: reactor= or cp_reactor=, not both")
        driver = resolveDriver(dbapiModule)
        if cp_max is None:
            cp_max = 1 if driver.isSQLite else DEFAULT_MAX
            defaulted = " (the sqlite3 default: one writer; pass cp_max to change it)"
        else:
            defaulted = ""
        if cp_max < 1:
            raise ValueError(f"cp_max must be at least 1, got {cp_max}")
        if not 0 <= cp_min <= cp_max:
            raise ValueError(f"cp_min must be between 0 and cp_max={cp_max}{defaulted}: {cp_min}")
        if cp_maxqueue < 1:
            raise ValueError(f"cp_maxqueue must be at least 1, got {cp_maxqueue}")

        #: The driver module and the name it was given as (Twisted's attribute names).
        self.dbapi: ModuleType = driver.module
        self.dbapiName: str = driver.name
        self.connargs: tuple[Any, ...] = connargs
        self.connkw: dict[str, Any] = connkw
        self.min: int = cp_min
        self.max: int = cp_max
        self.reconnect: bool = cp_reconnect
        self.good_sql: str = "SELECT 1" if cp_good_sql is None else cp_good_sql
        self.openfun: Callable[[Connection], object] | None = cp_openfun
        self.noisy: bool = cp_noisy
        self.maxqueue: int = cp_maxqueue

        chosen = reactor if reactor is not None else cp_reactor
        self._reactor: PoolReactor = _defaultReactor() if chosen is None else chosen
        self._settings = ConnectionSettings(
            driver=driver,
            connectArgs=connargs,
            connectKwargs=connkw,
            openfun=cp_openfun,
            goodSQL=self.good_sql,
            reconnect=cp_reconnect,
            noisy=cp_noisy,
        )
        self._name = f"treadle-dbpool-{next(_poolNumbers)}"
        # Thread-safe by themselves (see _dbworker): shared with the workers.
        self._jobs: queue.SimpleQueue[DBJob | None] = queue.SimpleQueue()
        self._lossRecord = LossRecord()
        # Reactor-thread-only state from here on (see the module docstring).
        self._state = _State.NEW
        self._workers: list[ConnectionWorker] = []
        self._workerNumbers = itertools.count(1)
        self._outstanding = 0
        self._completed = 0
        self._failed = 0
        self._lostForGood: ConnectionLost | None = None
        self._shutdownTrigger: Any = None
        self._closeWaiters: list[Deferred[None]] = []
        self._closeErrors: list[BaseException] = []
        # Results come back through callFromThread; binding it once keeps the hot path lean.
        self._deliver = functools.partial(self._reactor.callFromThread, self._jobFinished)
        self._stopped = functools.partial(self._reactor.callFromThread, self._workerStopped)
        self._reactor.callWhenRunning(self._startAtReactorStartup)

    # -- life cycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the pool is started and accepting calls."""
        return self._state is _State.RUNNING

    def start(self) -> None:
        """Start the pool: ``cp_min`` workers, each opening its connection in its thread.

        Called for you at reactor startup or by the first call; calling it again does nothing.
        Raises `PoolClosed` on a closed pool.
        """
        if self._state is _State.RUNNING:
            return
        if self._state is not _State.NEW:
            raise PoolClosed(f"{self._name} is {self._state.value}: it cannot be started again")
        self._moveTo(_State.RUNNING)
        self._shutdownTrigger = self._reactor.addSystemEventTrigger(
            "before", "shutdown", self._closeAtShutdown
        )
        for _ in range(self.min):
            self._addWorker(warm=True)

    def close(self) -> Deferred[None]:
        """Refuse new calls, finish the submitted ones, close every connection in its thread.

        Returns a Deferred that fires with None once every worker has closed its connection and
        exited, or fails with the first error a connection's ``close()`` raised (the others are
        logged). Calling it again returns a Deferred for the same moment.
        """
        state = self._state
        if state is _State.NEW:
            self._moveTo(_State.CLOSED)
            return succeed(None)
        if state is _State.CLOSED:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._closeWaiters.append(waiter)
        if state is _State.RUNNING:
            self._moveTo(_State.CLOSING)
            if self._shutdownTrigger is not None:
                self._reactor.removeSystemEventTrigger(self._shutdownTrigger)
                self._shutdownTrigger = None
            # One stop message per worker, behind every job already queued: each worker takes
            # exactly one and exits, so the submitted jobs all run first.
            for _ in self._workers:
                self._jobs.put(None)
            if not self._workers:
                self._finishClose()
        return waiter

    def statistics(self) -> ConnectionPoolStatistics:
        """Return a snapshot of the pool's counters."""
        return ConnectionPoolStatistics(
            state=self._state.value,
            workers=len(self._workers),
            outstanding=self._outstanding,
            completed=self._completed,
            failed=self._failed,
            connectionsLost=self._lossRecord.losses,
        )

    # -- calls -----------------------------------------------------------------------------------

    def runQuery(self, sql: str, params: Params | None = None) -> Deferred[list[Any]]:
        """Run one query in its own transaction; the Deferred fires with all its rows."""
        return self._submit(functools.partial(_interact, _fetchAll, (sql, params), {}), "runQuery")

    def runOperation(self, sql: str, params: Params | None = None) -> Deferred[None]:
        """Run one statement in its own transaction and commit it; the Deferred fires with None."""
        return self._submit(
            functools.partial(_interact, _executeOnly, (sql, params), {}), "runOperation"
        )

    def runInteraction(
        self,
        interaction: Callable[Concatenate[Transaction, _P], _R],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_R]:
        """Run ``interaction(transaction, *args, **kwargs)`` in a worker thread, in a transaction.

        The transaction commits when it returns, and the Deferred fires with its return value.
        If it raises, the transaction is rolled back and the Deferred fails with that same
        exception (or with `ConnectionLost` if the connection turned out dead).
        """
        return self._submit(
            functools.partial(_interact, interaction, args, kwargs), "runInteraction"
        )

    def runWithConnection(
        self,
        function: Callable[Concatenate[Connection, _P], _R],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_R]:
        """Run ``function(connection, *args, **kwargs)`` in the connection's worker thread.

        The pool commits after it returns and rolls back if it raises, as for runInteraction.
        Do not keep the connection: it belongs to its worker thread.
        """
        return self._submit(
            functools.partial(_withConnection, function, args, kwargs), "runWithConnection"
        )

    # -- reactor-thread machinery ----------------------------------------------------------------

    def _submit(self, work: Callable[[Connection], object], what: str) -> Deferred[Any]:
        state = self._state
        if state is _State.NEW:
            self.start()
        elif state is not _State.RUNNING:
            return fail(PoolClosed(f"{what}() called on {self._name}, which is {state.value}"))
        if self._lostForGood is not None:
            refused = ConnectionLost(f"{what}() refused: {self._lostForGood}")
            refused.__cause__ = self._lostForGood.__cause__
            return fail(refused)
        if self._outstanding >= self.maxqueue:
            return fail(
                PoolQueueFull(
                    f"{what}() refused: {self._outstanding} calls are already waiting or running "
                    f"on {self._name} (cp_maxqueue={self.maxqueue})"
                )
            )
        job = DBJob(work)
        deferred = job.deferred
        assert deferred is not None
        self._outstanding += 1
        if self._outstanding > len(self._workers) < self.max:
            self._addWorker(warm=False)
        self._jobs.put(job)
        return deferred

    def _addWorker(self, *, warm: bool) -> None:
        worker = ConnectionWorker(
            f"{self._name}-connection-{next(self._workerNumbers)}",
            self._settings,
            self._jobs,
            self._lossRecord,
            self._deliver,
            self._stopped,
            warm=warm,
        )
        self._workers.append(worker)
        worker.start()

    def _jobFinished(self, job: DBJob, succeeded: bool, result: Any) -> None:
        """Runs in the reactor thread: account for a finished job and fire its Deferred."""
        self._outstanding -= 1
        deferred = job.takeDeferred()
        if (
            not succeeded
            and not self.reconnect
            and self._lostForGood is None
            and isinstance(result.value, ConnectionLost)
        ):
            self._lostForGood = result.value
        if deferred.called:
            # Cancelled: the caller gave up on the result (the job may have run anyway).
            return
        if succeeded:
            self._completed += 1
            deferred.callback(result)
        else:
            self._failed += 1
            deferred.errback(result)

    def _workerStopped(self, worker: ConnectionWorker, closeError: BaseException | None) -> None:
        """Runs in the reactor thread: a worker closed its connection and is exiting."""
        # Its thread posted this as its last act, so the join is immediate.
        worker.thread.join()
        self._workers.remove(worker)
        if closeError is not None:
            self._closeErrors.append(closeError)
        if not self._workers:
            self._finishClose()

    def _finishClose(self) -> None:
        self._moveTo(_State.CLOSED)
        waiters, self._closeWaiters = self._closeWaiters, []
        errors, self._closeErrors = self._closeErrors, []
        for extra in errors[1:]:
            log.error("%s: closing a connection failed: %r", self._name, extra)
        for waiter in waiters:
            if errors:
                waiter.errback(errors[0])
            else:
                waiter.callback(None)

    def _startAtReactorStartup(self) -> None:
        if self._state is _State.NEW:
            self.start()

    def _closeAtShutdown(self) -> Deferred[None]:
        # The trigger is running now, so it must not be removed by close().
        self._shutdownTrigger = None
        return self.close()

    def _moveTo(self, new: _State) -> None:
        if new not in _TRANSITIONS[self._state]:
            raise AssertionError(f"{self._name}: no transition {self._state.value} -> {new.value}")
        self._state = new

    def __repr__(self) -> str:
        return (
            f"<ConnectionPool {self._name} {self.dbapiName} {self._state.value} "
            f"workers={len(self._workers)}/{self.max} outstanding={self._outstanding}>"
        )


def _defaultReactor() -> PoolReactor:
    """The global reactor, imported only when a pool is created without one."""
    return cast(PoolReactor, importlib.import_module("reactor").reactor)


# -- work run in a connection's worker thread (the worker commits or rolls back around it) ------


def _interact(
    interaction: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    connection: Connection,
) -> Any:
    cursor = connection.cursor()
    try:
        result = interaction(Transaction(connection, cursor), *args, **kwargs)
    except BaseException as error:
        # Re-raise the interaction's own error, whatever closing the cursor does.
        try:
            cursor.close()
        except Exception as closeError:
            error.add_note(f"closing the cursor also failed: {closeError!r}")
        raise
    cursor.close()
    return result


def _withConnection(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    connection: Connection,
) -> Any:
    return function(connection, *args, **kwargs)


def _fetchAll(transaction: Transaction, sql: str, params: Params | None) -> list[Any]:
    return transaction.execute(sql, params).fetchall()


def _executeOnly(transaction: Transaction, sql: str, params: Params | None) -> None:
    transaction.execute(sql, params)
