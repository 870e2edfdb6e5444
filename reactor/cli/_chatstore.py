"""The chat's storage: one ``messages`` table behind a ``threads.ConnectionPool``.

This module owns the database side of ``treadle serve chat``: reading ``--db`` (``sqlite:FILE``
or a ``postgresql://`` URL), the schema, storing messages and reading them back (the last N for
a newcomer, the ones after an id for :mod:`reactor.cli._chatfeed`). It knows nothing about
connections or nicks; the room decides what to store and whom to tell.

The table::

    messages(id  INTEGER PRIMARY KEY,   -- assigned by the database, increasing
             ts  REAL,                  -- when the server received it, seconds since the epoch
             nick TEXT, body TEXT)

Acknowledgement. :meth:`MessageStore.add` fires only after the transaction holding the INSERT
has committed, and the room acknowledges a message to its sender only then -- so a message its
sender saw acknowledged survives a SIGTERM, a crash of the server or a restart.

Group commit. Messages arriving while a write transaction is in flight are queued and written
together, in order, by the next transaction (at most :data:`MAX_BATCH` per transaction): one
commit (one fsync) for many messages, so a busy room is not limited to one commit per message.
At most one batch is in flight (plus the final one :meth:`MessageStore.flush` submits at
shutdown). (Rejected: one transaction per message -- with sqlite's one writer and an fsync per
commit that caps a room at a few hundred messages per second on ordinary disks.)

One connection. The pool has exactly one connection (``cp_max=1``) for either driver: writes are
serialised by the batching anyway, and a single connection runs this process's jobs in the
order they were submitted, so a poll of the feed can never return one of this process's own
messages before the INSERT that stored it has reported back. SQLite files are opened in WAL
mode with a 30 s busy timeout, so several worker processes can share one file.

Reactor thread only (the pool's worker thread only runs the functions named ``_insertBatch``,
``_recent``... with the values passed to them).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs

from deferred import Deferred, Failure, succeed
from reactor.cli._errors import UsageError
from threads import ConnectionPool, Transaction

__all__ = ["MAX_BATCH", "ChatMessage", "Database", "MessageStore", "parseDatabaseURL"]

#: Most messages written by one transaction.
MAX_BATCH = 500

#: How long an SQLite connection waits for another process's write lock, in seconds.
SQLITE_BUSY_TIMEOUT = 30.0


@attrs.frozen
class ChatMessage:
    """One stored message: its id (increasing, from the database), time, author and text."""

    id: int
    ts: float
    nick: str
    body: str


@attrs.frozen
class Database:
    """Where the messages live: what ``--db`` named, resolved into a driver and its arguments."""

    #: The DB-API module's name: ``"sqlite3"`` or ``"psycopg"``.
    driver: str
    connectArgs: tuple[Any, ...]
    connectKwargs: dict[str, Any] = attrs.field(factory=dict)
    #: The driver's parameter marker: ``?`` (sqlite3) or ``%s`` (psycopg).
    marker: str = "?"
    #: How to name it in the log (a URL without its password).
    shown: str = ""

    @property
    def isSQLite(self) -> bool:
        """Whether this is an SQLite file (one writer at a time, WAL mode)."""
        return self.driver == "sqlite3"


def parseDatabaseURL(url: str) -> Database:
    """Read ``--db``: ``sqlite:FILE`` (``sqlite:///abs/path``, ``sqlite::memory:``) or
    ``postgresql://user@host/dbname`` (also ``postgres://``; any libpq URL psycopg accepts).

    :raises UsageError: for anything else, or for PostgreSQL when psycopg is not installed.
    """
    scheme, colon, rest = url.partition(":")
    if colon and scheme == "sqlite":
        path = rest[2:] if rest.startswith("//") else rest
        if not path:
            raise UsageError(f"--db {url!r}: name the file, e.g. sqlite:treadle-chat.db")
        return Database(
            "sqlite3", (path,), {"timeout": SQLITE_BUSY_TIMEOUT}, marker="?", shown=f"sqlite:{path}"
        )
    if colon and scheme in ("postgresql", "postgres") and rest.startswith("//"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise UsageError(
                f"--db {_withoutPassword(url)!r} needs psycopg: pip install 'treadle[postgres]'"
            ) from None
        return Database("psycopg", (url,), marker="%s", shown=_withoutPassword(url))
    raise UsageError(
        f"--db {url!r} is not a database URL: use sqlite:FILE or postgresql://user@host/dbname"
    )


def _withoutPassword(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host))


class _Pending:
    """A message waiting to be written, and the Deferred its author waits on."""

    __slots__ = ("body", "done", "nick", "ts")

    def __init__(self, nick: str, body: str, ts: float) -> None:
        self.nick = nick
        self.body = body
        self.ts = ts
        self.done: Deferred[ChatMessage] = Deferred()


class MessageStore:
    """The ``messages`` table of one database, written with group commit (module docstring).

    ``pool`` must have one connection (``cp_max=1``); :meth:`open` makes such a store from
    ``--db``. ``clock()`` gives a message its time (``time.time`` by default).
    """

    def __init__(
        self, pool: ConnectionPool, database: Database, clock: Callable[[], float] = time.time
    ) -> None:
        self.pool = pool
        self.database = database
        self._clock = clock
        m = database.marker
        self._insertSQL = f"INSERT INTO messages (ts, nick, body) VALUES ({m}, {m}, {m})" + (
            "" if database.isSQLite else " RETURNING id"
        )
        self._recentSQL = f"SELECT id, ts, nick, body FROM messages ORDER BY id DESC LIMIT {m}"
        self._afterSQL = (
            f"SELECT id, ts, nick, body FROM messages WHERE id > {m} ORDER BY id LIMIT {m}"
        )
        # Reactor-thread-only state: messages not yet submitted, batches submitted and not
        # finished, and who waits for both to be empty (flush).
        self._queued: list[_Pending] = []
        self._inFlight = 0
        self._idleWaiters: list[Deferred[None]] = []
        #: Messages stored and transactions that stored them, since the store was made.
        self.stored = 0
        self.batches = 0

    @classmethod
    def open(cls, reactor: Any, url: str) -> MessageStore:
        """A store for ``--db url`` whose pool delivers to ``reactor`` (not connected yet).

        :raises UsageError: for a URL :func:`parseDatabaseURL` refuses.
        """
        database = parseDatabaseURL(url)
        pool = ConnectionPool(
            database.driver,
            *database.connectArgs,
            cp_min=1,
            cp_max=1,
            cp_openfun=_enableWAL if database.isSQLite else None,
            reactor=reactor,
            **database.connectKwargs,
        )
        return cls(pool, database)

    def prepare(self) -> Deferred[int]:
        """Create the table if it is missing; fire with the highest id stored (0: none)."""
        return self.pool.runInteraction(_createTable, self.database.isSQLite)

    # -- writing ---------------------------------------------------------------------------

    def add(self, nick: str, body: str) -> Deferred[ChatMessage]:
        """Store a message; fire with it (and its id) once its transaction has committed.

        Fails with the database's error (or ``PoolClosed`` once the store is closing); the
        message may then or may not be stored, but it was never acknowledged.
        """
        pending = _Pending(nick, body, self._clock())
        self._queued.append(pending)
        if not self._inFlight:
            self._submitBatch()
        return pending.done

    def flush(self) -> Deferred[None]:
        """Submit every queued message now; fire once every write has finished.

        For shutdown: the pool's own "before shutdown" trigger closes it after finishing the
        jobs submitted before, so submitting the last batch at once gets it written.
        """
        while self._queued:
            self._submitBatch()
        if not self._inFlight:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._idleWaiters.append(waiter)
        return waiter

    def _submitBatch(self) -> None:
        batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
        rows = [(p.ts, p.nick, p.body) for p in batch]
        self._inFlight += 1
        written = self.pool.runInteraction(
            _insertBatch, self._insertSQL, rows, self.database.isSQLite
        )
        written.addBoth(self._batchDone, batch)

    def _batchDone(self, outcome: list[int] | Failure, batch: list[_Pending]) -> None:
        self._inFlight -= 1
        # Queued messages go out before the acknowledgements run: an author's next message
        # (sent from the acknowledgement's callback) then joins the batch after.
        if self._queued and not self._inFlight:
            self._submitBatch()
        if isinstance(outcome, Failure):
            for pending in batch:
                pending.done.errback(outcome)
        else:
            self.stored += len(batch)
            self.batches += 1
            for pending, messageID in zip(batch, outcome, strict=True):
                pending.done.callback(
                    ChatMessage(messageID, pending.ts, pending.nick, pending.body)
                )
        if not self._inFlight and not self._queued:
            waiters, self._idleWaiters = self._idleWaiters, []
            for waiter in waiters:
                waiter.callback(None)

    # -- reading ---------------------------------------------------------------------------

    def recent(self, count: int) -> Deferred[list[ChatMessage]]:
        """The last ``count`` messages stored, oldest first."""
        if count <= 0:
            return succeed([])
        rows = self.pool.runQuery(self._recentSQL, (count,))
        return rows.addCallback(lambda found: [ChatMessage(*row) for row in reversed(found)])

    def after(self, lastID: int, limit: int = 1000) -> Deferred[list[ChatMessage]]:
        """Up to ``limit`` messages with an id above ``lastID``, in id order."""
        rows = self.pool.runQuery(self._afterSQL, (lastID, limit))
        return rows.addCallback(lambda found: [ChatMessage(*row) for row in found])

    def close(self) -> Deferred[None]:
        """Close the pool (the writes already submitted finish first)."""
        return self.pool.close()


def _enableWAL(connection: Any) -> None:
    # In the connection's thread, right after connecting. WAL lets readers in other worker
    # processes go on while one writes; ":memory:" databases answer "memory" and stay as they are.
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _createTable(transaction: Transaction, isSQLite: bool) -> int:
    if isSQLite:
        # AUTOINCREMENT: an id is never reused, even after the newest message is deleted.
        transaction.execute(
            "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " ts REAL NOT NULL, nick TEXT NOT NULL, body TEXT NOT NULL)"
        )
    else:
        transaction.execute(
            "CREATE TABLE IF NOT EXISTS messages (id BIGSERIAL PRIMARY KEY,"
            " ts DOUBLE PRECISION NOT NULL, nick TEXT NOT NULL, body TEXT NOT NULL)"
        )
    row = transaction.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()
    return int(row[0]) if row is not None else 0


def _insertBatch(
    transaction: Transaction, sql: str, rows: list[tuple[float, str, str]], isSQLite: bool
) -> list[int]:
    ids: list[int] = []
    for row in rows:
        transaction.execute(sql, row)
        if isSQLite:
            ids.append(int(transaction.lastrowid))
        else:
            returned = transaction.fetchone()
            assert returned is not None, "INSERT ... RETURNING id returned no row"
            ids.append(int(returned[0]))
    return ids
