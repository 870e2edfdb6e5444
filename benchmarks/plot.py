"""The benchmark results as a chart: treadle's speed relative to each peer, one row per workload.

This module owns turning a results document (what ``python -m benchmarks --json`` writes) into a
self-contained SVG -- no plotting library, so the chart can be rebuilt anywhere the benchmarks
run. Each bar is the median of the paired ratios treadle / peer for one workload (above 1: treadle
is faster), on a logarithmic axis so that 2x faster and 2x slower are the same length.
"""

from __future__ import annotations

import math
import statistics
from html import escape
from typing import Any

__all__ = ["ratioChart"]

#: Peer colours, colour-blind safe (Okabe-Ito); peers not listed get grey.
_COLOURS = {
    "twisted": "#0072B2",
    "asyncio": "#E69F00",
    "uvloop": "#009E73",
    "twisted-asyncio": "#56B4E9",
}
_LOW, _HIGH = 0.25, 8.0  # the axis range; ratios outside it are clipped and labelled
_LEFT, _RIGHT, _BAR, _GAP, _TOP = 230, 120, 12, 3, 50
_WIDTH = 900


def _x(ratio: float) -> float:
    span = math.log(_HIGH) - math.log(_LOW)
    plot = _WIDTH - _LEFT - _RIGHT
    clipped = min(max(ratio, _LOW), _HIGH)
    return _LEFT + plot * (math.log(clipped) - math.log(_LOW)) / span


def _rows(document: dict[str, Any]) -> list[tuple[str, list[tuple[str, float]]]]:
    rows = []
    for workload in document.get("workloads", []):
        bars = [
            (peer, statistics.median(ratios))
            for peer, ratios in workload.get("pairRatios", {}).items()
            if ratios
        ]
        if bars:
            rows.append((workload["name"], bars))
    return rows


def ratioChart(document: dict[str, Any], title: str = "treadle speed relative to peers") -> str:
    """Return an SVG bar chart of the median treadle/peer ratio of every workload and peer."""
    rows = _rows(document)
    height = _TOP + sum(len(bars) * (_BAR + _GAP) + 10 for _, bars in rows) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{_LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="{_LEFT}" y="36" fill="#555">median of paired ratios treadle / peer; '
        "right of the 1x line: treadle is faster (log scale)</text>",
    ]
    for tick in (0.25, 0.5, 1, 2, 4, 8):
        x = _x(tick)
        stroke = "#000" if tick == 1 else "#ddd"
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 6}" x2="{x:.1f}" y2="{height - 30}" '
            f'stroke="{stroke}"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{height - 16}" text-anchor="middle">{tick:g}x</text>')
    y = _TOP
    for name, bars in rows:
        out.append(f'<text x="{_LEFT - 8}" y="{y + _BAR}" text-anchor="end">{escape(name)}</text>')
        for peer, ratio in bars:
            start, end = _x(1), _x(ratio)
            left, width = min(start, end), abs(end - start)
            colour = _COLOURS.get(peer, "#999")
            out.append(
                f'<rect x="{left:.1f}" y="{y}" width="{max(width, 1):.1f}" '
                f'height="{_BAR}" fill="{colour}"><title>{escape(name)} vs '
                f"{escape(peer)}: {ratio:.2f}x</title></rect>"
            )
            out.append(
                f'<text x="{max(start, end) + 4:.1f}" y="{y + _BAR - 2}" fill="#333">'
                f"{ratio:.2f}x {escape(peer)}</text>"
            )
            y += _BAR + _GAP
        y += 10
    out.append("</svg>")
    return "\n".join(out) + "\n"
