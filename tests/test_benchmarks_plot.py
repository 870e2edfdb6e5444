"""``python -m benchmarks --plot``: the results chart is well-formed SVG with one bar per ratio."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from benchmarks.plot import ratioChart

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"

DOCUMENT = {
    "workloads": [
        {"name": "fast", "pairRatios": {"twisted": [2.0, 2.2, 1.8], "asyncio": [1.2]}},
        {"name": "slow", "pairRatios": {"twisted": [0.5]}},
        {"name": "unmeasured", "pairRatios": {}},
    ]
}


def test_everyMeasuredPairGetsOneBarWithItsMedianRatio() -> None:
    svg = ET.fromstring(ratioChart(DOCUMENT))
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert titles == ["fast vs twisted: 2.00x", "fast vs asyncio: 1.20x", "slow vs twisted: 0.50x"]


def test_aSlowerWorkloadsBarGoesLeftOfTheOneXLine() -> None:
    svg = ET.fromstring(ratioChart(DOCUMENT))
    bars = {r.find(f"{SVG}title").text: r for r in svg.iter(f"{SVG}rect") if len(r)}  # type: ignore[union-attr]
    fast = bars["fast vs twisted: 2.00x"]
    slow = bars["slow vs twisted: 0.50x"]
    oneX = float(slow.get("x", "0")) + float(slow.get("width", "0"))
    assert float(fast.get("x", "0")) == oneX


def test_theCommandDrawsASavedDocument(tmp_path: Path) -> None:
    source = tmp_path / "results.json"
    source.write_text(json.dumps(DOCUMENT))
    chart = tmp_path / "chart.svg"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--plot", str(chart), "--from", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert ET.parse(chart).getroot().tag == f"{SVG}svg"


def test_fromWithoutPlotIsAUsageError(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--from", str(tmp_path / "x.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--from needs --plot" in done.stderr
