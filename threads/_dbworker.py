"""One database connection and the one thread it lives on, from ``connect()`` to ``close()``.

This module owns everything that happens in a connection's worker thread: opening the
connection (driver ``connect`` then ``cp_openfun``), running jobs on it inside a transaction
(commit on return, rollback on exception), deciding after a failure whether the connection is
gone, dropping a dead connection and opening a new one for the next job, and closing it at the
end. It does not own which jobs exist, their Deferreds, the queue bound or the pool's state: the
reactor-side ``_dbpool`` does, and workers only talk to it through two callables it passes in
(``deliver`` and ``stopped``, which post to the reactor with ``callFromThread``).

Why one thread per connection
-----------------------------
A connection is opened, used and closed by exactly one thread, its worker's, for its whole life.
Drivers that refuse cross-thread use (sqlite3 raises ``ProgrammingError``) are then safe, and no
connection needs finding "for the current thread". Rejected design: Twisted's ``adbapi`` runs jobs
on a generic thread pool and looks connections up in a dict keyed by thread id, which leaks
connections when pool threads come and go and makes the owner of a connection implicit.

Shared state and what protects it
---------------------------------
* ``jobs`` (a ``queue.SimpleQueue``), shared by the reactor thread (puts) and every worker of a
  pool (gets): the queue does its own locking; FIFO, so jobs start in submission order.
* ``DBJob.cancelled``: written by the reactor thread, read by the worker that takes the job. The
  race is benign by construction: a worker that reads it just before it is set runs the job and
  the pool discards the result (the caller's Deferred has already failed with
  ``CancelledError``). A bool attribute store/load is a single object operation, never torn, with
  or without a GIL.
* `LossRecord`: a counter of connections found dead, shared by the workers of one pool, guarded
  by its own lock (a worker that detects a loss increments it; every worker reads it before each
  job). It costs one uncontended lock round (~0.1 us) per job.
* Everything else on `ConnectionWorker` (``_connection``, ``_verifiedLosses``, ``_lostForGood``)
  is touched only by its own worker thread after ``start()``.

Detecting a lost connection
---------------------------
After a job raises, the connection is judged dead when the driver says so (``conn.closed`` is
true, as psycopg reports after the server went away), when ``rollback()`` itself fails, or, for
the driver's ``OperationalError``/``InterfaceError`` (which also cover harmless errors such as a
sqlite3 syntax error), when the ``cp_good_sql`` ping fails. A dead connection is closed and
dropped; the job fails with `ConnectionLost` naming the driver error. Because a server restart
kills every connection at once, a detected loss increments the shared `LossRecord`, and each
other worker pings its own connection before its next job and silently replaces it if dead, so
one outage fails the calls in flight, not one call per idle connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import attrs

from deferred import Deferred, Failure

from ._dbapi import Connection, Driver
from ._dberrors import ConnectionLost

__all__ = ["ConnectionSettings", "ConnectionWorker", "DBJob", "LossRecord"]

log = logging.getLogger("threads.dbpool")


@attrs.frozen
class ConnectionSettings:
    """How a worker opens and checks its connection (immutable, shared by all workers)."""

    driver: Driver
    connectArgs: tuple[Any, ...]
    connectKwargs: dict[str, Any]
    openfun: Callable[[Connection], object] | None
    goodSQL: str
    reconnect: bool
    noisy: bool


class DBJob:
    """One call waiting for or running on a connection.

    ``work`` runs in a worker thread with the connection and returns the call's result; the
    worker commits after it returns. ``deferred`` is the caller's Deferred, touched only in the
    reactor thread; its canceller sets ``cancelled`` (see the module docstring for why a worker
    may read that flag without a lock).
    """

    __slots__ = ("cancelled", "deferred", "work")

    def __init__(self, work: Callable[[Connection], object]) -> None:
        self.work = work
        self.cancelled = False
        self.deferred: Deferred[Any] | None = Deferred(self._cancel)

    def _cancel(self, deferred: Deferred[Any]) -> None:
        # Leave the Deferred unfired: it then fails with CancelledError by itself.
        self.cancelled = True

    def takeDeferred(self) -> Deferred[Any]:
        """Return the Deferred and forget it (reactor thread, once, when the result is in).

        Forgetting it breaks the job <-> Deferred reference cycle the canceller makes, so the
        Deferred is freed by reference counting, and reports an unhandled failure promptly.
        """
        deferred = self.deferred
        if deferred is None:
            raise AssertionError("a DBJob's result was delivered twice")
        self.deferred = None
        return deferred


class LossRecord:
    """How many connections of one pool were found dead so far (thread-safe)."""

    def __init__(self) -> None:
        # Guards _losses: incremented by any worker, read by all of them and the reactor thread.
        self._lock = threading.Lock()
        self._losses = 0

    def noteLoss(self) -> None:
        """Record that a worker found its connection dead."""
        with self._lock:
            self._losses += 1

    @property
    def losses(self) -> int:
        """The number of losses recorded so far."""
        with self._lock:
            return self._losses


#: ``deliver(job, succeeded, resultOrFailure)``: called in the worker thread, must be thread-safe.
Deliver = Callable[[DBJob, bool, object], None]
#: ``stopped(worker, closeError)``: the worker's last call, in its thread; must be thread-safe.
Stopped = Callable[["ConnectionWorker", BaseException | None], None]


class ConnectionWorker:
    """A thread that owns at most one connection and runs jobs from the pool's shared queue.

    It takes jobs until it takes ``None`` (the stop message), then closes its connection in its
    own thread and calls ``stopped``. With ``warm`` it opens its connection as soon as it starts;
    an error doing so is logged and the next job tries again (and fails with it).
    """

    def __init__(
        self,
        name: str,
        settings: ConnectionSettings,
        jobs: queue.SimpleQueue[DBJob | None],
        lossRecord: LossRecord,
        deliver: Deliver,
        stopped: Stopped,
        *,
        warm: bool,
    ) -> None:
        self.name = name
        self._settings = settings
        self._jobs = jobs
        self._lossRecord = lossRecord
        self._deliver = deliver
        self._stopped = stopped
        self._warm = warm
        # Worker-thread-only state (see the module docstring).
        self._connection: Connection | None = None
        self._verifiedLosses = 0
        self._lostForGood: ConnectionLost | None = None
        # daemon: a pool nobody closed must not keep the interpreter from exiting; close() (or
        # stopping the reactor) is how connections get closed cleanly.
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self.thread.start()

    # -- the worker thread ------------------------------------------------------------------------

    def _main(self) -> None:
        if self._warm:
            self._openWarm()
        jobs = self._jobs
        deliver = self._deliver
        while True:
            job = jobs.get()
            if job is None:
                break
            if job.cancelled:
                # The caller's Deferred already failed with CancelledError; tell the pool the
                # slot is free (it ignores the value for a cancelled job).
                deliver(job, True, None)
                continue
            succeeded, result = self._runJob(job)
            deliver(job, succeeded, result)
        self._stopped(self, self._closeConnection())

    def _openWarm(self) -> None:
        try:
            self._open()
        except Exception:
            log.exception(
                "%s: could not open its database connection at start-up; the next call on this "
                "connection will try again",
                self.name,
            )

    def _runJob(self, job: DBJob) -> tuple[bool, object]:
        try:
            connection = self._connectionForJob()
        except BaseException:
            return False, Failure()
        try:
            result = job.work(connection)
            connection.commit()
        except BaseException as error:
            failure = Failure()
            lost = self._recover(connection, error)
            if lost is not None:
                return False, Failure(lost)
            return False, failure
        return True, result

    def _connectionForJob(self) -> Connection:
        """Return a connection believed alive, opening one if needed."""
        connection = self._connection
        if connection is not None:
            losses = self._lossRecord.losses
            if losses > self._verifiedLosses:
                # Another connection of this pool died since this one last proved alive (the
                # server probably restarted): ping before trusting it with a job. Nothing of the
                # job has run yet, so replacing a dead connection here is invisible to the caller.
                self._verifiedLosses = losses
                pingError = self._ping(connection)
                if pingError is not None:
                    self._discard(connection, pingError)
                    connection = None
                    if not self._settings.reconnect:
                        self._lostForGood = self._lostError(pingError)
        if connection is None:
            if self._lostForGood is not None:
                again = ConnectionLost(str(self._lostForGood))
                raise again from self._lostForGood.__cause__
            connection = self._open()
        return connection

    def _open(self) -> Connection:
        settings = self._settings
        self._verifiedLosses = self._lossRecord.losses
        connection = settings.driver.connect(settings.connectArgs, settings.connectKwargs)
        if settings.openfun is not None:
            try:
                settings.openfun(connection)
            except BaseException as error:
                closeError = _close(connection)
                if closeError is not None:
                    error.add_note(f"closing the new connection also failed: {closeError!r}")
                raise
        self._connection = connection
        if settings.noisy:
            log.info("%s: opened a %s connection", self.name, settings.driver.name)
        return connection

    def _recover(self, connection: Connection, error: BaseException) -> ConnectionLost | None:
        """Roll back after ``error``; return `ConnectionLost` if the connection turned out dead."""
        driver = self._settings.driver
        revealing: BaseException | None = None
        if _reportsClosed(connection):
            revealing = error
        else:
            try:
                connection.rollback()
            except Exception as rollbackError:
                revealing = rollbackError
            else:
                if isinstance(error, (driver.operationalError, driver.interfaceError)):
                    revealing = self._ping(connection)
        if revealing is None:
            return None
        # Name the driver error that showed the loss: the job's own error when it was one.
        cause = error if isinstance(error, driver.error) else revealing
        self._discard(connection, cause)
        lost = self._lostError(cause)
        if cause is not error:
            lost.add_note(f"the call itself had failed with {error!r} before that")
        if not self._settings.reconnect:
            self._lostForGood = lost
        return lost

    def _lostError(self, cause: BaseException) -> ConnectionLost:
        # Drivers' messages run over several lines (libpq adds hints); the first one names it.
        firstLine = str(cause).strip().split("\n", 1)[0]
        description = f"{type(cause).__name__}: {firstLine}" if firstLine else type(cause).__name__
        if self._settings.reconnect:
            consequence = "it was dropped and the next call opens a new connection"
        else:
            consequence = "cp_reconnect=False, so this pool will not reconnect"
        lost = ConnectionLost(f"database connection lost ({description}); {consequence}")
        lost.__cause__ = cause
        return lost

    def _ping(self, connection: Connection) -> Exception | None:
        """Run ``cp_good_sql`` and roll back; return the error if that failed, else None."""
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._settings.goodSQL)
            finally:
                cursor.close()
            connection.rollback()
        except Exception as error:
            return error
        return None

    def _discard(self, connection: Connection, cause: BaseException) -> None:
        """Close a dead connection and forget it, recording the loss for the other workers."""
        self._connection = None
        self._lossRecord.noteLoss()
        closeError = _close(connection)
        if closeError is not None:
            # Expected for a dead connection; kept on the cause so it is not lost either.
            cause.add_note(f"closing the dead connection also failed: {closeError!r}")
        log.warning("%s: dropped a dead database connection: %r", self.name, cause)

    def _closeConnection(self) -> BaseException | None:
        connection = self._connection
        self._connection = None
        if connection is None:
            return None
        closeError = _close(connection)
        if self._settings.noisy and closeError is None:
            log.info("%s: closed its %s connection", self.name, self._settings.driver.name)
        return closeError


def _reportsClosed(connection: Connection) -> bool:
    # psycopg (3: bool, 2: int) sets ``closed`` once it knows the server is gone; sqlite3
    # connections have no such attribute.
    return bool(getattr(connection, "closed", False))


def _close(connection: Connection) -> Exception | None:
    try:
        connection.close()
    except Exception as error:
        return error
    return None
