"""Fixtures for the ConnectionPool tests: a real reactor, pools that get closed, a real PostgreSQL.

Test modules load this with ``pytest_plugins = ("tests.threads.dbfixtures",)`` and import
helpers (``waitFor``, ``outcomeOf``...) from ``tests.threads.dbhelpers``, never from here: a
plugin module imported before pytest loads it misses assertion rewriting.

* ``dbreactor``: a fresh EPollReactor per test, closed afterwards. ``dbhelpers.waitFor`` drives
  it with ``iterate()`` until a Deferred fires, with a deadline, without stopping it (stopping
  would fire the shutdown triggers and close the pools mid-test).
* ``makePool``: builds ConnectionPools on that reactor and closes every one at teardown, then
  checks no pool thread is left.
* ``postgres``: one throwaway PostgreSQL server for the session (initdb + pg_ctl in a temporary
  directory, listening only on a Unix socket there). As root, initdb refuses to run, so the
  server runs as the ``postgres`` user (Debian's package creates it) through ``runuser`` (or
  ``su``). When no server can be started the tests that need it are skipped with the reason,
  except under CI (``CI=true``), where they fail with it.
* ``pgConninfo``: a fresh schema per test on that server, as a libpq connection string.
"""

from __future__ import annotations

import itertools
import os
import pwd
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reactor import EPollReactor
from tests.threads.dbhelpers import (
    PostgresServer,
    findPostgresBinaries,
    outcomeOf,
    poolThreads,
)
from threads import ConnectionPool


@pytest.fixture
def dbreactor() -> Iterator[EPollReactor]:
    """A fresh reactor for one test, closed afterwards."""
    reactor = EPollReactor()
    yield reactor
    reactor.close()


@pytest.fixture
def makePool(dbreactor: EPollReactor) -> Iterator[Callable[..., ConnectionPool]]:
    """``makePool(dbapi, *args, **kw)``: a ConnectionPool on ``dbreactor``, closed at teardown."""
    pools: list[ConnectionPool] = []

    def make(*args: Any, **kwargs: Any) -> ConnectionPool:
        kwargs.setdefault("reactor", dbreactor)
        pool = ConnectionPool(*args, **kwargs)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        outcomeOf(dbreactor, pool.close())
    assert poolThreads() == []


# -- PostgreSQL ----------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    """Skip locally, fail under CI: a CI run must never silently lose the PostgreSQL tests."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def _serverUser() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        _unavailable(
            "running as root, initdb refuses root and there is no 'postgres' user to run the "
            "server as (install Debian's postgresql package, or run the tests as a normal user)"
        )
        raise AssertionError("unreachable") from None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, removed at the end."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[postgres]')")
    binaries = findPostgresBinaries()
    if binaries is None:
        _unavailable(
            "no initdb/pg_ctl/postgres found in /usr/lib/postgresql/*/bin or on PATH "
            "(apt-get install postgresql)"
        )
        raise AssertionError("unreachable")
    server = PostgresServer(binaries, _serverUser())
    try:
        server.initialise()
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        server.remove()
        _unavailable(f"could not start a server with {binaries}: {error}")
    try:
        yield server
    finally:
        if server.isRunning():
            server.stop("immediate")
        server.remove()


_schemaNumbers = itertools.count(1)


@pytest.fixture
def pgConninfo(postgres: PostgresServer) -> Iterator[str]:
    """A connection string whose search_path is a fresh, empty schema (dropped afterwards)."""
    import psycopg

    if not postgres.isRunning():  # a previous test may have left it stopped
        postgres.start()
    schema = f"test_{os.getpid()}_{next(_schemaNumbers)}"
    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres.conninfo} options=-csearch_path={schema}"
    if not postgres.isRunning():
        postgres.start()
    with psycopg.connect(postgres.conninfo, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
