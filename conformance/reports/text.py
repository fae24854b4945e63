"""The terminal report: one ``path:line: severity: rule: message`` line per finding,
grouped by file (in line order, as a compiler or ruff lists them), then the counts and
why the run passes or fails."""

from __future__ import annotations

from conformance.findings import CheckResult, Finding, Severity
from conformance.reports._common import (
    one_line,
    plural,
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
    """Findings by file and line, then notices, then the counts and the exit reason.

    ``color`` adds ANSI colours; the caller decides (a TTY and ``NO_COLOR`` unset), so
    the same result always renders to the same text.
    """

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    for finding in sorted(sorted_findings(result.findings), key=_by_place):
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
    lines.append(exit_reason(result))
    return "\n".join(lines) + "\n"


def _by_place(finding: Finding) -> tuple[bool, str, int]:
    """Files in path order, lines in order; findings without a place last."""
    location = finding.location
    return (location is None, location.path if location else "", location.line if location else 0)


def exit_reason(result: CheckResult) -> str:
    """Why the run exits as it does: ``exit 1: 27 findings at or above fail_on=error``."""
    if result.fail_on == "never":
        return "exit 0: fail_on=never"
    threshold = Severity(result.fail_on).rank
    over = sum(1 for f in result.findings if f.severity.rank >= threshold)
    if over:
        return f"exit 1: {plural(over, 'finding')} at or above fail_on={result.fail_on}"
    return f"exit 0: nothing at or above fail_on={result.fail_on}"
