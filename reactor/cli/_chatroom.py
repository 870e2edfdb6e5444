"""The chat room: who is here, storing what they say, and telling everyone.

This module owns the state one chat server process shares between its connections: the nicks
in use, the members still receiving their history, storing a message before anyone sees it,
fan-out, the slow-reader limit and the shutdown of the room. Parsing what a client typed is the
protocol's job (:mod:`reactor.cli._chatprotocol`); the table is the store's
(:mod:`reactor.cli._chatstore`).

Order of events for a message: the author's line goes to the store; once its transaction has
committed, every member -- the author included, which is the author's acknowledgement -- gets
``<nick> text``. A message is never shown before it is stored, so nobody ever saw a message
that a crash could lose.

A newcomer's history. ``/nick`` makes a connection a member at once, but what is delivered to
it is held back until its history (the last N messages) has been read and sent; then the
held-back messages that the history did not already contain follow. So a newcomer sees every
message exactly once, in the order the server learned of them.

Presence (nicks, ``/who``, joins and leaves) is per process: with ``--workers`` or several
machines the messages reach everyone, but ``/who`` lists the people on the same process.

Reactor thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from deferred import Deferred, DeferredList, Failure, succeed
from reactor.cli._chatstore import ChatMessage, MessageStore
from reactor.interfaces import ReactorTime

__all__ = ["MAX_PENDING_OUTPUT", "ChatRoom", "Member"]

log = logging.getLogger("treadle.chat")

#: A member whose connection has more than this many bytes waiting to be sent is too slow a
#: reader: it is disconnected rather than left to grow the server's memory without bound.
MAX_PENDING_OUTPUT = 1 << 20

#: How long shutdown waits for members' connections to send what they were told and close.
CLOSE_TIMEOUT = 5.0


class Member(Protocol):
    """What the room needs of a connection (:class:`reactor.cli._chatprotocol.ChatProtocol`)."""

    nick: str | None
    peer: str

    def say(self, line: str) -> None:
        """Send one line of text."""

    def sendRaw(self, data: bytes) -> None:
        """Send bytes that are already whole encoded lines."""

    def pendingOutput(self) -> int:
        """Bytes written to the connection and not sent yet."""

    def disconnect(self, abort: bool = False) -> Deferred[None]:
        """Close the connection (after sending what is pending, unless ``abort``); the
        Deferred fires once it is closed."""


def formatMessage(message: ChatMessage) -> bytes:
    """The line everyone is sent for a message: ``<nick> text``."""
    return f"<{message.nick}> {message.body}\n".encode()


def formatHistory(message: ChatMessage) -> str:
    """A history line: ``= 2024-05-01T12:00:03Z <nick> text`` (UTC)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(message.ts))
    return f"= {stamp} <{message.nick}> {message.body}"


