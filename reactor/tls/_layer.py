"""The TLS layer: a protocol on a stream transport that is the transport of another protocol.

This module owns :class:`TLSMemoryBIOProtocol` (Twisted's name). Below it is any stream
transport -- a TCP connection on any backend, a Unix socket, a memory transport in a test --
for which it is the protocol; above it is the application's protocol, for which it is the
transport (``ISSLTransport``: everything a TCP transport offers, plus the peer certificate, the
negotiated ALPN protocol, the TLS version and cipher). Between them sits a stdlib
``ssl.SSLObject`` over two ``ssl.MemoryBIO`` s: bytes from below go into the incoming BIO and
come out decrypted; the application's writes go in clear and come out of the outgoing BIO
encrypted. It does not accept, connect or own a socket, and it does not build contexts
(:mod:`reactor.tls._contexts`).

Life of a connection:

* ``makeConnection`` (from below) starts the handshake and connects the application's protocol
  at once, as Twisted does -- its ``connectionMade`` may write, and those writes wait in
  ``_pending`` until the handshake is done (as do writes made while a TLS 1.2 renegotiation
  makes the ``SSLObject`` want to read first). A protocol with ``handshakeCompleted()``
  (Twisted's ``IHandshakeListener``) hears when the connection became secure; the peer
  certificate and ALPN result are available from then on. :meth:`whenHandshakeDone` gives the
  same as a Deferred. When the layer is started on a connected protocol (``startTLS``), that
  protocol is not connected again: its ``transport`` becomes this layer.
* A handshake that fails, or does not finish within ``handshakeTimeout`` seconds, ends the
  connection with a :class:`reactor.tls.TLSError` naming the cause (the alert OpenSSL wants to
  send is sent first, so the peer learns why too).
* ``loseConnection``: once the handshake is done and the pending writes encrypted, send
  ``close_notify`` and close the transport below (which flushes first). Not waiting for the
  peer's ``close_notify`` is what RFC 8446 allows and what browsers and Twisted do.
* ``loseWriteConnection`` (half-close): send ``close_notify``, then half-close below; reading
  goes on until the peer's ``close_notify``.
* A ``close_notify`` from the peer: an ``IHalfCloseableProtocol`` gets ``readConnectionLost``
  and may go on writing; any other protocol's connection is closed (our ``close_notify``
  answers it) and ends with ``ConnectionDone``. End of file from below *without*
  ``close_notify`` ends it with a ``TLSError`` of cause ``TRUNCATED``: an attacker could have
  cut the stream short.
* Flow control is the transport's below: a producer registered here is registered there, and
  ``pauseProducing`` here pauses reading there. Data decrypted while paused is kept and
  delivered on ``resumeProducing``.

Efficiency (the hot path; figures from benchmarks/tls.py): each decrypted record (up to 16 KiB,
one ``SSLObject.read`` each) goes to the application as it comes out, and what the application
writes meanwhile is encrypted at once but sent below as one ``write`` when the delivery ends,
so an echo costs one write below per read below. (Rejected: joining a read's records into one
``dataReceived`` -- the join of ~256 KiB costs a large allocation per read and was no faster.
Measured: 4.0 ms of server CPU per MiB echoed, against asyncio's 4.5 and Twisted's 7.2.)

Reactor thread only, like the transport below it.
"""

from __future__ import annotations

import enum
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure
from reactor._tlsinterfaces import ISSLTransport
from reactor.interfaces import (
    IConsumer,
    IHalfCloseableProtocol,
    IProtocol,
    IPushProducer,
)
from reactor.tls._errors import TLSError, TLSFailure, tlsErrorFrom

__all__ = ["DEFAULT_HANDSHAKE_TIMEOUT", "RECORD_READ_SIZE", "TLSMemoryBIOProtocol", "TLSPhase"]

log = logging.getLogger("reactor.tls")

#: Seconds a handshake may take before the connection is dropped with ``HANDSHAKE_TIMEOUT``.
DEFAULT_HANDSHAKE_TIMEOUT = 30.0

#: Bytes asked of one ``SSLObject.read``: more than a record (16 KiB), so one call per record.
RECORD_READ_SIZE = 65536

