"""The README's quick example runs and prints what the README says it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quickExample() -> str:
    text = README.read_text()
    section = text.split("## A quick example", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "README.md has no python block under 'A quick example'"
    return match.group(1)


def test_quickExamplePrintsItsPromisedOutput() -> None:
    code = quickExample()
    promised = re.findall(r'# prints "([^"]+)"', code)
    assert promised, "the quick example should say what it prints"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == promised
