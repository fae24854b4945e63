"""Calls written inline: `client.generate_model(url, on_progress=cb)` in a sentence.

A paragraph's code spans that parse as Python statements with a call are read together,
each on its page line, as one small snippet by the same scanner code blocks go through;
only the code names it uses (imports and calls) are kept: a sentence's inline code
claims that those names exist and take those arguments, nothing more. Nothing is run.
"""

from __future__ import annotations

import ast
import re

from conformance.extract.collect import Collector
from conformance.extract.values import CODE_SPAN
from conformance.model import Extraction, Origin, Spec

# A call somewhere in the span: a name, then an opening parenthesis.
_CALL = re.compile(r"[A-Za-z_]\w*\s*\(")


def read_inline_calls(text: str, line: int, out: Collector) -> None:
    """Add the code names the paragraph ``text`` (starting on ``line``) uses inline."""
    if "(" not in text:
        return
    by_line: dict[int, list[str]] = {}
    at, counted = line, 0
    for match in CODE_SPAN.finditer(text):
        code = match.group(1).strip()
        if not _CALL.search(code) or not _parses(code):
            continue
        at += text.count("\n", counted, match.start())
        counted = match.start()
        by_line.setdefault(at, []).append(code)
    if not by_line:
        return
    snippet = "\n".join(
        "; ".join(by_line.get(number, ())) for number in range(line, max(by_line) + 1)
    )
    if not _parses(snippet):
        return  # two spans on one line that only parse alone: leave them
    from conformance.pysource import scan_source  # the code readers load for a call found

    found = scan_source(snippet, path=out.path, line_offset=line - 1, origin=Origin.DOCS)
    out.absorb(Extraction(Spec(symbols=found.spec.symbols)))


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
