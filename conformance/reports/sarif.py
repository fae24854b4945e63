"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from conformance.findings import CheckResult, Finding, Severity
from conformance.model import Location
from conformance.reports._common import (
    TOOL_NAME,
    registered_rules,
    sorted_findings,
    tool_version,
)
from conformance.rules.pages import rule_page
from conformance.rules.registry import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/conformance/"
FINGERPRINT_KEY = "conformance/v1"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(result: CheckResult, *, rules: Mapping[str, Rule] | None = None) -> str:
    """One SARIF run: every registered rule as a descriptor, every finding as a result.

    ``rules`` defaults to the registry; a finding whose rule is not registered still gets
    a (bare) descriptor so that ``ruleIndex`` always points at its rule.
    """
    registry = registered_rules() if rules is None else rules
    rule_ids = sorted(set(registry) | {f.rule for f in result.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": tool_version(),
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(r, registry.get(r)) for r in rule_ids],
                    }
                },
                "results": [
                    _result(f, index[f.rule], result.docs) for f in sorted_findings(result.findings)
                ],
                "properties": {"mode": result.mode},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": f"{rule.why}\n\nHow to fix: {rule.fix}",
            # The same page as `conformance rules ID` and docs/rules/<id>.md.
            "markdown": rule_page(rule),
        },
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"category": rule.category},
    }


def _result(finding: Finding, rule_index: int, docs: tuple[str, ...]) -> dict[str, Any]:
    primary = finding.doc or finding.code
    if primary is None and docs:
        # Code scanning rejects results without a location; a finding about the docs as
        # a whole (nothing more precise known) points at the first page.
        primary = Location(docs[0], 1)
    sarif_result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(primary)] if primary else [],
    }
    if finding.doc is not None and finding.code is not None:
        related = _location(finding.code)
        related["id"] = 1
        related["message"] = {"text": "implementation"}
        sarif_result["relatedLocations"] = [related]
    sarif_result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    sarif_result["properties"] = {
        "category": finding.category,
        "subject": finding.subject,
        "documented": finding.documented,
        "actual": finding.actual,
    }
    return sarif_result


def _location(location: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(location.path, safe="/"), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(location.line, 1)},
        }
    }
