"""Database workloads: sqlite3 round trips through a connection pool, answered in the loop thread.

Every implementation talks to the same sqlite file (created once per process run, WAL journal,
``synchronous=NORMAL`` on every connection so a commit does not wait for the disk) with the same
statements, on ONE connection living on ONE worker thread (sqlite allows one writer):

* treadle: ``threads.ConnectionPool("sqlite3", ...)`` (its sqlite default: one connection) on an
  ``EPollReactor``;
* twisted: ``twisted.enterprise.adbapi.ConnectionPool("sqlite3", ..., cp_min=1, cp_max=1)`` on
  Twisted's epoll reactor;
* asyncio: ``loop.run_in_executor`` on a one-thread ``ThreadPoolExecutor`` whose initializer opens
  the connection in that thread; the job opens a cursor, runs the statements, closes the cursor
  and commits (rolls back on error), as both pools do around a query or an interaction.

The reactors are driven the way their own main loops drive them (Twisted's global reactor
cannot be run again after it stops, and stopping treadle's would close the pool through its
shutdown trigger): treadle with ``iterate()``; Twisted with ``runUntilCurrent()`` then
``doIteration()``, the two halves of its ``mainLoop``. Calling Twisted's ``iterate()`` instead
would stall: it runs the calls from threads *before* waiting, so a result that arrives during the
wait is only delivered after the next wait times out. asyncio uses ``run_until_complete``. The
worker threads inherit the runner's CPU pinning, so the loop and the database share one CPU.

This module owns the workload bodies and their setups only.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.workload import Implementation, Run, Setup, Workload

#: Rows in the ``items`` table; queries cycle through them.
ROWS = 1000

QUERY = "SELECT value FROM items WHERE id = ?"
UPDATE = "UPDATE counters SET n = n + 1 WHERE id = ?"


def _itemId(i: int) -> int:
    return i % ROWS + 1


def _expectedSum(size: int) -> int:
    """What one run returns: the sum of ``value`` (= 2 * id) over the ids it asked for."""
    return sum(2 * _itemId(i) for i in range(size))


# --- the shared database file -------------------------------------------------------------------

_shared: dict[str, Any] = {"users": 0, "directory": None}
_sharedLock = threading.Lock()


@contextmanager
def _database() -> Iterator[str]:
    """The sqlite file every implementation uses: made by the first user, removed by the last."""
    with _sharedLock:
        if _shared["users"] == 0:
            directory = Path(tempfile.mkdtemp(prefix="treadle-bench-db-"))
            path = directory / "bench.db"
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, value INTEGER)")
                connection.executemany(
                    "INSERT INTO items VALUES (?, ?)", ((i, 2 * i) for i in range(1, ROWS + 1))
                )
                connection.execute("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER)")
                connection.executemany(
                    "INSERT INTO counters VALUES (?, 0)", ((i,) for i in range(1, ROWS + 1))
                )
            connection.close()
            _shared["directory"] = directory
        _shared["users"] += 1
        path = str(_shared["directory"] / "bench.db")
    try:
        yield path
    finally:
        with _sharedLock:
            _shared["users"] -= 1
            if _shared["users"] == 0:
                shutil.rmtree(_shared["directory"], ignore_errors=True)
                _shared["directory"] = None


def _tuneConnection(connection: sqlite3.Connection) -> None:
    # WAL + NORMAL: a commit appends to the log without an fsync, so the figures measure the
    # round trip through the pool, not the disk.
    connection.execute("PRAGMA synchronous = NORMAL")


# --- the work, written once for both Twisted-style pools ----------------------------------------


def _lookup(transaction: Any, i: int) -> int:
    """runInteraction body: bump a counter, read a value; the pool commits."""
    transaction.execute(UPDATE, (_itemId(i),))
    transaction.execute(QUERY, (_itemId(i),))
    value: int = transaction.fetchall()[0][0]
    return value


def _callQuery(pool: Any, i: int) -> Any:
    return pool.runQuery(QUERY, (_itemId(i),))


def _callInteraction(pool: Any, i: int) -> Any:
    return pool.runInteraction(_lookup, i)


def _valueOf(result: Any) -> int:
    # runQuery gives rows, runInteraction the value itself.
    value: int = result[0][0] if isinstance(result, list) else result
    return value


#: spinUntil(done): run the loop until ``done()`` is true.
Spin = Callable[[Callable[[], bool]], None]


def _sequential(pool: Any, spin: Spin, call: Callable[[Any, int], Any], size: int) -> Run:
    """``size`` calls, each submitted when the previous one's result reached the loop."""

    def run() -> object:
        total = [0, 0]  # sum of values, calls answered
        failures: list[Any] = []

        def answered(result: Any) -> None:
            total[0] += _valueOf(result)
            total[1] += 1
            if total[1] < size:
                call(pool, total[1]).addCallbacks(answered, failures.append)

        call(pool, 0).addCallbacks(answered, failures.append)
        spin(lambda: total[1] == size or bool(failures))
        if failures:
            failures[0].raiseException()
        return total[0]

    return run


def _concurrent(pool: Any, spin: Spin, call: Callable[[Any, int], Any], size: int) -> Run:
    """``size`` calls submitted at once; the run ends when every result has arrived."""

    def run() -> object:
        total = [0, 0]
        failures: list[Any] = []

        def answered(result: Any) -> None:
            total[0] += _valueOf(result)
            total[1] += 1

        for i in range(size):
            call(pool, i).addCallbacks(answered, failures.append)
        spin(lambda: total[1] == size or bool(failures))
        if failures:
            failures[0].raiseException()
        return total[0]

    return run


