"""Run mypy (strict, the project's configuration) once over many small typing cases.

Each case is the body of one function in a generated module; the result maps every case name
to the mypy errors reported inside it. A "good" case should get none, a "bad" one at least one.
Shared by the typing tests of each package (tests/*/test_*typing.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def caseFunction(name: str, body: str) -> str:
    """The case ``body`` wrapped in a function of its own."""
    return f"def case_{name}() -> None:\n{textwrap.indent(body, '    ')}\n"


def mypyErrorsByCase(prelude: str, cases: dict[str, str], module: Path) -> dict[str, list[str]]:
    """Write ``prelude`` and every case into ``module``, run mypy once, sort its errors by case.

    ``module`` should have a name unique to the calling test: mypy may answer from its cache
    under the path it had then.
    """
    parts = [prelude]
    spans: list[tuple[str, int, int]] = []
    line = prelude.count("\n") + 1
    for name, body in cases.items():
        text = "\n" + caseFunction(name, body)
        spans.append((name, line + 1, line + text.count("\n") - 1))
        line += text.count("\n")
        parts.append(text)
    module.write_text("".join(parts))
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            str(module),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )
    assert not checked.stderr, checked.stderr
    errors: dict[str, list[str]] = {name: [] for name in cases}
    for message in checked.stdout.splitlines():
        match = re.match(rf".*\b{re.escape(module.name)}:(\d+): error: (.*)", message)
        if match is None:
            continue
        number = int(match.group(1))
        owners = [name for name, first, last in spans if first <= number <= last]
        assert owners, f"an error outside every case: {message}"
        errors[owners[0]].append(match.group(2))
    return errors
