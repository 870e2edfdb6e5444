"""``treadle connect ENDPOINT``: your terminal <-> a connection, like netcat.

This module owns the small interactive client: what you type (this process's standard input,
through ``reactor.stdio.StandardIO``) goes to the connection, what the connection sends goes to
standard output. When standard input ends (Ctrl-D, or the end of a piped file) the client
half-closes the connection -- it sends nothing more but still prints what arrives -- and exits
once the other side closes. It exits with status 0 when the other side closed the connection,
1 (one line on stderr) when it could not connect or the connection broke.

It works with any client endpoint: ``tcp:host=127.0.0.1:port=8000``, ``unix:path=/tmp/s``,
``tls:host=example.org:port=443``. The chat server expects UTF-8 lines; so does a terminal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.cli._errors import CommandFailed
from reactor.cli._options import Subcommands, addReactorOption, chooseReactor
from reactor.cli._serving import clientEndpoint, serveUntilStopped
from reactor.error import ConnectionDone, ReactorNotRunning
from reactor.interfaces import IHalfCloseableProtocol
from reactor.protocol import Factory, Protocol, connectionDone

__all__ = ["Connection", "Terminal", "addParser", "run"]


def addParser(subcommands: Subcommands) -> None:
    """Register ``treadle connect``."""
    parser = subcommands.add_parser(
        "connect",
        help="connect your terminal to a server (like nc), e.g. to talk to 'serve chat'",
        description=(
            "Connect to ENDPOINT (e.g. tcp:host=127.0.0.1:port=8000, unix:path=/tmp/chat.sock) "
            "and relay: what you type is sent, what arrives is printed. Ctrl-D ends your side; "
            "the command exits when the server closes the connection (Ctrl-C at any time)."
        ),
    )
    addReactorOption(parser)
    parser.add_argument("endpoint", metavar="ENDPOINT", help="a client endpoint description")
    parser.set_defaults(command=run, prog=parser.prog)


class Connection(Protocol):
    """The network side: what arrives goes to the terminal; its end ends the command."""

    def __init__(self, client: _Client) -> None:
        self.client = client

    def dataReceived(self, data: bytes) -> None:
        """Print it."""
        self.client.toTerminal(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """The other side closed (or the connection broke): finish up."""
        self.client.connectionEnded(reason)


class Terminal(Protocol):
    """The terminal side (on StandardIO): what is typed goes to the connection.

    Half-closeable: the end of standard input (``readConnectionLost``) only ends what we send;
    ``connectionLost`` comes once standard output is done too.
    """

    def __init__(self, client: _Client) -> None:
        self.client = client

    def dataReceived(self, data: bytes) -> None:
        """Send it."""
        self.client.toConnection(data)

    def readConnectionLost(self) -> None:
        """Standard input ended: send nothing more, keep printing what arrives."""
        self.client.inputEnded()

    def writeConnectionLost(self) -> None:
        """Standard output is gone (nobody reads it): nothing more can be shown."""

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Both standard input and output are done."""
        self.client.terminalClosed()


classImplements(Terminal, IHalfCloseableProtocol)


class _Client:
    """Joins the two sides; remembers how the connection ended.

    The command ends once the connection has ended and what it sent has been written to
    standard output (the terminal transport's ``connectionLost`` says so).
    """

    def __init__(self, reactor: Reactor, description: str) -> None:
        self.reactor = reactor
        self.description = description
        self.connection: Connection | None = None
        self.terminal: Terminal | None = None
        self.connectionDone = False
        self.broken: Failure | None = None

    def start(self, endpoint: Any) -> Deferred[Any]:
        factory = Factory.forProtocol(lambda: Connection(self))
        connecting: Deferred[Any] = endpoint.connect(factory)
        return connecting.addCallbacks(self._connected, self._notConnected)

    def _connected(self, connection: Connection) -> None:
        from reactor.stdio import StandardIO

        self.connection = connection
        self.terminal = Terminal(self)
        StandardIO(self.terminal, reactor=self.reactor)

    def _notConnected(self, reason: Failure) -> None:
        raise CommandFailed(f"cannot connect to {self.description}: {reason.getErrorMessage()}")

    def toTerminal(self, data: bytes) -> None:
        if self.terminal is not None:
            self.terminal.transport.write(data)

    def toConnection(self, data: bytes) -> None:
        if self.connection is not None and not self.connectionDone:
            self.connection.transport.write(data)

    def inputEnded(self) -> None:
        if self.connection is None or self.connectionDone:
            return
        transport = self.connection.transport
        halfClose = getattr(transport, "loseWriteConnection", None)
        if halfClose is not None:
            halfClose()
        else:
            transport.loseConnection()

    def connectionEnded(self, reason: Failure) -> None:
        self.connectionDone = True
        if not reason.check(ConnectionDone):
            self.broken = reason
        if self.terminal is None:
            self._stop()
        else:
            self.terminal.transport.loseConnection()  # writes what is left, then closes

    def terminalClosed(self) -> None:
        if not self.connectionDone and self.connection is not None:
            self.connection.transport.loseConnection()  # its end stops us
        else:
            self._stop()

    def _stop(self) -> None:
        try:
            self.reactor.stop()
        except ReactorNotRunning:
            pass


def run(args: argparse.Namespace) -> int:
    """Connect and relay until the connection ends; return the exit status."""
    theReactor = chooseReactor(args.reactor)
    endpoint = clientEndpoint(theReactor, args.endpoint)
    client = _Client(theReactor, args.endpoint)
    status = serveUntilStopped(theReactor, lambda: client.start(endpoint))
    if client.broken is not None:
        sys.stderr.write(f"{args.prog}: connection lost: {client.broken.getErrorMessage()}\n")
        return 1
    return status
