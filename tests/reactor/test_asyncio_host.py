"""AsyncioReactor specifics: sharing a loop with asyncio code, hosted start, loop ownership."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator

import pytest
from _descriptors import SocketReader

from reactor import AsyncioReactor, availableReactors

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
if "uvloop" in availableReactors():
    import uvloop

    LOOPS["uvloop"] = uvloop.new_event_loop


@pytest.fixture(params=list(LOOPS))
def loop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    loop = LOOPS[request.param]()
    try:
        yield loop
    finally:
        loop.close()


def test_reactor_and_asyncio_tasks_share_the_loop(loop: asyncio.AbstractEventLoop) -> None:
    r = AsyncioReactor(loop)
    events: list[str] = []

    async def task() -> None:
        await asyncio.sleep(0.01)
        events.append("asyncio task")
        r.callLater(0, r.stop)

    r.callWhenRunning(lambda: loop.create_task(task()))
    r.callLater(0, events.append, "reactor call")
    r.callLater(5, r.crash)
    try:
        r.run(installSignalHandlers=False)
    finally:
        r.close()
    assert events == ["reactor call", "asyncio task"]
    assert not loop.is_closed()  # a loop passed in is not the reactor's to close


def test_startRunning_hosts_the_reactor_on_a_running_loop(
    loop: asyncio.AbstractEventLoop,
) -> None:
    events: list[str] = []

    async def main() -> None:
        r = AsyncioReactor()
        assert r.loop is loop
        done = loop.create_future()
        r.addSystemEventTrigger("after", "shutdown", done.set_result, None)
        r.callWhenRunning(events.append, "running")
        left, right = socket.socketpair()
        try:

            def gotData(data: bytes) -> None:
                r.removeReader(reader)
                r.stop()

            reader = SocketReader(left, gotData)
            r.addReader(reader)
            r.startRunning()
            assert r.running
            right.send(b"data")
            await asyncio.wait_for(done, 5)
        finally:
            left.close()
            right.close()
            r.close()
        events.append("shut down; loop still running")
        assert not r.running

    loop.run_until_complete(main())
    assert events == ["running", "shut down; loop still running"]


def test_run_on_a_running_loop_points_to_startRunning(loop: asyncio.AbstractEventLoop) -> None:
    async def main() -> str:
        r = AsyncioReactor()
        try:
            r.run()
        except RuntimeError as e:
            return str(e)
        finally:
            r.close()
        return "no error"

    assert "startRunning()" in loop.run_until_complete(main())


def test_startRunning_without_the_loop_running_is_refused(
    loop: asyncio.AbstractEventLoop,
) -> None:
    r = AsyncioReactor(loop)
    try:
        with pytest.raises(RuntimeError, match="startRunning"):
            r.startRunning()
    finally:
        r.close()


def test_reactor_created_loop_is_closed_with_the_reactor() -> None:
    r = AsyncioReactor()
    loop = r.loop
    r.close()
    assert loop.is_closed()


def test_tcp_uses_treadles_transports_on_the_stdlib_loop() -> None:
    # asyncio's Python transports are slower and heavier than treadle's own.
    from reactor.protocol import Factory, Protocol
    from reactor.tcp import Port

    r = AsyncioReactor(asyncio.new_event_loop(), ownLoop=True)
    try:
        assert not r.usesLoopTransports
        port = r.listenTCP(0, Factory.forProtocol(Protocol), interface="127.0.0.1")
        assert isinstance(port, Port)
        port.stopListening()
    finally:
        r.close()


def test_tcp_rides_on_uvloops_transports() -> None:
    # uvloop's transports are C: wrapping them beats any Python transport.
    uvloop = pytest.importorskip("uvloop")
    from reactor._asyncio_tcp import AsyncioPort
    from reactor.protocol import Factory, Protocol

    r = AsyncioReactor(uvloop.new_event_loop(), ownLoop=True)
    try:
        assert r.usesLoopTransports
        port = r.listenTCP(0, Factory.forProtocol(Protocol), interface="127.0.0.1")
        assert isinstance(port, AsyncioPort)
        r.loop.run_until_complete(port.stopListening().asFuture(r.loop))
    finally:
        r.close()
