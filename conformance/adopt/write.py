"""Writing ``[tool.conformance]`` into ``pyproject.toml`` and leaving every other byte.

The new table is rendered by ``tomlkit`` (quoting and escaping as TOML wants them) and
spliced in as text: appended after the last byte of the file, or, with ``--force``, put
where the old table's header was, the old table's lines taken out. Edits through a
``tomlkit`` document would re-flow neighbouring tables that are out of order (``[tool.a]``,
``[project]``, ``[tool.b]``); text splicing cannot touch what it does not cut. The result
is read back with ``tomllib`` and must hold the same data as before apart from the new
table, else nothing is written: an old table written as dotted keys or an inline table is
not cut by the splice, and the check refuses it rather than write two tables.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from conformance.adopt.tomltext import (
    existing_table_line,
    has_table,
    parse_existing,
    split_lines,
    table_headers,
)
from conformance.errors import ConformanceError
from conformance.fileio import write_atomic

Value = str | tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One key of the table, and why it has this value (printed, never written)."""

    key: str
    value: Value
    why: str

    def line(self) -> str:
        return f"{self.key} = {render_value(self.value)}  ({self.why})"


def render_value(value: Value) -> str:
    """The value as TOML writes it inline (``"a"``, ``["a", "b"]``)."""
    item = tomlkit.item(list(value) if isinstance(value, tuple) else value)
    return item.as_string()


def render_table(entries: Sequence[Entry], newline: str = "\n") -> str:
    table = tomlkit.table()
    for entry in entries:
        value = entry.value
        if isinstance(value, tuple):
            array = tomlkit.array()
            array.extend(value)
            # One entry a line once the inline form would run past a screen's width.
            array.multiline(len(f"{entry.key} = {render_value(value)}") > 88)
            table.add(entry.key, array)
        else:
            table.add(entry.key, value)
    tool = tomlkit.table(is_super_table=True)
    tool.add("conformance", table)
    document = tomlkit.document()
    document.add("tool", tool)
    return tomlkit.dumps(document).replace("\n", newline)


def table_data(entries: Sequence[Entry]) -> dict[str, Any]:
    return {e.key: list(e.value) if isinstance(e.value, tuple) else e.value for e in entries}


# --- the splice ------------------------------------------------------------------------


def updated_text(text: str, table: str) -> str:
    """``text`` with ``table`` in place of its ``[tool.conformance]`` tables (at the
    first one's place), or appended after a blank line when there is none."""
    lines = split_lines(text)
    headers = table_headers(text)
    cuts: list[tuple[int, int]] = []
    for index, header in enumerate(headers):
        if header.keys[:2] != ("tool", "conformance"):
            continue
        end = headers[index + 1].line if index + 1 < len(headers) else len(lines)
        if index + 1 < len(headers):
            # Comments and blank lines just above the next header belong to it.
            while end > header.line + 1 and lines[end - 1].strip()[:1] in ("", "#"):
                end -= 1
        start = header.line
        if cuts:
            # A sub-table taken out elsewhere takes the blank lines that set it apart.
            while start > 0 and not lines[start - 1].strip() and not _cut(start - 1, cuts):
                start -= 1
        cuts.append((start, end))
    if not cuts:
        newline = "\r\n" if "\r\n" in text else "\n"
        if not text:
            return table
        ending = "" if text.endswith("\n") else newline
        blank = "" if text.endswith(("\n\n", "\r\n\r\n")) else newline
        return text + ending + blank + table
    first = cuts[0][0]
    kept = [line for number, line in enumerate(lines) if not _cut(number, cuts)]
    before = sum(1 for number in range(first) if not _cut(number, cuts))
    if before < len(kept) and kept[before].strip():
        table += "\r\n" if "\r\n" in text else "\n"  # a blank line before the next table
    elif before == len(kept) and kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    return "".join(kept[:before]) + table + "".join(kept[before:])


def _cut(number: int, cuts: Sequence[tuple[int, int]]) -> bool:
    return any(start <= number < end for start, end in cuts)


def write_table(path: Path, entries: Sequence[Entry], *, force: bool, shown: str) -> str:
    """Write the table into ``path`` (created when missing); returns the new text.

    Raises :class:`ConformanceError` when a table exists and ``force`` is not given, when
    the file is no valid TOML, or when the splice would change anything else.
    """
    text = _read(path, shown)
    before = parse_existing(text, shown)
    if has_table(before) and not force:
        raise ConformanceError(
            "[tool.conformance] exists; pass --force to replace it",
            shown,
            existing_table_line(text),
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    new_text = updated_text(text, render_table(entries, newline))
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        after = None
    if (
        after is None
        or _without_table(after) != _without_table(before)
        or after["tool"]["conformance"] != table_data(entries)
    ):
        raise ConformanceError(
            "[tool.conformance] is written in a form init cannot replace (dotted keys or "
            "an inline table); remove it and run init again",
            shown,
            existing_table_line(text),
        )
    write_atomic(path, new_text)
    return new_text


def _read(path: Path, shown: str) -> str:
    if not path.exists():
        return ""
    try:
        # Bytes as they are: CRLF line ends stay CRLF.
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read: {exc}", shown) from None


def _without_table(data: Mapping[str, Any]) -> dict[str, Any]:
    copy = dict(data)
    tool = copy.get("tool")
    if isinstance(tool, Mapping):
        rest = {k: v for k, v in tool.items() if k != "conformance"}
        if rest:
            copy["tool"] = rest
        else:
            copy.pop("tool")
    return copy
