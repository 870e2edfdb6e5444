"""Solutions to lesson 08: try/except around await; a timeout on a slow fetch."""

from typing import Any

from deferred import Deferred, TimeoutError
from reactor.task import deferLater, react


async def fetch(reactor: Any, name: str, delay: float = 0.05) -> str:
    await deferLater(reactor, delay)
    if name == "broken":
        raise ConnectionError(f"{name}: connection refused")
    return f"{name}-data"


async def main(reactor: Any) -> None:
    # 1. except is the errback, else is the callback (it runs only when nothing was raised).
    for name in ("A", "broken"):
        try:
            data = await fetch(reactor, name)
        except ConnectionError as error:
            print(f"1. except (the errback): {error}")
        else:
            print(f"1. else (the callback): {data}")

    # 2. addTimeout cancels the Deferred when time is up; the await raises TimeoutError.
    slow = Deferred.fromCoroutine(fetch(reactor, "slow", delay=1.0)).addTimeout(0.1, reactor)
    try:
        await slow
    except TimeoutError as error:
        print(f"2. caught TimeoutError: {error}")


react(main)
