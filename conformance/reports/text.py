"""The terminal report: one ``path:line: severity: rule: message`` line per finding."""

from __future__ import annotations

from conformance.findings import CheckResult, Severity
from conformance.reports._common import (
    one_line,
    sorted_findings,
    sorted_notices,
    summary_counts,
)

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_COLOURS = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
}
_NOTE_COLOUR = "\x1b[2m"


def render_text(result: CheckResult, *, color: bool = False) -> str:
    """Findings (contract order), then notices, then one summary line.

    ``color`` adds ANSI colours; the caller decides (a TTY and ``NO_COLOR`` unset), so
    the same result always renders to the same text.
    """

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    for finding in sorted_findings(result.findings):
        location = finding.location
        place = str(location) if location else "-"
        lines.append(
            f"{paint(one_line(place), _BOLD)}: "
            f"{paint(finding.severity.value, _COLOURS[finding.severity])}: "
            f"{finding.rule}: {one_line(finding.message)}"
        )
    for notice in sorted_notices(result.notices):
        place = notice.location or "-"
        lines.append(
            f"{paint(one_line(place), _BOLD)}: {paint('note', _NOTE_COLOUR)}: "
            f"{one_line(notice.message)}"
        )
    lines.append(summary_counts(result))
    return "\n".join(lines) + "\n"
