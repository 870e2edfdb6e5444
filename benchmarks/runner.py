"""Measure workloads side by side and report them.

This module owns how samples are taken and summarised: CPU pinning, calibration, interleaving the
implementations, the per-pair ratios, the printed table and the JSON document. It knows nothing
about any particular workload (see `benchmarks.workload` and the family modules) and it is the
only place that reads a clock.

Method (see ../shared/BENCHMARKING.md for the measurements that motivate it):

- The process is pinned to one CPU; threads and child processes started afterwards inherit it.
- Each implementation's result is checked against the workload's expected value first, so a
  wrong implementation never reports a speed.
- Calibration picks, per implementation, how many runs one sample holds so a sample lasts about
  ``sampleSeconds`` (short: the CPU here sometimes drops to half speed for 0.5-2 s). The
  calibration samples double as warm-up and are not reported.
- Samples are interleaved: repeat ``r`` runs every implementation once, in forward order when
  ``r`` is even and backward order when odd (A B, B A, A B, ...), so drift hits both sides of a
  pair and neither side always goes first.
- The ratio treadle/peer is computed per repeat from the two adjacent samples, and the table shows
  the median of those pair ratios (with their min-max), not a ratio of medians.
- A sample is timed with wall time, or with this process's CPU time for workloads declaring
  ``clock="cpu"`` (work done entirely in this thread), so that time stolen by other processes
  sharing the CPU is not charged to whichever implementation happened to be running.
- ``gc.collect()`` runs before every sample so each starts from the same heap; the collector stays
  enabled during the sample because real programs pay for it too.

Metrics: a run may also report figures ops/s cannot show (wake-ups per call, latency
percentiles). If the object a setup yields has a ``metrics()`` method returning
``{name: value}``, it is called once after the samples, before teardown, and the values are
printed under the workload's rows and kept in the JSON document.
"""

from __future__ import annotations

import gc
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TextIO

from benchmarks.workload import Implementation, Run, Workload

#: The implementation every ratio is taken against.
REFERENCE = "treadle"

Timer = Callable[[], float]

#: The timer behind each value of `Workload.clock`.
CLOCKS: dict[str, Timer] = {"wall": time.perf_counter, "cpu": time.process_time}


class WrongResult(AssertionError):
    """An implementation returned something other than the workload's expected value."""


@dataclass(frozen=True)
class Sample:
    """One timed sample: ``loops`` runs of ``ops`` operations in total, taking ``seconds``.

    ``sequence`` numbers the samples of one workload in the order they were taken, so drift over
    time can be seen in the JSON output.
    """

    repeat: int
    sequence: int
    loops: int
    ops: int
    seconds: float

    @property
    def rate(self) -> float:
        """Operations per second."""
        return self.ops / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class Series:
    """Every sample of one implementation on one workload, or why it was skipped."""

    implementation: str
    note: str = ""
    samples: list[Sample] = field(default_factory=list)
    skipped: str = ""
    #: What the run's ``metrics()`` reported after the samples (see the module docstring).
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def rates(self) -> list[float]:
        """The samples' operations per second, in repeat order."""
        return [sample.rate for sample in self.samples]


@dataclass
class WorkloadResult:
    """The series of every implementation of one workload, treadle's first."""

    workload: Workload
    series: list[Series]

    def measured(self) -> list[Series]:
        """The series that were not skipped."""
        return [series for series in self.series if not series.skipped]

    def pairRatios(self, peer: str) -> list[float]:
        """treadle's rate over ``peer``'s, one per repeat; empty when either was skipped."""
        bySeries = {series.implementation: series for series in self.measured()}
        if REFERENCE not in bySeries or peer not in bySeries or peer == REFERENCE:
            return []
        return [
            ours / theirs
            for ours, theirs in zip(bySeries[REFERENCE].rates, bySeries[peer].rates, strict=True)
        ]


def pinToOneCPU(cpu: int | None = None) -> str:
    """Pin this process to ``cpu`` (default: the highest allowed CPU); say what was done.

    Called before any thread or child process exists, so they all inherit the placement.
    """
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned: this platform has no os.sched_setaffinity"
    allowed = sorted(os.sched_getaffinity(0))
    chosen = allowed[-1] if cpu is None else cpu
    if chosen not in allowed:
        raise ValueError(f"CPU {chosen} is not one of the allowed CPUs {allowed}")
    os.sched_setaffinity(0, {chosen})
    return (
        f"pinned to CPU {chosen} of {allowed} with os.sched_setaffinity "
        "(threads and child processes inherit it)"
    )


def _timeRuns(run: Run, loops: int, timer: Timer) -> float:
    gc.collect()
    start = timer()
    for _ in itertools.repeat(None, loops):
        run()
    return timer() - start


