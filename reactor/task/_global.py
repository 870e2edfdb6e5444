"""The process-wide default reactor, looked up only when a task helper first needs a clock.

This module owns one function so that ``reactor.task`` never imports (and so never creates) the
global reactor at import time: ``LoopingCall`` and ``Cooperator`` use the default only when the
caller gave them no clock.
"""

from __future__ import annotations

from typing import Any

__all__ = ["defaultReactor"]


def defaultReactor() -> Any:
    """Return ``reactor.reactor``, the process-wide default reactor (created on first use)."""
    import reactor

    return reactor.reactor
