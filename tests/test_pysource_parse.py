"""Parsing project source with the running interpreter's ``ast``."""

from __future__ import annotations

import ast

import pytest

from conformance.model import Notice
from conformance.pysource.scan import parse_or_notice

PEP_758 = """\
import logging


def task():
    try:
        return 1
    except ValueError, KeyError:
        logging.exception("x")
    except (OSError, EOFError):
        pass
"""


def test_python_314_except_without_brackets_is_read_on_older_interpreters() -> None:
    # kitsune and readthedocs use PEP 758 syntax; on Python < 3.14 `ast` refuses it, and
    # every task in such a module would go missing in static mode.
    tree = parse_or_notice(PEP_758, path="app/tasks.py")
    assert isinstance(tree, ast.Module)
    handlers = tree.body[1].body[0].handlers  # type: ignore[attr-defined]
    assert [ast.unparse(h.type) for h in handlers] == [
        "(ValueError, KeyError)",
        "(OSError, EOFError)",
    ]
    assert [h.lineno for h in handlers] == [7, 9]  # lines unchanged


@pytest.mark.parametrize(
    "text",
    [
        # with `as`, brackets are required in every version
        "try:\n    pass\nexcept ValueError, KeyError as e:\n    pass\n",
        # another error than the brackets is reported as it is
        "def f(:\n    pass\n",
    ],
)
def test_other_syntax_errors_stay_notices(text: str) -> None:
    result = parse_or_notice(text, path="app/x.py", line_offset=10)
    assert isinstance(result, Notice) and result.kind == "syntax-error"
    assert result.path == "app/x.py" and result.line is not None and result.line > 10
