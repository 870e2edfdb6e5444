"""ConnectionPool on real sqlite3 databases (files and ``:memory:``), driven by a real reactor."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deferred import CancelledError, Deferred
from reactor import EPollReactor
from tests.threads.dbhelpers import outcomeOf, poolThreads, waitFor
from threads import ConnectionLost, ConnectionPool, PoolClosed, PoolQueueFull, Transaction

pytest_plugins = ("tests.threads.dbfixtures",)

MakePool = Callable[..., ConnectionPool]


@pytest.fixture
def dbPath(tmp_path: Path) -> str:
    return str(tmp_path / "test.db")


def rowsOutsideThePool(path: str, sql: str) -> list[Any]:
    """Read with a connection of our own: only committed data is visible to it."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(sql).fetchall()
    connection.close()
    return rows


def createTable(dbreactor: EPollReactor, pool: ConnectionPool) -> None:
    waitFor(dbreactor, pool.runOperation("CREATE TABLE t (x INTEGER)"))


class RecordingConnection(sqlite3.Connection):
    """A real sqlite3 connection that notes which thread opens, uses and closes it."""

    threadsSeen: list[tuple[str, int]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threadsSeen = [("connect", threading.get_ident())]
        RecordingConnection.instances.append(self)

    instances: list[RecordingConnection] = []

    def cursor(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        self.threadsSeen.append(("cursor", threading.get_ident()))
        return super().cursor(*args, **kwargs)

    def commit(self) -> None:
        self.threadsSeen.append(("commit", threading.get_ident()))
        super().commit()

    def close(self) -> None:
        self.threadsSeen.append(("close", threading.get_ident()))
        super().close()


@pytest.fixture
def recording() -> list[RecordingConnection]:
    RecordingConnection.instances = []
    return RecordingConnection.instances


def withoutFsync(connection: sqlite3.Connection) -> None:
    # Tests about many commits measure the pool, not the disk.
    connection.execute("PRAGMA synchronous = OFF")


class Boom(Exception):
    pass


def insertThenFail(transaction: Transaction, error: BaseException) -> None:
    transaction.execute("INSERT INTO t VALUES (1)")
    transaction.execute("INSERT INTO t VALUES (2)")
    raise error


# -- the calls ---------------------------------------------------------------------------------


def test_runQueryFiresWithAllRows(dbreactor: EPollReactor, makePool: MakePool, dbPath: str) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    waitFor(dbreactor, pool.runOperation("INSERT INTO t VALUES (1), (2), (3)"))
    rows = waitFor(dbreactor, pool.runQuery("SELECT x FROM t WHERE x >= ? ORDER BY x", (2,)))
    assert rows == [(2,), (3,)]


def test_runQueryAcceptsNamedParameters(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    assert waitFor(dbreactor, pool.runQuery("SELECT :a + :b", {"a": 2, "b": 3})) == [(5,)]


def test_runOperationFiresWithNoneAndCommits(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    assert waitFor(dbreactor, pool.runOperation("INSERT INTO t VALUES (?)", (7,))) is None
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t") == [(7,)]


def test_runInteractionCommitsWhenItReturns(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)

    def insertTwo(transaction: Transaction, first: int, *, second: int) -> int:
        transaction.execute("INSERT INTO t VALUES (?)", (first,))
        transaction.execute("INSERT INTO t VALUES (?)", (second,))
        return transaction.execute("SELECT count(*) FROM t").fetchall()[0][0]

    assert waitFor(dbreactor, pool.runInteraction(insertTwo, 1, second=2)) == 2
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t ORDER BY x") == [(1,), (2,)]


def test_runInteractionRollsBackAndFailsWithTheOriginalException(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    error = Boom("no thanks")
    failure = outcomeOf(dbreactor, pool.runInteraction(insertThenFail, error))
    assert failure.value is error
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t") == []


def test_runInteractionFailureCarriesTheTracebackOfTheInteraction(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    failure = outcomeOf(dbreactor, pool.runInteraction(insertThenFail, Boom()))
    assert "insertThenFail" in failure.getTraceback()


def test_failedInteractionLeavesTheConnectionUsable(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    outcomeOf(dbreactor, pool.runInteraction(insertThenFail, Boom()))
    waitFor(dbreactor, pool.runOperation("INSERT INTO t VALUES (3)"))
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t") == [(3,)]
    assert pool.statistics().connectionsLost == 0


def test_transactionOffersCursorAttributes(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)

    def inspect(transaction: Transaction) -> tuple[Any, ...]:
        transaction.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
        inserted = transaction.rowcount
        transaction.execute("INSERT INTO t VALUES (4)")
        lastRow = transaction.lastrowid
        transaction.execute("SELECT x FROM t ORDER BY x")
        names = [column[0] for column in transaction.description]
        return inserted, lastRow, names, transaction.fetchone(), transaction.fetchmany(2)

    assert waitFor(dbreactor, pool.runInteraction(inspect)) == (3, 4, ["x"], (1,), [(2,), (3,)])


def test_runWithConnectionGetsTheDriverConnectionAndCommits(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)

    def insert(connection: sqlite3.Connection, value: int) -> str:
        connection.execute("INSERT INTO t VALUES (?)", (value,))
        return type(connection).__name__

    assert waitFor(dbreactor, pool.runWithConnection(insert, 5)) == "Connection"
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t") == [(5,)]


def test_runWithConnectionRollsBackOnException(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    error = Boom()

    def insertThenRaise(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t VALUES (1)")
        raise error

    assert outcomeOf(dbreactor, pool.runWithConnection(insertThenRaise)).value is error
    assert rowsOutsideThePool(dbPath, "SELECT x FROM t") == []


def test_driverErrorsReachTheCallerUnwrapped(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    failure = outcomeOf(dbreactor, pool.runQuery("SELEC nonsense"))
    assert failure.check(sqlite3.OperationalError)
    assert pool.statistics().connectionsLost == 0


def test_resultsAreDeliveredInTheReactorThread(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    d = pool.runQuery("SELECT 1")
    d.addCallback(lambda rows: threading.get_ident())
    assert waitFor(dbreactor, d) == threading.get_ident()


def test_manyConcurrentCallsAllFireExactlyOnce(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_openfun=withoutFsync)
    createTable(dbreactor, pool)
    fired: list[int] = []
    calls = [pool.runOperation("INSERT INTO t VALUES (?)", (i,)) for i in range(1000)]
    for i, d in enumerate(calls):
        d.addCallback(lambda _, i=i: fired.append(i))
    waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))
    assert fired == list(range(1000))  # one connection: FIFO order, each exactly once
    assert rowsOutsideThePool(dbPath, "SELECT count(*), sum(x) FROM t") == [(1000, 499500)]
    assert pool.statistics().completed == 1001


def test_concurrentReadsUseSeveralConnectionsUpToCpMax(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_min=0, cp_max=3)
    calls = [pool.runQuery("SELECT ?", (i,)) for i in range(300)]
    assert pool.statistics().workers == 3
    results = waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))
    assert results == [[(i,)] for i in range(300)]


async def _awaitAll(calls: list[Deferred[Any]]) -> list[Any]:
    return [await d for d in calls]


# -- one connection, one thread ------------------------------------------------------------------


def test_eachConnectionIsOpenedUsedAndClosedInOneWorkerThread(
    dbreactor: EPollReactor,
    makePool: MakePool,
    dbPath: str,
    recording: list[RecordingConnection],
) -> None:
    pool = makePool("sqlite3", dbPath, cp_min=3, cp_max=3, factory=RecordingConnection)
    calls = [pool.runQuery("SELECT ?", (i,)) for i in range(60)]
    waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))
    waitFor(dbreactor, pool.close())
    assert len(recording) == 3
    for connection in recording:
        threads = {ident for _, ident in connection.threadsSeen}
        assert len(threads) == 1
        assert threads != {threading.get_ident()}
        assert connection.threadsSeen[-1][0] == "close"
    assert len({connection.threadsSeen[0][1] for connection in recording}) == 3


def test_openfunRunsInTheConnectionsThreadAfterConnecting(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    seen: list[int] = []

    def openfun(connection: sqlite3.Connection) -> None:
        seen.append(threading.get_ident())
        connection.execute("PRAGMA user_version = 42")

    pool = makePool("sqlite3", dbPath, cp_openfun=openfun)
    assert waitFor(dbreactor, pool.runQuery("PRAGMA user_version")) == [(42,)]

    def whereAmI(connection: sqlite3.Connection) -> int:
        return threading.get_ident()

    assert seen == [waitFor(dbreactor, pool.runWithConnection(whereAmI))]


def test_failingOpenfunFailsTheCallWithItsError(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    error = Boom("openfun says no")

    def openfun(connection: sqlite3.Connection) -> None:
        raise error

    pool = makePool("sqlite3", dbPath, cp_min=0, cp_openfun=openfun)
    assert outcomeOf(dbreactor, pool.runQuery("SELECT 1")).value is error


def test_connectErrorFailsTheCallAndTheNextCallTriesAgain(
    dbreactor: EPollReactor, makePool: MakePool, tmp_path: Path
) -> None:
    missing = tmp_path / "not-yet"
    pool = makePool("sqlite3", str(missing / "test.db"), cp_min=0)
    failure = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert failure.check(sqlite3.OperationalError)
    assert "unable to open database file" in failure.getErrorMessage()
    missing.mkdir()
    assert waitFor(dbreactor, pool.runQuery("SELECT 1")) == [(1,)]


def test_failedWarmStartIsLoggedAndTheCallGetsTheError(
    dbreactor: EPollReactor,
    makePool: MakePool,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = makePool("sqlite3", str(tmp_path / "missing" / "test.db"), cp_min=1)
    pool.start()
    failure = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert failure.check(sqlite3.OperationalError)
    assert "could not open its database connection at start-up" in caplog.text


# -- sqlite defaults and :memory: ----------------------------------------------------------------


def test_sqliteDefaultsToOneConnection(makePool: MakePool, dbPath: str) -> None:
    assert makePool("sqlite3", dbPath).max == 1


def test_sqliteCpMaxCanBeRaisedExplicitly(makePool: MakePool, dbPath: str) -> None:
    assert makePool("sqlite3", dbPath, cp_max=4).max == 4


def test_otherDriversDefaultToFiveConnections(makePool: MakePool, dbPath: str) -> None:
    import psycopg

    assert makePool(psycopg, "dbname=unused", cp_min=0).max == 5


def test_sqliteCpMinAboveTheOneWriterDefaultIsAClearError(
    dbreactor: EPollReactor, dbPath: str
) -> None:
    with pytest.raises(ValueError, match="sqlite3 default: one writer"):
        ConnectionPool("sqlite3", dbPath, cp_min=2, reactor=dbreactor)


def test_sqliteOneWriterKeepsOneWorkerUnderConcurrentWrites(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_openfun=withoutFsync)
    createTable(dbreactor, pool)
    calls = [pool.runOperation("INSERT INTO t VALUES (?)", (i,)) for i in range(50)]
    waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))
    assert pool.statistics().workers == 1


def test_memoryDatabasePersistsAcrossCallsOnTheDefaultSingleConnection(
    dbreactor: EPollReactor, makePool: MakePool
) -> None:
    pool = makePool("sqlite3", ":memory:")
    createTable(dbreactor, pool)
    waitFor(dbreactor, pool.runOperation("INSERT INTO t VALUES (1)"))
    assert waitFor(dbreactor, pool.runQuery("SELECT x FROM t")) == [(1,)]


def test_memoryDatabaseIsPrivateToEachConnection(
    dbreactor: EPollReactor, makePool: MakePool
) -> None:
    # Documented pitfall: every connection to ":memory:" opens its own empty database.
    pool = makePool("sqlite3", ":memory:", cp_min=2, cp_max=2)
    barrier = threading.Barrier(2, timeout=10)

    def createInMine(connection: sqlite3.Connection, name: str) -> list[str]:
        connection.execute(f"CREATE TABLE {name} (x)")
        barrier.wait()  # both connections are busy at once, so each call has its own
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]

    calls = [pool.runWithConnection(createInMine, "a"), pool.runWithConnection(createInMine, "b")]
    tables = waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls)))
    assert tables == [["a"], ["b"]]


# -- lost connections (a sqlite connection closed under the pool's feet) --------------------------


def closeIt(connection: sqlite3.Connection) -> None:
    connection.close()


def test_deadConnectionFailsTheCallWithConnectionLostNamingTheCause(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    failure = outcomeOf(dbreactor, pool.runWithConnection(closeIt))
    assert failure.check(ConnectionLost)
    assert isinstance(failure.value.__cause__, sqlite3.ProgrammingError)
    assert "closed database" in failure.getErrorMessage()
    assert "the next call opens a new connection" in failure.getErrorMessage()


def test_deadConnectionIsReplacedOnTheNextCall(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    outcomeOf(dbreactor, pool.runWithConnection(closeIt))
    assert waitFor(dbreactor, pool.runQuery("SELECT 1")) == [(1,)]
    assert pool.statistics().connectionsLost == 1


def test_goodSqlIsThePingThatDecidesWhetherAnOperationalErrorLostTheConnection(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    # A ping that always fails makes every OperationalError look like a dead connection.
    pool = makePool("sqlite3", dbPath, cp_good_sql="SELECT no_such_function()")
    failure = outcomeOf(dbreactor, pool.runQuery("SELEC nonsense"))
    assert failure.check(ConnectionLost)
    assert isinstance(failure.value.__cause__, sqlite3.OperationalError)
    assert pool.statistics().connectionsLost == 1


def test_withoutReconnectALostConnectionStaysFailed(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_reconnect=False)
    first = outcomeOf(dbreactor, pool.runWithConnection(closeIt))
    assert first.check(ConnectionLost)
    assert "cp_reconnect=False" in first.getErrorMessage()
    later = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert later.check(ConnectionLost)
    assert "cp_reconnect=False" in later.getErrorMessage()
    assert isinstance(later.value.__cause__, sqlite3.ProgrammingError)


# -- close, start and shutdown -------------------------------------------------------------------


def test_closeClosesEveryConnectionAndEndsItsThreads(
    dbreactor: EPollReactor,
    makePool: MakePool,
    dbPath: str,
    recording: list[RecordingConnection],
) -> None:
    pool = makePool("sqlite3", dbPath, cp_min=2, cp_max=2, factory=RecordingConnection)
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    assert waitFor(dbreactor, pool.close()) is None
    assert [c.threadsSeen[-1][0] for c in recording] == ["close", "close"]
    assert poolThreads() == []
    assert pool.statistics().state == "closed"


class CloseFailsConnection(sqlite3.Connection):
    """A real sqlite3 connection whose close() reports an error after really closing."""

    def close(self) -> None:
        super().close()
        raise sqlite3.OperationalError("disk went away while closing")


def test_closeReportsAConnectionsCloseError(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, factory=CloseFailsConnection)
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    failure = outcomeOf(dbreactor, pool.close())
    assert failure.check(sqlite3.OperationalError)
    assert "disk went away while closing" in failure.getErrorMessage()
    assert poolThreads() == []
    assert pool.statistics().state == "closed"


def test_callsAfterCloseFailWithPoolClosed(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    closing = pool.close()
    failure = outcomeOf(dbreactor, pool.runQuery("SELECT 1"))
    assert failure.check(PoolClosed)
    assert "runQuery() called on" in failure.getErrorMessage()
    waitFor(dbreactor, closing)
    assert outcomeOf(dbreactor, pool.runInteraction(insertThenFail, Boom())).check(PoolClosed)


def test_callsSubmittedBeforeCloseStillFinish(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    calls = [pool.runQuery("SELECT ?", (i,)) for i in range(50)]
    closing = pool.close()
    assert waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(calls))) == [
        [(i,)] for i in range(50)
    ]
    waitFor(dbreactor, closing)


def test_closeTwiceFiresBoth(dbreactor: EPollReactor, makePool: MakePool, dbPath: str) -> None:
    pool = makePool("sqlite3", dbPath)
    waitFor(dbreactor, pool.runQuery("SELECT 1"))
    first, second = pool.close(), pool.close()
    assert waitFor(dbreactor, first) is None
    assert waitFor(dbreactor, second) is None
    assert waitFor(dbreactor, pool.close()) is None


def test_closingAnUnusedPoolStartsNothing(dbreactor: EPollReactor, makePool: MakePool) -> None:
    pool = makePool("sqlite3", ":memory:")
    assert waitFor(dbreactor, pool.close()) is None
    assert poolThreads() == []
    with pytest.raises(PoolClosed):
        pool.start()


def test_poolStartsWithCpMinConnectionsWhenTheReactorStarts(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_min=2, cp_max=3)
    assert pool.statistics().workers == 0
    workers: list[int] = []
    dbreactor.callWhenRunning(lambda: workers.append(pool.statistics().workers))
    dbreactor.callWhenRunning(dbreactor.stop)
    dbreactor.run(installSignalHandlers=False)
    assert workers == [2]


def test_stoppingTheReactorClosesThePool(
    dbreactor: EPollReactor,
    makePool: MakePool,
    dbPath: str,
    recording: list[RecordingConnection],
) -> None:
    pool = makePool("sqlite3", dbPath, factory=RecordingConnection)
    results: list[Any] = []

    def useThenStop() -> None:
        d = pool.runQuery("SELECT 1")
        d.addCallback(results.append)
        d.addCallback(lambda _: dbreactor.stop())

    dbreactor.callWhenRunning(useThenStop)
    dbreactor.run(installSignalHandlers=False)
    assert results == [[(1,)]]
    assert pool.statistics().state == "closed"
    assert recording[0].threadsSeen[-1][0] == "close"
    assert poolThreads() == []


def test_firstCallStartsThePoolWithoutARunningReactor(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    assert not pool.running
    d = pool.runQuery("SELECT 1")
    assert pool.running
    assert waitFor(dbreactor, d) == [(1,)]


# -- the queue bound and cancellation ------------------------------------------------------------


def blockUntil(connection: sqlite3.Connection, release: threading.Event) -> str:
    release.wait(10)
    return "released"


def test_callsBeyondCpMaxqueueFailAtOnceWithPoolQueueFull(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath, cp_maxqueue=3)
    release = threading.Event()
    accepted = [pool.runWithConnection(blockUntil, release) for _ in range(3)]
    refused = pool.runQuery("SELECT 1")
    assert refused.called
    failure = outcomeOf(dbreactor, refused)
    assert failure.check(PoolQueueFull)
    assert "cp_maxqueue=3" in failure.getErrorMessage()
    release.set()
    assert waitFor(dbreactor, Deferred.fromCoroutine(_awaitAll(accepted))) == ["released"] * 3
    assert waitFor(dbreactor, pool.runQuery("SELECT 1")) == [(1,)]


def test_cancellingAQueuedCallKeepsItFromRunning(
    dbreactor: EPollReactor, makePool: MakePool, dbPath: str
) -> None:
    pool = makePool("sqlite3", dbPath)
    createTable(dbreactor, pool)
    release = threading.Event()
    blocker = pool.runWithConnection(blockUntil, release)
    queued = pool.runOperation("INSERT INTO t VALUES (1)")
    queued.cancel()
    assert outcomeOf(dbreactor, queued).check(CancelledError)
    release.set()
    waitFor(dbreactor, blocker)
    assert waitFor(dbreactor, pool.runQuery("SELECT count(*) FROM t")) == [(0,)]
    assert pool.statistics().outstanding == 0


# -- construction --------------------------------------------------------------------------------


def test_unknownPoolOptionIsRejected(dbreactor: EPollReactor) -> None:
    with pytest.raises(TypeError, match="cp_mni"):
        ConnectionPool("sqlite3", ":memory:", cp_mni=1, reactor=dbreactor)


def test_moduleWithoutConnectIsRejected(dbreactor: EPollReactor) -> None:
    with pytest.raises(TypeError, match="has no connect"):
        ConnectionPool("json", reactor=dbreactor)


def test_driverMayBeGivenAsAModule(dbreactor: EPollReactor, makePool: MakePool) -> None:
    pool = makePool(sqlite3, ":memory:")
    assert (pool.dbapiName, pool.max) == ("sqlite3", 1)
    assert waitFor(dbreactor, pool.runQuery("SELECT 2")) == [(2,)]


def test_twistedStyleCpReactorIsAccepted(dbreactor: EPollReactor, dbPath: str) -> None:
    pool = ConnectionPool("sqlite3", dbPath, cp_reactor=dbreactor)
    assert waitFor(dbreactor, pool.runQuery("SELECT 3")) == [(3,)]
    waitFor(dbreactor, pool.close())
