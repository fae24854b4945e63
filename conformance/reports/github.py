"""GitHub Actions workflow commands: each finding becomes an annotation on its line."""

from __future__ import annotations

from conformance.findings import CheckResult, Severity
from conformance.reports._common import one_line, sorted_findings, sorted_notices, summary_counts

_COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """A command's message, escaped as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value: data escaping plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """One ``::error|warning|notice file=..,line=..,title=RULE::message`` per finding,
    the notices as plain ``note:`` lines, then a plain summary line."""
    lines: list[str] = []
    for finding in sorted_findings(result.findings):
        properties: list[str] = []
        location = finding.location
        if location is not None:
            properties.append(f"file={escape_property(location.path)}")
            properties.append(f"line={location.line}")
        properties.append(f"title={escape_property(finding.rule)}")
        command = _COMMANDS[finding.severity]
        lines.append(f"::{command} {','.join(properties)}::{escape_data(finding.message)}")
    for notice in sorted_notices(result.notices):
        # Plain lines go through one_line: a newline in a notice could otherwise start a
        # line with "::" and smuggle in a workflow command.
        place = f"{notice.location}: " if notice.location else ""
        lines.append(f"note: {one_line(place + notice.message)}")
    lines.append(f"conformance: {summary_counts(result)}")
    return "\n".join(lines) + "\n"
