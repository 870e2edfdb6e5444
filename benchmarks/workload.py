"""What a benchmark workload is, and the list of every registered one.

This module owns the two value types the runner consumes (`Workload`, `Implementation`), the
helper `stateless` for implementations that need no teardown, and `allWorkloads`, which imports
the workload families named in `FAMILIES`. It does not measure anything (see `runner`) and it
never imports a peer (Twisted, uvloop): peers are imported inside their `setup`, so the package
works when they are not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Literal

#: A zero-argument callable doing one unit of work (``opsPerRun(size)`` operations) and
#: returning a result the runner compares with ``Workload.expected(size)``.
Run = Callable[[], object]

#: ``setup(size)`` prepares one implementation and yields its `Run`; leaving the context tears
#: down whatever it started (event loops, child processes, thread pools).
Setup = Callable[[int], AbstractContextManager[Run]]

#: Modules holding workload families, imported by `allWorkloads` in this order. Each one defines
#: ``WORKLOADS: list[Workload]``. Add a family by appending its module name here.
FAMILIES: tuple[str, ...] = (
    "benchmarks.deferreds",
    "benchmarks.threads",
    "benchmarks.db",
    "benchmarks.reactor",
    "benchmarks.tcp",
    "benchmarks.tls",
    "benchmarks.unix",
    "benchmarks.udp",
    "benchmarks.chat",
    "benchmarks.process",
    "benchmarks.gui",
)


@dataclass(frozen=True)
class Implementation:
    """One way of doing a workload: treadle itself or a peer.

    ``requires`` names the top-level modules that must be installed; when one is missing the
    runner skips this implementation and says so. ``setup`` may also raise `ImportError` (for
    example when the installed package lacks a name), which skips it the same way. ``note`` is
    printed under the table when the work is not identical to treadle's.
    """

    name: str
    setup: Setup
    requires: tuple[str, ...] = ()
    note: str = ""

    def missing(self) -> list[str]:
        """Return the required modules that are not installed, without importing them."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


@dataclass(frozen=True)
class Workload:
    """A named piece of work, measured on every available implementation.

    One call of a `Run` performs ``opsPerRun(size)`` operations counted in ``unit`` (the table
    shows operations per second). ``size`` is the size the runner uses; ``smokeSize`` is the
    tiny size the test suite uses to check that each implementation returns ``expected(size)``.
    The first implementation is treadle; ratios are treadle's rate over each peer's.

    ``clock`` says how a sample is timed. ``"cpu"`` (this process's CPU time) suits work done
    entirely in this process's one thread, such as Deferred chains: time the process spends
    descheduled because something else shares its CPU is not charged to it. ``"wall"`` (the
    default) is required as soon as the work waits on I/O, other threads or other processes,
    whose cost CPU time would hide.
    """

    name: str
    description: str
    unit: str
    size: int
    smokeSize: int
    opsPerRun: Callable[[int], int]
    expected: Callable[[int], object]
    implementations: tuple[Implementation, ...]
    clock: Literal["wall", "cpu"] = "wall"

    def implementation(self, name: str) -> Implementation:
        """Return the implementation called ``name``; `KeyError` when there is none."""
        for implementation in self.implementations:
            if implementation.name == name:
                return implementation
        raise KeyError(f"workload {self.name!r} has no implementation {name!r}")


def stateless(makeRun: Callable[[int], Run]) -> Setup:
    """Adapt ``makeRun(size) -> Run`` into a `Setup`, for implementations with no teardown."""

    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        yield makeRun(size)

    return setup


def allWorkloads() -> list[Workload]:
    """Import every family in `FAMILIES` and return their workloads in registration order."""
    workloads: list[Workload] = []
    for family in FAMILIES:
        workloads.extend(importlib.import_module(family).WORKLOADS)
    names = [workload.name for workload in workloads]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"workload names registered twice: {', '.join(duplicates)}")
    return workloads
