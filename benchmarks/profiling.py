"""Profile one implementation of a workload with cProfile, to find what to optimise.

This module owns ``python -m benchmarks --profile IMPL``: it runs the implementation's `Run` for
about a second under cProfile and returns the top functions by their own time. It reports no
speed (cProfile's overhead distorts rates); use the runner for figures.
"""

from __future__ import annotations

import cProfile
import io
import itertools
import pstats
import time

from benchmarks.workload import Workload


def profileWorkload(
    workload: Workload, implementation: str, seconds: float = 1.0, top: int = 20
) -> str:
    """Profile ``implementation`` on ``workload`` for about ``seconds``; return a pstats report.

    Raises `ImportError` when the implementation cannot be set up here.
    """
    chosen = workload.implementation(implementation)
    missing = chosen.missing()
    if missing:
        raise ImportError(f"{implementation} needs {', '.join(missing)}")
    with chosen.setup(workload.size) as run:
        run()
        start = time.perf_counter()
        loops = 0
        while time.perf_counter() - start < seconds / 10:
            run()
            loops += 1
        loops = max(1, loops * 10)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in itertools.repeat(None, loops):
            run()
        profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    return f"== {workload.name} on {implementation} ({loops} runs) ==\n{stream.getvalue()}"
