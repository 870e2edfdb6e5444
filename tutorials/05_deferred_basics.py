"""Deferred basics, without a reactor: a result that is not there yet

What you will see: a ``Deferred`` is a promise of a result plus a list of callbacks waiting
for it. There is no reactor in this lesson at all -- a Deferred is a plain object, and *you*
fire it:

1. callbacks added before the result exists wait; ``callback(result)`` runs them in order,
   each one getting the previous one's return value;
2. a callback added *after* the result arrived runs at once -- you never miss a result by
   adding your callback "too late";
3. a Deferred fires only once: a second ``callback()`` raises ``AlreadyCalledError``.

Why it matters: this is how treadle says "later". A function that cannot answer now (a network
request, a timer, a job in a thread) returns a Deferred at once, and the caller says what to do
with the result by adding callbacks. Who fires the Deferred -- a reactor, a thread, a test, or
you -- is none of the caller's business. And because it fires once and keeps its result, there
is no race between "the result arrived" and "I added my callback".

Try this:
1. Add a callback that returns ``None`` (forgets its ``return``) in the middle of the chain.
   What do the callbacks after it receive?
2. Pass extra arguments: ``d.addCallback(multiply, 10)`` calls ``multiply(result, 10)``.
   Rewrite ``addOne`` and ``double`` as ``add`` and ``multiply`` taking a second argument.
"""

from deferred import AlreadyCalledError, Deferred


def addOne(number: int) -> int:
    print(f"  addOne({number}) -> {number + 1}")
    return number + 1


def double(number: int) -> int:
    print(f"  double({number}) -> {number * 2}")
    return number * 2


print("1. callbacks wait for the result")
d: Deferred[int] = Deferred()
d.addCallback(addOne)
d.addCallback(double)
print(f"  two callbacks added; fired yet? {d.called}")
print("  callback(20):")
d.callback(20)  # runs addOne(20), then double(21)
print(f"  fired? {d.called}; the result is now {d.result}")

print("2. a callback added after the result arrived runs at once")
d.addCallback(addOne)  # runs right here, with the current result 42
print(f"  the result is now {d.result}")

print("3. a Deferred fires only once")
try:
    d.callback(99)
except AlreadyCalledError:
    print("  a second callback(99) raised AlreadyCalledError")
print(f"  the result is still {d.result}")
