"""Side-by-side benchmarks of treadle against Twisted, asyncio and uvloop.

Run them with ``python -m benchmarks [names...] [--json out.json] [--repeat N] [--quick]``; see
benchmarks/README.md for how to read the table. This package is a development tool: it is not
installed with treadle and imports no peer until a workload's setup needs it.

Modules:

- `benchmarks.workload` - the `Workload` and `Implementation` types and the family list.
- `benchmarks.runner` - pinning, calibration, interleaved sampling, ratios, table and JSON.
- `benchmarks.profiling` - cProfile of one implementation (``--profile IMPL``).
- one module per workload family, e.g. `benchmarks.deferreds`.

Registering workloads
---------------------

A *workload* is a name, the size it runs at, how many operations one run performs and the result
one run must return; it has one *implementation* per library. An implementation's ``setup(size)``
is a context manager that prepares everything (imports, event loops, servers in child processes)
and yields a zero-argument *run* callable; leaving the context tears it all down. The runner calls
the run many times per sample and checks its return value once against ``expected(size)``::

    # benchmarks/timers.py
    from contextlib import contextmanager
    from benchmarks.workload import Implementation, Workload, stateless

    def _treadleTimers(size):              # size -> run; imports happen here, lazily
        from reactor.task import Clock
        def run():
            ...                           # schedule and fire `size` timers
            return fired
        return run

    @contextmanager
    def _twistedTimers(size):              # a context manager when there is teardown to do
        from twisted.internet.task import Clock
        ...
        try:
            yield run
        finally:
            ...

    WORKLOADS = [
        Workload(
            name="timers",
            description="schedule and fire 100,000 timers",
            unit="timers",                 # what one operation is; the table shows ops/s
            size=100_000,                  # the size the runner uses
            smokeSize=10,                  # the tiny size tests/test_benchmarks.py uses
            opsPerRun=lambda size: size,   # operations one run performs
            expected=lambda size: size,    # what one run must return
            implementations=(              # treadle first: ratios are treadle / each peer
                Implementation("treadle", stateless(_treadleTimers), requires=("reactor",)),
                Implementation("twisted", _twistedTimers, requires=("twisted",)),
                Implementation("asyncio", ..., note="not identical work: ..."),
            ),
        ),
    ]

then add ``"benchmarks.timers"`` to `benchmarks.workload.FAMILIES`. Rules that keep the figures
honest:

- Write the body once when the APIs match (see how `benchmarks.deferreds` takes the API module
  as a parameter); set ``note`` on any implementation whose work is not identical.
- Import peers only inside setup, and list them in ``requires`` so a missing peer is skipped
  (and reported) rather than crashing the run; `ImportError` from setup also skips.
- Keep one run short (microseconds to milliseconds): the runner batches runs into samples of
  ~0.1 s itself.
- Child processes and threads started by setup inherit the runner's CPU pinning; pin them
  elsewhere only on purpose, and say so in ``description``.
"""

from benchmarks.workload import Implementation, Workload, allWorkloads, stateless

__all__ = ["Implementation", "Workload", "allWorkloads", "stateless"]
