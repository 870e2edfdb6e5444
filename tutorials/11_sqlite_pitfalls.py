"""sqlite pitfalls: slow queries on the reactor, connections across threads

What you will see, in three parts, with the reactor's heartbeat ticking every 0.02 s:

1. A slow query (0.3 s) run directly in a callback, on the reactor thread: the heartbeat ticks
   0 times while it runs. ``sqlite3`` is a blocking library -- like ``time.sleep`` in lesson
   04, every query freezes the whole reactor for as long as it takes.
2. The same query through ``deferToThread``: the heartbeat keeps ticking (about 15 times).
3. The next trap: a connection opened in one thread and used in another. ``sqlite3`` refuses
   with ``ProgrammingError``. (``check_same_thread=False`` silences the check; it does not make
   sharing safe -- two threads using one connection at once corrupt its transaction state.)

The "slow query" calls a small SQL function that sleeps, so it takes 0.3 s on every machine
(a real slow query would be a big join or a missing index).

Why it matters: database drivers are the most common blocking code in a reactor program. Run
queries in threads, and keep each connection in the thread that opened it. Lesson 12's
``ConnectionPool`` does both for you.

Try this:
1. Run four slow queries at once with ``deferToThread``, each with its own connection. How long
   do they take in all with the reactor's default pool? With ``suggestThreadPoolSize(1)``?
2. Open the connection *inside* the worker function and close it there. Does part 3's error
   go away? What does that cost for every query?
"""

import sqlite3
import time
from typing import Any

from reactor.task import LoopingCall, react
from threads import deferToThread


def openDatabase() -> sqlite3.Connection:
    """An in-memory database with a SQL function that takes as long as we ask."""
    connection = sqlite3.connect(":memory:")
    connection.create_function("slow", 1, lambda seconds: time.sleep(seconds) or seconds)
    return connection


def slowQuery(connection: sqlite3.Connection) -> float:
    """A query taking 0.3 s. Blocking: it returns only when sqlite is done."""
    return connection.execute("SELECT slow(0.3)").fetchone()[0]


def slowQueryOnItsOwnConnection() -> float:
    """For a worker thread: open, query and close in that same thread."""
    connection = openDatabase()
    try:
        return slowQuery(connection)
    finally:
        connection.close()


async def main(reactor: Any) -> None:
    heartbeat = LoopingCall(lambda: None)
    heartbeat.start(0.02)

    print("1. the slow query on the reactor thread")
    connection = openDatabase()
    before, start = heartbeat.callCount, time.monotonic()
    slowQuery(connection)  # blocks the reactor
    took = time.monotonic() - start
    print(f"   took ≈{took:.1f}s; heartbeat ticks meanwhile: {heartbeat.callCount - before}")

    print("2. the same query in a worker thread")
    before, start = heartbeat.callCount, time.monotonic()
    await deferToThread(slowQueryOnItsOwnConnection)
    took = time.monotonic() - start
    print(f"   took ≈{took:.1f}s; heartbeat ticks meanwhile: ≈{heartbeat.callCount - before}")

    print("3. a connection opened in the reactor thread, used in a worker")
    try:
        await deferToThread(slowQuery, connection)
    except sqlite3.ProgrammingError as error:
        firstSentence = str(error).split(".")[0]  # the rest names thread ids
        print(f"   ProgrammingError: {firstSentence}.")
    connection.close()
    heartbeat.stop()


react(main)
