"""JUnit XML, read back with ElementTree and with junitparser (what CI systems use)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser

from conformance.findings import Severity
from conformance.model import Location
from conformance.reports.junit import render_junit

from reports_sample import DOC, finding, seed_result


def parsed(**changes: object) -> ET.Element:
    return ET.fromstring(render_junit(seed_result(**changes)).encode())


def test_one_suite_per_category_in_report_order_with_right_counts() -> None:
    root = parsed()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "conformance.tasks",
        "conformance.queues",
        "conformance.routes",
        "conformance.canvas",
        "conformance.signals",
        "conformance.schedules",
    ]
    counts = {s.get("name"): (s.get("tests"), s.get("failures")) for s in suites}
    # 5 tasks fail; queues: 4 conform, priority also orphaned (warning) -> 1 of 4 fails;
    # the info-only signal passes.
    assert counts["conformance.tasks"] == ("5", "5")
    assert counts["conformance.queues"] == ("4", "1")
    assert counts["conformance.signals"] == ("1", "0")
    assert counts["conformance.schedules"] == ("3", "3")
    assert (root.get("tests"), root.get("failures")) == ("15", "11")


def test_findings_fail_their_item_and_info_goes_to_system_out() -> None:
    root = parsed()
    renamed = root.find("testsuite/testcase[@name='tasks.generate_single_model']")
    assert renamed is not None and renamed.get("classname") == "tasks"
    failure = renamed.find("failure")
    assert failure is not None and failure.get("type") == "task.renamed"
    assert failure.get("message") == seed_result().findings[1].message
    assert f"doc: {DOC}:41; code: app/workers/tasks.py:57" in (failure.text or "")
    prerun = root.find("testsuite/testcase[@name='task_prerun']")
    assert prerun is not None and prerun.find("failure") is None
    assert "signal.undocumented" in (prerun.findtext("system-out") or "")
    conforming = root.find("testsuite/testcase[@name='batch_processing']")
    assert conforming is not None and list(conforming) == []


def test_two_findings_on_one_item_are_one_failing_case_worst_first() -> None:
    first = finding(
        "task.option-mismatch",
        "t",
        "1",
        "2",
        "retries",
        Location(DOC, 1),
        severity=Severity.WARNING,
    )
    second = finding("task.qualified-name", "t", "t", "a.t", "name", Location(DOC, 1))
    root = parsed(findings=(first, second), conforming=())
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "task.qualified-name"
    assert "task.option-mismatch" in (failure.text or "")


def test_text_xml_cannot_carry_is_replaced_not_fatal() -> None:
    evil = finding("task.missing", 'a\x00b\x1b<&>"', "x", None, "m\x07 ]]>", Location(DOC, 1))
    root = parsed(findings=(evil,))
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == 'a\ufffdb\ufffd<&>"'


def test_junitparser_reads_the_same_counts(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(seed_result()), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert sum(s.tests for s in suites) == 15
    assert sum(s.failures for s in suites) == 11
    failing = [
        case.name
        for suite in suites
        for case in suite
        if any(isinstance(r, junitparser.Failure) for r in case.result)
    ]
    assert "tasks.system_health_check" in failing and "batch_processing" not in failing
