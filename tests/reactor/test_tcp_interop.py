"""treadle's TCP talks to peers nobody here wrote: an asyncio streams client and server, each
in a thread of its own with its own event loop, against every backend."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any

from _tcphelpers import (
    CollectingFactory,
    Echo,
    Recorder,
    connectTo,
    listen,
    randomPayload,
    runUntil,
)
from zope.interface import implementer

from deferred import Deferred
from reactor import Reactor
from reactor.interfaces import IHalfCloseableProtocol


def _inThread(r: Reactor, main: Any) -> tuple[threading.Thread, Deferred[Any]]:
    """Run ``asyncio.run(main())`` in a new thread; the Deferred fires in the reactor thread."""
    finished: Deferred[Any] = Deferred()

    def target() -> None:
        try:
            result = asyncio.run(main())
        except BaseException as e:  # handed to the test, which re-raises it
            r.callFromThread(finished.errback, e)
        else:
            r.callFromThread(finished.callback, result)

    thread = threading.Thread(target=target, name="asyncio peer")
    thread.start()
    return thread, finished


def test_anAsyncioClientEchoesThroughATreadleServer(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Echo)
    port = listen(r, factory)
    payload = randomPayload(1 << 20, 3)

    async def client() -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)

        async def send() -> None:
            for offset in range(0, len(payload), 50_000):
                writer.write(payload[offset : offset + 50_000])
                await writer.drain()

        sending = asyncio.create_task(send())
        received = await reader.readexactly(len(payload))
        await sending
        writer.close()
        await writer.wait_closed()
        return hashlib.sha256(received).hexdigest()

    thread, finished = _inThread(r, client)
    try:
        digest = runUntil(r, finished)
        runUntil(r, factory.built[0].lost)
    finally:
        thread.join(10)
    port.stopListening()
    assert digest == hashlib.sha256(payload).hexdigest()


def test_aTreadleClientTalksToAnAsyncioServer(realReactor: Reactor) -> None:
    r = realReactor
    ready: Deferred[int] = Deferred()
    payload = randomPayload(1 << 20, 4)

    async def server() -> bytes:
        done: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            request = await reader.read()  # until the client half-closes
            writer.write(hashlib.sha256(request).hexdigest().encode())
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            done.set_result(request)

        listening = await asyncio.start_server(handle, "127.0.0.1", 0)
        r.callFromThread(ready.callback, listening.sockets[0].getsockname()[1])
        async with listening:
            return await done

    thread, finished = _inThread(r, server)
    try:
        portNumber = runUntil(r, ready)
        client = _HalfClosingClient(payload)
        connectTo(r, portNumber, client)
        runUntil(r, client.lost)
        received = runUntil(r, finished)
    finally:
        thread.join(10)
    assert received == payload
    assert bytes(client.received) == hashlib.sha256(payload).hexdigest().encode()


@implementer(IHalfCloseableProtocol)
class _HalfClosingClient(Recorder):
    """Sends its payload, half-closes, and reads the answer until the server closes."""

    def __init__(self, payload: bytes) -> None:
        super().__init__()
        self.payload = payload

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(self.payload)
        self.transport.loseWriteConnection()

    def readConnectionLost(self) -> None:
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        pass
