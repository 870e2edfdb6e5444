"""Solutions to lesson 04: a busy loop blocks too; slicing the work with callLater(0)."""

import time

from reactor import SelectReactor
from reactor.task import LoopingCall

reactor = SelectReactor()
ticker = LoopingCall(lambda: None)
ticker.clock = reactor
results: list[str] = []


def busy() -> None:
    # 1. Computing is as bad as sleeping: the loop is stuck in this callback either way.
    before = ticker.callCount
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        pass
    results.append(f"1. ticks during a 0.3 s busy loop: {ticker.callCount - before}")
    reactor.callLater(0, sliced, 5, ticker.callCount)


def sliced(left: int, before: int) -> None:
    # 2. Five 0.1 s slices, each scheduled after the previous one: the loop runs in between,
    #    so ticks get through (about one per slice, as each slice overruns the 0.05 s period).
    time.sleep(0.1)
    if left > 1:
        reactor.callLater(0, sliced, left - 1, before)
    else:
        results.append(f"2. ticks during five 0.1 s slices: {ticker.callCount - before}")
        ticker.stop()
        reactor.stop()


ticker.start(0.05)
reactor.callLater(0.1, busy)
reactor.run()
reactor.close()
print("\n".join(results))
