"""JUnit XML: one test suite per category, one test case per documented or checked item.

An item with error or warning findings fails (one ``<failure>`` naming the worst rule,
every finding in its text); info findings are written to the case's ``<system-out>`` and
do not fail it; conforming items pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from conformance.findings import CheckResult, Finding, Severity
from conformance.reports._common import category_rank, sorted_findings

# XML 1.0 cannot carry these at all, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class _Case:
    """Findings about one item; mutable only while the report is being assembled."""

    category: str
    subject: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is not Severity.INFO]


def render_junit(result: CheckResult) -> str:
    """The JUnit XML document, with an XML declaration and a trailing newline."""
    cases: dict[tuple[str, str], _Case] = {}
    for finding in sorted_findings(result.findings):
        key = (finding.category, finding.subject)
        cases.setdefault(key, _Case(*key)).findings.append(finding)
    for item in result.conforming:
        cases.setdefault((item.category, item.subject), _Case(item.category, item.subject))

    root = ET.Element("testsuites", name="conformance")
    categories = sorted({c.category for c in cases.values()}, key=category_rank)
    for category in categories:
        in_category = sorted(
            (c for c in cases.values() if c.category == category), key=lambda c: c.subject
        )
        suite = ET.SubElement(root, "testsuite", name=_xml(f"conformance.{category}"))
        for case in in_category:
            _add_case(suite, case)
        _count(suite, in_category)
    _count(root, list(cases.values()))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _add_case(suite: ET.Element, case: _Case) -> None:
    element = ET.SubElement(
        suite, "testcase", classname=_xml(case.category), name=_xml(case.subject)
    )
    failing = case.failing
    if failing:
        worst = max(failing, key=lambda f: f.severity.rank)
        failure = ET.SubElement(
            element, "failure", type=_xml(worst.rule), message=_xml(worst.message)
        )
        failure.text = _xml("\n".join(_describe(f) for f in failing))
    info = [f for f in case.findings if f.severity is Severity.INFO]
    if info:
        ET.SubElement(element, "system-out").text = _xml("\n".join(_describe(f) for f in info))


def _count(element: ET.Element, cases: list[_Case]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.failing)))
    element.set("errors", "0")
    element.set("skipped", "0")


def _describe(finding: Finding) -> str:
    places = [
        f"doc: {finding.doc}" if finding.doc else "",
        f"code: {finding.code}" if finding.code else "",
    ]
    where = "; ".join(p for p in places if p)
    return f"{finding.severity.value} {finding.rule}: {finding.message}" + (
        f" ({where})" if where else ""
    )


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
