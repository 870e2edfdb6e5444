"""``react``: run a program's ``main`` on a reactor and exit with its status.

This module owns :func:`react` only: starting ``main`` once the reactor runs, stopping the
reactor when ``main``'s Deferred fires, and turning the outcome into ``SystemExit``.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from deferred import Deferred, Failure, fail, succeed
from reactor.error import ReactorNotRunning
from reactor.interfaces import ReactorCore
from reactor.task._global import defaultReactor

__all__ = ["react"]


def react(
    main: Callable[..., object],
    argv: Sequence[object] = (),
    _reactor: ReactorCore | None = None,
) -> NoReturn:
    """Call ``main(reactor, *argv)`` once the reactor runs; stop it when main's Deferred fires.

    ``main`` may return a Deferred, a coroutine (run as with ``Deferred.fromCoroutine``) or a
    plain value (treated as an immediate result). ``_reactor`` defaults to the global reactor.

    Always raises ``SystemExit``: status 0 when main succeeds (or when something else stopped
    the reactor first, e.g. SIGTERM); main's own status when it raised ``SystemExit``; else 1,
    after printing main's error and traceback to stderr.
    """
    theReactor: ReactorCore = defaultReactor() if _reactor is None else _reactor
    outcome: list[object] = []

    def finished(result: object) -> None:
        outcome.append(result)
        try:
            theReactor.stop()
        except ReactorNotRunning:
            pass  # already stopping (stopped by a signal, or by main itself)

    def startMain() -> None:
        _callMain(main, theReactor, argv).addBoth(finished)

    theReactor.callWhenRunning(startMain)
    theReactor.run()
    raise SystemExit(_exitStatus(outcome))


def _callMain(
    main: Callable[..., object], reactor: object, argv: Sequence[object]
) -> Deferred[Any]:
    try:
        result = main(reactor, *argv)
    except BaseException:
        return fail(Failure())
    if isinstance(result, Deferred):
        return result
    if inspect.iscoroutine(result):
        return Deferred.fromCoroutine(result)
    return succeed(result)


def _exitStatus(outcome: list[object]) -> object:
    if not outcome or not isinstance(outcome[0], Failure):
        return 0
    failure = outcome[0]
    if isinstance(failure.value, SystemExit):
        return failure.value.code
    sys.stderr.write("main function encountered an error:\n")
    sys.stderr.write(failure.getTraceback())
    sys.stderr.flush()
    return 1
