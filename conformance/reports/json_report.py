"""The JSON report, exactly as the contract's "The JSON report" section fixes it."""

from __future__ import annotations

import json
from typing import Any

from conformance.findings import CheckResult, Conforming, Finding, Severity
from conformance.model import Location, Notice
from conformance.reports._common import (
    TOOL_NAME,
    sorted_conforming,
    sorted_findings,
    sorted_notices,
    tool_version,
)
from conformance.reports.coverage import coverage

SCHEMA = "conformance-report/1"


def render_json(result: CheckResult) -> str:
    """The report as JSON text: contract key order, 2-space indent, trailing newline.

    ``waived`` (findings silenced by waivers or the baseline) and ``fixed`` (baseline
    fingerprints that match nothing any more) are extensions, present only when non-empty;
    ``coverage`` (claims checked, conforming, drifted, not judged) is an extension too.
    """
    return json.dumps(report_object(result), indent=2, ensure_ascii=False) + "\n"


def report_object(result: CheckResult) -> dict[str, Any]:
    """The report as plain JSON-ready data, keys in the contract's order."""
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "mode": result.mode,
        "summary": {
            "error": result.count(Severity.ERROR),
            "warning": result.count(Severity.WARNING),
            "info": result.count(Severity.INFO),
            "conforming": len(result.conforming),
        },
        "findings": [finding_object(f) for f in sorted_findings(result.findings)],
        "conforming": [_conforming_object(c) for c in sorted_conforming(result.conforming)],
        "notices": [_notice_object(n) for n in sorted_notices(result.notices)],
    }
    if result.waived:
        report["waived"] = [finding_object(f) for f in sorted_findings(result.waived)]
    if result.fixed:
        report["fixed"] = sorted(result.fixed)
    report["coverage"] = _coverage_object(result)
    return report


def _coverage_object(result: CheckResult) -> dict[str, Any]:
    """How much of the docs was judged (an extension): counts, and every span not judged
    with its place and why, so a user sees what to waive or write a spec for."""
    found = coverage(result)
    return {
        "claims": found.claims,
        "checked": found.checked,
        "conform": found.conform,
        "drift": found.drift,
        "not_judged": found.not_judged,
        "not_judged_spans": [
            {"path": u.path, "line": u.line, "why": u.why} for u in found.unjudged
        ],
    }


def finding_object(finding: Finding) -> dict[str, Any]:
    """One finding as the contract writes it."""
    return {
        "rule": finding.rule,
        "category": finding.category,
        "severity": finding.severity.value,
        "subject": finding.subject,
        "documented": finding.documented,
        "actual": finding.actual,
        "message": finding.message,
        "doc": _location_object(finding.doc),
        "code": _location_object(finding.code),
        "fingerprint": finding.fingerprint,
    }


def _conforming_object(item: Conforming) -> dict[str, Any]:
    return {
        "category": item.category,
        "subject": item.subject,
        "doc": _location_object(item.doc),
        "code": _location_object(item.code),
    }


def _notice_object(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "message": notice.message,
        "path": notice.path,
        "line": notice.line,
    }


def _location_object(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    place: dict[str, Any] = {"path": location.path, "line": location.line}
    if location.evidence:
        place["evidence"] = list(location.evidence)
    return place
