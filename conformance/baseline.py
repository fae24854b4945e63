"""Baselines: accepted drift, keyed by fingerprint so entries survive line moves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from conformance.errors import ConformanceError
from conformance.findings import Finding
from conformance.fileio import write_atomic

SCHEMA = "conformance-baseline/1"


def load_baseline(path: Path, shown: str) -> frozenset[str]:
    """The fingerprints in a baseline file; a file that is not ours is an error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConformanceError("baseline file not found", shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read baseline: {exc}", shown) from None
    except json.JSONDecodeError as exc:
        raise ConformanceError(f"baseline is not valid JSON: {exc.msg}", shown,
                               exc.lineno) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConformanceError(f"not a conformance baseline (expected schema {SCHEMA})", shown)
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConformanceError("baseline `findings` must be a list of entries with a "
                               "`fingerprint`", shown)
    return frozenset(e["fingerprint"] for e in entries)


def baseline_text(findings: Sequence[Finding]) -> str:
    entries = [
        {"fingerprint": f.fingerprint, "rule": f.rule, "subject": f.subject}
        for f in sorted(findings, key=lambda f: (f.rule, f.subject, f.fingerprint))
    ]
    return json.dumps({"schema": SCHEMA, "findings": entries}, indent=2) + "\n"


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    write_atomic(path, baseline_text(findings))
