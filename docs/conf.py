"""Sphinx configuration for treadle's documentation site (furo theme, MyST markdown pages).

Build (from the repository root, after ``pip install -e '.[docs]'``)::

    sphinx-build -W -b html docs docs/_build/html

``-W`` turns every warning into an error: a broken reference, a docstring that is not valid
reStructuredText or a page missing from the table of contents fails the build (and the test
``tests/test_docs_site.py``, which builds the site the same way).
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

# Local extensions (docs/_ext): the zope.interface documenter, the tutorial lesson directive.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "treadle"
author = "the treadle developers"
copyright = "2026, the treadle developers"
release = importlib.metadata.version("treadle")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "zopeinterfaces",
    "lessons",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "examples", "Thumbs.db", ".DS_Store"]

# MyST: "## Heading" anchors for links like [x](reactor.md#time), fenced directives, ``{eval-rst}``.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# Sphinx 9 rewrote autodoc; custom documenters (ours: zope interfaces) need the class-based one.
# Earlier Sphinx versions have only that one and ignore the setting.
autodoc_use_legacy_class_based = True

# The API reference: members in source order, each module's ``__all__`` decides what is public.
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
# Our names are Twisted's (camelCase); keep signatures readable.
python_use_unqualified_type_names = True
# A class's docstring and its __init__'s both matter to users.
autoclass_content = "both"

html_theme = "furo"
html_title = "treadle"
html_static_path: list[str] = []

# Type hints written under ``if TYPE_CHECKING`` reach Sphinx as bare names; ``Connector`` is
# both the interface (reactor.interfaces) and the class (reactor.tcp), so such a hint has two
# targets. Sphinx then links neither and warns; the text still reads right, so only that
# ambiguity is silenced -- real problems (bad reST, missing pages) still fail ``-W``.
suppress_warnings = ["ref.python"]
