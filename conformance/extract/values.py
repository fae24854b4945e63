"""Reading what a doc writes in a table cell or a sentence: names, numbers, durations."""

from __future__ import annotations

import re

from conformance.model import ServiceRole, Value

CODE_SPAN = re.compile(r"`([^`\n]+)`")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A name as docs write it: identifiers, dots, dashes, colons and globs, nothing else.
NAME = re.compile(r"[A-Za-z_*][A-Za-z0-9_.:*-]*\Z")
EMPTY_CELLS = frozenset({"", "-", "--", "—", "–", "n/a", "none"})

_TRUE = frozenset({"yes", "true", "on", "y", "✓", "✔", "x"})
_FALSE = frozenset({"no", "false", "off", "n", "✗", "✘"})
_UNIT_SECONDS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)?\Z")


def code_spans(text: str) -> list[str]:
    """The contents of every backticked span, in order."""
    return [span.strip() for span in CODE_SPAN.findall(text)]


def plain(text: str) -> str:
    """The text without backticks, surrounding space collapsed."""
    return " ".join(text.replace("`", "").split())


def cell_name(cell: str) -> str | None:
    """The name a cell gives: its first backticked code, else the plain text if it is
    a single name. A trailing ``()`` is dropped (``handler()`` names ``handler``)."""
    spans = code_spans(cell)
    candidate = spans[0] if spans else plain(cell)
    candidate = candidate.removesuffix("()")
    return candidate if NAME.match(candidate) else None


def entry_name(cell: str) -> str | None:
    """A beat entry's name from a cell: Celery keys entries by any string ("add every
    10", `repr` of a signature), so a backticked one is taken whole; plain text must
    still be a single name."""
    spans = code_spans(cell)
    if spans and spans[0].strip():
        return spans[0].strip()
    return cell_name(cell)


def split_names(cell: str) -> tuple[str, ...]:
    """Names listed in a cell: backticked spans if any, else comma/space separated words."""
    spans = code_spans(cell)
    words = spans if spans else re.split(r"[,\s]+", plain(cell))
    return tuple(w.removesuffix("()") for w in words if w and NAME.match(w.removesuffix("()")))


def is_empty(cell: str) -> bool:
    return plain(cell).lower() in EMPTY_CELLS


def parse_bool(text: str) -> bool | None:
    word = plain(text).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


def parse_int(text: str) -> int | None:
    word = plain(text).replace(",", "").replace("_", "")
    try:
        return int(word)
    except ValueError:
        return None


def parse_duration(text: str, default_unit: float = 1) -> int | float | None:
    """Seconds in ``3600``, ``3600 s``, ``60 min``, ``1 h``, ``1 hour``; ``None`` if the
    text is not one duration. ``default_unit`` applies to a bare number (a header may say
    ``Time limit (min)``)."""
    match = _DURATION.match(plain(text).lower())
    if match is None:
        return None
    number, unit = match.groups()
    factor = default_unit if unit is None else _UNIT_SECONDS.get(unit)
    if factor is None:
        return None
    seconds = float(number) * factor
    return int(seconds) if seconds.is_integer() else seconds


def unit_factor(header: str) -> float:
    """The seconds per unit a header states in parentheses (``Time limit (min)``), else 1."""
    match = re.search(r"\(([a-z]+)\)", header.lower())
    if match is None:
        return 1
    return _UNIT_SECONDS.get(match.group(1), 1)


def parse_scalar(text: str) -> Value:
    """A setting's value as written: int, float, bool, None, or the string itself."""
    word = plain(text)
    lowered = word.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"none", "null"}:
        return None
    for kind in (int, float):
        try:
            return kind(word)
        except ValueError:
            pass
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def looks_like_entry(name: str) -> bool:
    """Beat entry names are written with dashes (``cleanup-old-files``)."""
    return "-" in name and bool(NAME.match(name)) and not name.startswith("-")


def looks_like_task(name: str, *, tasks_context: bool) -> bool:
    """Dotted identifiers always; a snake_case word only where the section is about tasks."""
    parts = name.split(".")
    if not all(IDENTIFIER.match(p) for p in parts):
        return False
    if len(parts) > 1:
        return True
    return tasks_context and "_" in name.strip("_") and name.lower() == name


def guess_role(name: str, command: str | None, image: str) -> ServiceRole:
    """A deployed process's role from the words of its name, command and image."""
    words = f"{name} {command or ''} {image}".lower()
    roles: tuple[ServiceRole, ...] = ("flower", "beat", "worker")
    return next((role for role in roles if role in words), "other")
