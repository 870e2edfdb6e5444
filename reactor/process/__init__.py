"""Child processes (work in progress: the implementation lands with issue 7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["spawnProcess"]


def spawnProcess(
    reactor: Any,
    processProtocol: Any,
    executable: str | bytes,
    args: Sequence[str | bytes],
    env: Mapping[str, str] | None,
    path: str | None,
    uid: int | None,
    gid: int | None,
    usePTY: bool,
    childFDs: Mapping[int, int | str] | None,
) -> Any:
    """Start a child process."""
    raise NotImplementedError("spawnProcess is being built (issue 7)")
