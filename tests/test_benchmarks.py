"""Smoke tests for benchmarks/: every workload gives the right answer on treadle, and the runner
interleaves samples and computes per-pair ratios. No timing assertions: time is a fake clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.runner import (
    REFERENCE,
    WorkloadResult,
    WrongResult,
    measureWorkload,
    tableRows,
    toJSON,
)
from benchmarks.workload import Implementation, Run, Workload, allWorkloads, stateless

WORKLOADS = allWorkloads()
REPOSITORY = Path(__file__).parent.parent


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda workload: workload.name)
def test_workloadReturnsExpectedResultOnTreadle(workload: Workload) -> None:
    size = workload.smokeSize
    with workload.implementation(REFERENCE).setup(size) as run:
        assert run() == workload.expected(size)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda workload: workload.name)
def test_workloadListsTreadleFirst(workload: Workload) -> None:
    assert workload.implementations[0].name == REFERENCE


def test_workloadNamesAreUnique() -> None:
    names = [workload.name for workload in WORKLOADS]
    assert len(names) == len(set(names))


def test_loadingWorkloadsImportsNoPeer() -> None:
    code = (
        "import sys, benchmarks; benchmarks.allWorkloads(); "
        "print(sorted(m for m in ('twisted', 'uvloop') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert output.strip() == "[]"


class FakeClock:
    """A timer that only moves when a fake workload says it did work."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fakeWorkload(clock: FakeClock, costs: dict[str, float], result: object = 7) -> Workload:
    """A workload whose implementations each advance ``clock`` by their cost per run."""

    def implementation(name: str, cost: float) -> Implementation:
        def makeRun(size: int) -> Run:
            def run() -> object:
                clock.now += cost
                return result

            return run

        return Implementation(name, stateless(makeRun))

    return Workload(
        name="fake",
        description="advances a fake clock",
        unit="things",
        size=4,
        smokeSize=1,
        opsPerRun=lambda size: size,
        expected=lambda size: 7,
        implementations=tuple(implementation(name, cost) for name, cost in costs.items()),
    )


def test_pairRatioIsTreadleRateOverPeerRate() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001, "peer": 0.002})
    result = measureWorkload(workload, repeat=3, sampleSeconds=0.1, timer=clock)
    assert result.pairRatios("peer") == pytest.approx([2.0, 2.0, 2.0])


def test_sampleRateCountsEveryOperationOfEveryRun() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001})
    result = measureWorkload(workload, repeat=1, sampleSeconds=0.1, timer=clock)
    [sample] = result.series[0].samples
    assert sample.ops == sample.loops * 4
    assert sample.rate == pytest.approx(4 / 0.001)


def test_samplesAlternateImplementationsAndDirection() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001, "peer": 0.002, "other": 0.003})
    result = measureWorkload(workload, repeat=2, sampleSeconds=0.1, timer=clock)
    sequences = {
        series.implementation: [sample.sequence for sample in series.samples]
        for series in result.series
    }
    assert sequences == {"treadle": [0, 5], "peer": [1, 4], "other": [2, 3]}


def test_wrongResultStopsTheRun() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001}, result=8)
    with pytest.raises(WrongResult, match="expected 7, got 8"):
        measureWorkload(workload, repeat=1, sampleSeconds=0.1, timer=clock)


def test_missingPeerIsSkippedWithReason() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001})
    absent = Implementation(
        "absent", workload.implementations[0].setup, requires=("no_such_module_here",)
    )
    workload = replace(workload, implementations=(*workload.implementations, absent))
    result = measureWorkload(workload, repeat=1, sampleSeconds=0.1, timer=clock)
    assert result.series[1].skipped == "not installed: no_such_module_here"
    assert "skipped (not installed: no_such_module_here)" in tableRows(result)


