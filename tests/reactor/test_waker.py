"""Wakers: readable once woken, not after clear; harmless when woken after close."""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

import pytest

from reactor._waker import EventFDWaker, SocketPairWaker, Waker, makeWaker

KINDS = [SocketPairWaker] + ([EventFDWaker] if hasattr(os, "eventfd") else [])


@pytest.fixture(params=KINDS, ids=lambda kind: kind.__name__)
def waker(request: pytest.FixtureRequest) -> Iterator[Waker]:
    w: Waker = request.param()
    try:
        yield w
    finally:
        w.close()


def readable(w: Waker) -> bool:
    return bool(select.select([w.fileno()], [], [], 0)[0])


def test_new_waker_is_not_readable(waker: Waker) -> None:
    assert not readable(waker)


def test_wake_makes_it_readable_and_clear_resets_it(waker: Waker) -> None:
    waker.wake()
    waker.wake()
    assert readable(waker)
    waker.clear()
    assert not readable(waker)


def test_clear_without_wake_does_not_block(waker: Waker) -> None:
    waker.clear()
    assert not readable(waker)


def test_wake_after_close_is_ignored(waker: Waker) -> None:
    waker.close()
    waker.wake()
    waker.close()


def test_makeWaker_prefers_eventfd_on_linux() -> None:
    w = makeWaker()
    try:
        expected = EventFDWaker if hasattr(os, "eventfd") else SocketPairWaker
        assert isinstance(w, expected)
    finally:
        w.close()
