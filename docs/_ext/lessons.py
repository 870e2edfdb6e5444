"""A Sphinx directive that renders a tutorial lesson straight from ``tutorials/NN_slug.py``.

The lessons are programs first: their docstring is the lesson text, their code the example, and
``NN_slug.out`` the output the test suite checks. ``{lesson} 04_dont_block`` turns the three into
a page -- the docstring's first line as the title, the rest as the text, then the program
without its docstring, then what it prints -- so the site can never drift from what the tests
run.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


class LessonDirective(SphinxDirective):
    """``{lesson} NN_slug``: the lesson's text, program and checked output."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        stem = self.arguments[0]
        tutorials = Path(self.env.srcdir).parent / "tutorials"
        program = tutorials / f"{stem}.py"
        output = tutorials / f"{stem}.out"
        if not program.is_file() or not output.is_file():
            raise self.error(f"no lesson {stem!r}: expected {program} and {output}")
        self.env.note_dependency(str(program))
        self.env.note_dependency(str(output))
        source = program.read_text(encoding="utf-8")
        module = ast.parse(source)
        docstring = ast.get_docstring(module)
        if not docstring or not module.body:
            raise self.error(f"lesson {stem!r} has no docstring")
        title, _, text = docstring.partition("\n")
        codeStarts = module.body[1].lineno if len(module.body) > 1 else 1
        number = stem.split("_", 1)[0]
        heading = f"Lesson {int(number)}: {title.strip()}"
        rst = [heading, "=" * len(heading), "", *text.strip().splitlines(), ""]
        rst += [
            f"Run it: ``python tutorials/{stem}.py`` (or ``treadle tutorial {int(number)}``).",
            "",
            "The program",
            "-----------",
            "",
            f".. literalinclude:: {program}",
            "   :language: python",
            f"   :lines: {codeStarts}-",
            "",
            "What it prints",
            "--------------",
            "",
            "A ``≈`` marks a timing or count that varies a little from run to run.",
            "",
            f".. literalinclude:: {output}",
            "   :language: text",
            "",
        ]
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(rst, source=str(program)), container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("lesson", LessonDirective)
    return {"parallel_read_safe": True}
