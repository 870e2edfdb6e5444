"""ConnectionPool on a real PostgreSQL server through psycopg, including killing the server.

The server comes from the session fixture ``postgres`` (see ``dbfixtures``); each test gets a
schema of its own (``pgConninfo``). The outage tests stop the server with ``pg_ctl stop -m
immediate`` — a crash: every backend dies at once without a clean shutdown — and start it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from deferred import Deferred
from reactor import EPollReactor
from tests.threads.dbhelpers import PostgresServer, outcomeOf, waitFor
from threads import ConnectionLost, ConnectionPool, Transaction

try:
    import psycopg
except ImportError:  # the ``postgres`` fixture then skips (or, under CI, fails) with the reason
    psycopg = None

pytest_plugins = ("tests.threads.dbfixtures",)

MakePool = Callable[..., ConnectionPool]

BATCH_SIZE = 3


class Boom(Exception):
    pass


async def _awaitAll(calls: list[Deferred[Any]]) -> list[Any]:
    return [await d for d in calls]


def allOf(dbreactor: EPollReactor, calls: list[Deferred[Any]]) -> list[Any]:
    return waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))


def outcomesOf(dbreactor: EPollReactor, calls: list[Deferred[Any]]) -> list[Any]:
    return [outcomeOf(dbreactor, d) for d in calls]


def createBatches(dbreactor: EPollReactor, pool: ConnectionPool) -> None:
    waitFor(dbreactor, pool.runOperation("CREATE TABLE batches (batch int, n int)"))


def insertBatch(transaction: Transaction, batch: int) -> int:
    for n in range(1, BATCH_SIZE + 1):
        transaction.execute("INSERT INTO batches VALUES (%s, %s)", (batch, n))
    return batch


def batchSizesOutsideThePool(conninfo: str) -> dict[int, int]:
    """Rows per batch as a fresh connection sees them: only what the server committed."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute("SELECT batch, count(*) FROM batches GROUP BY batch").fetchall()
    return dict(rows)


# -- the basics ----------------------------------------------------------------------------------


def test_runQueryFiresWithAllRows(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo)
    rows = waitFor(dbreactor, pool.runQuery("SELECT g FROM generate_series(1, %s) g", (3,)))
    assert rows == [(1,), (2,), (3,)]


def test_runOperationCommits(dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str) -> None:
    pool = makePool("psycopg", pgConninfo)
    createBatches(dbreactor, pool)
    assert waitFor(dbreactor, pool.runOperation("INSERT INTO batches VALUES (1, 1)")) is None
    assert batchSizesOutsideThePool(pgConninfo) == {1: 1}


def test_runInteractionCommitsWhenItReturns(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo)
    createBatches(dbreactor, pool)
    assert waitFor(dbreactor, pool.runInteraction(insertBatch, 7)) == 7
    assert batchSizesOutsideThePool(pgConninfo) == {7: BATCH_SIZE}


def test_runInteractionRollsBackAndFailsWithTheOriginalException(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo)
    createBatches(dbreactor, pool)
    error = Boom()

    def insertThenFail(transaction: Transaction) -> None:
        insertBatch(transaction, 1)
        raise error

    assert outcomeOf(dbreactor, pool.runInteraction(insertThenFail)).value is error
    assert batchSizesOutsideThePool(pgConninfo) == {}


def test_serverErrorsReachTheCallerUnwrappedAndKeepTheConnection(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo)
    failure = outcomeOf(dbreactor, pool.runQuery("SELECT 1/0"))
    assert failure.check(psycopg.errors.DivisionByZero)
    assert waitFor(dbreactor, pool.runQuery("SELECT 1")) == [(1,)]
    assert pool.statistics().connectionsLost == 0


def test_runWithConnectionGetsThePsycopgConnection(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo)

    def serverVersion(connection: Any) -> int:
        assert isinstance(connection, psycopg.Connection)
        return connection.info.server_version

    assert waitFor(dbreactor, pool.runWithConnection(serverVersion)) >= 100000


def test_manyConcurrentInteractionsNeverUseMoreThanCpMaxConnections(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo, cp_max=3, application_name="bounded-pool")
    createBatches(dbreactor, pool)
    lock = threading.Lock()
    running = [0, 0]  # now, most ever

    def insertCounted(transaction: Transaction, batch: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running)
        try:
            transaction.execute("SELECT pg_sleep(0.001)")
            return insertBatch(transaction, batch)
        finally:
            with lock:
                running[0] -= 1

    batches = allOf(dbreactor, [pool.runInteraction(insertCounted, b) for b in range(200)])
    assert batches == list(range(200))
    assert batchSizesOutsideThePool(pgConninfo) == dict.fromkeys(range(200), BATCH_SIZE)
    assert running[1] <= 3  # measured: never more interactions at once than cp_max
    sessions = waitFor(
        dbreactor,
        pool.runQuery(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bounded-pool'"
        ),
    )
    assert sessions == [(3,)]