def _calibrate(run: Run, sampleSeconds: float, timer: Timer) -> int:
    """Return how many runs make one sample last about ``sampleSeconds`` (also warms up)."""
    loops = 1
    elapsed = _timeRuns(run, loops, timer)
    while elapsed < sampleSeconds / 10 and loops < 10**9:
        loops *= 10
        elapsed = _timeRuns(run, loops, timer)
    if elapsed <= 0:
        return loops
    return max(1, round(loops * sampleSeconds / elapsed))


def _metricsOf(run: Run) -> dict[str, float]:
    """The run's own metrics, when it offers a ``metrics()`` method; else none."""
    metrics = getattr(run, "metrics", None)
    return dict(metrics()) if callable(metrics) else {}


def _enter(stack: ExitStack, implementation: Implementation, size: int) -> Run | str:
    """Set up ``implementation``; return its run, or the reason it is skipped."""
    missing = implementation.missing()
    if missing:
        return f"not installed: {', '.join(missing)}"
    try:
        return stack.enter_context(implementation.setup(size))
    except ImportError as error:
        return f"unavailable: {error}"


def measureWorkload(
    workload: Workload,
    repeat: int,
    sampleSeconds: float,
    *,
    size: int | None = None,
    implementations: Iterable[str] | None = None,
    timer: Timer | None = None,
) -> WorkloadResult:
    """Measure every available implementation of ``workload``, interleaved, ``repeat`` times.

    ``implementations`` restricts the run to those names (default: all). ``timer`` overrides
    the clock the workload asks for (tests pass a fake one). Raises `WrongResult` when an
    implementation's result differs from ``workload.expected(size)``.
    """
    if timer is None:
        timer = CLOCKS[workload.clock]
    size = workload.size if size is None else size
    wanted = None if implementations is None else set(implementations)
    chosen = [i for i in workload.implementations if wanted is None or i.name in wanted]
    opsPerRun = workload.opsPerRun(size)
    expected = workload.expected(size)
    seriesList = [Series(i.name, note=i.note) for i in chosen]
    with ExitStack() as stack:
        active: list[tuple[Series, Run, int]] = []
        for implementation, series in zip(chosen, seriesList, strict=True):
            run = _enter(stack, implementation, size)
            if isinstance(run, str):
                series.skipped = run
                continue
            result = run()
            if result != expected:
                raise WrongResult(
                    f"{workload.name} on {implementation.name}: expected {expected!r:.200}, "
                    f"got {result!r:.200}"
                )
            active.append((series, run, _calibrate(run, sampleSeconds, timer)))
        sequence = itertools.count()
        for index in range(repeat):
            order = active if index % 2 == 0 else active[::-1]
            for series, run, loops in order:
                seconds = _timeRuns(run, loops, timer)
                series.samples.append(
                    Sample(index, next(sequence), loops, loops * opsPerRun, seconds)
                )
        for series, run, _ in active:
            series.metrics = _metricsOf(run)
    return WorkloadResult(workload, seriesList)


# --- reporting ------------------------------------------------------------------------------


def formatRate(rate: float) -> str:
    """Three significant figures with an SI suffix: 1234567 -> '1.23M'."""
    value, suffix = rate, ""
    for threshold, name in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rate >= threshold:
            value, suffix = rate / threshold, name
            break
    decimals = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:.{decimals}f}{suffix}"


def describePeers(workloads: Iterable[Workload]) -> tuple[list[str], list[str]]:
    """Return the installed peers (with versions) and the skipped ones, without importing any."""
    installed: dict[str, str] = {}
    skipped: set[str] = set()
    for workload in workloads:
        for implementation in workload.implementations:
            if implementation.name == REFERENCE:
                continue
            missing = implementation.missing()
            if missing:
                skipped.add(f"{implementation.name} (needs {', '.join(missing)})")
                continue
            versions = []
            for module in implementation.requires:
                try:
                    versions.append(metadata.version(module))
                except metadata.PackageNotFoundError:
                    versions.append("version unknown")
            installed[implementation.name] = " ".join(versions) or "stdlib"
    return [f"{name} {version}" for name, version in installed.items()], sorted(skipped)


def header(
    cpuPlacement: str, repeat: int, sampleSeconds: float, peers: list[str], skipped: list[str]
) -> str:
    """The lines printed above the table: interpreter, placement, method, peers."""
    return "\n".join(
        [
            f"treadle benchmarks - Python {platform.python_version()} "
            f"({platform.python_implementation()}, {platform.system()} {platform.machine()})",
            f"CPU: {cpuPlacement}",
            f"method: {repeat} interleaved samples of ~{sampleSeconds:g} s per implementation "
            "(A B, B A, ...); higher ops/s is better",
            'clock: wall time, or this process\'s CPU time where a workload says "cpu time" '
            "(all its work runs in this thread)",
            "treadle/peer = median of per-pair ratios (min-max); >1 means treadle is faster",
            f"peers: {', '.join(peers) or 'none'}; peers that are not installed are skipped "
            f"(skipped now: {', '.join(skipped) or 'none'})",
        ]
    )


