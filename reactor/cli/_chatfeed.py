"""Messages other processes stored: how one chat server hears the others.

This module owns :class:`Feed`: it polls the shared ``messages`` table for ids it has not seen,
hands each new message to the room once, and skips the ones this process stored itself (the room
delivered those already, when their INSERT committed). With ``--workers N`` on one machine, or
several machines on one PostgreSQL database, this is what makes them one chat room: the
database is the only thing they share. (Rejected: PostgreSQL's LISTEN/NOTIFY -- faster, but a
second mechanism that SQLite lacks; one polling query every quarter second costs little.)

Gaps. Ids are assigned when a row is inserted but become visible when its transaction commits,
and with several writers the two orders differ: id 41 may commit after id 42, and a poll can
see 42 while 41 is still invisible. So the feed does not just remember the highest id seen. It
keeps a low-water mark ``low`` -- every id up to it was delivered or given up on -- and the set
of ids above it already delivered, and polls for ``id > low``. An id missing below one that is
present is a gap: usually a transaction still committing, which the next polls pick up; if it
is still missing after ``gapTimeout`` seconds it was rolled back (or a PostgreSQL sequence
skipped it), and the feed moves past it. A writer whose transaction stays open longer than
``gapTimeout`` between its INSERT and its COMMIT would go unseen by the other servers; ours
hold it for one batch of INSERTs.

Reactor thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from deferred import Failure
from reactor.cli._chatstore import ChatMessage, MessageStore

__all__ = ["Feed"]

log = logging.getLogger("treadle.chat")

#: Most messages one poll asks for; a full answer makes the next poll start at once.
POLL_LIMIT = 1000


class Feed:
    """Polls ``store`` every ``interval`` seconds on ``clock``; new messages go to ``deliver``."""

    def __init__(
        self,
        store: MessageStore,
        deliver: Callable[[ChatMessage], None],
        clock: Any,
        interval: float = 0.25,
        gapTimeout: float = 5.0,
    ) -> None:
        self._store = store
        self._deliver = deliver
        self._clock = clock
        self.interval = interval
        self.gapTimeout = gapTimeout
        #: Every id up to this one was delivered or given up on.
        self.low = 0
        # Ids above ``low`` delivered already (by this feed, or by the room: markSeen).
        self._seen: set[int] = set()
        # When the lowest missing id (low + 1) was first found missing, if it is.
        self._gapSince: float | None = None
        self._next: Any = None
        self._polling = False
        self._stopped = True

    def start(self, lastID: int) -> None:
        """Deliver the messages stored after ``lastID`` from now on."""
        self.low = lastID
        self._stopped = False
        self._schedule()

    def stop(self) -> None:
        """Poll no more (a poll in flight is ignored when it returns)."""
        self._stopped = True
        if self._next is not None and self._next.active():
            self._next.cancel()
        self._next = None

    def markSeen(self, messageID: int) -> None:
        """This process stored ``messageID`` and delivered it itself: do not deliver it."""
        if messageID > self.low:
            self._seen.add(messageID)
            self._advance()

    def _schedule(self, delay: float | None = None) -> None:
        if not self._stopped:
            self._next = self._clock.callLater(
                self.interval if delay is None else delay, self._poll
            )

    def _poll(self) -> None:
        self._next = None
        if self._polling or self._stopped:
            return
        self._polling = True
        found = self._store.after(self.low, POLL_LIMIT)
        found.addCallbacks(self._received, self._failed)

    def _received(self, messages: list[ChatMessage]) -> None:
        self._polling = False
        if self._stopped:
            return
        for message in messages:
            if message.id > self.low and message.id not in self._seen:
                self._seen.add(message.id)
                self._deliver(message)
        self._advance()
        self._schedule(0 if len(messages) >= POLL_LIMIT else None)

    def _failed(self, reason: Failure) -> None:
        self._polling = False
        if not self._stopped:
            log.warning("reading new messages failed: %s", reason.getErrorMessage())
            self._schedule()

    def _advance(self) -> None:
        """Move ``low`` up over delivered ids, and over gaps older than ``gapTimeout``."""
        seen = self._seen
        while seen:
            following = self.low + 1
            if following in seen:
                seen.remove(following)
                self.low = following
                self._gapSince = None
                continue
            now = self._clock.seconds()
            if self._gapSince is None:
                self._gapSince = now
                return
            if now - self._gapSince < self.gapTimeout:
                return
            # Still missing: rolled back or skipped; every id below the lowest present is.
            self.low = min(seen) - 1
            self._gapSince = None
