"""treadle's TLS talks to peers nobody here wrote, on every backend: Python's blocking ``ssl``
sockets (client and server, in a thread), an asyncio TLS client (in a thread with its own
loop) and ``openssl s_client`` (a child process)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import pytest
import trustme
from _tcphelpers import CollectingFactory, Echo, Recorder, randomPayload, runUntil
from _tlsio import connectSSLTo, listenSSLOn

from deferred import Deferred
from reactor import Reactor
from reactor.error import ConnectionDone

pytestmark = pytest.mark.reactor("all")


def _inThread(r: Reactor, work: Callable[[], Any]) -> tuple[threading.Thread, Deferred[Any]]:
    """Run ``work()`` in a new thread; the Deferred fires (in the reactor thread) with its
    result or fails with its exception."""
    finished: Deferred[Any] = Deferred()

    def target() -> None:
        try:
            result = work()
        except BaseException as e:  # handed to the test, which re-raises it
            r.callFromThread(finished.errback, e)
        else:
            r.callFromThread(finished.callback, result)

    thread = threading.Thread(target=target, name="TLS peer")
    thread.start()
    return thread, finished


def _recvExactly(sock: Any, count: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(min(65536, count - len(chunks)))
        if not chunk:
            raise AssertionError(f"connection closed after {len(chunks)} of {count} bytes")
        chunks += chunk
    return bytes(chunks)


def test_aBlockingSSLSocketClientEchoesThroughATreadleServer(
    reactor: Reactor, serverCtx: ssl.SSLContext, ca: trustme.CA
) -> None:
    factory = CollectingFactory(Echo)
    port = listenSSLOn(reactor, factory, serverCtx)
    payload = randomPayload(1 << 20, 11)
    context = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())

    def client() -> str:
        with socket.create_connection(("127.0.0.1", port.getHost().port), timeout=10) as raw:
            tls = context.wrap_socket(raw, server_hostname="localhost")
            sender = threading.Thread(target=tls.sendall, args=(payload,))
            sender.start()
            received = _recvExactly(tls, len(payload))
            sender.join(10)
            tls.unwrap()  # close_notify, and wait for the server's
            return hashlib.sha256(received).hexdigest()

    thread, finished = _inThread(reactor, client)
    try:
        digest = runUntil(reactor, finished)
        runUntil(reactor, factory.built[0].lost)
    finally:
        thread.join(10)
    port.stopListening()
    assert digest == hashlib.sha256(payload).hexdigest()
    assert type(factory.built[0].reason.value) is ConnectionDone


def test_aTreadleClientTalksToABlockingSSLSocketServer(
    reactor: Reactor, serverCert: trustme.LeafCert, clientCtx: ssl.SSLContext
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serverCert.configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def server() -> bytes:
        with listener:
            raw, _ = listener.accept()
        with context.wrap_socket(raw, server_side=True) as tls:
            request = _recvExactly(tls, 5)
            tls.sendall(b"reply to " + request)
            tls.unwrap()
        return request

    thread, finished = _inThread(reactor, server)
    client = Recorder()
    try:
        connectSSLTo(reactor, listener.getsockname()[1], client, clientCtx, "localhost")
        runUntil(reactor, client.made)
        client.transport.write(b"hello")
        runUntil(reactor, client.lost)
        request = runUntil(reactor, finished)
    finally:
        thread.join(10)
    assert request == b"hello"
    assert bytes(client.received) == b"reply to hello"
    assert type(client.reason.value) is ConnectionDone  # type: ignore[union-attr]


def test_anAsyncioTLSClientEchoesThroughATreadleServer(
    reactor: Reactor, serverCtx: ssl.SSLContext, ca: trustme.CA
) -> None:
    factory = CollectingFactory(Echo)
    port = listenSSLOn(reactor, factory, serverCtx)
    payload = randomPayload(1 << 20, 12)
    context = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())

    async def client() -> str:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=context, server_hostname="localhost"
        )
        writer.write(payload)
        received = await reader.readexactly(len(payload))
        writer.close()
        await writer.wait_closed()
        return hashlib.sha256(received).hexdigest()

    thread, finished = _inThread(reactor, lambda: asyncio.run(client()))
    try:
        digest = runUntil(reactor, finished)
        runUntil(reactor, factory.built[0].lost)
    finally:
        thread.join(10)
    port.stopListening()
    assert digest == hashlib.sha256(payload).hexdigest()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_opensslSClientVerifiesATreadleServerAndTalksToIt(
    reactor: Reactor, serverCtx: ssl.SSLContext, ca: trustme.CA
) -> None:
    factory = CollectingFactory(Recorder)
    port = listenSSLOn(reactor, factory, serverCtx)
    with ca.cert_pem.tempfile() as caFile:
        command = [
            "openssl",
            "s_client",
            "-connect",
            f"127.0.0.1:{port.getHost().port}",
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-CAfile",
            caFile,
            "-verify_return_error",
            "-no_ign_eof",
        ]

        def client() -> str:
            done = subprocess.run(
                command, input=b"hello from openssl\n", capture_output=True, timeout=15
            )
            return done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")

        thread, finished = _inThread(reactor, client)
        try:
            [server] = runUntil(reactor, factory.builtAtLeast(1))
            runUntil(reactor, server.receivedAtLeast(len(b"hello from openssl\n")))
            output = runUntil(reactor, finished)
            runUntil(reactor, server.lost)
        finally:
            thread.join(20)
    port.stopListening()
    assert "Verify return code: 0 (ok)" in output
    assert "New, TLSv1.3" in output
    assert bytes(server.received) == b"hello from openssl\n"
    assert type(server.reason.value) is ConnectionDone  # s_client sent close_notify
