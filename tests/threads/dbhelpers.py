"""Helpers for the ConnectionPool tests: driving a reactor until a Deferred fires, and a
throwaway PostgreSQL server (initdb + pg_ctl in a temporary directory, on a Unix socket only).

The fixtures built on these live in ``dbfixtures`` (loaded as a plugin); test modules import
the helpers from here, so the plugin module itself is never imported before pytest loads it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from deferred import Deferred, Failure
from reactor import EPollReactor

#: How long one test may wait for a Deferred before it fails.
WAIT_SECONDS = 20.0

POOL_THREAD_PREFIX = "treadle-dbpool-"


def outcomeOf(reactor: EPollReactor, d: Deferred[Any], timeout: float = WAIT_SECONDS) -> Any:
    """Iterate ``reactor`` until ``d`` fires; return its result, or its Failure (not raised).

    Fails the test when ``d`` has not fired after ``timeout`` seconds.
    """
    outcome: list[Any] = []
    d.addBoth(outcome.append)
    deadline = time.monotonic() + timeout
    while not outcome:
        if time.monotonic() > deadline:
            raise AssertionError(f"{d!r} did not fire within {timeout} s")
        reactor.iterate(0.05)
    return outcome[0]


def waitFor(reactor: EPollReactor, d: Deferred[Any], timeout: float = WAIT_SECONDS) -> Any:
    """Iterate ``reactor`` until ``d`` fires; return its result or raise its failure."""
    result = outcomeOf(reactor, d, timeout)
    if isinstance(result, Failure):
        result.raiseException()
    return result


def runBody(
    reactor: EPollReactor, body: Coroutine[Any, Any, Any], timeout: float = WAIT_SECONDS
) -> Any:
    """Run an ``async def`` test body that awaits Deferreds, on ``reactor``."""
    return waitFor(reactor, Deferred.fromCoroutine(body), timeout)


def poolThreads() -> list[threading.Thread]:
    """The ConnectionPool worker threads alive right now."""
    return [t for t in threading.enumerate() if t.name.startswith(POOL_THREAD_PREFIX)]


def findPostgresBinaries() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: Debian's layout first, then PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    onPath = shutil.which("pg_ctl")
    if onPath is not None:
        # /usr/local/bin/pg_ctl may be a symlink into /usr/lib/postgresql/N/bin.
        candidates.append(str(Path(onPath).resolve().parent))
    for candidate in candidates:
        directory = Path(candidate)
        if all(os.access(directory / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


class PostgresServer:
    """A throwaway PostgreSQL cluster in its own temporary directory, on a Unix socket only.

    ``runAs`` is the user to run the server as when we are root (initdb refuses root).
    """

    def __init__(self, binaries: Path, runAs: pwd.struct_passwd | None) -> None:
        self.binaries = binaries
        self.runAs = runAs
        self.directory = Path(tempfile.mkdtemp(prefix="treadle-pg-"))
        if runAs is not None:
            os.chown(self.directory, runAs.pw_uid, runAs.pw_gid)
        self.dataDirectory = self.directory / "data"
        self.logFile = self.directory / "server.log"
        self.user = "treadle"
        self.conninfo = f"host={self.directory} user={self.user} dbname=postgres"

    def _run(self, *command: str, timeout: float = 60) -> None:
        argv = [str(self.binaries / command[0]), *command[1:]]
        if self.runAs is not None:
            if shutil.which("runuser"):
                argv = ["runuser", "-u", self.runAs.pw_name, "--", *argv]
            else:
                command = shlex.join(argv)
                argv = ["su", self.runAs.pw_name, "-s", "/bin/sh", "-c", command]
        # A clean environment: a developer's PGDATA/PGHOST must not leak into the test server.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env["LC_ALL"] = "C"
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
        if completed.returncode != 0:
            log = self.logFile.read_text() if self.logFile.exists() else "(no server log)"
            raise RuntimeError(
                f"{' '.join(argv)} exited with {completed.returncode}:\n"
                f"{completed.stdout}{completed.stderr}\nserver log:\n{log[-3000:]}"
            )

    def initialise(self) -> None:
        """Create the cluster, with a trusted superuser ``treadle``."""
        self._run(
            "initdb",
            "-D",
            str(self.dataDirectory),
            "-A",
            "trust",
            "-U",
            self.user,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-k {self.directory} -c listen_addresses='' -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.dataDirectory), "-l", str(self.logFile), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode="immediate"`` kills it without a clean shutdown (a crash)."""
        self._run("pg_ctl", "-D", str(self.dataDirectory), "-m", mode, "-w", "-t", "60", "stop")

    def isRunning(self) -> bool:
        """Whether the server's postmaster is alive."""
        return (self.dataDirectory / "postmaster.pid").exists()

    def remove(self) -> None:
        """Delete the cluster's directory."""
        shutil.rmtree(self.directory, ignore_errors=True)
