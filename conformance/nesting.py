"""Where a bracketed text (TOML, JSON) nests too deeply for a recursive parser.

``tomllib`` and ``json`` parse nested arrays and tables by recursion, so ``[[[[…`` a few
thousand levels deep ends in ``RecursionError`` with no position. The readers catch it and
call :func:`too_deep_line` to say where: the line on which the nesting passed
:data:`REPORTED_DEPTH`. The scan runs only on that error path, so it costs nothing when
files are fine.
"""

from __future__ import annotations

REPORTED_DEPTH = 100
"""Nesting past this is named in the message; real configuration files stay below 10."""


def too_deep_line(text: str, *, comments: bool = False) -> int | None:
    """The 1-based line where brackets first nest past :data:`REPORTED_DEPTH` levels.

    Quoted strings (``"…"`` with backslash escapes, and ``'…'`` literals when ``comments``
    says the text is TOML) are skipped, as are ``#`` comments in TOML. None when the text
    never nests that deep (then the recursion came from somewhere else).
    """
    depth = 0
    line = 1
    quote = ""
    escaped = False
    in_comment = False
    for char in text:
        if char == "\n":
            line += 1
            in_comment = False
            continue
        if in_comment:
            continue
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char == '"' or (char == "'" and comments):
            quote = char
        elif char == "#" and comments:
            in_comment = True
        elif char in "[{":
            depth += 1
            if depth > REPORTED_DEPTH:
                return line
        elif char in "]}":
            depth = max(depth - 1, 0)
    return None