COLUMNS = (
    ("workload", 24),
    ("implementation", 15),
    ("unit", 10),
    ("median ops/s", 12),
    ("best", 9),
    ("min-max", 15),
    ("treadle/peer", 22),
)


def formatMetric(value: float) -> str:
    """A metric value: three significant figures, thousands separated; below 0.001 in
    exponent form."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.001 or value == 0 else f"{value:.2e}"


def _row(cells: Iterable[str]) -> str:
    parts = []
    for (title, width), cell in zip(COLUMNS, cells, strict=True):
        isNumber = title in ("median ops/s", "best", "min-max")
        parts.append(cell.rjust(width) if isNumber else cell.ljust(width))
    return "  ".join(parts).rstrip()


def tableHeading() -> str:
    """The column titles and a rule under them."""
    titles = _row(title for title, _ in COLUMNS)
    return f"{titles}\n{'-' * len(titles)}"


def tableRows(result: WorkloadResult) -> str:
    """The table rows of one workload: one per implementation, footnotes for notes."""
    lines = []
    notes = []
    for position, series in enumerate(result.series):
        name = result.workload.name if position == 0 else ""
        label = series.implementation + ("*" if series.note else "")
        if series.note:
            notes.append(f"    * {series.implementation}: {series.note}")
        if series.metrics:
            shown = ", ".join(f"{formatMetric(v)} {k}" for k, v in series.metrics.items())
            notes.append(f"    {series.implementation}: {shown}")
        if series.skipped:
            lines.append(_row([name, label, "", "", "", "", ""]) + f"  skipped ({series.skipped})")
            continue
        rates = series.rates
        ratios = result.pairRatios(series.implementation)
        ratio = (
            f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
            if ratios
            else ""
        )
        lines.append(
            _row(
                [
                    name,
                    label,
                    result.workload.unit,
                    formatRate(statistics.median(rates)),
                    formatRate(max(rates)),
                    f"{formatRate(min(rates))}-{formatRate(max(rates))}",
                    ratio,
                ]
            )
        )
    return "\n".join(lines + notes)


def legend(workloads: Iterable[Workload]) -> str:
    """One line per workload saying what one run does."""
    return "\n".join(
        f"  {w.name}: {w.description} (size {w.size}, {w.clock} time)" for w in workloads
    )


def toJSON(results: Iterable[WorkloadResult], metadataFields: dict[str, Any]) -> dict[str, Any]:
    """Every raw sample of every series, with the run's metadata, as JSON-ready data."""
    document: dict[str, Any] = dict(metadataFields)
    document["workloads"] = [
        {
            "name": result.workload.name,
            "description": result.workload.description,
            "unit": result.workload.unit,
            "size": result.workload.size,
            "clock": result.workload.clock,
            "implementations": [
                {
                    "name": series.implementation,
                    "note": series.note,
                    "skipped": series.skipped,
                    "metrics": series.metrics,
                    "samples": [
                        {
                            "repeat": s.repeat,
                            "sequence": s.sequence,
                            "loops": s.loops,
                            "ops": s.ops,
                            "seconds": s.seconds,
                            "opsPerSecond": s.rate,
                        }
                        for s in series.samples
                    ],
                }
                for series in result.series
            ],
            "pairRatios": {
                series.implementation: result.pairRatios(series.implementation)
                for series in result.measured()
                if series.implementation != REFERENCE
            },
        }
        for result in results
    ]
    return document


def runAll(
    workloads: list[Workload],
    repeat: int,
    sampleSeconds: float,
    cpuPlacement: str,
    out: TextIO = sys.stdout,
    implementations: Iterable[str] | None = None,
) -> list[WorkloadResult]:
    """Measure ``workloads`` in order, printing the header and each workload's rows as it ends."""
    wanted = None if implementations is None else list(implementations)
    peers, skipped = describePeers(workloads)
    print(header(cpuPlacement, repeat, sampleSeconds, peers, skipped), file=out)
    print("workloads:", file=out)
    print(legend(workloads), file=out)
    print(file=out)
    print(tableHeading(), file=out, flush=True)
    results = []
    for workload in workloads:
        result = measureWorkload(workload, repeat, sampleSeconds, implementations=wanted)
        results.append(result)
        print(tableRows(result), file=out, flush=True)
    return results
