"""StandardIO driven by a parent process, on every backend: stdin/stdout as pipes, stdin as a
regular file, both on a pty (the console example); the ``stdio:`` endpoint; end of input,
half-close, a vanished reader of our output, and what is left behind (descriptors, modes)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from _fdhelpers import sha256

import reactor as reactorPackage

BACKENDS = list(reactorPackage.availableReactors())
HERE = Path(__file__).resolve().parent
CHILD = str(HERE / "_stdiochild.py")
CONSOLE = str(HERE.parent.parent.parent / "docs" / "examples" / "console.py")
TIMEOUT = 20.0

#: Tests about real I/O run on every backend; the ones about protocol logic, which the
#: in-process tests (test_fd_transport, test_fd_endpoints) already run on every backend, here
#: only check the child-process path on the default one (each child costs ~0.3 s to start).
everyBackend = pytest.mark.parametrize("backend", BACKENDS)
defaultBackend = pytest.mark.parametrize("backend", [reactorPackage.defaultReactorName()])


def _env(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env["TREADLE_REACTOR"] = backend
    return env


def _run(backend: str, mode: str, payload: bytes) -> tuple[bytes, str]:
    """Run the child in ``mode`` with ``payload`` on a pipe stdin; return (stdout, stderr)."""
    with subprocess.Popen(
        [sys.executable, CHILD, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(backend),
    ) as child:
        out, err = child.communicate(payload, timeout=TIMEOUT)
    assert child.returncode == 0, err.decode()
    return out, err.decode()


@everyBackend
def test_echoThroughPipesIsIntactAndFlushedAtEndOfInput(backend: str) -> None:
    payload = os.urandom(1_000_000)
    out, err = _run(backend, "echo", payload)
    assert sha256(out) == sha256(payload)
    assert "lost: ConnectionDone" in err
    assert "stdin and stdout now /dev/null: True" in err


@defaultBackend
def test_theStdioEndpointBuildsOneProtocolOnStdio(backend: str) -> None:
    out, err = _run(backend, "endpoint", b"through the endpoint")
    assert out == b"through the endpoint"
    assert "lost: ConnectionDone" in err


@defaultBackend
def test_aHalfCloseableProtocolWritesAfterEndOfInput(backend: str) -> None:
    out, err = _run(backend, "halfclose", b"x" * 100_000)
    assert out == b"eof after 100000 bytes\n"
    assert "lost: ConnectionDone" in err


@everyBackend
def test_aRegularFileOnStdinIsReadToItsEnd(backend: str) -> None:
    # epoll refuses regular files (EPERM); the epoll and asyncio reactors must still read them.
    payload = os.urandom(300_000)
    with tempfile.TemporaryFile() as stdin:
        stdin.write(payload)
        stdin.seek(0)
        with subprocess.Popen(
            [sys.executable, CHILD, "echo"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(backend),
        ) as child:
            out, err = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, err.decode()
    assert sha256(out) == sha256(payload)
    assert "lost: ConnectionDone" in err.decode()


@everyBackend
def test_theReaderOfOurOutputLeavingIsConnectionLost(backend: str) -> None:
    with subprocess.Popen(
        [sys.executable, CHILD, "flood"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(backend),
    ) as child:
        assert child.stdout is not None and child.stdin is not None
        child.stdout.close()  # Nobody will read the 1 MiB the child writes.
        child.stdin.write(b"input still arrives")
        child.stdin.close()
        err = child.stderr.read() if child.stderr is not None else b""
        child.wait(timeout=TIMEOUT)
    assert child.returncode == 0, err.decode()
    assert "lost: ConnectionLost" in err.decode()


# --- on a terminal ------------------------------------------------------------------------


class Terminal:
    """The master side of a pty whose slave is a child's stdin and stdout."""

    def __init__(self, argv: list[str], backend: str) -> None:
        self.master, self.slave = os.openpty()
        self.output = bytearray()
        self.child = subprocess.Popen(
            argv,
            stdin=self.slave,
            stdout=self.slave,
            stderr=subprocess.PIPE,
            env=_env(backend),
            start_new_session=True,
        )

    def readUntil(self, marker: bytes) -> bytes:
        """Read the master until ``marker`` appears (bounded in time); return all so far."""
        deadline = time.monotonic() + TIMEOUT
        while marker not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, f"no {marker!r} within {TIMEOUT} s; got {bytes(self.output)!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed the terminal.
                    chunk = b""
                if not chunk:
                    break
                self.output += chunk
        assert marker in self.output, f"no {marker!r}; got {bytes(self.output)!r}"
        return bytes(self.output)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self) -> str:
        """Wait for the child; return its stderr."""
        err = self.child.stderr.read() if self.child.stderr is not None else b""
        self.child.wait(timeout=TIMEOUT)
        return err.decode()

    def close(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        if self.child.stderr is not None:
            self.child.stderr.close()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def terminals() -> list[Terminal]:
    made: list[Terminal] = []
    yield made  # type: ignore[misc]
    for terminal in made:
        terminal.close()


@everyBackend
def test_echoOnAPtyAndTheTerminalIsLeftBlocking(backend: str, terminals: list[Terminal]) -> None:
    terminal = Terminal([sys.executable, CHILD, "echo"], backend)
    terminals.append(terminal)
    terminal.type(b"over the terminal\n")
    # The line discipline echoes the line once, the program a second time.
    terminal.readUntil(b"over the terminal\r\nover the terminal\r\n")
    terminal.type(b"\x04")  # Ctrl-D at the start of a line: end of input.
    err = terminal.finish()
    assert terminal.child.returncode == 0, err
    assert "lost: ConnectionDone" in err
    # The child shared the terminal's open file description with our slave descriptor: its
    # O_NONBLOCK must be cleared again, or the shell would get EAGAIN on its next read.
    assert os.get_blocking(terminal.slave)


@everyBackend
def test_theConsoleExampleAnswersCommandsOnATerminal(
    backend: str, terminals: list[Terminal]
) -> None:
    terminal = Terminal([sys.executable, CONSOLE], backend)
    terminals.append(terminal)
    terminal.readUntil(b"type 'help'\r\n> ")
    terminal.type(b"add 2 3 4.5\n")
    terminal.readUntil(b"add 2 3 4.5\r\n9.5\r\n> ")
    terminal.type(b"upper quiet please\n")
    terminal.readUntil(b"QUIET PLEASE\r\n> ")
    terminal.type(b"frobnicate\n")
    terminal.readUntil(b"unknown command 'frobnicate' (try 'help')\r\n> ")
    terminal.type(b"quit\n")
    output = terminal.readUntil(b"bye\r\n")
    err = terminal.finish()
    assert terminal.child.returncode == 0, err
    assert err == ""
    assert output.count(b"> ") == 4
    assert os.get_blocking(terminal.slave)


@everyBackend
def test_theConsoleExampleSaysByeAtEndOfInput(backend: str, terminals: list[Terminal]) -> None:
    terminal = Terminal([sys.executable, CONSOLE], backend)
    terminals.append(terminal)
    terminal.readUntil(b"> ")
    terminal.type(b"echo one\n")
    terminal.readUntil(b"one\r\n> ")
    terminal.type(b"\x04")
    terminal.readUntil(b"bye\r\n")
    err = terminal.finish()
    assert terminal.child.returncode == 0, err