def test_importErrorInSetupSkipsTheImplementation() -> None:
    clock = FakeClock()

    def failingSetup(size: int) -> AbstractContextManager[Run]:
        raise ImportError("half-written package")

    workload = _fakeWorkload(clock, {"treadle": 0.001})
    broken = Implementation("broken", failingSetup)
    workload = replace(workload, implementations=(*workload.implementations, broken))
    result = measureWorkload(workload, repeat=1, sampleSeconds=0.1, timer=clock)
    assert result.series[1].skipped == "unavailable: half-written package"


def test_setupContextIsLeftAfterMeasuring() -> None:
    clock = FakeClock()
    events: list[str] = []

    @contextmanager
    def trackedSetup(size: int) -> Iterator[Run]:
        events.append("enter")
        yield lambda: 7
        events.append("exit")

    workload = _fakeWorkload(clock, {"treadle": 0.001})
    tracked = Implementation("treadle", trackedSetup)
    workload = replace(workload, implementations=(tracked,))
    measureWorkload(workload, repeat=1, sampleSeconds=0.0, timer=clock)
    assert events == ["enter", "exit"]


def test_jsonHoldsEveryRawSample() -> None:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001, "peer": 0.002})
    result = measureWorkload(workload, repeat=3, sampleSeconds=0.1, timer=clock)
    document = json.loads(json.dumps(toJSON([result], {"python": "3.x"})))
    [entry] = document["workloads"]
    assert [len(i["samples"]) for i in entry["implementations"]] == [3, 3]
    assert entry["pairRatios"]["peer"] == pytest.approx([2.0, 2.0, 2.0])
    assert document["python"] == "3.x"


def test_unknownWorkloadNameIsRejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["no_such_workload"])
    assert "unknown workload(s) no_such_workload" in capsys.readouterr().err


def test_listNamesEveryWorkload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    listed = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [workload.name for workload in WORKLOADS]


def test_readmeDescribesEveryWorkload() -> None:
    readme = (REPOSITORY / "benchmarks" / "README.md").read_text()
    missing = [workload.name for workload in WORKLOADS if workload.name not in readme]
    assert missing == []


class _RunWithMetrics:
    """A fake run that advances the clock and reports one metric."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self) -> object:
        self.clock.now += 0.001
        return 7

    def metrics(self) -> dict[str, float]:
        return {"wake-ups/10k calls": 1.5}


def _measureRunWithMetrics() -> WorkloadResult:
    clock = FakeClock()
    workload = _fakeWorkload(clock, {"treadle": 0.001})
    measured = Implementation("treadle", stateless(lambda size: _RunWithMetrics(clock)))
    workload = replace(workload, implementations=(measured,))
    return measureWorkload(workload, repeat=1, sampleSeconds=0.1, timer=clock)


def test_runMetricsAreShownUnderTheWorkloadRows() -> None:
    result = _measureRunWithMetrics()
    assert "    treadle: 1.5 wake-ups/10k calls" in tableRows(result).splitlines()


def test_runMetricsAreKeptInJSON() -> None:
    result = _measureRunWithMetrics()
    [entry] = toJSON([result], {})["workloads"]
    assert entry["implementations"][0]["metrics"] == {"wake-ups/10k calls": 1.5}


def _reactorWorkload(name: str) -> Workload:
    return next(workload for workload in WORKLOADS if workload.name == name)


def test_callFromThreadMetricsCountTreadleWakerWritesAndWakeups() -> None:
    workload = _reactorWorkload("callfromthread_throughput")
    with workload.implementation(REFERENCE).setup(workload.smokeSize) as run:
        metrics = run.metrics()
    writes = metrics["waker writes/10k calls"]
    wakeups = metrics["wake-ups/10k calls"]
    assert 0 < wakeups <= writes <= 10_000


def test_callFromThreadLatencyMetricsArePercentilesOfTheTrips() -> None:
    workload = _reactorWorkload("callfromthread_latency")
    with workload.implementation(REFERENCE).setup(workload.smokeSize) as run:
        run()
        metrics = run.metrics()
    assert 0 < metrics["µs p50"] <= metrics["µs p99"]
