"""The errors a `ConnectionPool` reports, each saying what happened and what to do next.

This module owns the error types only; where they are raised lives in ``_dbpool`` (pool state:
closed, queue full, lost without reconnecting) and ``_dbworker`` (a connection found dead).
Errors of the database driver itself (``sqlite3.IntegrityError``, ``psycopg.errors.*``) are never
wrapped, except when they mean the connection is gone: then the call gets `ConnectionLost` whose
``__cause__`` is the driver's error.
"""

from __future__ import annotations

__all__ = ["ConnectionLost", "ConnectionPoolError", "PoolClosed", "PoolQueueFull"]


class ConnectionPoolError(Exception):
    """Base class of the errors raised by `ConnectionPool` itself (not by the driver)."""


class ConnectionLost(ConnectionPoolError):
    """The database connection was found dead while (or just before) running this call.

    ``__cause__`` holds the driver error that revealed it (for example
    ``psycopg.OperationalError: server closed the connection unexpectedly``). The dead
    connection has been dropped. If it happened during ``commit()``, the database may or may not
    have committed the transaction: check before re-sending work that is not idempotent.
    Otherwise the transaction was rolled back by the server, so it left no partial rows.
    """


class PoolClosed(ConnectionPoolError):
    """The pool was closed (``close()`` or reactor shutdown); it accepts no more calls."""


class PoolQueueFull(ConnectionPoolError):
    """``cp_maxqueue`` calls are already waiting or running; this one was refused at once.

    The bound keeps a burst of calls from growing memory without limit. Wait for some of the
    outstanding Deferreds before submitting more, or raise ``cp_maxqueue``.
    """
