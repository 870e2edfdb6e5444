"""Solutions to lesson 06: an error in the "else" step; an error trap() lets through."""

from deferred import Deferred, Failure


def parse(text: object) -> int:
    return int(text)  # type: ignore[call-overload]


def use(number: int) -> str:
    return f"got {number // 0}"  # 1. raises ZeroDivisionError


def recover(failure: Failure) -> str:
    failure.trap(ValueError)
    return "got a default"


def lastChance(failure: Failure) -> str:
    return f"reached the end of the chain as {failure.type.__name__}"


# 1. As with try/except/else, recover() does not see errors raised by use(): they pass it by.
d: Deferred[str] = Deferred()
d.addCallback(parse).addCallbacks(use, recover).addErrback(lastChance)
d.callback("42")
print(f"1. use() raised: {d.result}")

# 2. int(None) raises TypeError; trap(ValueError) re-raises it, so it goes on down the chain.
d2: Deferred[str] = Deferred()
d2.addCallback(parse).addCallbacks(lambda n: f"got {n}", recover).addErrback(lastChance)
d2.callback(None)
print(f"2. parse(None): {d2.result}")
