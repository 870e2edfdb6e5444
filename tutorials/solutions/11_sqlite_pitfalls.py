"""Solutions to lesson 11: four slow queries at once; one connection per worker call."""

import sqlite3
import time
from typing import Any

from deferred import gatherResults
from reactor.task import react
from threads import deferToThread


def slowQuery() -> float:
    # 2. Opening and closing the connection in the worker avoids the cross-thread error, at
    #    the price of a connect (and a cold cache) for every query -- what a pool avoids.
    connection = sqlite3.connect(":memory:")
    connection.create_function("slow", 1, lambda seconds: time.sleep(seconds) or seconds)
    try:
        return connection.execute("SELECT slow(0.1)").fetchone()[0]
    finally:
        connection.close()


async def timed(count: int) -> float:
    start = time.monotonic()
    await gatherResults([deferToThread(slowQuery) for _ in range(count)])
    return time.monotonic() - start


async def main(reactor: Any) -> None:
    # 1. The default pool has room for all four: 0.1 s. A pool of one runs them in turn: 0.4 s.
    print(f"1. four 0.1 s queries, default pool: {await timed(4):.1f}s")
    reactor.suggestThreadPoolSize(1)
    print(f"   with suggestThreadPoolSize(1): {await timed(4):.1f}s")
    print("2. a connection per call: no ProgrammingError")


react(main)
