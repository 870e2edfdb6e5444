"""ConnectionPool: commit or roll back, one writer, a clean close

What you will see: ``threads.ConnectionPool`` doing lesson 11's rules for you. It keeps each
database connection in its own worker thread for the connection's whole life, runs your calls
there, and hands the results back to the reactor thread as Deferreds.

1. ``runInteraction(transfer, ...)`` runs ``transfer(transaction, ...)`` in the connection's
   thread, inside a transaction: it COMMITS when ``transfer`` returns, and ROLLS BACK when it
   raises -- the overdraft below leaves both balances exactly as they were.
2. One writer: for sqlite the pool opens ONE connection unless told otherwise (sqlite allows
   one writer at a time; several would fail with "database is locked"). Twenty deposits
   submitted at once simply queue for it, and none is lost.
3. ``close()`` finishes the calls already submitted, closes every connection in its own thread,
   and fires its Deferred when all are closed.

Why it matters: a transaction that half-happens is the worst database bug there is. With
``runInteraction`` the transaction boundary is the function boundary, and an exception -- any
exception -- undoes the whole thing.

Try this:
1. Pass ``cp_max=3`` and run part 2 again. What happens, and why does the pool's sqlite
   default exist? (Use a file database: every ``:memory:`` connection is its own database.)
2. Call ``pool.runQuery`` after ``pool.close()``. What error do you get, and when?
"""

import os
import tempfile
from typing import Any

from deferred import gatherResults
from reactor.task import react
from threads import ConnectionPool, Transaction


class Overdraft(Exception):
    """Raised by ``transfer`` when the money is not there."""


def createAccounts(transaction: Transaction) -> None:
    transaction.execute("CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER)")
    transaction.execute("INSERT INTO accounts VALUES ('alice', 100), ('bob', 0)")


def transfer(transaction: Transaction, source: str, target: str, amount: int) -> None:
    """Move money between accounts. Runs in the connection's worker thread."""
    transaction.execute(
        "UPDATE accounts SET balance = balance + ? WHERE name = ?", (amount, target)
    )
    transaction.execute(
        "UPDATE accounts SET balance = balance - ? WHERE name = ?", (amount, source)
    )
    (balance,) = transaction.execute(
        "SELECT balance FROM accounts WHERE name = ?", (source,)
    ).fetchone()
    if balance < 0:
        # Both UPDATEs already ran -- raising rolls them back together.
        raise Overdraft(f"{source} would have {balance}")


def deposit(transaction: Transaction, target: str, amount: int) -> None:
    transaction.execute(
        "UPDATE accounts SET balance = balance + ? WHERE name = ?", (amount, target)
    )


async def showBalances(pool: ConnectionPool) -> None:
    rows = await pool.runQuery("SELECT name, balance FROM accounts ORDER BY name")
    print("   balances: " + ", ".join(f"{name} {balance}" for name, balance in rows))


async def main(reactor: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        # A throwaway database: cp_openfun turns off the flushes to disk, so the lesson runs fast.
        pool = ConnectionPool(
            "sqlite3",
            os.path.join(directory, "bank.db"),
            cp_openfun=lambda connection: connection.execute("PRAGMA synchronous = OFF"),
            reactor=reactor,
        )
        await pool.runInteraction(createAccounts)

        print("1. runInteraction: commit on return, rollback on exception")
        await pool.runInteraction(transfer, "alice", "bob", 30)
        print("   transfer 30 from alice to bob: committed")
        await showBalances(pool)
        try:
            await pool.runInteraction(transfer, "alice", "bob", 500)
        except Overdraft as error:
            print(f"   transfer 500: Overdraft ({error}): rolled back")
        await showBalances(pool)

        print("2. one writer: twenty deposits submitted at once")
        completedBefore = pool.statistics().completed
        deposits = [pool.runInteraction(deposit, "bob", 1) for _ in range(20)]
        await gatherResults(deposits)
        print(f"   connections the pool may open: {pool.max}")
        completed = pool.statistics().completed - completedBefore
        print(f"   deposits completed: {completed} of {len(deposits)}")
        await showBalances(pool)

        print("3. close(): finish the calls, close every connection in its own thread")
        last = pool.runQuery("SELECT count(*) FROM accounts")
        await pool.close()
        print(f"   a query submitted before close() still answered: {await last}")
        stats = pool.statistics()
        print(f"   pool state: {stats.state}, worker threads left: {stats.workers}")


react(main)
