"""Solutions to lesson 12: several sqlite writers; a call after close()."""

import os
import tempfile
from typing import Any

from deferred import DeferredList
from reactor.task import react
from threads import ConnectionPool, PoolClosed, Transaction


def slowDeposit(transaction: Transaction) -> None:
    transaction.execute("UPDATE accounts SET balance = balance + 1")
    transaction.execute("SELECT count(*) FROM accounts").fetchone()


async def main(reactor: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "bank.db")
        # 1. cp_max=3: three connections may write at once. sqlite lets one hold the write lock;
        #    the others wait up to `timeout` seconds, then fail with "database is locked". With
        #    the default (one connection) that cannot happen: the pool queues the writes.
        pool = ConnectionPool("sqlite3", path, cp_max=3, timeout=0.001, reactor=reactor)
        await pool.runOperation("CREATE TABLE accounts (balance INTEGER)")
        await pool.runOperation("INSERT INTO accounts VALUES (0)")
        results = await DeferredList(
            [pool.runInteraction(slowDeposit) for _ in range(30)], consumeErrors=True
        )
        committed = sum(1 for ok, _ in results if ok)
        errors = {value.getErrorMessage() for ok, value in results if not ok}
        print(f"1. cp_max=3: {committed} of 30 deposits committed; errors: {sorted(errors)}")
        await pool.close()

        # 2. After close(), calls fail at once with PoolClosed.
        try:
            await pool.runQuery("SELECT 1")
        except PoolClosed:
            print("2. runQuery after close(): PoolClosed, at once")


react(main)
