"""A Sphinx autodoc documenter for zope.interface interfaces (``IReactorTCP``...).

autodoc knows classes, functions and data; a zope ``InterfaceClass`` is none of them, so
without this the ``I``-prefixed twins in :mod:`reactor.interfaces` would silently vanish from
the API reference. Each twin is documented as a class whose text is its docstring, its bases and
the names it declares (the signatures live on its ``typing.Protocol`` twin, documented beside it).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.ext.autodoc import ModuleLevelDocumenter
from zope.interface.interface import InterfaceClass  # type: ignore[import-untyped]


class InterfaceDocumenter(ModuleLevelDocumenter):
    """Document a zope ``InterfaceClass`` as a ``py:class``."""

    objtype = "zopeinterface"
    directivetype = "class"
    priority = 20

    @classmethod
    def can_document_member(cls, member: Any, membername: str, isattr: bool, parent: Any) -> bool:
        return isinstance(member, InterfaceClass)

    def format_args(self, **kwargs: Any) -> str:
        return ""

    def get_object_members(self, want_all: bool) -> tuple[bool, list[Any]]:
        # The declared names are listed in the content; they have no documenters of their own.
        return False, []

    def add_content(self, more_content: Any) -> None:
        super().add_content(more_content)
        source = self.get_sourcename()
        interface = self.object
        bases = [b.__name__ for b in interface.__bases__ if b.__name__ != "Interface"]
        self.add_line("", source)
        if bases:
            self.add_line(f"Extends: {', '.join(f'``{b}``' for b in bases)}.", source)
            self.add_line("", source)
        declared = sorted(interface.names())
        if declared:
            listed = ", ".join(f"``{name}``" for name in declared)
            self.add_line(f"Declares: {listed}.", source)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_autodocumenter(InterfaceDocumenter)
    return {"parallel_read_safe": True}
