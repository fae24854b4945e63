"""Baselines: accepted drift, keyed by fingerprint so entries survive line moves.

A baseline is JSON (``{"schema": "conformance-baseline/1", "findings": [...]}``), one entry
per accepted finding with its fingerprint, rule and subject (the last two only so that a
reader, and the "fixed" notice, can say what the entry was about).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import ConformanceError
from conformance.fileio import write_atomic
from conformance.findings import Finding
from conformance.model import Notice
from conformance.nesting import REPORTED_DEPTH, too_deep_line

SCHEMA = "conformance-baseline/1"


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding; ``line`` is where its fingerprint sits in the file."""

    fingerprint: str
    rule: str
    subject: str
    line: int | None = None


def load_baseline(path: Path, shown: str) -> Mapping[str, BaselineEntry]:
    """The entries of a baseline file by fingerprint; a file that is not ours is an error.

    Nothing is ever written here: a bad baseline stops the run (exit 2) untouched.
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except FileNotFoundError:
        raise ConformanceError("baseline file not found", shown) from None
    except IsADirectoryError:
        raise ConformanceError("baseline is a folder, not a file", shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read baseline: {exc}", shown) from None
    except json.JSONDecodeError as exc:
        raise ConformanceError(
            f"baseline is not valid JSON: {exc.msg}", shown, exc.lineno
        ) from None
    except RecursionError:
        raise ConformanceError(
            f"baseline is not valid JSON: nested more than {REPORTED_DEPTH} levels deep",
            shown,
            too_deep_line(text),
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConformanceError(f"not a conformance baseline (expected schema {SCHEMA})", shown)
    raw = data.get("findings")
    if not isinstance(raw, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in raw
    ):
        raise ConformanceError(
            "baseline `findings` must be a list of entries with a `fingerprint`", shown
        )
    lines = _fingerprint_lines(text)
    return {
        e["fingerprint"]: BaselineEntry(
            e["fingerprint"],
            str(e.get("rule", "?")),
            str(e.get("subject", "?")),
            lines.get(e["fingerprint"]),
        )
        for e in raw
    }


def fixed_entry_notice(entry: BaselineEntry, shown: str) -> Notice:
    """The notice for an entry that matches no finding any more: remove it."""
    return Notice(
        "baseline-fixed",
        f"baseline entry {entry.rule} `{entry.subject}` no longer matches any finding "
        f"(fixed): remove it or rewrite the baseline",
        shown,
        entry.line,
    )


def baseline_text(findings: Sequence[Finding]) -> str:
    """The baseline file's text for ``findings``: sorted, one entry per fingerprint."""
    unique = {f.fingerprint: f for f in findings}
    entries = [
        {"fingerprint": f.fingerprint, "rule": f.rule, "subject": f.subject}
        for f in sorted(unique.values(), key=lambda f: (f.rule, f.subject, f.fingerprint))
    ]
    return json.dumps({"schema": SCHEMA, "findings": entries}, indent=2) + "\n"


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Write the baseline atomically (a temporary file renamed into place)."""
    write_atomic(path, baseline_text(findings))


def _fingerprint_lines(text: str) -> dict[str, int]:
    # The line of each fingerprint, so the notice points into the file; a hand-edited
    # layout may hide some, which only costs the line number.
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        key, sep, value = line.strip().rstrip(",").partition(":")
        if sep and key.strip() == '"fingerprint"':
            lines.setdefault(value.strip().strip('"'), number)
    return lines
