"""The chat's store and feed in process, on a real sqlite ConnectionPool: group commit, the
``--db`` URLs, and how the feed delivers other processes' messages once, waiting out gaps.

The feed's time is a Clock (deterministic); the pool's results arrive through a real reactor.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deferred import gatherResults
from reactor import EPollReactor
from reactor.cli._chatfeed import Feed
from reactor.cli._chatstore import ChatMessage, MessageStore, parseDatabaseURL
from reactor.cli._errors import UsageError
from reactor.task import Clock
from tests.threads.dbhelpers import outcomeOf, waitFor

pytest_plugins = ("tests.threads.dbfixtures",)


@pytest.fixture
def store(dbreactor: EPollReactor, tmp_path: Path) -> Iterator[MessageStore]:
    opened = MessageStore.open(dbreactor, f"sqlite:{tmp_path / 'chat.db'}")
    waitFor(dbreactor, opened.prepare())
    yield opened
    outcomeOf(dbreactor, opened.close())


def storeElsewhere(reactor: EPollReactor, store: MessageStore, messageID: int) -> None:
    """A row as another process would have stored it (with a chosen id)."""
    sql = "INSERT INTO messages (id, ts, nick, body) VALUES (?, 0, 'other', ?)"
    waitFor(reactor, store.pool.runOperation(sql, (messageID, f"message {messageID}")))


def poll(reactor: EPollReactor, store: MessageStore, feed: Feed, clock: Clock) -> None:
    """Let the feed poll once and handle the answer."""
    clock.advance(feed.interval)
    # One connection runs jobs in order: once this query is back, so is the poll's.
    waitFor(reactor, store.pool.runQuery("SELECT 1"))


@pytest.fixture
def feed(store: MessageStore) -> Iterator[tuple[Feed, Clock, list[int]]]:
    clock = Clock()
    delivered: list[int] = []
    started = Feed(store, lambda message: delivered.append(message.id), clock, gapTimeout=5)
    started.start(0)
    yield started, clock, delivered
    started.stop()


def test_addFiresWithTheStoredMessageOnceCommitted(
    dbreactor: EPollReactor, store: MessageStore
) -> None:
    message = waitFor(dbreactor, store.add("ann", "hello"))
    assert isinstance(message, ChatMessage)
    assert (message.id, message.nick, message.body) == (1, "ann", "hello")
    assert waitFor(dbreactor, store.recent(5)) == [message]


def test_messagesArrivingDuringAWriteShareTheNextTransaction(
    dbreactor: EPollReactor, store: MessageStore
) -> None:
    stored = waitFor(dbreactor, gatherResults([store.add("ann", f"m{n}") for n in range(50)]))
    assert [message.id for message in stored] == list(range(1, 51))
    assert [message.body for message in stored] == [f"m{n}" for n in range(50)]
    assert store.batches == 2  # the first message alone, then the 49 queued behind it


def test_flushFiresOnceEveryQueuedMessageIsStored(
    dbreactor: EPollReactor, store: MessageStore
) -> None:
    pending = [store.add("ann", f"m{n}") for n in range(5)]
    waitFor(dbreactor, store.flush())
    assert all(d.called for d in pending)
    assert len(waitFor(dbreactor, store.recent(10))) == 5


def test_recentGivesTheLastMessagesOldestFirst(
    dbreactor: EPollReactor, store: MessageStore
) -> None:
    for n in range(5):
        waitFor(dbreactor, store.add("ann", f"m{n}"))
    assert [m.body for m in waitFor(dbreactor, store.recent(3))] == ["m2", "m3", "m4"]
    assert waitFor(dbreactor, store.recent(0)) == []


@pytest.mark.parametrize(
    ("url", "driver", "args"),
    [
        ("sqlite:chat.db", "sqlite3", ("chat.db",)),
        ("sqlite:///var/lib/chat.db", "sqlite3", ("/var/lib/chat.db",)),
        ("sqlite::memory:", "sqlite3", (":memory:",)),
        ("postgresql://ann@db.example/chat", "psycopg", ("postgresql://ann@db.example/chat",)),
        ("postgres://ann@db.example/chat", "psycopg", ("postgres://ann@db.example/chat",)),
    ],
)
def test_databaseURLsNameTheirDriver(url: str, driver: str, args: tuple[str, ...]) -> None:
    database = parseDatabaseURL(url)
    assert (database.driver, database.connectArgs) == (driver, args)


def test_aDatabaseURLIsShownWithoutItsPassword() -> None:
    database = parseDatabaseURL("postgresql://ann:secret@db.example/chat")
    assert database.shown == "postgresql://ann:***@db.example/chat"


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite:", "treadle-chat.db", "postgresql:x"])
def test_anythingElseIsAUsageError(url: str) -> None:
    with pytest.raises(UsageError):
        parseDatabaseURL(url)


def test_feedDeliversMessagesStoredElsewhereOnce(
    dbreactor: EPollReactor, store: MessageStore, feed: tuple[Feed, Clock, list[int]]
) -> None:
    follower, clock, delivered = feed
    storeElsewhere(dbreactor, store, 1)
    storeElsewhere(dbreactor, store, 2)
    poll(dbreactor, store, follower, clock)
    poll(dbreactor, store, follower, clock)
    assert delivered == [1, 2]
    assert follower.low == 2


def test_feedSkipsMessagesThisProcessStored(
    dbreactor: EPollReactor, store: MessageStore, feed: tuple[Feed, Clock, list[int]]
) -> None:
    follower, clock, delivered = feed
    mine = waitFor(dbreactor, store.add("ann", "mine"))
    follower.markSeen(mine.id)
    storeElsewhere(dbreactor, store, 2)
    poll(dbreactor, store, follower, clock)
    assert delivered == [2]


def test_feedDeliversAMessageThatCommitsAfterAHigherOne(
    dbreactor: EPollReactor, store: MessageStore, feed: tuple[Feed, Clock, list[int]]
) -> None:
    follower, clock, delivered = feed
    storeElsewhere(dbreactor, store, 1)
    storeElsewhere(dbreactor, store, 3)
    poll(dbreactor, store, follower, clock)
    assert (delivered, follower.low) == ([1, 3], 1)
    storeElsewhere(dbreactor, store, 2)  # its transaction was still committing
    poll(dbreactor, store, follower, clock)
    assert (delivered, follower.low) == ([1, 3, 2], 3)


def test_feedGivesUpOnAGapAfterTheGapTimeout(
    dbreactor: EPollReactor, store: MessageStore, feed: tuple[Feed, Clock, list[int]]
) -> None:
    follower, clock, delivered = feed
    storeElsewhere(dbreactor, store, 1)
    storeElsewhere(dbreactor, store, 4)
    poll(dbreactor, store, follower, clock)
    assert follower.low == 1
    clock.advance(follower.gapTimeout)
    poll(dbreactor, store, follower, clock)
    assert follower.low == 4
    assert delivered == [1, 4]
