"""The chat's line protocol: what a client types, and the lines it is sent.

This module owns parsing a client's lines (UTF-8, ending in ``\\n`` or ``\\r\\n``, at most
:data:`MAX_LINE` bytes) into commands and messages, and the connection side of a room member
(sending lines, closing). What happens next -- storing, fan-out, nicks -- is the room's
(:mod:`reactor.cli._chatroom`). The protocol is documented for users in docs/cli.md.

Client to server: ``/nick NAME``, ``/who``, ``/quit``, ``/help``; any other line is a message
(``//text`` sends a message that starts with ``/``). Server to client, one line each, told
apart by the first character: ``* ...`` information, ``<nick> text`` a message (your own comes
back once it is stored: that is its acknowledgement), ``= TIME <nick> text`` history, ``! ...``
an error. Control characters in a message are replaced with ``?`` so that nobody can drive
other people's terminals.

``/quit``, or the end of the client's input (the protocol is half-closeable: a client that
half-closes, as ``treadle connect`` does at the end of its input, still gets its answers),
first waits for what the client already asked for -- its messages' acknowledgements, its
history -- so ``printf '/nick ann\nhello\n/quit\n' | nc ...`` sees ``<ann> hello``.
"""

from __future__ import annotations

import re
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, DeferredList, Failure, succeed
from reactor.cli._chatroom import ChatRoom
from reactor.cli._serving import describeAddress
from reactor.error import ConnectionDone
from reactor.interfaces import IHalfCloseableProtocol
from reactor.protocol import Factory, connectionDone
from reactor.protocols.basic import LineReceiver

__all__ = ["MAX_LINE", "NICK", "ChatFactory", "ChatProtocol"]

#: The longest line a client may send, in bytes (line end not counted).
MAX_LINE = 2048

#: What a nick may be.
NICK = re.compile(r"[A-Za-z0-9_-]{1,24}")

_CONTROLS = {code: "?" for code in [*range(0x20), *range(0x7F, 0xA0)] if code != 0x09}

HELP = (
    "* commands: /nick NAME (join or rename), /who (who is here), /quit, /help; "
    "any other line is a message (//text sends one starting with /)"
)


class ChatProtocol(LineReceiver):
    """One client of the chat (a room :class:`reactor.cli._chatroom.Member`)."""

    delimiter = b"\n"
    MAX_LENGTH = MAX_LINE

    def __init__(self, room: ChatRoom) -> None:
        self.room = room
        #: The member's nick, once it chose one.
        self.nick: str | None = None
        #: The client's address, for log lines.
        self.peer = "?"
        self._lost = False
        self._why: str | None = None
        self._closedWaiters: list[Deferred[None]] = []
        # What the client asked for and has not been answered yet (posts, the join).
        self._outstanding: set[Deferred[None]] = set()
        # Set by /quit or the end of input: no more lines are taken.
        self._leaving = False

    def connectionMade(self) -> None:
        """Tell the room (which welcomes the client)."""
        self.peer = describeAddress(self.transport.getPeer())
        self.room.arrived(self)

    def lineReceived(self, line: bytes) -> None:
        """Run a command or post a message."""
        if self._leaving:
            return
        if line.endswith(b"\r"):
            line = line[:-1]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            self.say("! lines must be UTF-8 text")
            return
        text = text.translate(_CONTROLS).rstrip()
        if not text.strip():
            return
        if text.startswith("/") and not text.startswith("//"):
            self._command(text)
        elif self.nick is None:
            self.say("! pick a nick first: /nick NAME")
        else:
            self._track(self.room.post(self, text[1:] if text.startswith("//") else text))

    def _track(self, answered: Deferred[None]) -> None:
        if not answered.called:
            self._outstanding.add(answered)
            answered.addBoth(lambda _: self._outstanding.discard(answered))

    def _command(self, text: str) -> None:
        name, _, argument = text.partition(" ")
        argument = argument.strip()
        if name == "/nick":
            if NICK.fullmatch(argument) is None:
                self.say("! usage: /nick NAME (1-24 letters, digits, '_' or '-')")
            else:
                self._track(self.room.setNick(self, argument))
        elif name == "/who":
            self.room.who(self)
        elif name == "/quit":
            self._leave("/quit", "* bye")
        elif name == "/help":
            self.say(HELP)
        else:
            self.say(f"! unknown command {name}; /help lists them")

    def _leave(self, why: str, farewell: str | None) -> None:
        """Take no more lines; once every answer is out, say ``farewell`` and close."""
        self._leaving = True
        self._why = why

        def close(_: object) -> None:
            if farewell is not None:
                self.say(farewell)
            self.disconnect()

        DeferredList(list(self._outstanding)).addCallback(close)

    def readConnectionLost(self) -> None:
        """The client sends no more (it half-closed): answer what it asked, then close."""
        if not self._leaving:
            self._leave("end of input", None)

    def writeConnectionLost(self) -> None:
        """The client reads no more: nothing more can be told to it."""
        self.disconnect(abort=True)

    def lineLengthExceeded(self, line: bytes) -> None:
        """Refuse an overlong line and close the connection (its sender misbehaves)."""
        self.say(f"! a line may be at most {MAX_LINE} bytes; closing the connection")
        self._why = "line too long"
        self.disconnect()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Tell the room; fire what :meth:`disconnect` returned."""
        self._lost = True
        why = self._why
        if why is None:
            why = "closed" if reason.check(ConnectionDone) else reason.getErrorMessage()
        self.room.departed(self, why)
        waiters, self._closedWaiters = self._closedWaiters, []
        for waiter in waiters:
            waiter.callback(None)

    # -- what the room uses ------------------------------------------------------------------

    def say(self, line: str) -> None:
        """Send one line of text (nothing once the connection is gone)."""
        if not self._lost:
            self.transport.write(line.encode() + b"\n")

    def sendRaw(self, data: bytes) -> None:
        """Send bytes that are already whole encoded lines."""
        if not self._lost:
            self.transport.write(data)

    def pendingOutput(self) -> int:
        """Bytes written and not yet sent (0 when the transport cannot tell)."""
        size = getattr(self.transport, "getWriteBufferSize", None)
        return int(size()) if size is not None else 0

    def disconnect(self, abort: bool = False) -> Deferred[None]:
        """Close the connection: after sending what is pending, or at once with ``abort``."""
        if self._lost:
            return succeed(None)
        closed: Deferred[None] = Deferred()
        self._closedWaiters.append(closed)
        abortConnection = getattr(self.transport, "abortConnection", None)
        if abort and abortConnection is not None:
            abortConnection()
        else:
            self.transport.loseConnection()
        return closed


classImplements(ChatProtocol, IHalfCloseableProtocol)


class ChatFactory(Factory):
    """Builds a :class:`ChatProtocol` for each connection, all in one room."""

    noisy = False

    def __init__(self, room: ChatRoom) -> None:
        self.room = room

    def buildProtocol(self, addr: Any) -> ChatProtocol:
        """A protocol for the connection from ``addr``."""
        protocol = ChatProtocol(self.room)
        protocol.factory = self
        return protocol
