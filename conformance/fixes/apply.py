"""Doc edits → new file text, and the unified diff ``git apply`` accepts."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from conformance.fixes.plan import DocEdit


@dataclass(frozen=True)
class Applied:
    text: str
    done: tuple[DocEdit, ...]
    skipped: tuple[DocEdit, ...]
    """Edits whose text is no longer on their line (the file changed since the check)."""


def apply_edits(text: str, edits: Sequence[DocEdit]) -> Applied:
    """``text`` with ``edits`` (all for this file) made, line endings kept."""
    lines = text.splitlines(keepends=True)
    done: list[DocEdit] = []
    skipped: list[DocEdit] = []
    for edit in edits:
        index = edit.line - 1
        if not 0 <= index < len(lines):
            skipped.append(edit)
            continue
        changed = _replace(lines[index], edit)
        if changed is None:
            skipped.append(edit)
        else:
            lines[index] = changed
            done.append(edit)
    return Applied("".join(lines), tuple(done), tuple(skipped))


def _replace(line: str, edit: DocEdit) -> str | None:
    pattern = re.compile(rf"(?<![\w.]){re.escape(edit.old)}(?![\w])")
    if edit.cell is None:
        if len(pattern.findall(line)) != 1:
            return None
        return pattern.sub(lambda _: edit.new, line, count=1)
    # Only inside the cell: `| a | 3 | 3 |` must change the right 3.
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if len(bounds) < edit.cell + 2:
        return None
    start, end = bounds[edit.cell] + 1, bounds[edit.cell + 1]
    cell = line[start:end]
    if len(pattern.findall(cell)) != 1:
        return None
    return line[:start] + pattern.sub(lambda _: edit.new, cell, count=1) + line[end:]


def unified_diff(path: str, old: str, new: str) -> str:
    """A ``git apply``-able diff of one file (``a/`` and ``b/`` prefixes; a last line
    without a newline is marked as git marks it)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}"):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