_WantRead = ssl.SSLWantReadError
_ZeroReturn = ssl.SSLZeroReturnError
_SSLError = ssl.SSLError


class TLSPhase(enum.Enum):
    """Where a TLS session is."""

    #: Not started: no transport below yet.
    IDLE = "idle"
    #: The handshake is in progress; application writes wait.
    HANDSHAKING = "handshaking"
    #: Secure: application data flows both ways (until close_notify).
    ESTABLISHED = "established"
    #: A TLS error (or the handshake timeout) ended the session; the transport is closing.
    FAILED = "failed"
    #: The transport below reported the connection lost.
    CLOSED = "closed"


_IDLE = TLSPhase.IDLE
_HANDSHAKING = TLSPhase.HANDSHAKING
_ESTABLISHED = TLSPhase.ESTABLISHED
_FAILED = TLSPhase.FAILED
_CLOSED = TLSPhase.CLOSED


class _CloseRequest(enum.Enum):
    """A close the application asked for before the handshake finished."""

    NONE = "none"
    CLOSE = "close"
    HALF_CLOSE = "half-close"


def _checkBytes(data: object) -> None:
    if isinstance(data, str):
        raise TypeError(f"transports send bytes, not str ({data[:20]!r}...): encode it first")
    memoryview(data)  # type: ignore[arg-type]  # raises TypeError for non-buffers