class ChatRoom:
    """The members of one chat server process (see the module docstring).

    ``store`` keeps the messages; newcomers get the last ``historySize`` of them;
    ``stored(id)`` is told the id of each message this room stored (the feed's ``markSeen``).
    """

    def __init__(
        self,
        store: MessageStore,
        historySize: int,
        stored: Callable[[int], None] = lambda messageID: None,
    ) -> None:
        self.store = store
        self.historySize = historySize
        self._stored = stored
        # Every member by nick, in the order they joined (dicts keep it).
        self.members: dict[str, Member] = {}
        # Members still waiting for their history -> what was delivered to them meanwhile.
        self._heldBack: dict[Member, list[ChatMessage]] = {}
        self.connections: set[Member] = set()
        self.closing = False

    # -- connections -----------------------------------------------------------------------

    def arrived(self, member: Member) -> None:
        """A connection was made: welcome it."""
        self.connections.add(member)
        log.info("connection from %s", member.peer)
        if self.closing:
            member.say("! the server is shutting down; come back later")
            member.disconnect()
            return
        member.say("* welcome to treadle chat; pick a nick with /nick NAME (/help for commands)")

    def departed(self, member: Member, why: str) -> None:
        """A connection was closed (``why`` says how): forget it, tell the others."""
        self.connections.discard(member)
        self._heldBack.pop(member, None)
        nick = member.nick
        if nick is not None and self.members.get(nick) is member:
            del self.members[nick]
            log.info("%s (%s) left: %s", nick, member.peer, why)
            self._announce(f"* {nick} left")
        else:
            log.info("connection from %s closed: %s", member.peer, why)

    # -- commands --------------------------------------------------------------------------

    def setNick(self, member: Member, nick: str) -> Deferred[None]:
        """``/nick NAME``: join the room under ``nick``, or rename.

        The Deferred fires once the member was told everything about it (its history
        included), so that a ``/quit`` right after it can wait for that.
        """
        holder = self.members.get(nick)
        if holder is member:
            member.say(f"* you are {nick} already")
            return succeed(None)
        if holder is not None:
            member.say(f"! the nick {nick} is taken; pick another")
            return succeed(None)
        old = member.nick
        member.nick = nick
        self.members[nick] = member
        if old is not None:
            del self.members[old]
            log.info("%s (%s) is now %s", old, member.peer, nick)
            self._announce(f"* {old} is now {nick}")
            return succeed(None)
        log.info("%s joined as %s", member.peer, nick)
        self._announce(f"* {nick} joined", besides=member)
        member.say(f"* you are {nick}")
        self._heldBack[member] = []
        history = self.store.recent(self.historySize)
        return history.addCallbacks(
            self._sendHistory,
            self._historyFailed,
            callbackArgs=(member,),
            errbackArgs=(member,),
        )

    def _sendHistory(self, messages: list[ChatMessage], member: Member) -> None:
        heldBack = self._heldBack.pop(member, None)
        if heldBack is None:
            return  # it left meanwhile
        for message in messages:
            member.say(formatHistory(message))
        shown = {message.id for message in messages}
        for message in heldBack:
            if message.id not in shown:
                member.sendRaw(formatMessage(message))
        self.who(member)

    def _historyFailed(self, reason: Failure, member: Member) -> None:
        log.warning("reading the history for %s failed: %s", member.nick, reason.getErrorMessage())
        member.say(f"! the history could not be read: {reason.getErrorMessage()}")
        self._sendHistory([], member)

    def who(self, member: Member) -> None:
        """``/who``: the nicks here, in the order they joined."""
        member.say(f"* here: {', '.join(self.members)}")

    def post(self, member: Member, body: str) -> Deferred[None]:
        """A member said ``body``: store it, then show it to everyone (author included).

        The Deferred fires once the author was acknowledged (or told it was not stored).
        """
        if self.closing:
            member.say("! the server is shutting down: not stored, not sent")
            return succeed(None)
        assert member.nick is not None
        stored = self.store.add(member.nick, body)
        return stored.addCallbacks(self._storedMessage, self._notStored, errbackArgs=(member,))

    def _storedMessage(self, message: ChatMessage) -> None:
        self._stored(message.id)
        self.deliver(message)

    def _notStored(self, reason: Failure, member: Member) -> None:
        log.error("storing a message from %s failed: %s", member.nick, reason.getErrorMessage())
        if member in self.connections:
            member.say(f"! not stored, not sent: {reason.getErrorMessage()}")

    # -- fan-out ---------------------------------------------------------------------------

    def deliver(self, message: ChatMessage) -> None:
        """Show a stored message to every member (held back for those awaiting history)."""
        line = formatMessage(message)
        tooSlow: list[Member] = []
        for member in self.members.values():
            heldBack = self._heldBack.get(member)
            if heldBack is not None:
                heldBack.append(message)
                continue
            member.sendRaw(line)
            if member.pendingOutput() > MAX_PENDING_OUTPUT:
                tooSlow.append(member)
        for member in tooSlow:
            log.warning(
                "%s (%s) reads too slowly (over %d bytes waiting): disconnecting it",
                member.nick,
                member.peer,
                MAX_PENDING_OUTPUT,
            )
            member.disconnect(abort=True)

    def _announce(self, line: str, besides: Member | None = None) -> None:
        for member in list(self.members.values()):
            if member is not besides and member not in self._heldBack:
                member.say(line)

    # -- shutdown --------------------------------------------------------------------------

    def close(self, clock: ReactorTime) -> Deferred[object]:
        """Stop taking messages, finish storing (and acknowledging) the ones in flight, say
        goodbye and close every connection; fire once they are closed (or ``CLOSE_TIMEOUT``
        later, when slow connections are aborted)."""
        self.closing = True
        flushed: Deferred[object] = self.store.flush()  # type: ignore[assignment]
        flushed.addCallback(lambda _: self._closeConnections(clock))
        return flushed

    def _closeConnections(self, clock: ReactorTime) -> Deferred[object]:
        closing: list[Deferred[None]] = []
        for member in list(self.connections):
            member.say("* the server is shutting down; bye")
            closing.append(member.disconnect())
        if not closing:
            return succeed(None)
        everyone: Deferred[object] = DeferredList(closing)  # type: ignore[assignment]

        def abortTheRest() -> None:
            for member in list(self.connections):
                member.disconnect(abort=True)

        deadline = clock.callLater(CLOSE_TIMEOUT, abortTheRest)

        def closed(result: object) -> object:
            if deadline.active():
                deadline.cancel()
            return result

        return everyone.addBoth(closed)
