"""SARIF 2.1.0, checked against the parts of the standard code scanning relies on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.findings import sort_key
from conformance.model import Location
from conformance.reports.sarif import render_sarif

from reports_sample import DOC, SAMPLE_RULES, finding, seed_result

LEVELS = {"error", "warning", "note"}


def sarif(**changes: Any) -> dict[str, Any]:
    rules = changes.pop("rules", SAMPLE_RULES)
    loaded: dict[str, Any] = json.loads(render_sarif(seed_result(**changes), rules=rules))
    return loaded


def test_the_log_has_the_sarif_skeleton() -> None:
    log = sarif()
    assert list(log) == ["$schema", "version", "runs"]
    assert log["$schema"].endswith("sarif-2.1.0.json") and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "conformance" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")


def test_every_registered_rule_is_described_once() -> None:
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(SAMPLE_RULES)
    for descriptor in rules:
        rule = SAMPLE_RULES[descriptor["id"]]
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": rule.why}
        assert rule.why in descriptor["help"]["text"] and rule.fix in descriptor["help"]["text"]
        assert rule.fix in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] in LEVELS


def test_results_point_at_their_rule_with_level_message_and_fingerprint() -> None:
    log = sarif()
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = sorted(seed_result().findings, key=sort_key)
    assert len(run["results"]) == len(expected)
    for result, source in zip(run["results"], expected, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == source.rule
        assert (
            result["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[source.severity.value]
        )
        assert result["message"] == {"text": source.message}
        assert result["partialFingerprints"] == {"conformance/v1": source.fingerprint}


def region(location: dict[str, Any]) -> tuple[str, int]:
    physical = location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


@pytest.mark.parametrize(
    ("doc", "code", "primary", "related"),
    [
        (Location(DOC, 41), Location("app/t.py", 5), (DOC, 41), [("app/t.py", 5)]),  # both
        (Location(DOC, 41), None, (DOC, 41), []),  # docs only
        (None, Location("app/t.py", 5), ("app/t.py", 5), []),  # code only
        (None, None, (DOC, 1), []),  # neither: the first doc page, so code scanning accepts it
        (Location("docs/my page.md", 2), None, ("docs/my%20page.md", 2), []),  # a URI, encoded
    ],
)
def test_locations_are_the_doc_then_the_code(
    doc: Location | None,
    code: Location | None,
    primary: tuple[str, int],
    related: list[tuple[str, int]],
) -> None:
    one = finding("task.renamed", "a", "a", "b", "m", doc, code)
    result = sarif(findings=(one,))["runs"][0]["results"][0]
    assert [region(location) for location in result["locations"]] == [primary]
    assert [region(location) for location in result.get("relatedLocations", [])] == related


def test_a_finding_of_an_unregistered_rule_still_has_a_descriptor() -> None:
    one = finding("metric.missing", "m", "m", None, "gone", Location(DOC, 3))
    run = sarif(findings=(one,), rules={})["runs"][0]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "metric.missing", "shortDescription": {"text": "metric.missing"}}
    ]
    assert run["results"][0]["ruleIndex"] == 0


def test_the_default_registry_is_used_without_rules() -> None:
    from conformance.rules import RULES

    log = json.loads(render_sarif(seed_result()))
    ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert set(RULES) <= set(ids) and "task.missing" in ids
