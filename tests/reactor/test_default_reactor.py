"""The process-wide default reactor, install() and TREADLE_REACTOR (each in a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reactor import availableReactors, defaultReactorName

ROOT = Path(__file__).resolve().parents[2]


def runPython(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TREADLE_REACTOR"}
    environment.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=30,
    )


def test_available_reactors_include_the_portable_and_linux_ones() -> None:
    names = set(availableReactors())
    assert {"select", "poll", "asyncio"} <= names
    if sys.platform == "linux":
        assert "epoll" in names
        assert defaultReactorName() == "epoll"


def test_default_is_created_lazily_with_the_best_backend() -> None:
    result = runPython(
        "import reactor, reactor._default as d\n"
        "print(d._default is None)\n"
        "from reactor import reactor as r\n"
        "print(type(r).__name__, r is reactor.reactor)\n"
    )
    assert result.returncode == 0, result.stderr
    expected = {"epoll": "EPollReactor", "kqueue": "KQueueReactor", "poll": "PollReactor"}
    assert result.stdout.split("\n")[:2] == ["True", f"{expected[defaultReactorName()]} True"]


def test_install_chooses_the_default_backend() -> None:
    result = runPython(
        "import reactor\n"
        "installed = reactor.install('poll')\n"
        "from reactor import reactor as r\n"
        "print(type(r).__name__, r is installed)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "PollReactor True\n"


def test_install_uvloop_or_asyncio_gives_an_asyncio_reactor() -> None:
    name = "uvloop" if "uvloop" in availableReactors() else "asyncio"
    result = runPython(
        f"import reactor\nreactor.install({name!r})\n"
        "from reactor import reactor as r\n"
        "print(type(r).__name__, type(r.loop).__module__.split('.')[0])\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"AsyncioReactor {name}\n"


def test_install_unknown_name_lists_available_ones() -> None:
    result = runPython("import reactor\nreactor.install('nonesuch')\n")
    assert result.returncode != 0
    assert "UnknownReactorError" in result.stderr
    assert "'nonesuch'" in result.stderr
    for name in availableReactors():
        assert name in result.stderr


def test_install_after_the_default_exists_is_an_error() -> None:
    result = runPython(
        "import reactor\nfrom reactor import reactor as r\nreactor.install('select')\n"
    )
    assert result.returncode != 0
    assert "ReactorAlreadyInstalledError" in result.stderr
    assert "already exists" in result.stderr


def test_install_twice_is_an_error() -> None:
    result = runPython("import reactor\nreactor.install('select')\nreactor.install('poll')\n")
    assert result.returncode != 0
    assert "ReactorAlreadyInstalledError" in result.stderr


def test_environment_variable_chooses_the_backend() -> None:
    result = runPython(
        "from reactor import reactor as r\nprint(type(r).__name__)\n", TREADLE_REACTOR="select"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "SelectReactor\n"


def test_unknown_environment_variable_is_a_clear_error() -> None:
    result = runPython("from reactor import reactor as r\n", TREADLE_REACTOR="bogus")
    assert result.returncode != 0
    assert "UnknownReactorError" in result.stderr
    assert "TREADLE_REACTOR" in result.stderr
    assert "'bogus'" in result.stderr
    assert "select" in result.stderr


def test_default_reactor_runs() -> None:
    result = runPython(
        "from reactor import reactor\n"
        "reactor.callWhenRunning(print, 'running')\n"
        "reactor.callLater(0.01, reactor.stop)\n"
        "reactor.run()\n"
        "print('stopped')\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "running\nstopped\n"


def test_install_accepts_a_reactor_made_elsewhere() -> None:
    # How a host reactor that has no name (QtReactor, a subclass of one's own) becomes the
    # default, so that deferToThread and friends use it.
    result = runPython(
        "import reactor\n"
        "made = reactor.SelectReactor()\n"
        "assert reactor.install(made) is made\n"
        "from reactor import reactor as r\n"
        "print(r is made)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\n"


def test_installing_a_reactor_after_the_default_exists_is_an_error() -> None:
    result = runPython(
        "import reactor\nfrom reactor import reactor as r\nreactor.install(reactor.PollReactor())\n"
    )
    assert result.returncode != 0
    assert "ReactorAlreadyInstalledError" in result.stderr
