"""Errbacks: try/except/else/finally for results that arrive later

What you will see: the same little program written twice -- once with ordinary
``try/except/else/finally``, once as a Deferred chain -- run with a good input and a bad one,
printing the same steps:

* ``d.addCallback(parse)`` is the ``try`` body;
* ``d.addCallbacks(use, recover)`` is ``else`` + ``except``: ``use`` runs on success,
  ``recover`` on failure -- and, as with ``else``, an error raised by ``use`` is NOT caught by
  ``recover``;
* ``d.addBoth(cleanUp)`` is ``finally``: it runs either way and passes the outcome along.

An error travels down the chain as a ``Failure`` (the exception plus its traceback), skipping
callbacks until an errback handles it. ``failure.trap(ValueError)`` is ``except ValueError``:
other errors go on down the chain.

Then the trap: a Deferred that fails with nobody to handle the error. There is no caller up the
stack to see the exception, so treadle reports it when the Deferred is garbage-collected:
"Unhandled error in Deferred", with the traceback, on the ``deferred`` logger.

Why it matters: with callbacks, an exception has no stack to climb -- the code that started the
work returned long ago. Errbacks are where errors go instead; a chain without one loses them
(or, in treadle, logs them as unhandled, which you should treat as a bug).

Try this:
1. Make ``use`` raise (e.g. divide by zero). Which steps run in the synchronous version, and
   which in the chain? Is ``recover`` called?
2. Give ``parse`` an input that raises ``TypeError`` (pass ``None``). ``trap`` lets it through:
   where does it end up?
"""

import gc
import logging

from deferred import Deferred, Failure


def parse(text: str) -> int:
    print(f"  try:     parse({text!r})")
    return int(text)  # ValueError for "x"


def use(number: int) -> str:
    print(f"  else:    use({number})")
    return f"got {number}"


def recover(failure: Failure) -> str:
    failure.trap(ValueError)  # like "except ValueError": anything else goes on down the chain
    print(f"  except:  recover({failure.getErrorMessage()!r})")
    return "got a default"


def cleanUp(outcome: object) -> object:
    print("  finally: cleanUp()")
    return outcome  # pass the result (or the Failure) along unchanged


def synchronous(text: str) -> str:
    """The version with try/except/else/finally, for comparison."""
    try:
        number = parse(text)
    except ValueError as error:
        print(f"  except:  recover({str(error)!r})")
        result = "got a default"
    else:
        result = use(number)
    finally:
        print("  finally: cleanUp()")
    return result


def withDeferreds(text: str) -> Deferred[str]:
    """The same steps as a Deferred chain."""
    d: Deferred[str] = Deferred()
    d.addCallback(parse)  # try
    d.addCallbacks(use, recover)  # else, except
    d.addBoth(cleanUp)  # finally
    d.callback(text)  # here we fire it ourselves; usually the reactor or a thread does
    return d


for text in ("42", "x"):
    print(f"synchronous, input {text!r}:")
    print(f"  -> {synchronous(text)}")
    print(f"Deferred chain, input {text!r}:")
    print(f"  -> {withDeferreds(text).result}")


class ShowReport(logging.Handler):
    """Print the first and last line of treadle's report (the full one has the traceback)."""

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().splitlines()
        print(f"  [log] {lines[0]} ... {lines[-1]}")


logging.getLogger("deferred").addHandler(ShowReport())
logging.getLogger("deferred").propagate = False

print("a failed Deferred that nobody handles:")
lost: Deferred[int] = Deferred()
lost.addCallback(parse)
lost.callback("not a number")  # fails; the chain has no errback
print("  the error went nowhere... until the Deferred is garbage-collected:")
del lost
gc.collect()
