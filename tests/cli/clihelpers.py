"""Helpers for the ``treadle`` command's end-to-end tests: the command in a child process, its
log read with deadlines, and a plain-socket chat client.

Every wait here is bounded (:data:`DEADLINE`), and every child process and socket is closed by
the context managers, so a broken server fails a test instead of hanging it. Pipes are read
with ``selectors`` (no reader threads to leak).
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import IO, Any

REPOSITORY = Path(__file__).resolve().parents[2]

#: The longest any single wait in these tests may take, in seconds.
DEADLINE = 30.0


def treadleArgv(*args: str) -> list[str]:
    """The command line of ``treadle ARGS`` (as ``python -m reactor.cli``, the same entry)."""
    return [sys.executable, "-m", "reactor.cli", *args]


def childEnvironment() -> dict[str, str]:
    """The environment for a child: ours, with the repository importable and no reactor choice."""
    env = {key: value for key, value in os.environ.items() if key != "TREADLE_REACTOR"}
    env["PYTHONPATH"] = str(REPOSITORY)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def runTreadle(
    *args: str, cwd: Path | None = None, input: str | None = None, timeout: float = DEADLINE
) -> subprocess.CompletedProcess[str]:
    """Run ``treadle ARGS`` to completion; return its status and output."""
    return subprocess.run(
        treadleArgv(*args),
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=childEnvironment(),
        check=False,
    )


def runAll(
    commandLines: list[tuple[str, ...]], timeout: float = DEADLINE
) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Run ``treadle`` with each command line, all at once; return each one's outcome."""
    running = {
        words: subprocess.Popen(
            treadleArgv(*words),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=childEnvironment(),
        )
        for words in commandLines
    }
    outcomes = {}
    try:
        for words, process in running.items():
            out, err = process.communicate(timeout=timeout)
            outcomes[words] = subprocess.CompletedProcess(
                process.args, process.returncode, out, err
            )
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return outcomes


def pgURL(conninfo: str) -> str:
    """The ``postgresql://`` URL for a libpq ``key=value`` connection string."""
    fields = dict(part.partition("=")[::2] for part in conninfo.split(" "))
    user = fields.pop("user")
    dbname = fields.pop("dbname")
    return f"postgresql://{user}@/{dbname}?{urllib.parse.urlencode(fields)}"


def freePort() -> int:
    """A loopback TCP port that was free a moment ago (for ``--workers``, which needs one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lines:
    """The lines coming out of a pipe, read with deadlines; every line read is kept."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.pipe = pipe
        os.set_blocking(pipe.fileno(), False)
        self._buffer = b""
        self.lines: list[str] = []
        self.ended = False

    def readLine(self, timeout: float = DEADLINE) -> str | None:
        """The next line (without its end), or None at the end of the output."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if self.ended:
                if not self._buffer:
                    return None
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no complete line within {timeout} s; so far: {self.lines}")
            with selectors.DefaultSelector() as selector:
                selector.register(self.pipe, selectors.EVENT_READ)
                selector.select(remaining)
            try:
                chunk = os.read(self.pipe.fileno(), 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.ended = True
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        text = line.decode(errors="replace").rstrip("\r")
        self.lines.append(text)
        return text

    def waitFor(self, pattern: str, timeout: float = DEADLINE) -> re.Match[str]:
        """Read lines until one matches ``pattern`` (``re.search``); return the match."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readLine(max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"output ended without {pattern!r}: {self.lines}")
            match = re.search(pattern, line)
            if match is not None:
                return match

    def readToEnd(self, timeout: float = DEADLINE) -> list[str]:
        """Read every remaining line; return all lines read so far."""
        deadline = time.monotonic() + timeout
        while self.readLine(max(0.0, deadline - time.monotonic())) is not None:
            pass
        return self.lines


class Server:
    """``treadle ARGS`` running in a child process (a context manager that always reaps it).

    Entering it starts the process and waits until a log line matches ``ready``; with the
    default pattern it learns the port from the ``listening on HOST:PORT`` line.
    """

    def __init__(
        self, *args: str, cwd: Path | None = None, ready: str = r"listening on [^ ]*:(\d+)"
    ) -> None:
        self.args = args
        self.cwd = cwd
        self.ready = ready
        self.process: subprocess.Popen[bytes] | None = None
        self.log: Lines | None = None
        self.match: re.Match[str] | None = None
        self.port = 0

    def __enter__(self) -> Server:
        assert self.process is None, "a Server is started once"
        self.process = subprocess.Popen(
            treadleArgv(*self.args),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=childEnvironment(),
        )
        assert self.process.stderr is not None
        self.log = Lines(self.process.stderr)
        try:
            self.match = self.log.waitFor(self.ready)
        except BaseException:
            self.__exit__()
            raise
        if self.match.groups():
            self.port = int(self.match.group(1))
        return self

    def stop(self, signum: int = signal.SIGTERM, timeout: float = DEADLINE) -> int:
        """Send ``signum``, wait for the exit (reading the log to its end); return the status."""
        assert self.process is not None and self.log is not None
        self.process.send_signal(signum)
        self.log.readToEnd(timeout)
        return self.process.wait(timeout)

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            # SIGTERM first: a supervisor then stops its workers (SIGKILL would orphan them).
            process.terminate()
            try:
                process.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(DEADLINE)
        if process.stderr is not None:
            process.stderr.close()


class ChatClient:
    """A chat client on a plain blocking socket; every line received is kept in ``lines``."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=DEADLINE)
        self._file = self.sock.makefile("rb")
        self.sock.setblocking(True)
        self.lines: list[str] = []

    @property
    def localPort(self) -> int:
        """The client's own port (what the server's log calls it)."""
        return int(self.sock.getsockname()[1])

    def send(self, line: str) -> None:
        """Send one line."""
        self.sock.sendall(line.encode() + b"\n")

    def readLine(self, timeout: float = DEADLINE) -> str | None:
        """The next line, or None when the server closed the connection."""
        self.sock.settimeout(timeout)
        data = self._file.readline()
        if not data:
            return None
        line = data.decode().rstrip("\n")
        self.lines.append(line)
        return line

    def expect(self, pattern: str, timeout: float = DEADLINE) -> str:
        """Read lines until one matches ``pattern`` (``re.search``); return that line."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readLine(max(0.001, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"connection closed before {pattern!r}: {self.lines}")
            if re.search(pattern, line):
                return line

    def join(self, nick: str) -> list[str]:
        """``/nick NICK``; return the history lines it was sent (up to the ``* here:`` line)."""
        self.expect(r"^\* welcome")
        self.send(f"/nick {nick}")
        self.expect(rf"^\* you are {nick}$")
        history = []
        while not (line := self.expect(".")).startswith("* here:"):
            history.append(line)
        return history

    def say(self, text: str) -> None:
        """Send a message and wait for its acknowledgement (it comes back once stored)."""
        self.send(text)
        self.expect(rf"^<[^>]+> {re.escape(text)}$")

    def close(self) -> None:
        """Close the connection."""
        self._file.close()
        self.sock.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