def test_closeClosesTheServerSessions(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str
) -> None:
    pool = makePool("psycopg", pgConninfo, cp_min=2, cp_max=2, application_name="closing-pool")
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    waitFor(dbreactor, pool.close())
    with psycopg.connect(pgConninfo) as connection:
        sessions = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'closing-pool'"
        ).fetchone()
    assert sessions == (0,)


# -- the server goes away ------------------------------------------------------------------------


def test_killingTheServerMidRunLosesNoCommittedRowAndLeavesNoPartialRows(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str, postgres: PostgresServer
) -> None:
    pool = makePool("psycopg", pgConninfo, cp_min=3, cp_max=3)
    createBatches(dbreactor, pool)
    committed = set(allOf(dbreactor, [pool.runInteraction(insertBatch, b) for b in range(20)]))

    # Three interactions each insert a first row, then wait while the server is killed.
    started = threading.Semaphore(0)
    proceed = threading.Event()

    def insertAcrossTheCrash(transaction: Transaction, batch: int) -> int:
        transaction.execute("INSERT INTO batches VALUES (%s, 1)", (batch,))
        started.release()
        proceed.wait(10)
        transaction.execute("INSERT INTO batches VALUES (%s, 2)", (batch,))
        transaction.execute("INSERT INTO batches VALUES (%s, 3)", (batch,))
        return batch

    inFlight = [pool.runInteraction(insertAcrossTheCrash, b) for b in (100, 101, 102)]
    for _ in inFlight:
        assert started.acquire(timeout=10)
    postgres.stop("immediate")
    proceed.set()

    for failure in outcomesOf(dbreactor, inFlight):
        assert failure.check(ConnectionLost), failure
        assert isinstance(failure.value.__cause__, psycopg.OperationalError)
        assert "server closed the connection unexpectedly" in failure.getErrorMessage()

    # While the server is down, a call fails with the driver's own connect error.
    down = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert down.check(psycopg.OperationalError)

    postgres.start()
    after = allOf(dbreactor, [pool.runInteraction(insertBatch, b) for b in range(200, 210)])
    committed.update(after)

    sizes = batchSizesOutsideThePool(pgConninfo)
    assert committed <= set(sizes)  # no committed batch lost
    assert set(sizes.values()) == {BATCH_SIZE}  # no batch partly there
    assert not {100, 101, 102} & set(sizes)  # the failed interactions left nothing
    assert pool.statistics().connectionsLost >= 3


def test_afterARestartOneCallFailsAndTheIdleConnectionsAreReplacedSilently(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str, postgres: PostgresServer
) -> None:
    pool = makePool("psycopg", pgConninfo, cp_min=3, cp_max=3)
    allThree = threading.Barrier(3, timeout=10)

    def holdConnection(connection: Any) -> None:
        allThree.wait()

    # Three jobs that wait for each other run on three workers at once: all three connections
    # are open before the restart.
    allOf(dbreactor, [pool.runWithConnection(holdConnection) for _ in range(3)])

    postgres.stop("immediate")
    postgres.start()

    first = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert first.check(ConnectionLost)
    assert "the next call opens a new connection" in first.getErrorMessage()
    # The loss made every other connection check itself before its next job.
    assert allOf(dbreactor, [pool.runQuery("SELECT %s", (i,)) for i in range(30)]) == [
        [(i,)] for i in range(30)
    ]
    assert pool.statistics().connectionsLost == 3


def test_withoutReconnectTheLostPoolStaysFailedAfterTheServerIsBack(
    dbreactor: EPollReactor, makePool: MakePool, pgConninfo: str, postgres: PostgresServer
) -> None:
    pool = makePool("psycopg", pgConninfo, cp_min=1, cp_max=1, cp_reconnect=False)
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    postgres.stop("immediate")
    postgres.start()
    first = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert first.check(ConnectionLost)
    assert "cp_reconnect=False" in first.getErrorMessage()
    later = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert later.check(ConnectionLost)
    assert "refused" in later.getErrorMessage()
    assert isinstance(later.value.__cause__, psycopg.OperationalError)
