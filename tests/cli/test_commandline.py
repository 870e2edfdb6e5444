"""The ``treadle`` command line as a whole: ``--help`` everywhere, one clear line and status 2
for every mistake, ``info``, and ``serve echo`` with ``connect`` end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest
from clihelpers import Server, childEnvironment, freePort, runAll, runTreadle, treadleArgv

import reactor as reactorPackage
from reactor.cli.main import main

COMMANDS = [
    [],
    ["run"],
    ["serve"],
    ["serve", "chat"],
    ["serve", "echo"],
    ["connect"],
    ["info"],
    ["tutorial"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(["treadle", *words]))
def test_everyCommandHasHelp(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # In process: --help only parses (the subprocess tests below cover the real entry point).
    assert main([*command, "--help"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith(f"usage: {' '.join(['treadle', *command])}")
    assert printed.err == ""


MISTAKES = {
    "unknown command": (["frobnicate"], "invalid choice: 'frobnicate'"),
    "no server kind": (["serve"], "the following arguments are required: SERVER"),
    "unknown endpoint": (["serve", "chat", "--listen", "bogus:1"], "unknown server endpoint"),
    "bare port": (["serve", "echo", "--listen", "8000"], "did you mean 'tcp:8000'?"),
    "bad database": (["serve", "chat", "--db", "mysql://x"], "is not a database URL"),
    "negative history": (["serve", "chat", "--history", "-1"], "-1 is less than 0"),
    "unknown reactor": (["serve", "chat", "--reactor", "nope"], "unknown or unavailable"),
    "workers on unix": (
        ["serve", "chat", "--workers", "2", "--listen", "unix:/tmp/x.sock"],
        "--workers needs a tcp: or tcp6: endpoint",
    ),
    "workers on port 0": (
        ["serve", "chat", "--workers", "2", "--listen", "tcp:0"],
        "--workers needs a fixed port",
    ),
    "connect without endpoint": (["connect"], "the following arguments are required: ENDPOINT"),
    "connect without host": (["connect", "tcp:port=80"], "a host is needed"),
    "lesson not a number": (["tutorial", "first"], "neither 'list' nor a lesson number"),
    "run without target": (["run"], "the following arguments are required"),
}


Outcomes = dict[tuple[str, ...], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def outcomes() -> Outcomes:
    """Every mistake above, run at once (in parallel processes: each fails at once)."""
    return runAll([tuple(words) for words, _ in MISTAKES.values()])


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_aMistakeIsOneClearLineAndStatusTwo(mistake: str, outcomes: Outcomes) -> None:
    words, message = MISTAKES[mistake]
    completed = outcomes[tuple(words)]
    assert completed.returncode == 2
    [line] = completed.stderr.splitlines()
    assert line.startswith("treadle")
    assert ": error: " in line
    assert message in line
    assert completed.stdout == ""


def test_aTakenPortIsOneLineAndStatusOne() -> None:
    with Server("serve", "echo", "--listen", "tcp:0:interface=127.0.0.1") as running:
        completed = runTreadle(
            "serve", "echo", "--listen", f"tcp:{running.port}:interface=127.0.0.1"
        )
        assert running.stop() == 0
    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1].startswith(
        f"treadle serve echo: error: cannot listen on 127.0.0.1:{running.port}"
    )
    assert "Traceback" not in completed.stderr


def test_infoListsTheReactorsAndThePythonBuild() -> None:
    completed = runTreadle("info")
    assert completed.returncode == 0, completed.stderr
    facts = dict(line.split(":", 1) for line in completed.stdout.splitlines())
    assert facts["reactors"].strip() == ", ".join(reactorPackage.availableReactors())
    assert facts["default reactor"].split()[0] == reactorPackage.defaultReactorName()
    assert facts["GIL"].split()[0] in ("enabled", "disabled")
    assert facts["python"].split()[0] == ".".join(map(str, sys.version_info[:3]))
    assert "threads" in facts["thread pool"]


def test_versionOptionPrintsTheVersion() -> None:
    completed = runTreadle("--version")
    assert completed.returncode == 0
    assert completed.stdout.startswith("treadle ")


def test_connectRelaysStandardInputToAnEchoServerAndBack() -> None:
    with Server("serve", "echo", "--listen", "tcp:0:interface=127.0.0.1") as echo:
        completed = subprocess.run(
            treadleArgv("connect", f"tcp:host=127.0.0.1:port={echo.port}"),
            input=b"hello\nworld\n" + bytes(range(256)),
            capture_output=True,
            timeout=30,
            env=childEnvironment(),
            check=False,
        )
        assert echo.stop() == 0
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == b"hello\nworld\n" + bytes(range(256))
    log = "\n".join(echo.log.lines)  # type: ignore[union-attr]
    assert "connection from 127.0.0.1" in log and "closed: closed" in log


def test_connectToNothingIsOneLineAndStatusOne() -> None:
    completed = runTreadle("connect", f"tcp:host=127.0.0.1:port={freePort()}")
    assert completed.returncode == 1
    [line] = completed.stderr.splitlines()
    assert line.startswith("treadle connect: error: cannot connect to tcp:host=127.0.0.1")
    assert "refused" in line
