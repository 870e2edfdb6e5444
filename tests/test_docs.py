"""Every ``python`` code block of ``docs/**/*.md`` runs as written.

Each fenced block whose info string is ``python`` is a complete program: it is written to a file
in a temporary directory and run there as a script in a fresh interpreter (repository root on
``sys.path``, 30 s limit) and must exit with status 0 and write
nothing to stderr. A line ending in a comment ``# prints "text"`` states output: the block's
stdout lines must then be exactly those texts, in the order the comments appear. Snippets that
are not meant to run use another info string (``text``, ``sh``, ``toml``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_PRINTS = re.compile(r'#\s*prints\s+"(.*)"\s*$')


def _blocks() -> list[tuple[str, str]]:
    """Return ``(id, source)`` for every python block of the docs, ids like ``page.md:LINE``."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        if "_build" in page.parts:
            continue
        name = page.relative_to(DOCS).as_posix()
        text = page.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            found.append((f"{name}:{line}", match.group(1)))
    return found


BLOCKS = _blocks()


def _expected(source: str) -> list[str]:
    """The stdout lines a block states with ``# prints "..."`` comments, in order."""
    lines = []
    for line in source.splitlines():
        match = _PRINTS.search(line)
        if match:
            lines.append(match.group(1))
    return lines


def test_docs_have_python_blocks() -> None:
    """The extraction finds the examples (a broken pattern would silently test nothing)."""
    pages = {blockId.split(":")[0] for blockId, _ in BLOCKS}
    assert {"deferreds.md", "reactor.md", "threads.md", "networking.md"} <= pages


@pytest.mark.parametrize("source", [s for _, s in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_docs_block_runs(source: str, tmp_path: Path) -> None:
    """The block exits 0 with an empty stderr and prints exactly what its comments state."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("TREADLE_REACTOR", None)
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    expected = _expected(source)
    if expected:
        assert done.stdout.splitlines() == expected
