"""Generated sections written again: the content between ``<!-- conformance:begin KIND -->``
and ``<!-- conformance:end -->`` becomes what the implementation has (see
:mod:`conformance.rules.generated`); everything around the markers stays as it is."""

from __future__ import annotations

from collections.abc import Callable

from conformance.extract.generated import marked_sections


def regenerate(text: str, render: Callable[[str], str | None]) -> tuple[str, int]:
    """``text`` with every known section's content written by ``render(kind)``, and how
    many sections changed."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    done = 0  # lines of ``lines`` already copied
    changed = 0
    for section in marked_sections(text):
        content = render(section.kind) if section.problem is None else None
        if content is None:
            continue
        new_lines = [line + newline for line in content.splitlines()]
        old_lines = lines[section.first - 1 : section.last]
        out.extend(lines[done : section.first - 1])
        out.extend(new_lines)
        done = section.last
        if [line.rstrip() for line in old_lines] != [line.rstrip() for line in new_lines]:
            changed += 1
    out.extend(lines[done:])
    return "".join(out), changed
