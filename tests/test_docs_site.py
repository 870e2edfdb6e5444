"""The documentation site builds with warnings as errors, and documents every public name.

The build is the one README.md documents (``sphinx-build -W -b html docs ...``); the check
reads the built site's object inventory, so a public name without a docstring (autodoc skips
those) or a public module without an API page fails here.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("deferred", "reactor", "threads")
# Modules that exist only on some platforms; their names are documented where they import.
PLATFORM_MODULES = {"reactor.backends.kqueue"}
# The ``treadle`` command is a program, not an API: docs/cli.md documents it.
PROGRAMS = ("reactor.cli",)

# Building the whole site takes ~20 s on an idle 2-core machine; allow for a loaded one.
pytestmark = pytest.mark.timeout(400)

if os.environ.get("CI"):
    import sphinx  # noqa: F401 - under CI the site must build: a missing Sphinx is a failure
else:
    pytest.importorskip("sphinx", reason="the docs extra is not installed")


def publicModules() -> list[ModuleType]:
    """Every importable module of the three packages whose dotted name has no ``_`` part."""
    modules = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            if info.name in PLATFORM_MODULES or info.name.startswith(PROGRAMS):
                continue
            modules.append(importlib.import_module(info.name))
    return modules


@pytest.fixture(scope="module")
def builtSite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", "docs", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, f"the docs build failed:\n{build.stderr}"
    return out


def documentedNames(site: Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with (site / "objects.inv").open("rb") as inventory:
        loaded = InventoryFile.load(inventory, "", lambda base, uri: uri)
    return {name for kind, entries in loaded.items() if kind.startswith("py:") for name in entries}


def test_theSiteBuildsWithWarningsAsErrors(builtSite: Path) -> None:
    assert (builtSite / "index.html").is_file()
    assert (builtSite / "api" / "index.html").is_file()


def test_everyPublicNameIsInTheApiReference(builtSite: Path) -> None:
    documented = documentedNames(builtSite)
    missing = [
        f"{module.__name__}.{name}"
        for module in publicModules()
        for name in getattr(module, "__all__", ())
        if f"{module.__name__}.{name}" not in documented
    ]
    assert not missing, "public names missing from the API reference (docs/api/):\n" + "\n".join(
        missing
    )


def test_everyPublicModuleHasAnApiPage() -> None:
    pages = {page.stem for page in (ROOT / "docs" / "api").glob("*.md")}
    missing = [m.__name__ for m in publicModules() if m.__name__ not in pages]
    assert not missing, f"public modules without a page in docs/api/: {missing}"
