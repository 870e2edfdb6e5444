"""``isInReactorThread()`` and ``stopping``: what other threads may ask a reactor."""

from __future__ import annotations

import threading
from collections.abc import Callable

from reactor import Reactor


def test_isInReactorThreadIsTrueOnlyInTheThreadRunningIt(
    realReactor: Reactor, run: Callable[..., None]
) -> None:
    seen: dict[str, bool] = {}

    def inWorker() -> None:
        seen["worker"] = realReactor.isInReactorThread()
        realReactor.callFromThread(realReactor.stop)

    def whileRunning() -> None:
        seen["loop"] = realReactor.isInReactorThread()
        threading.Thread(target=inWorker).start()

    realReactor.callWhenRunning(whileRunning)
    assert not realReactor.isInReactorThread()
    run(realReactor)
    assert seen == {"loop": True, "worker": False}
    assert not realReactor.isInReactorThread()


def test_stoppingIsTrueFromStopUntilShutdownEnds(
    realReactor: Reactor, run: Callable[..., None]
) -> None:
    observed: list[tuple[str, bool]] = []

    def stopNow() -> None:
        observed.append(("running", realReactor.stopping))
        realReactor.stop()
        observed.append(("after stop()", realReactor.stopping))

    realReactor.addSystemEventTrigger(
        "during", "shutdown", lambda: observed.append(("shutdown", realReactor.stopping))
    )
    realReactor.callWhenRunning(stopNow)
    run(realReactor)
    observed.append(("stopped", realReactor.stopping))
    assert observed == [
        ("running", False),
        ("after stop()", True),
        ("shutdown", True),
        ("stopped", False),
    ]
