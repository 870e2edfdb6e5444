"""``treadle serve chat --workers N``: N server processes sharing one port and one database.

This module owns the supervisor: it checks that the options make sense for several processes,
creates the table once (so that N workers do not race to create it), starts the workers with
``reactor.spawnProcess`` -- each one ``python -m reactor.cli serve chat --worker-of PID`` with
the same options and ``reusePort=1`` added to its ``tcp:`` endpoint -- and watches them.

Each worker has its own reactor, thread pool and database connection; the kernel spreads
incoming connections over the workers' listening sockets (``SO_REUSEPORT``), and the workers
hear each other's messages through the database (:mod:`reactor.cli._chatfeed`). That is how one
machine's cores all serve the room: a Python process runs Python code on one core at a time.

What the supervisor does, and does not:

* a worker's stdout is a pipe to the supervisor, on which it says ``ready`` once it listens;
  its stderr is the supervisor's own, so the log is one stream (each line says which worker);
* SIGTERM or Ctrl-C stops the supervisor's reactor, whose "before shutdown" trigger sends each
  worker SIGTERM and waits until all have exited (each drains its own messages first; one still
  running after :data:`STOP_TIMEOUT` seconds is killed). Workers ignore SIGINT, so the Ctrl-C a
  terminal sends the whole process group reaches them once, through the supervisor;
* a worker that exits is not restarted (the others keep serving); when none is left the
  supervisor exits too, with status 1 if any worker failed;
* if the supervisor dies without stopping them, the workers notice (their parent changes) and
  shut down cleanly by themselves.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from deferred import Deferred, Failure, succeed
from reactor import Reactor
from reactor.cli._chatstore import MessageStore, parseDatabaseURL
from reactor.cli._errors import CommandFailed, UsageError
from reactor.cli._options import chooseReactor
from reactor.cli._serving import configureLogging, serveUntilStopped
from reactor.error import ProcessDone, ProcessExitedAlready, ProcessTerminated
from reactor.protocol import ProcessProtocol

__all__ = ["STOP_TIMEOUT", "Supervisor", "supervise", "workerArguments"]

log = logging.getLogger("treadle.chat")

#: Seconds a worker gets to drain and exit after SIGTERM before it is killed.
STOP_TIMEOUT = 20.0


def supervise(args: argparse.Namespace) -> int:
    """Run ``args.workers`` workers until stopped; return the exit status."""
    listen = _sharedEndpoint(args.listen)
    parseDatabaseURL(args.db)  # a bad --db is one line now, not N lines from N workers
    theReactor = chooseReactor(args.reactor)
    configureLogging("supervisor")
    supervisor = Supervisor(theReactor, workerArguments(args, listen), args.workers)
    status = serveUntilStopped(theReactor, supervisor.start)
    return status or supervisor.exitStatus()


def _sharedEndpoint(description: str) -> str:
    """``description`` with ``reusePort=1``; only a ``tcp:``/``tcp6:`` port can be shared."""
    kind, _, rest = description.partition(":")
    if kind not in ("tcp", "tcp6"):
        raise UsageError(
            f"--workers needs a tcp: or tcp6: endpoint to share, not {description!r} "
            "(put a TLS-terminating load balancer in front for TLS)"
        )
    port = rest.split(":", 1)[0]
    if port.startswith("port="):
        port = port[len("port=") :]
    if port in ("", "0") or "port=0" in rest.split(":"):
        raise UsageError(f"--workers needs a fixed port to share, not {description!r}")
    if "reusePort=" in description:
        return description
    return f"{description}:reusePort=1"


def workerArguments(args: argparse.Namespace, listen: str) -> list[str]:
    """The command line of one worker: this command, one process, ``--worker-of`` us."""
    argv = [
        sys.executable,
        "-m",
        "reactor.cli",
        "serve",
        "chat",
        "--listen",
        listen,
        "--db",
        args.db,
        "--history",
        str(args.history),
        "--poll",
        str(args.poll),
        "--worker-of",
        str(os.getpid()),
    ]
    if args.reactor is not None:
        argv[3:3] = ["--reactor", args.reactor]
    return argv


class _Worker(ProcessProtocol):
    """One worker process, as the supervisor sees it."""

    def __init__(self, supervisor: Supervisor, number: int) -> None:
        self.supervisor = supervisor
        self.number = number
        self.pid: int | None = None
        self.ready = False
        self.ended: Deferred[None] = Deferred()
        self.status: int | None = None
        self._output = b""

    def outReceived(self, data: bytes) -> None:
        self._output += data
        if not self.ready and b"ready\n" in self._output:
            self.ready = True
            self.supervisor.workerReady(self)

    def processEnded(self, reason: Failure) -> None:
        if reason.check(ProcessDone):
            self.status = 0
        elif reason.check(ProcessTerminated):
            error = reason.value
            assert isinstance(error, ProcessTerminated)
            self.status = (
                error.exitCode if error.exitCode is not None else 128 + (error.signal or 0)
            )
        else:
            self.status = 1
        self.supervisor.workerEnded(self, reason)
        self.ended.callback(None)

    def stop(self, how: str = "TERM") -> None:
        """Send the worker a signal, unless it is gone already."""
        try:
            self.transport.signalProcess(how)
        except ProcessExitedAlready:
            pass


class Supervisor:
    """Starts ``count`` workers with ``argv`` on ``reactor`` and stops them at shutdown."""

    def __init__(self, reactor: Reactor, argv: list[str], count: int) -> None:
        self.reactor = reactor
        self.argv = argv
        self.count = count
        self.workers: list[_Worker] = []
        self._stopping = False
        reactor.addSystemEventTrigger("before", "shutdown", self.stop)

    def start(self) -> Deferred[Any]:
        """Create the table, then start every worker."""
        dbIndex = self.argv.index("--db") + 1
        store = MessageStore.open(self.reactor, self.argv[dbIndex])
        prepared = store.prepare()

        def close(result: object) -> Deferred[object]:
            closed = store.close()
            return closed.addCallback(lambda _: result)

        prepared.addBoth(close)
        prepared.addCallback(lambda _: self._spawnAll())
        return prepared

    def _spawnAll(self) -> None:
        for number in range(1, self.count + 1):
            worker = _Worker(self, number)
            try:
                process = self.reactor.spawnProcess(
                    worker, sys.executable, self.argv, env=None, childFDs={0: "w", 1: "r", 2: 2}
                )
            except OSError as error:
                # Failing start() stops the reactor; stop() then ends the workers started.
                raise CommandFailed(f"cannot start worker {number}: {error}") from None
            worker.pid = process.pid
            self.workers.append(worker)
            log.info("started worker %d (pid %s)", number, worker.pid)

    def workerReady(self, worker: _Worker) -> None:
        """A worker listens: say so once every one does."""
        if all(w.ready for w in self.workers) and len(self.workers) == self.count:
            log.info(
                "%d workers serving (pids %s)",
                self.count,
                ", ".join(str(w.pid) for w in self.workers),
            )

    def workerEnded(self, worker: _Worker, reason: Failure) -> None:
        """A worker exited: log it; stop once none is left."""
        how = "exited" if worker.status == 0 else f"failed ({reason.getErrorMessage()})"
        extra = "" if self._stopping else "; not restarted"
        log.info("worker %d (pid %s) %s%s", worker.number, worker.pid, how, extra)
        if all(w.ended.called for w in self.workers) and not self.reactor.stopping:
            self.reactor.stop()

    def stop(self) -> Deferred[object]:
        """The "before shutdown" trigger: SIGTERM every worker; fire when all have ended."""
        self._stopping = True
        alive = [w for w in self.workers if not w.ended.called]
        if not alive:
            return succeed(None)
        for worker in alive:
            worker.stop("TERM")

        def killTheRest() -> None:
            for worker in alive:
                if not worker.ended.called:
                    log.warning(
                        "worker %d (pid %s) did not stop: killing it", worker.number, worker.pid
                    )
                    worker.stop("KILL")

        deadline = self.reactor.callLater(STOP_TIMEOUT, killTheRest)
        everyone: Deferred[object] = Deferred()

        def ended(_: object) -> None:
            if all(w.ended.called for w in alive) and not everyone.called:
                if deadline.active():
                    deadline.cancel()
                everyone.callback(None)

        for worker in alive:
            worker.ended.addCallback(ended)
        return everyone

    def exitStatus(self) -> int:
        """0 if every worker exited cleanly (stopped by us included), else 1."""
        failed = [w for w in self.workers if w.status not in (0, 128 + signal.SIGTERM)]
        return 1 if failed or not self.workers else 0
