"""Command line: ``python -m benchmarks [names...] [--json out.json] [--repeat N] [--quick]``.

This module owns argument parsing only; measuring is `benchmarks.runner`, profiling is
`benchmarks.profiling`. See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

from benchmarks.plot import ratioChart
from benchmarks.profiling import profileWorkload
from benchmarks.runner import pinToOneCPU, runAll, toJSON
from benchmarks.workload import Workload, allWorkloads

DEFAULT_REPEAT = 9
DEFAULT_SAMPLE_SECONDS = 0.1
QUICK_REPEAT = 3
QUICK_SAMPLE_SECONDS = 0.02


def parseArguments(argv: list[str], workloads: list[Workload]) -> argparse.Namespace:
    """Parse ``argv`` (without the program name)."""
    names = [workload.name for workload in workloads]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run treadle's workloads side by side with the installed peers.",
        epilog="workloads: " + ", ".join(names),
    )
    parser.add_argument("names", nargs="*", metavar="name", help="workloads to run (default all)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every raw sample here")
    parser.add_argument(
        "--repeat", type=int, help=f"samples per implementation (default {DEFAULT_REPEAT})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_REPEAT} samples of ~{QUICK_SAMPLE_SECONDS} s: a rough look, not figures",
    )
    parser.add_argument(
        "--sample-seconds", type=float, help="target length of one sample (default 0.1)"
    )
    parser.add_argument("--cpu", type=int, help="CPU to pin to (default: the highest allowed)")
    parser.add_argument(
        "--only", action="append", metavar="IMPL", help="run only this implementation (repeatable)"
    )
    parser.add_argument(
        "--profile",
        metavar="IMPL",
        help="instead of comparing, profile IMPL (e.g. treadle) with cProfile on each workload",
    )
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument(
        "--plot", type=Path, metavar="SVG", help="draw the ratios of this run as an SVG chart"
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="JSON",
        help="with --plot: draw a saved --json document instead of running anything",
    )
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in names]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    if arguments.source is not None and arguments.plot is None:
        parser.error("--from needs --plot")
    if arguments.repeat is not None and arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks as asked; return the exit status."""
    workloads = allWorkloads()
    arguments = parseArguments(sys.argv[1:] if argv is None else argv, workloads)
    if arguments.list:
        for workload in workloads:
            impls = ", ".join(i.name for i in workload.implementations)
            print(f"{workload.name}: {workload.description} [{impls}]")
        return 0
    if arguments.source is not None:
        arguments.plot.write_text(ratioChart(json.loads(arguments.source.read_text())))
        print(f"chart written to {arguments.plot}")
        return 0
    selected = [w for w in workloads if not arguments.names or w.name in arguments.names]
    placement = pinToOneCPU(arguments.cpu)
    if arguments.profile:
        print(f"CPU: {placement}")
        for workload in selected:
            print(profileWorkload(workload, arguments.profile))
        return 0
    repeat = arguments.repeat or (QUICK_REPEAT if arguments.quick else DEFAULT_REPEAT)
    sampleSeconds = arguments.sample_seconds or (
        QUICK_SAMPLE_SECONDS if arguments.quick else DEFAULT_SAMPLE_SECONDS
    )
    results = runAll(selected, repeat, sampleSeconds, placement, implementations=arguments.only)
    document = toJSON(
        results,
        {
            "python": platform.python_version(),
            "pythonImplementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu": placement,
            "repeat": repeat,
            "sampleSeconds": sampleSeconds,
        },
    )
    if arguments.plot is not None:
        arguments.plot.write_text(ratioChart(document))
        print(f"chart written to {arguments.plot}")
    if arguments.json is not None:
        arguments.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\nraw samples written to {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
