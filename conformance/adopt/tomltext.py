"""The parts of a ``pyproject.toml`` text that ``conformance init`` needs to know.

``tomllib`` gives the data; where a table's lines are is not data, so
:func:`table_headers` reads the text itself: strings, comments and multi-line values
(whose lines may start with ``[``) are stepped over. Whatever it gets wrong the writer's
read-back check catches (:func:`conformance.adopt.write.write_table`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.errors import ConformanceError


def parse_existing(text: str, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # `lineno` exists from Python 3.14; before, the line is only in the message.
        line = getattr(exc, "lineno", None)
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        if line is None and found is not None:
            line = int(found.group(1))
        raise ConformanceError(f"not valid TOML: {exc}", shown, line) from None


def has_table(data: Mapping[str, Any]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, Mapping) and "conformance" in tool


@dataclass(frozen=True)
class Header:
    """A ``[table]`` or ``[[array]]`` header: its 0-based line and dotted key parts."""

    line: int
    keys: tuple[str, ...]


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def existing_table_line(text: str) -> int | None:
    """The 1-based line where ``[tool.conformance]`` (or one of its sub-tables) starts;
    for a table written as dotted keys or inline, the first line naming it."""
    for header in table_headers(text):
        if header.keys[:2] == ("tool", "conformance"):
            return header.line + 1
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"""\s*(tool\s*\.\s*)?["']?conformance["']?\s*[.=]""", line):
            return number
    return None


def table_headers(text: str) -> list[Header]:
    """Every ``[table]`` and ``[[array]]`` header of a TOML text, strings, comments and
    multi-line values (where a line may start with ``[``) stepped over."""
    headers: list[Header] = []
    i, n, depth, line = 0, len(text), 0, 0
    line_start = 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
            i += 1
        elif text.startswith(('"""', "'''"), i):
            close = text.find(text[i : i + 3], i + 3)
            # A closing run may be longer than three quotes (`""""`): take them all.
            end = n if close < 0 else close + 3
            while end < n and text[end] == text[i]:
                end += 1
            line += text.count("\n", i, end)
            line_start = text.rfind("\n", 0, end) + 1 if "\n" in text[i:end] else line_start
            i = end
        elif ch in "\"'":
            i = _string_end(text, i)
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch == "[" and depth == 0 and not text[line_start:i].strip():
            end, keys = _header(text, i)
            headers.append(Header(line, keys))
            i = end
        elif ch in "[{":
            depth += 1
            i += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
            i += 1
        else:
            i += 1
    return headers


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text) and text[i] not in (quote, "\n"):
        i += 2 if quote == '"' and text[i] == "\\" else 1
    # Past the closing quote; an unclosed string stops before its line's end.
    return i + 1 if i < len(text) and text[i] == quote else i


def _header(text: str, start: int) -> tuple[int, tuple[str, ...]]:
    """The end of a header (after its closing bracket) and its dotted key parts."""
    i = start + (2 if text.startswith("[[", start) else 1)
    keys: list[str] = []
    while i < len(text) and text[i] not in "]\n":
        ch = text[i]
        if ch in "\"'":
            end = _string_end(text, i)
            keys.append(text[i + 1 : end - 1])
            i = end
        elif (bare := _BARE.match(text, i)) is not None:
            keys.append(bare.group())
            i = bare.end()
        else:
            i += 1
    while i < len(text) and text[i] == "]":
        i += 1
    return i, tuple(keys)


def split_lines(text: str) -> list[str]:
    # Split on "\n" only, as the header scanner counts lines (`splitlines` would also
    # split on form feeds and U+2028 inside strings).
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
