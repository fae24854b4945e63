"""Escaping for values from docs and code inserted into a Markdown report.

Doc text is hostile until proven otherwise: a task name with a backtick, a pipe, an HTML
tag or a newline must not change the report's structure. Prose is escaped character by
character; code spans get a backtick fence longer than any run inside them (the only
escape Markdown code spans know) and never contain a line break.
"""

from __future__ import annotations

import re

_PROSE_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "|": "\\|",
    "~": "\\~",
    "#": "\\#",
    "!": "\\!",
}
_PROSE_SPECIAL = re.compile("[" + re.escape("".join(_PROSE_ESCAPES)) + "]")
_LINE_BREAKS = re.compile(r"\s*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BACKTICK_RUN = re.compile(r"`+")


def _flatten(text: str) -> str:
    """One line, no control characters: a line break inside a value would let the rest of
    it start a Markdown block (a heading, an HTML block) of its own."""
    return _OTHER_CONTROLS.sub("\ufffd", _LINE_BREAKS.sub(" ", text))


def escape_markdown(value: object) -> str:
    """``value`` as Markdown prose that renders as exactly its text."""
    return _PROSE_SPECIAL.sub(lambda m: _PROSE_ESCAPES[m.group()], _flatten(str(value)))


def code_span(value: object) -> str:
    """``value`` as an inline code span that renders as exactly its text."""
    text = _flatten(str(value))
    if not text.strip():
        return escape_markdown(text) or "\\`\\`"
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # A space pad keeps a leading or trailing backtick from merging into the fence;
    # CommonMark strips exactly one such space on each side.
    if text.startswith("`") or text.endswith("`") or (text[0] == " " and text[-1] == " "):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def markdown_message(value: object) -> str:
    """A rule's message (prose with ``code`` parts) with every part escaped.

    Backtick-delimited parts become code spans, the rest prose. When the backticks do not
    pair up cleanly (the value itself held some), the whole message is escaped as prose:
    less pretty, never broken.
    """
    text = _flatten(str(value))
    parts = text.split("`")
    inner_prose = parts[2:-1:2]
    codes = parts[1::2]
    if len(parts) % 2 == 0 or any(not p for p in inner_prose) or any(not c.strip() for c in codes):
        return escape_markdown(text)
    return "".join(
        code_span(part) if i % 2 else escape_markdown(part) for i, part in enumerate(parts)
    )
