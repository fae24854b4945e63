"""The JSON report follows the contract exactly: keys, types, order, determinism."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from conformance.findings import sort_key
from conformance.model import Location
from conformance.reports.json_report import render_json

from reports_sample import DOC, assert_snapshot, finding, seed_result

# The contract's shape: key → type (in order); nested dicts are shapes themselves.
LOCATION = {"path": str, "line": int}
FINDING = {
    "rule": str,
    "category": str,
    "severity": str,
    "subject": str,
    "documented": (str, None),
    "actual": (str, None),
    "message": str,
    "doc": (LOCATION, None),
    "code": (LOCATION, None),
    "fingerprint": str,
}
REPORT = {
    "schema": str,
    "tool": {"name": str, "version": str},
    "mode": str,
    "summary": {"error": int, "warning": int, "info": int, "conforming": int},
    "findings": [FINDING],
    "conforming": [
        {"category": str, "subject": str, "doc": (LOCATION, None), "code": (LOCATION, None)}
    ],
    "notices": [{"kind": str, "message": str, "path": (str, None), "line": (int, None)}],
}


def check_shape(value: Any, shape: Any, where: str = "$") -> None:
    """A tiny JSON-Schema: exact keys in exact order, types, nullables, list items."""
    if isinstance(shape, tuple):
        errors = []
        for option in shape:
            if option is None and value is None:
                return
            if option is None:
                continue
            try:
                check_shape(value, option, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: {value!r} matches none of {errors}")
    if isinstance(shape, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        assert list(value) == list(shape), f"{where}: keys {list(value)} != {list(shape)}"
        for key, sub in shape.items():
            check_shape(value[key], sub, f"{where}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), f"{where}: not an array"
        for i, item in enumerate(value):
            check_shape(item, shape[0], f"{where}[{i}]")
    else:
        assert type(value) is shape, f"{where}: {value!r} is not {shape.__name__}"


COVERAGE = {
    "claims": int,
    "checked": int,
    "conform": int,
    "drift": int,
    "not_judged": int,
    "not_judged_spans": [{"path": (str, None), "line": (int, None), "why": str}],
}


def test_the_report_has_exactly_the_contracts_shape() -> None:
    report = json.loads(render_json(seed_result()))
    # The contract's keys first, in its order; our extensions after them.
    assert list(report)[: len(REPORT)] == list(REPORT)
    check_shape({key: report[key] for key in REPORT}, REPORT)
    check_shape(report["coverage"], COVERAGE)
    assert report["schema"] == "conformance-report/1"
    assert report["tool"] == {"name": "conformance", "version": "0.1.0"}
    assert report["summary"] == {"error": 9, "warning": 2, "info": 1, "conforming": 4}
    assert {f["severity"] for f in report["findings"]} == {"error", "warning", "info"}


def test_a_finding_reads_as_in_the_contract() -> None:
    report = json.loads(render_json(seed_result()))
    renamed = next(f for f in report["findings"] if f["rule"] == "task.renamed")
    assert renamed == {
        "rule": "task.renamed",
        "category": "tasks",
        "severity": "error",
        "subject": "tasks.generate_single_model",
        "documented": "tasks.generate_single_model",
        "actual": "app.workers.tasks.generate_3d_model_task",
        "message": "documented task `tasks.generate_single_model` is registered as "
        "`app.workers.tasks.generate_3d_model_task`",
        "doc": {"path": DOC, "line": 41},
        "code": {"path": "app/workers/tasks.py", "line": 57},
        "fingerprint": seed_result().findings[1].fingerprint,
    }
    orphaned = next(f for f in report["findings"] if f["rule"] == "queue.orphaned")
    assert orphaned["documented"] is None and orphaned["doc"] is None


def test_findings_are_sorted_and_output_is_deterministic() -> None:
    result = seed_result()
    shuffled = list(result.findings)
    random.Random(7).shuffle(shuffled)
    text = render_json(result)
    assert render_json(seed_result(findings=tuple(shuffled))) == text
    order = [(f["category"], f["severity"], f["subject"]) for f in json.loads(text)["findings"]]
    expected = [
        (f.category, f.severity.value, f.subject) for f in sorted(result.findings, key=sort_key)
    ]
    assert order == expected
    assert text.endswith("}\n") and text.startswith('{\n  "schema": ')


@pytest.mark.parametrize(
    ("changes", "extra_keys"),
    [
        ({}, []),  # no extensions when nothing was waived or fixed
        ({"fixed": ("b2", "a1")}, ["fixed"]),  # fixed only
        ({"waived": "first"}, ["waived"]),  # waived only
        ({"waived": "first", "fixed": ("a1",)}, ["waived", "fixed"]),  # both, in this order
    ],
)
def test_waived_and_fixed_appear_only_when_non_empty(
    changes: dict[str, Any], extra_keys: list[str]
) -> None:
    if changes.get("waived") == "first":
        changes["waived"] = seed_result().findings[:1]
    report = json.loads(render_json(seed_result(**changes)))
    assert list(report)[len(REPORT) :] == [*extra_keys, "coverage"]
    if "waived" in report:
        check_shape(report["waived"], [FINDING])
    if "fixed" in report:
        assert report["fixed"] == sorted(changes["fixed"])


def test_unicode_and_hostile_text_survive_a_round_trip() -> None:
    text = 'ünïcode "quoted" \\ \n\t\x00 </script>'
    one = finding("task.missing", text, text, None, text, Location(text, 3))
    report = json.loads(render_json(seed_result(findings=(one,))))
    assert report["findings"][0]["subject"] == text
    assert report["findings"][0]["doc"] == {"path": text, "line": 3}


def test_the_seed_situation_renders_as_the_snapshot() -> None:
    assert_snapshot("report.json", render_json(seed_result()))
