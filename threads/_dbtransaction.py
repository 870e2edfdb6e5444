"""`Transaction`: the cursor-like object a ``runInteraction`` function receives.

This module owns that one class. Committing, rolling back and deciding whether the connection
survived are not its business (``_dbworker`` does them around the interaction).

Rejected design: Twisted's ``adbapi.Transaction`` forwards every unknown attribute to the cursor
through ``__getattr__``. That hides typos until run time, defeats type checking and makes it
unclear what a transaction offers. This one spells out the DB-API cursor methods interactions use
and exposes the driver's own ``cursor`` and ``connection`` for anything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from ._dbapi import Connection, Cursor, Params

__all__ = ["Transaction"]


class Transaction:
    """A DB-API cursor inside one transaction, used only in its connection's worker thread.

    The pool commits when the interaction returns and rolls back when it raises; do not call
    ``commit``/``rollback`` on ``connection`` yourself. Not thread-safe, and not usable after the
    interaction returned (its cursor is closed then).
    """

    __slots__ = ("connection", "cursor")

    connection: Connection
    cursor: Cursor

    def __init__(self, connection: Connection, cursor: Cursor) -> None:
        #: The driver's connection object (for driver-specific calls).
        self.connection = connection
        #: The driver's cursor object behind this transaction.
        self.cursor = cursor

    def execute(self, sql: str, params: Params | None = None) -> Self:
        """Run one statement with ``params`` bound by the driver; returns self for chaining."""
        if params is None:
            self.cursor.execute(sql)
        else:
            self.cursor.execute(sql, params)
        return self

    def executemany(self, sql: str, paramsSeq: Iterable[Params]) -> Self:
        """Run one statement once per parameter set; returns self for chaining."""
        self.cursor.executemany(sql, paramsSeq)
        return self

    def fetchone(self) -> Any | None:
        """The next row of the last query, or None when there is none left."""
        return self.cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` more rows (default: the cursor's ``arraysize``)."""
        if size is None:
            return list(self.cursor.fetchmany())
        return list(self.cursor.fetchmany(size))

    def fetchall(self) -> list[Any]:
        """Every remaining row of the last query."""
        return list(self.cursor.fetchall())

    @property
    def rowcount(self) -> int:
        """Rows produced or changed by the last statement (-1 when the driver cannot tell)."""
        count: int = self.cursor.rowcount
        return count

    @property
    def description(self) -> Any:
        """The last query's column descriptions (PEP 249 7-item sequences), or None."""
        return self.cursor.description

    @property
    def lastrowid(self) -> Any:
        """The row id of the last inserted row where the driver has one (sqlite3), else None."""
        return getattr(self.cursor, "lastrowid", None)
