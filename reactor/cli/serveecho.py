"""``treadle serve echo``: a TCP (or Unix, or TLS) echo server.

This module owns the subcommand and its protocol: every byte received is sent back. It logs
one line per connection made and closed. Useful to try ``treadle connect`` and the endpoints,
and as the smallest example of a server on the reactor.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from deferred import Deferred, Failure
from reactor.cli._options import Subcommands, addReactorOption, chooseReactor
from reactor.cli._serving import (
    configureLogging,
    describeAddress,
    serverEndpoint,
    serveUntilStopped,
)
from reactor.error import ConnectionDone
from reactor.protocol import Factory, Protocol, connectionDone

__all__ = ["Echo", "EchoFactory", "addParser", "run"]

log = logging.getLogger("treadle.echo")


def addParser(servers: Subcommands) -> None:
    """Register ``treadle serve echo``."""
    parser = servers.add_parser(
        "echo",
        help="an echo server: sends back every byte it receives",
        description="An echo server: every byte received is sent back. Stops on Ctrl-C.",
    )
    addReactorOption(parser)
    parser.add_argument(
        "--listen",
        default="tcp:8007:interface=127.0.0.1",
        metavar="ENDPOINT",
        help="where to listen: tcp:8007 (every interface), unix:/path, tls:8443:certKey=... "
        "(default: tcp:8007:interface=127.0.0.1, this machine only)",
    )
    parser.set_defaults(command=run, prog=parser.prog)


class Echo(Protocol):
    """Sends every byte back; logs its connection's start and end."""

    def connectionMade(self) -> None:
        """Log the new connection."""
        self.peer = describeAddress(self.transport.getPeer())
        log.info("connection from %s", self.peer)

    def dataReceived(self, data: bytes) -> None:
        """Send it back."""
        self.transport.write(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Log the end of the connection."""
        why = "closed" if reason.check(ConnectionDone) else reason.getErrorMessage()
        log.info("connection from %s closed: %s", self.peer, why)


class EchoFactory(Factory):
    """Builds an :class:`Echo` per connection."""

    protocol = Echo
    noisy = False


def run(args: argparse.Namespace) -> int:
    """Serve until stopped; return the exit status."""
    theReactor = chooseReactor(args.reactor)
    configureLogging()
    endpoint = serverEndpoint(theReactor, args.listen)

    def start() -> Deferred[None]:
        listening: Deferred[Any] = endpoint.listen(EchoFactory())
        return listening.addCallback(
            lambda port: log.info("echo server listening on %s", describeAddress(port.getHost()))
        )

    return serveUntilStopped(theReactor, start)
