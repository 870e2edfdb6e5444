"""``treadle serve chat`` end to end: real server processes, real sockets, sqlite and PostgreSQL.

Each test starts the command in a child process, talks to it with plain-socket clients and reads
its log; the database is checked directly where a test is about what was stored.
"""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from clihelpers import ChatClient, Server, freePort, pgURL, runTreadle

pytest_plugins = ("tests.threads.dbfixtures",)


@pytest.fixture(params=["sqlite", "postgresql"])
def dbURL(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """``--db`` for a fresh database: an sqlite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:{tmp_path / 'chat.db'}"
    else:
        yield pgURL(request.getfixturevalue("pgConninfo"))


def chatServer(dbURL: str, *extra: str, cwd: Path | None = None) -> Server:
    return Server(
        "serve", "chat", "--listen", "tcp:0:interface=127.0.0.1", "--db", dbURL, *extra, cwd=cwd
    )


def storedBodies(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [body for (body,) in connection.execute("SELECT body FROM messages ORDER BY id")]


def test_twoClientsChat(dbURL: str) -> None:
    with chatServer(dbURL) as server:
        with ChatClient(server.port) as alice, ChatClient(server.port) as bob:
            assert alice.join("alice") == []
            bob.join("bob")
            alice.expect(r"^\* bob joined$")
            alice.say("hello bob")
            assert bob.expect("^<") == "<alice> hello bob"
            bob.say("hi alice")
            assert alice.expect("^<") == "<bob> hi alice"
            bob.send("/who")
            assert bob.expect(r"^\* here") == "* here: alice, bob"
            alice.send("/quit")
            alice.expect(r"^\* bye$")
            assert alice.readLine() is None
            assert bob.expect(r"^\*") == "* alice left"
        assert server.stop() == 0
    log = "\n".join(server.log.lines)  # type: ignore[union-attr]
    assert re.search(r"joined as alice", log)
    assert re.search(r"alice \(127\.0\.0\.1:\d+\) left: /quit", log)
    assert "shut down: 2 messages stored" in log


def test_newcomerGetsTheHistoryAfterARestart(dbURL: str) -> None:
    with chatServer(dbURL) as first, ChatClient(first.port) as alice:
        alice.join("alice")
        for number in range(1, 5):
            alice.say(f"message {number}")
        alice.close()
        assert first.stop() == 0
    with chatServer(dbURL, "--history", "3") as second, ChatClient(second.port) as carol:
        history = carol.join("carol")
        assert [re.sub(r"^= \S+Z ", "", line) for line in history] == [
            "<alice> message 2",
            "<alice> message 3",
            "<alice> message 4",
        ]
        assert all(re.match(r"^= \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <", line) for line in history)
        carol.close()
        assert second.stop() == 0


def test_sigtermLosesNoAcknowledgedMessage(tmp_path: Path) -> None:
    database = tmp_path / "chat.db"
    with chatServer(f"sqlite:{database}") as server, ChatClient(server.port) as alice:
        alice.join("alice")
        # A burst the server is still storing when SIGTERM arrives.
        alice.sock.sendall(b"".join(f"burst {n}\n".encode() for n in range(2000)))
        alice.expect(r"^<alice> burst 10$")
        server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        while alice.readLine() is not None:
            pass
        assert server.process.wait(30) == 0  # type: ignore[union-attr]
    acknowledged = [line[len("<alice> ") :] for line in alice.lines if line.startswith("<alice>")]
    assert "* the server is shutting down; bye" in alice.lines
    stored = storedBodies(database)
    assert len(acknowledged) >= 11
    assert set(acknowledged) <= set(stored)
    assert acknowledged == stored[: len(acknowledged)]  # acknowledged in the order stored


def test_twoWorkersServeClientsFromBothProcessesAsOneRoom(dbURL: str) -> None:
    port = freePort()
    with Server(
        "serve", "chat", "--workers", "2", "--listen", f"tcp:{port}:interface=127.0.0.1",
        "--db", dbURL, "--poll", "0.05", ready=r"2 workers serving \(pids \d+, \d+\)",
    ) as supervisor:  # fmt: skip
        assert supervisor.log is not None
        clients: list[ChatClient] = []
        workerOf: dict[int, str] = {}
        try:
            # The kernel spreads connections over the two listening sockets; connect until
            # both workers have logged one.
            while len(set(workerOf.values())) < 2 and len(clients) < 64:
                client = ChatClient(port)
                clients.append(client)
                client.expect(r"^\* welcome")
                pattern = rf"\[worker (\d+)\] connection from 127\.0\.0\.1:{client.localPort}$"
                workerOf[client.localPort] = supervisor.log.waitFor(pattern).group(1)
            assert len(set(workerOf.values())) == 2
            first = clients[0]
            other = next(c for c in clients if workerOf[c.localPort] != workerOf[first.localPort])
            first.send("/nick ann")
            first.expect(r"^\* here:")
            other.send("/nick bea")
            other.expect(r"^\* here:")
            first.say("from one worker")
            assert other.expect("^<") == "<ann> from one worker"
            other.say("and from the other")
            assert first.expect("^<") == "<bea> and from the other"
        finally:
            for client in clients:
                client.close()
        assert supervisor.stop() == 0
    log = "\n".join(supervisor.log.lines)
    assert log.count("shut down:") == 2
    assert re.search(r"worker 1 \(pid \d+\) exited", log)
    assert re.search(r"worker 2 \(pid \d+\) exited", log)


def test_aSlowReaderIsDisconnectedInsteadOfGrowingTheServer(tmp_path: Path) -> None:
    with chatServer(f"sqlite:{tmp_path / 'chat.db'}") as server:
        with ChatClient(server.port) as talker, ChatClient(server.port) as sleeper:
            sleeper.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sleeper.join("sleeper")
            talker.join("talker")
            line = "x" * 2000
            for _ in range(60):  # up to 12 MB for the sleeper, who never reads
                talker.sock.sendall((line + "\n").encode() * 100)
                for _ in range(100):
                    if talker.expect(r"^(<talker> x|\* sleeper left$)").startswith("*"):
                        break
                else:
                    continue
                break
            assert talker.lines[-1] == "* sleeper left"
        assert server.stop() == 0
    assert any("reads too slowly" in line for line in server.log.lines)  # type: ignore[union-attr]


def test_quitAndEndOfInputWaitForTheClientsOwnAcknowledgements(tmp_path: Path) -> None:
    with chatServer(f"sqlite:{tmp_path / 'chat.db'}") as server:
        piped = runTreadle(
            "connect",
            f"tcp:host=127.0.0.1:port={server.port}",
            input="/nick ann\nfirst\n/quit\nignored after quit\n",
        )
        with ChatClient(server.port) as bea:
            bea.sock.sendall(b"/nick bea\nsecond\n")
            bea.sock.shutdown(socket.SHUT_WR)  # the end of bea's input
            while bea.readLine() is not None:
                pass
        assert server.stop() == 0
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    assert lines[-2:] == ["<ann> first", "* bye"]
    assert "<bea> second" in bea.lines
    assert bea.lines[-1] == "<bea> second"
    assert storedBodies(tmp_path / "chat.db") == ["first", "second"]
