"""Generated sections in a page: ``<!-- conformance:begin KIND -->`` … ``<!-- conformance:end -->``.

Between the markers ``conformance fix --write`` writes what the implementation has (its
tasks, queues, beat entries, metrics or workers); ``check`` compares what the page holds
there with what it would write (``docs.generated-stale``), as cog does for any code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

KINDS = ("tasks", "queues", "schedules", "metrics", "workers")

_BEGIN = re.compile(r"^[ \t]*<!--\s*conformance:begin\s+(?P<kind>[\w-]+)\s*-->[ \t]*$")
_END = re.compile(r"^[ \t]*<!--\s*conformance:end\s*-->[ \t]*$")


@dataclass(frozen=True)
class Marked:
    """One marked section: its kind, the 1-based line of its begin marker, the lines its
    content spans (``first`` to ``last``, inclusive; empty when ``last < first``) and the
    content itself. ``problem`` says why it cannot be used (an unknown kind, no end)."""

    kind: str
    begin: int
    first: int
    last: int
    content: str
    problem: str | None = None


def marked_sections(text: str) -> Iterator[Marked]:
    """Every begin … end pair of ``text``, in order."""
    lines = text.splitlines(keepends=True)
    open_at: tuple[str, int] | None = None
    for number, line in enumerate(lines, start=1):
        body = line.rstrip("\r\n")
        begin = _BEGIN.match(body)
        if begin is not None:
            if open_at is not None:
                yield _unclosed(*open_at)
            open_at = (begin.group("kind"), number)
            continue
        if _END.match(body) and open_at is not None:
            kind, start = open_at
            content = "".join(lines[start : number - 1])
            problem = None if kind in KINDS else f"unknown kind `{kind}` (use {', '.join(KINDS)})"
            yield Marked(kind, start, start + 1, number - 1, content, problem)
            open_at = None
    if open_at is not None:
        yield _unclosed(*open_at)


def _unclosed(kind: str, line: int) -> Marked:
    return Marked(kind, line, line + 1, line, "", "no `<!-- conformance:end -->` follows")