class TLSMemoryBIOProtocol:
    """TLS between a stream transport (below) and ``wrappedProtocol`` (above).

    ``context`` is the ``ssl.SSLContext``; ``isClient`` picks the side; ``hostname`` is what
    a client verifies and sends as SNI (None: no SNI, and verification of the name must be
    off). ``reactor`` schedules the handshake timeout (None: the transport's ``reactor``).
    ``wrappedConnected`` says the wrapped protocol is connected already (``startTLS``).
    """

    #: Twisted's marker that a transport speaks TLS.
    TLS = True

    def __init__(
        self,
        wrappedProtocol: Any,
        context: ssl.SSLContext,
        isClient: bool,
        hostname: str | None = None,
        *,
        reactor: Any = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
        factory: Any = None,
        wrappedConnected: bool = False,
    ) -> None:
        self.wrappedProtocol = wrappedProtocol
        self.factory = factory
        #: The transport below, set by ``makeConnection``.
        self.transport: Any = None
        self.connected = False
        #: True once a close was asked for (by the application, or the peer's close_notify).
        self.disconnecting = False
        self.disconnected = False
        self._context = context
        self._isClient = isClient
        self._hostname = hostname if isClient else None
        self._reactor = reactor
        self._handshakeTimeout = handshakeTimeout
        self._wrappedConnected = wrappedConnected
        self._halfCloseable = IHalfCloseableProtocol.providedBy(wrappedProtocol)
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls: ssl.SSLObject | None = None
        self._phase = _IDLE
        # Application writes not yet given to the SSLObject: before the handshake is done, or
        # while it wants to read first (renegotiation). Encrypted in order once it can.
        self._pending: list[bytes] = []
        self._closeRequest = _CloseRequest.NONE
        # Whether we are handing decrypted data to the application: writes then wait for
        # one flush below at the end (see the module docstring).
        self._delivering = False
        self._paused = False
        self._held: list[bytes] = []
        self._deliverCall: Any = None
        self._sentCloseNotify = False
        self._receivedCloseNotify = False
        self._writeShut = False
        # The application called loseConnection/abortConnection: it is given no more data.
        self._appClosed = False
        # The peer's close_notify arrived while decrypted data was held (paused): acted on
        # once that data is delivered.
        self._closeAfterHeld = False
        # Why the connection ends when the TLS layer decides it (a TLS error, the timeout).
        self._reason: Failure | None = None
        self._timeoutCall: Any = None
        self._handshakeWaiters: list[Deferred[TLSMemoryBIOProtocol]] | None = []
        # How the handshake ended (None: done; a Failure: why not), once it has.
        self._handshakeOutcome: Failure | None = None
        #: Why the connection ended, as told to the application (None while it lasts).
        self.finalReason: Failure | None = None

    # --- the protocol of the transport below ----------------------------------------------------

    def makeConnection(self, transport: Any) -> None:
        """The transport below is connected: start the handshake, connect the application."""
        self.transport = transport
        self.connected = True
        if self._reactor is None:
            self._reactor = getattr(transport, "reactor", None)
        self._tls = self._context.wrap_bio(
            self._incoming,
            self._outgoing,
            server_side=not self._isClient,
            server_hostname=self._hostname,
        )
        self._phase = _HANDSHAKING
        if self._handshakeTimeout is not None and self._reactor is not None:
            self._timeoutCall = self._reactor.callLater(
                self._handshakeTimeout, self._handshakeTimedOut
            )
        self._handshake()
        wrapped = self.wrappedProtocol
        if self._wrappedConnected:
            wrapped.transport = self
        elif self._phase is not _CLOSED:
            self._wrappedConnected = True
            wrapped.makeConnection(self)

    def connectionMade(self) -> None:
        """Part of the protocol interface; :meth:`makeConnection` does the work."""

    def dataReceived(self, data: bytes) -> None:
        """Bytes from below: feed them to TLS, deliver what they decrypt to."""
        phase = self._phase
        if phase is _ESTABLISHED:
            self._incoming.write(data)
            self._pump()
        elif phase is _HANDSHAKING:
            self._incoming.write(data)
            self._handshake()
            if self._phase is _ESTABLISHED:
                self._pump()
        # FAILED or CLOSED: what arrives after a failure is dropped.

    def readConnectionLost(self) -> None:
        """End of file below. Without the peer's close_notify first, the stream was cut."""
        if self._receivedCloseNotify or self._phase is _FAILED or self._phase is _CLOSED:
            if not self._halfCloseable or self._sentCloseNotify:
                self.transport.loseConnection()
            return
        if self._phase is _HANDSHAKING:
            error = TLSError(
                "TLS handshake failed: the peer closed the connection during the handshake "
                "(does it speak TLS, and accept our TLS versions and certificate?)",
                TLSFailure.HANDSHAKE_INTERRUPTED,
                duringHandshake=True,
            )
        else:
            error = TLSError(
                "TLS connection truncated: the peer closed the connection without a TLS "
                "close_notify, so data may be missing",
                TLSFailure.TRUNCATED,
            )
        self._failWith(error)

    def writeConnectionLost(self) -> None:
        """Below, our writing direction is shut (after our close_notify): tell the app."""
        if self._halfCloseable and self._phase is _ESTABLISHED:
            self.wrappedProtocol.writeConnectionLost()

    def connectionLost(self, reason: Failure) -> None:
        """The transport below is gone: tell the application why (once)."""
        if self._phase is _CLOSED:
            return
        wasHandshaking = self._phase is _HANDSHAKING or self._phase is _IDLE
        self._phase = _CLOSED
        self.connected = False
        self.disconnected = True
        self.disconnecting = True
        self._cancelTimeout()
        if self._deliverCall is not None:
            self._deliverCall.cancel()
            self._deliverCall = None
        if self._reason is not None:
            reason = self._reason
        elif wasHandshaking and not reason.check(TLSError) and not self._appClosed:
            reason = Failure(
                TLSError(
                    "TLS handshake failed: the connection was lost during the handshake "
                    f"({reason.getErrorMessage()})",
                    TLSFailure.HANDSHAKE_INTERRUPTED,
                    duringHandshake=True,
                )
            )
        self.finalReason = reason
        self._settleHandshake(reason)
        if self._wrappedConnected:
            self.wrappedProtocol.connectionLost(reason)

    def logPrefix(self) -> str:
        """The wrapped protocol's class name and "TLS", for log lines."""
        return f"{type(self.wrappedProtocol).__name__} (TLS)"

    # --- the TLS machinery --------------------------------------------------------------------

    def _handshake(self) -> None:
        tls = self._tls
        assert tls is not None
        try:
            tls.do_handshake()
        except _WantRead:
            self._flush()
            return
        except _SSLError as e:
            self._failWith(tlsErrorFrom(e, duringHandshake=True))
            return
        self._established()

    def _established(self) -> None:
        self._phase = _ESTABLISHED
        self._cancelTimeout()
        self._encryptPending()
        self._flush()
        if self._phase is not _ESTABLISHED:
            return
        self._settleHandshake(None)
        listener = getattr(self.wrappedProtocol, "handshakeCompleted", None)
        if listener is not None and self._wrappedConnected:
            listener()
        request, self._closeRequest = self._closeRequest, _CloseRequest.NONE
        if request is _CloseRequest.CLOSE:
            self._closeNow()
        elif request is _CloseRequest.HALF_CLOSE:
            self._halfCloseNow()

    def _pump(self) -> None:
        """Decrypt what the incoming BIO holds, deliver it, and send what TLS wants sent."""
        read = self._tls.read  # type: ignore[union-attr]
        closed = False
        error: _SSLError | None = None
        self._delivering = True
        try:
            while True:
                try:
                    chunk = read(RECORD_READ_SIZE)
                except _WantRead:
                    break
                except _ZeroReturn:
                    closed = True
                    break
                except _SSLError as e:
                    error = e
                    break
                if not chunk:
                    closed = True  # close_notify (read() returns b"" the first time)
                    break
                if self._paused or self._held:
                    self._held.append(chunk)
                elif not self._appClosed:  # Once it closed, like TCP, it reads no more.
                    self.wrappedProtocol.dataReceived(chunk)
        finally:
            self._delivering = False
        if self._pending and self._phase is _ESTABLISHED:
            self._encryptPending()  # A renegotiation may have let them through.
        self._flush()
        if error is not None:
            self._failWith(tlsErrorFrom(error, duringHandshake=False))
        elif closed:
            self._peerClosed()

    def _deliverHeld(self) -> None:
        self._deliverCall = None
        while self._held and not self._paused and self._phase is _ESTABLISHED:
            data = self._held.pop(0)
            self._delivering = True
            try:
                self.wrappedProtocol.dataReceived(data)
            finally:
                self._delivering = False
            self._flush()
        if not self._held and self._closeAfterHeld and self._phase is _ESTABLISHED:
            self._closeAfterHeld = False
            self._actOnCloseNotify()

    def _peerClosed(self) -> None:
        """The peer sent close_notify: it will send nothing more."""
        if self._receivedCloseNotify:
            return
        self._receivedCloseNotify = True
        if self._held:
            self._closeAfterHeld = True  # Delivered first, by _deliverHeld.
            return
        self._actOnCloseNotify()

    def _actOnCloseNotify(self) -> None:
        if self._halfCloseable and not self._sentCloseNotify and not self.disconnecting:
            self.wrappedProtocol.readConnectionLost()
            return
        self.disconnecting = True
        self._sendCloseNotify()
        self.transport.loseConnection()

    def _encryptPending(self) -> None:
        pending = self._pending
        write = self._tls.write  # type: ignore[union-attr]
        while pending:
            try:
                write(pending[0])
            except _WantRead:
                return  # Renegotiating: after the next read from below.
            except _SSLError as e:
                self._failWith(tlsErrorFrom(e, duringHandshake=False))
                return
            pending.pop(0)

    def _flush(self) -> None:
        outgoing = self._outgoing
        if outgoing.pending:
            self.transport.write(outgoing.read())

    def _sendCloseNotify(self) -> None:
        if self._sentCloseNotify or self._tls is None:
            return
        self._sentCloseNotify = True
        try:
            self._tls.unwrap()
        except _WantRead:
            pass  # Sent; the peer's close_notify is not awaited.
        except _SSLError:
            pass  # The session is broken already: nothing to say goodbye on.
        self._flush()

    def _failWith(self, error: TLSError) -> None:
        """End the connection for ``error``: send what TLS has (an alert), then close below."""
        if self._phase is _FAILED or self._phase is _CLOSED:
            return
        self._phase = _FAILED
        self.disconnecting = True
        self._reason = Failure(error)
        self._cancelTimeout()
        self._flush()
        log.debug("%s: %s", self.logPrefix(), error)
        self.transport.loseConnection()

    def _handshakeTimedOut(self) -> None:
        self._timeoutCall = None
        if self._phase is not _HANDSHAKING:
            return
        self._phase = _FAILED
        self.disconnecting = True
        self._reason = Failure(
            TLSError(
                f"TLS handshake timed out: it did not complete within {self._handshakeTimeout} s",
                TLSFailure.HANDSHAKE_TIMEOUT,
                duringHandshake=True,
            )
        )
        self.transport.abortConnection()

    def _cancelTimeout(self) -> None:
        if self._timeoutCall is not None:
            self._timeoutCall.cancel()
            self._timeoutCall = None

    def _settleHandshake(self, reason: Failure | None) -> None:
        waiters, self._handshakeWaiters = self._handshakeWaiters, None
        if waiters is None:
            return  # Settled already (done, then lost: the outcome stays "done").
        self._handshakeOutcome = reason
        for waiter in waiters or ():
            if reason is None:
                waiter.callback(self)
            else:
                waiter.errback(reason)

    def whenHandshakeDone(self) -> Deferred[TLSMemoryBIOProtocol]:
        """A Deferred firing with this layer once the handshake is done, or failing with why
        the connection ended before that (a :class:`TLSError`, usually)."""
        d: Deferred[TLSMemoryBIOProtocol] = Deferred()
        if self._handshakeWaiters is not None:
            self._handshakeWaiters.append(d)
        elif self._handshakeOutcome is None:
            d.callback(self)
        else:
            d.errback(self._handshakeOutcome)
        return d

    # --- the transport of the application ---------------------------------------------------

    def write(self, data: bytes) -> None:
        """Encrypt and send ``data``; before the handshake is done, it waits for it."""
        if self._phase is _ESTABLISHED and not self._pending and not self._sentCloseNotify:
            if not data:
                return
            try:
                self._tls.write(data)  # type: ignore[union-attr]
            except _WantRead:
                self._pending.append(bytes(data))
                return
            except _SSLError as e:
                self._failWith(tlsErrorFrom(e, duringHandshake=False))
                return
            except TypeError:
                _checkBytes(data)
                raise
            if not self._delivering:
                outgoing = self._outgoing
                self.transport.write(outgoing.read())
            return
        _checkBytes(data)
        if self._sentCloseNotify or self._writeShut or self._phase is _FAILED:
            return
        if self._phase is _CLOSED:
            return
        if data:
            self._pending.append(bytes(data))

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Encrypt and send each item of ``data`` in turn (one write below)."""
        delivering = self._delivering
        self._delivering = True
        try:
            for chunk in data:
                self.write(chunk)
        finally:
            self._delivering = delivering
        if not delivering and self._phase is _ESTABLISHED:
            self._flush()

    def loseConnection(self) -> None:
        """Send ``close_notify`` once what was written is encrypted, then close below."""
        if self._appClosed or self._phase is _CLOSED:
            return
        self.disconnecting = True
        self._appClosed = True
        if self._phase is _FAILED:
            return
        if self._receivedCloseNotify:
            self._sendCloseNotify()
            self.transport.loseConnection()
        elif self._phase is _HANDSHAKING and self._pending:
            self._closeRequest = _CloseRequest.CLOSE  # The writes are sent first.
        elif self._phase is _ESTABLISHED:
            self._closeNow()
        else:
            self._closeRequest = _CloseRequest.CLOSE
            self.transport.loseConnection()

    def _closeNow(self) -> None:
        self._encryptPending()
        self._sendCloseNotify()
        self.transport.loseConnection()

    def loseWriteConnection(self) -> None:
        """Half-close: send ``close_notify`` (after what was written), then half-close below.

        We go on reading until the peer's ``close_notify``.
        """
        if self._writeShut or self.disconnecting or self._phase is _CLOSED:
            return
        self._writeShut = True
        if self._phase is _ESTABLISHED:
            self._halfCloseNow()
        else:
            self._closeRequest = _CloseRequest.HALF_CLOSE

    def _halfCloseNow(self) -> None:
        self._encryptPending()
        self._sendCloseNotify()
        if self._receivedCloseNotify:
            self.transport.loseConnection()
        else:
            self.transport.loseWriteConnection()

    def abortConnection(self) -> None:
        """Close at once, dropping unsent data (no ``close_notify``); the peer sees a reset."""
        if self._phase is _CLOSED:
            return
        self.disconnecting = True
        self._appClosed = True
        self._closeRequest = _CloseRequest.CLOSE
        self._pending.clear()
        self.transport.abortConnection()

    def getPeer(self) -> Any:
        """Return the address of the other end (the transport's below)."""
        return self.transport.getPeer()

    def getHost(self) -> Any:
        """Return the address of this end (the transport's below)."""
        return self.transport.getHost()

    def getHandle(self) -> Any:
        """Return the socket of the transport below."""
        return self.transport.getHandle()

    def getTcpNoDelay(self) -> bool:
        """Return whether Nagle's algorithm is off below (TCP_NODELAY)."""
        return bool(self.transport.getTcpNoDelay())

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY on or off below."""
        self.transport.setTcpNoDelay(enabled)

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on below."""
        return bool(self.transport.getTcpKeepAlive())

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off below."""
        self.transport.setTcpKeepAlive(enabled)

    # --- producer and consumer: the transport's below ----------------------------------------

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer`` to the transport below (paced by its write buffer)."""
        self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Detach the producer from the transport below."""
        self.transport.unregisterProducer()

    def pauseProducing(self) -> None:
        """Stop reading (and delivering) until :meth:`resumeProducing`."""
        self._paused = True
        self.transport.pauseProducing()

    def resumeProducing(self) -> None:
        """Read and deliver again after :meth:`pauseProducing`."""
        if not self._paused:
            return
        self._paused = False
        if self._held and self._deliverCall is None and self._reactor is not None:
            self._deliverCall = self._reactor.callLater(0, self._deliverHeld)
        self.transport.resumeProducing()

    def stopProducing(self) -> None:
        """Stop for good: close the connection."""
        self.loseConnection()

    def setWriteBufferLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks of the transport below."""
        self.transport.setWriteBufferLimits(high, low)

    def getWriteBufferLimits(self) -> tuple[int, int]:
        """Return the (low, high) water marks of the transport below."""
        low, high = self.transport.getWriteBufferLimits()
        return (int(low), int(high))

    def getWriteBufferSize(self) -> int:
        """Bytes waiting: the writes held for the handshake plus the buffer below (encrypted)."""
        return sum(map(len, self._pending)) + int(self.transport.getWriteBufferSize())

    # --- what TLS knows ---------------------------------------------------------------------

    def getPeerCertificate(self, binary: bool = False) -> Any:
        """Return the peer's certificate once the handshake is done, else None.

        As ``ssl``: a dict of the verified certificate's fields; with ``binary=True``, its DER
        bytes (the only form available when the certificate was not verified). None when the
        peer sent none.
        """
        if self._tls is None or self._phase is _HANDSHAKING:
            return None
        try:
            return self._tls.getpeercert(binary)
        except ValueError:
            return None

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The application protocol agreed on with ALPN (``b"h2"``...), as Twisted; else None."""
        if self._tls is None:
            return None
        name = self._tls.selected_alpn_protocol()
        return None if name is None else name.encode("ascii")

    def getTLSVersion(self) -> str | None:
        """The TLS version in use ("TLSv1.3"...), None before the handshake is done."""
        return None if self._tls is None else self._tls.version()

    def getCipher(self) -> tuple[str, str, int] | None:
        """The cipher in use as ``(name, protocol, secret bits)``, None before the handshake."""
        return None if self._tls is None else self._tls.cipher()

    def getServerName(self) -> str | None:
        """The host name the client asked for (SNI): on a client, the one it sent; on a server,
        the one received -- known when the context came from :func:`reactor.tls.serverContext`.
        """
        if self._isClient:
            return self._hostname
        from reactor.tls._contexts import SERVER_NAME_ATTRIBUTE

        name = getattr(self._tls, SERVER_NAME_ATTRIBUTE, None)
        return name if isinstance(name, str) else None

    @property
    def phase(self) -> TLSPhase:
        """Where the TLS session is (:class:`TLSPhase`)."""
        return self._phase

    def __repr__(self) -> str:
        side = "client" if self._isClient else "server"
        return f"<TLS {side} {self.logPrefix()} {self._phase.value} over {self.transport!r}>"


classImplements(
    TLSMemoryBIOProtocol, IProtocol, IHalfCloseableProtocol, ISSLTransport, IConsumer, IPushProducer
)
