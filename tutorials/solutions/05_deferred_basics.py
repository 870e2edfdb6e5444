"""Solutions to lesson 05: a callback forgetting its return; callbacks with arguments."""

from deferred import Deferred


def forgetful(number: int) -> None:
    number + 1  # computed, then forgotten: there is no return statement


def show(value: object) -> object:
    print(f"1. the next callback receives {value!r}")
    return value


# 1. A callback without a return hands None to everything after it.
d: Deferred[object] = Deferred()
d.addCallback(forgetful).addCallback(show)
d.callback(1)


# 2. Extra arguments after the function are passed after the result.
def add(number: int, amount: int) -> int:
    return number + amount


def multiply(number: int, factor: int) -> int:
    return number * factor


d2: Deferred[int] = Deferred()
d2.addCallback(add, 1).addCallback(multiply, 2)
d2.callback(20)
print(f"2. add(20, 1) then multiply(21, 2): {d2.result}")
