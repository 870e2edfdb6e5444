"""Counting calls of a patched-in function (benchmark-only: wakers' writes and reads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CallCounter:
    """Wraps ``f`` and counts how often it is called."""

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.count = 0

    def __call__(self, *args: Any) -> Any:
        self.count += 1
        return self.f(*args)