Shape = Callable[[Any, Spin, Callable[[Any, int], Any], int], Run]


def _onTreadle(shape: Shape, call: Callable[[Any, int], Any]) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        from reactor import EPollReactor
        from threads import ConnectionPool

        with _database() as path:
            reactor = EPollReactor()
            pool = ConnectionPool("sqlite3", path, cp_openfun=_tuneConnection, reactor=reactor)
            pool.start()

            def spin(done: Callable[[], bool]) -> None:
                iterate = reactor.iterate
                while not done():
                    iterate(1.0)

            try:
                yield shape(pool, spin, call, size)
            finally:
                closed = pool.close()
                spin(lambda: closed.called)
                reactor.close()

    return setup


def _onTwisted(shape: Shape, call: Callable[[Any, int], Any]) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        from twisted.enterprise.adbapi import ConnectionPool
        from twisted.internet.epollreactor import EPollReactor

        with _database() as path:
            reactor = EPollReactor()
            # check_same_thread=False only because Twisted's close() closes the connection from
            # the reactor thread; the connection is otherwise used by its one pool thread.
            pool = ConnectionPool(
                "sqlite3",
                path,
                cp_min=1,
                cp_max=1,
                cp_openfun=_tuneConnection,
                cp_reactor=reactor,
                check_same_thread=False,
            )
            pool.start()

            def spin(done: Callable[[], bool]) -> None:
                # Twisted's mainLoop, one step at a time (see the module docstring).
                while True:
                    reactor.runUntilCurrent()
                    if done():
                        return
                    timeout = reactor.timeout()
                    reactor.doIteration(1.0 if timeout is None else min(timeout, 1.0))

            try:
                yield shape(pool, spin, call, size)
            finally:
                pool.close()

    return setup


# --- asyncio: run_in_executor on one thread that owns the connection ----------------------------


class _ExecutorConnection:
    """The connection of a one-thread executor, opened by its initializer in that thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def open(self) -> None:
        self.connection = sqlite3.connect(self.path)
        _tuneConnection(self.connection)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def transaction(self, body: Callable[[sqlite3.Cursor], int]) -> int:
        connection = self.connection
        assert connection is not None
        cursor = connection.cursor()
        try:
            result = body(cursor)
            cursor.close()
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        return result


def _asyncioQuery(owner: _ExecutorConnection, i: int) -> int:
    def body(cursor: sqlite3.Cursor) -> int:
        cursor.execute(QUERY, (_itemId(i),))
        return _valueOf(cursor.fetchall())

    return owner.transaction(body)


def _asyncioInteraction(owner: _ExecutorConnection, i: int) -> int:
    def body(cursor: sqlite3.Cursor) -> int:
        cursor.execute(UPDATE, (_itemId(i),))
        cursor.execute(QUERY, (_itemId(i),))
        return _valueOf(cursor.fetchall())

    return owner.transaction(body)


def _onAsyncio(concurrent: bool, job: Callable[[_ExecutorConnection, int], int]) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with _database() as path:
            owner = _ExecutorConnection(path)
            executor = ThreadPoolExecutor(max_workers=1, initializer=owner.open)
            loop = asyncio.new_event_loop()

            async def sequential() -> int:
                total = 0
                for i in range(size):
                    total += await loop.run_in_executor(executor, job, owner, i)
                return total

            async def together() -> int:
                calls = [loop.run_in_executor(executor, job, owner, i) for i in range(size)]
                return sum(await asyncio.gather(*calls))

            body = together if concurrent else sequential

            def run() -> object:
                return loop.run_until_complete(body())

            try:
                yield run
            finally:
                executor.submit(owner.close).result()
                executor.shutdown()
                loop.close()

    return setup


def _implementations(
    shape: Shape,
    call: Callable[[Any, int], Any],
    asyncioJob: Callable[[_ExecutorConnection, int], int],
) -> tuple[Implementation, ...]:
    concurrent = shape is _concurrent
    return (
        Implementation("treadle", _onTreadle(shape, call), requires=("threads",)),
        Implementation("twisted", _onTwisted(shape, call), requires=("twisted",)),
        Implementation("asyncio", _onAsyncio(concurrent, asyncioJob)),
    )


def _same(size: int) -> int:
    return size


WORKLOADS: list[Workload] = [
    Workload(
        name="db_runquery",
        description="100 sqlite runQuery round trips, each sent when the previous one answered",
        unit="round trips",
        size=100,
        smokeSize=3,
        opsPerRun=_same,
        expected=_expectedSum,
        implementations=_implementations(_sequential, _callQuery, _asyncioQuery),
    ),
    Workload(
        name="db_runinteraction",
        description="100 sqlite runInteraction round trips (UPDATE + SELECT, committed), one at "
        "a time",
        unit="round trips",
        size=100,
        smokeSize=3,
        opsPerRun=_same,
        expected=_expectedSum,
        implementations=_implementations(_sequential, _callInteraction, _asyncioInteraction),
    ),
    Workload(
        name="db_runquery_burst",
        description="100 sqlite runQuery calls submitted at once, until every result is in",
        unit="queries",
        size=100,
        smokeSize=3,
        opsPerRun=_same,
        expected=_expectedSum,
        implementations=_implementations(_concurrent, _callQuery, _asyncioQuery),
    ),
]
