"""A schedule as a doc writes it in a table cell: cron, words, seconds or a literal
``crontab(...)`` / ``timedelta(...)`` call (read with ``ast``, never run)."""

from __future__ import annotations

import ast
from datetime import timedelta

from conformance.extract.values import plain
from conformance.model import Timing
from conformance.schedules import (
    crontab_timing,
    find_schedule_phrase,
    interval_timing,
    parse_schedule,
)

_CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
# CPython's parser answers very deep nesting (``-`` * 100000) with RecursionError or
# MemoryError rather than SyntaxError: for a cell, all mean "not a literal call".
_UNPARSABLE = (SyntaxError, ValueError, TypeError, RecursionError, MemoryError)


def read_timing(text: str) -> Timing | None:
    """The timing a cell states, or ``None`` when it states none we can read."""
    words = plain(text)
    if not words:
        return None
    try:
        return parse_schedule(_number(words) if _number(words) is not None else words)
    except ValueError:
        pass
    timing = _literal_call(words)
    if timing is not None:
        return timing
    found = find_schedule_phrase(words)
    return found[0] if found else None


def _number(words: str) -> float | None:
    try:
        return float(words)
    except ValueError:
        return None


def _literal_call(words: str) -> Timing | None:
    try:
        node = ast.parse(words, mode="eval").body
    except _UNPARSABLE:
        return None
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except _UNPARSABLE:
        return None
    try:
        if name == "crontab" and len(args) <= len(_CRONTAB_FIELDS):
            fields = dict(zip(_CRONTAB_FIELDS, args, strict=False)) | kwargs
            return crontab_timing(**{k: str(v) for k, v in fields.items()})
        if name == "timedelta" and not args:
            return interval_timing(timedelta(**kwargs).total_seconds())
        if name == "schedule":
            every = kwargs.get("run_every", args[0] if args else None)
            return interval_timing(float(every)) if isinstance(every, int | float) else None
    except (TypeError, ValueError, OverflowError):
        return None
    return None
