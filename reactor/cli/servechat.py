"""``treadle serve chat``: the showcase -- a line-based chat server that keeps its messages.

This module owns the subcommand's options and :class:`ChatService`, which puts the pieces
together on one reactor: the store (:mod:`reactor.cli._chatstore`), the room
(:mod:`reactor.cli._chatroom`), the feed of messages other processes stored
(:mod:`reactor.cli._chatfeed`) and the listening endpoint; it starts them in order and shuts
them down cleanly. ``--workers N`` hands over to :mod:`reactor.cli._supervisor`, which runs N
copies of this command (each with ``--worker-of``) sharing the port.

Shutdown (Ctrl-C or SIGTERM): the service's "before shutdown" trigger stops listening and
polling, refuses new messages, writes and acknowledges the messages already received, says
goodbye and closes every connection. The trigger is added before the reactor runs, hence
before the ConnectionPool's own (added when the pool starts, at reactor startup): the last
batch is submitted before the pool starts closing, and the pool finishes it before it closes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from deferred import Deferred
from reactor import Reactor
from reactor.cli._chatfeed import Feed
from reactor.cli._chatprotocol import ChatFactory
from reactor.cli._chatroom import ChatRoom
from reactor.cli._chatstore import MessageStore
from reactor.cli._options import Subcommands, addReactorOption, chooseReactor
from reactor.cli._serving import (
    configureLogging,
    describeAddress,
    serverEndpoint,
    serveUntilStopped,
)
from reactor.task import LoopingCall

__all__ = ["ChatService", "addParser", "run"]

log = logging.getLogger("treadle.chat")

#: What a worker prints on its stdout once it listens (its supervisor waits for it).
READY = b"ready\n"


def addParser(servers: Subcommands) -> None:
    """Register ``treadle serve chat``."""
    parser = servers.add_parser(
        "chat",
        help="a chat server that stores every message (sqlite or PostgreSQL)",
        description=(
            "A line-based chat server: clients pick a nick with /nick NAME, then every line "
            "they send is stored and shown to everyone; newcomers get the last messages. "
            "Talk to it with 'treadle connect tcp:host=127.0.0.1:port=8000' or nc. "
            "Stops cleanly on Ctrl-C or SIGTERM: no acknowledged message is lost."
        ),
    )
    addReactorOption(parser)
    parser.add_argument(
        "--listen",
        default="tcp:8000:interface=127.0.0.1",
        metavar="ENDPOINT",
        help="where to listen: tcp:8000 (every interface), tcp:8000:interface=127.0.0.1, "
        "unix:/path, tls:8443:certKey=... (default: tcp:8000:interface=127.0.0.1, this "
        "machine only)",
    )
    parser.add_argument(
        "--db",
        default="sqlite:treadle-chat.db",
        metavar="URL",
        help="where messages are stored: sqlite:FILE or postgresql://user@host/dbname "
        "(default: sqlite:treadle-chat.db, in the current directory)",
    )
    parser.add_argument(
        "--history",
        type=_atLeast(0),
        default=20,
        metavar="N",
        help="how many earlier messages a newcomer is shown (default: 20)",
    )
    parser.add_argument(
        "--workers",
        type=_atLeast(1),
        default=1,
        metavar="N",
        help="run N server processes sharing the port (SO_REUSEPORT; a tcp: endpoint with a "
        "fixed port) and the database, to use N cores (default: 1)",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.25,
        metavar="SECONDS",
        help="how often to look for messages other server processes stored (default: 0.25; "
        "0: never, for a lone server)",
    )
    # Internal: set by the supervisor on the workers it starts.
    parser.add_argument("--worker-of", type=int, metavar="PID", help=argparse.SUPPRESS)
    parser.set_defaults(command=run, prog=parser.prog)


def _atLeast(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def run(args: argparse.Namespace) -> int:
    """Serve until stopped (or supervise ``--workers``); return the exit status."""
    if args.workers > 1 and args.worker_of is None:
        from reactor.cli._supervisor import supervise

        return supervise(args)
    theReactor = chooseReactor(args.reactor)
    asWorker = args.worker_of is not None
    configureLogging(f"worker {os.getpid()}" if asWorker else None)
    endpoint = serverEndpoint(theReactor, args.listen)
    store = MessageStore.open(theReactor, args.db)
    service = ChatService(
        theReactor,
        store,
        endpoint,
        historySize=args.history,
        pollInterval=args.poll,
        parentPID=args.worker_of,
    )
    return serveUntilStopped(theReactor, service.start, asWorker=asWorker)


class ChatService:
    """One chat server process: store, room, feed and listening port (module docstring).

    ``parentPID``: this process is a worker of that supervisor; it says :data:`READY` on its
    stdout once it listens, and shuts down if the supervisor disappears.
    """

    def __init__(
        self,
        reactor: Reactor,
        store: MessageStore,
        endpoint: Any,
        historySize: int = 20,
        pollInterval: float = 0.25,
        parentPID: int | None = None,
    ) -> None:
        self.reactor = reactor
        self.store = store
        self.endpoint = endpoint
        self.parentPID = parentPID
        self.room = ChatRoom(store, historySize, stored=self._storedHere)
        self.feed: Feed | None = None
        if pollInterval > 0:
            self.feed = Feed(store, self.room.deliver, reactor, interval=pollInterval)
        self.port: Any = None
        self._parentWatch: LoopingCall | None = None
        reactor.addSystemEventTrigger("before", "shutdown", self.stop)

    def _storedHere(self, messageID: int) -> None:
        if self.feed is not None:
            self.feed.markSeen(messageID)

    def start(self) -> Deferred[Any]:
        """Create the table, start the feed, listen; fire once serving."""
        prepared = self.store.prepare()
        prepared.addCallback(self._prepared)
        return prepared

    def _prepared(self, lastID: int) -> Deferred[None]:
        if self.feed is not None:
            self.feed.start(lastID)
        listening: Deferred[Any] = self.endpoint.listen(ChatFactory(self.room))
        return listening.addCallback(self._listening)

    def _listening(self, port: Any) -> None:
        self.port = port
        log.info(
            "chat server listening on %s (messages in %s)",
            describeAddress(port.getHost()),
            self.store.database.shown,
        )
        if self.parentPID is not None:
            sys.stdout.buffer.write(READY)
            sys.stdout.flush()
            self._parentWatch = LoopingCall(self._checkParent)
            self._parentWatch.clock = self.reactor
            self._parentWatch.start(1.0, now=False)

    def _checkParent(self) -> None:
        if os.getppid() != self.parentPID and not self.reactor.stopping:
            log.warning("the supervisor (pid %s) is gone: shutting down", self.parentPID)
            self.reactor.stop()

    def stop(self) -> Deferred[object]:
        """The "before shutdown" trigger: see the module docstring."""
        if self._parentWatch is not None and self._parentWatch.running:
            self._parentWatch.stop()
        if self.feed is not None:
            self.feed.stop()
        if self.port is not None:
            self.port.stopListening()
        closed = self.room.close(self.reactor)

        def report(result: object) -> object:
            log.info(
                "shut down: %d messages stored in %d transactions",
                self.store.stored,
                self.store.batches,
            )
            return result

        return closed.addBoth(report)
