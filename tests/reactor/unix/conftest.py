"""Fixtures for the Unix socket tests: a short private directory for socket files.

Socket paths are limited to 107 bytes, and pytest's ``tmp_path`` (which carries the test's
name and backend) can pass that; ``sockDir`` is a fresh directory with a short name under the
system's temporary directory, removed with everything in it after the test.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def sockDir() -> Iterator[Path]:
    """A fresh, short-named directory for socket files; removed after the test."""
    directory = Path(tempfile.mkdtemp(prefix="tu"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
