"""Process workloads: spawn-to-end latency of ``/bin/true``, and pipe throughput from a child.

* ``process_spawn``: start ``/bin/true`` with its three pipes (stdin, stdout, stderr), wait
  until it has been reaped and every pipe is closed (treadle's and Twisted's ``processEnded``,
  asyncio's ``SubprocessProtocol.connection_lost``), then start the next; ops/s = children/s.
* ``process_pipe``: one child (``dd`` from ``/dev/zero``, 1 MiB writes: a C writer, so the
  parent's reading is what is measured) writes 50 MiB to its stdout; the parent counts the bytes
  as its protocol receives them, until the end; ops/s = MiB/s.

Sides: treadle's ``EPollReactor``; Twisted's epoll reactor (instantiated directly, started by
hand and driven with ``iterate``; it reaps children on SIGCHLD, so its signal handlers are
installed for each run); asyncio's default loop with ``loop.subprocess_exec`` and a
``SubprocessProtocol`` (3.11: a waiter thread per child); the same on uvloop (libuv reaps on
SIGCHLD). treadle and Twisted keep one reactor for all runs; asyncio and uvloop make a fresh
loop per run, because libuv installs its SIGCHLD handler when a loop first spawns and Twisted's
runs replace it (two SIGCHLD-based reapers cannot share a process; treadle's pidfds need no
signal at all). Every side starts children with an empty environment and an
absolute path. The runner pins this process to one CPU, and the children inherit it, so parent
and child share that CPU: the figures include the child's own work. Wall time.

This module owns the workload definitions and the per-library drivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.workload import Implementation, Run, Setup, Workload

TRUE = "/bin/true"
DD = "/bin/dd"

_MiB = 1 << 20


def _ddArgs(mebibytes: int) -> list[str]:
    return ["dd", "if=/dev/zero", "bs=1M", f"count={mebibytes}", "status=none"]


# --- treadle ------------------------------------------------------------------------------------


@contextmanager
def _treadle(size: int, pipe: bool) -> Iterator[Run]:
    from reactor import EPollReactor
    from reactor.protocol import ProcessProtocol

    r = EPollReactor()
    state = {"left": 0, "bytes": 0}

    class Counting(ProcessProtocol):
        def outReceived(self, data: bytes) -> None:
            state["bytes"] += len(data)

        def processEnded(self, reason: Any) -> None:
            state["left"] -= 1
            if state["left"]:
                spawnOne()
            else:
                r.stop()

    def spawnOne() -> None:
        if pipe:
            r.spawnProcess(Counting(), DD, _ddArgs(size), env={})
        else:
            r.spawnProcess(Counting(), TRUE, ["true"], env={})

    def run() -> int:
        state["left"] = 1 if pipe else size
        state["bytes"] = 0
        r.callWhenRunning(spawnOne)
        r.run(installSignalHandlers=False)
        return state["bytes"] if pipe else size

    try:
        yield run
    finally:
        r.close()


# --- Twisted ------------------------------------------------------------------------------------


@contextmanager
def _twisted(size: int, pipe: bool) -> Iterator[Run]:
    from twisted.internet.epollreactor import EPollReactor
    from twisted.internet.protocol import ProcessProtocol

    r: Any = EPollReactor()  # type: ignore[no-untyped-call]
    # Started by hand (a Twisted reactor cannot run twice) and driven with iterate(). It reaps
    # children on SIGCHLD, so its handlers are installed for each run only: while installed they
    # replace libuv's SIGCHLD handler, and uvloop's children would never be reaped.
    r.startRunning(installSignalHandlers=True)
    r._signals.uninstall()
    state = {"left": 0, "bytes": 0}

    class Counting(ProcessProtocol):  # type: ignore[misc]
        def outReceived(self, data: bytes) -> None:
            state["bytes"] += len(data)

        def processEnded(self, reason: Any) -> None:
            state["left"] -= 1
            if state["left"]:
                spawnOne()

    def spawnOne() -> None:
        if pipe:
            r.spawnProcess(Counting(), DD, _ddArgs(size), env={})
        else:
            r.spawnProcess(Counting(), TRUE, ["true"], env={})

    def run() -> int:
        state["left"] = 1 if pipe else size
        state["bytes"] = 0
        r._signals.install()
        try:
            spawnOne()
            while state["left"]:
                r.iterate(1.0)
        finally:
            r._signals.uninstall()
        return state["bytes"] if pipe else size

    try:
        yield run
    finally:
        waker = r.waker
        r.removeReader(waker)
        waker.connectionLost(None)
        r._poller.close()


# --- asyncio and uvloop -------------------------------------------------------------------------


def _asyncioSide(newLoop: Callable[[], asyncio.AbstractEventLoop]) -> Callable[..., Any]:
    @contextmanager
    def setup(size: int, pipe: bool) -> Iterator[Run]:
        state = {"bytes": 0}

        class Counting(asyncio.SubprocessProtocol):
            def __init__(self) -> None:
                self.done = asyncio.get_running_loop().create_future()

            def pipe_data_received(self, fd: int, data: bytes | str) -> None:
                state["bytes"] += len(data)

            def connection_lost(self, exc: Exception | None) -> None:
                # After the child was reaped and every pipe closed: processEnded's moment.
                self.done.set_result(None)

        async def spawnOne() -> None:
            args = _ddArgs(size) if pipe else ["true"]
            transport, protocol = await asyncio.get_running_loop().subprocess_exec(
                Counting,
                DD if pipe else TRUE,
                *args[1:],
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={},
            )
            await protocol.done
            transport.close()

        async def body() -> int:
            state["bytes"] = 0
            if pipe:
                await spawnOne()
                return state["bytes"]
            for _ in range(size):
                await spawnOne()
            return size

        def run() -> int:
            # A fresh loop per run (~0.1 ms, under 1 % of a run): libuv installs its SIGCHLD
            # handler when a loop first spawns, and Twisted's runs replace it meanwhile.
            loop = newLoop()
            try:
                return loop.run_until_complete(body())
            finally:
                loop.close()

        yield run

    return setup


def _newAsyncioLoop() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()


def _newUvloop() -> asyncio.AbstractEventLoop:
    import uvloop

    return uvloop.new_event_loop()


def _implementations(pipe: bool) -> tuple[Implementation, ...]:
    def bind(side: Callable[..., Any]) -> Setup:
        return lambda size: side(size, pipe)

    return (
        Implementation("treadle", bind(_treadle), requires=("reactor",)),
        Implementation("twisted", bind(_twisted), requires=("twisted",)),
        Implementation("asyncio", bind(_asyncioSide(_newAsyncioLoop))),
        Implementation("uvloop", bind(_asyncioSide(_newUvloop)), requires=("uvloop",)),
    )


WORKLOADS = [
    Workload(
        name="process_spawn",
        description=(
            "start /bin/true with stdin/stdout/stderr pipes and wait until it is reaped and its "
            "pipes are closed (processEnded / connection_lost), 20 in a row; parent and "
            "children pinned to one CPU"
        ),
        unit="children",
        size=20,
        smokeSize=2,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(pipe=False),
    ),
    Workload(
        name="process_pipe",
        description=(
            "a child (dd, 1 MiB writes) writes 50 MiB to its stdout; the parent's protocol "
            "counts the bytes until the process ends; ops/s = MiB/s; one CPU for both"
        ),
        unit="MiB",
        size=50,
        smokeSize=1,
        opsPerRun=lambda size: size,
        expected=lambda size: size * _MiB,
        implementations=_implementations(pipe=True),
    ),
]
