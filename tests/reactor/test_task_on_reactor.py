"""reactor.task helpers on real reactors (through the treadle pytest plugin's ``reactor``).

The Clock-driven tests pin down the behaviour; these check that the helpers work on the real
thing: real time, the reactor's own pass structure, and no timers left behind (the plugin fails
a test that leaves a DelayedCall or an unhandled error).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deferred import CancelledError, Deferred
from reactor import Reactor
from reactor.task import Cooperator, LoopingCall, deferLater

BACKENDS = ["select", "poll", "epoll", "asyncio"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_deferLater_waits_at_least_its_delay(reactor: Reactor, backend: str) -> None:
    start = reactor.seconds()
    value = await deferLater(reactor, 0.02, lambda: "late")
    assert value == "late"
    assert reactor.seconds() - start >= 0.02


async def test_cancelled_deferLater_leaves_no_timer(reactor: Reactor) -> None:
    d = deferLater(reactor, 30)
    d.cancel()
    with pytest.raises(CancelledError):
        await d
    assert reactor.getDelayedCalls() == []


async def test_looping_call_ticks_on_a_real_reactor(reactor: Reactor) -> None:
    times: list[float] = []
    finished: Deferred[None] = Deferred()

    def tick() -> None:
        times.append(reactor.seconds())
        if len(times) == 4:
            loop.stop()

    loop = LoopingCall(tick)
    loop.clock = reactor
    stopped = loop.start(0.01)
    stopped.addCallback(lambda _: finished.callback(None))
    await finished
    assert len(times) == 4
    assert times[-1] - times[0] >= 0.03 - 1e-3


async def test_cooperator_shares_the_loop_with_timed_calls(reactor: Reactor) -> None:
    coop = Cooperator(clock=reactor)
    steps = 0
    stepsWhenTimerRan: list[int] = []

    def probe() -> None:
        stepsWhenTimerRan.append(steps)

    def work() -> Iterator[None]:
        nonlocal steps
        for _ in range(200_000):
            steps += 1
            if steps == 1:
                reactor.callLater(0, probe)
            yield None

    await coop.coiterate(work())
    assert steps == 200_000
    # The timed call got its turn between two ticks, long before the work was done.
    assert 0 < stepsWhenTimerRan[0] < 200_000
