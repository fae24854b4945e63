"""The terminal report: one line per finding, notices, a summary line."""

from __future__ import annotations

import pytest

from conformance.findings import Conforming, Severity
from conformance.model import Location
from conformance.reports.text import render_text

from reports_sample import DOC, assert_snapshot, finding, seed_result


def test_the_seed_situation_renders_as_the_snapshot() -> None:
    assert_snapshot("report.txt", render_text(seed_result()))


@pytest.mark.parametrize(
    ("doc", "code", "place"),
    [
        (Location(DOC, 41), Location("app/t.py", 5), f"{DOC}:41"),  # the doc line comes first
        (None, Location("app/t.py", 5), "app/t.py:5"),  # else the code line
        (None, None, "-"),  # else a dash
    ],
)
def test_a_finding_is_one_line_at_its_best_place(
    doc: Location | None, code: Location | None, place: str
) -> None:
    one = finding("task.renamed", "a", "a", "b", "documented `a` is `b`", doc, code)
    lines = render_text(seed_result(findings=(one,), notices=())).splitlines()
    assert lines[0] == f"{place}: error: task.renamed: documented `a` is `b`"


@pytest.mark.parametrize(
    ("severities", "conforming", "summary", "reason"),
    [
        (
            (Severity.ERROR,),
            1,
            "1 error, 0 warnings, 0 info; 1 item conforms (mode: live)",
            "exit 1: 1 finding at or above fail_on=error",
        ),
        (
            (Severity.ERROR, Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.INFO),
            3,
            "2 errors, 1 warning, 2 info; 3 items conform (mode: live)",
            "exit 1: 2 findings at or above fail_on=error",
        ),  # plurals
        (
            (),
            0,
            "0 errors, 0 warnings, 0 info; 0 items conform (mode: live)",
            "exit 0: nothing at or above fail_on=error",
        ),  # clean, empty
    ],
)
def test_the_summary_counts_by_severity_and_says_why_it_exits(
    severities: tuple[Severity, ...], conforming: int, summary: str, reason: str
) -> None:
    findings = tuple(
        finding("task.missing", f"t{i}", f"t{i}", None, "m", severity=s)
        for i, s in enumerate(severities)
    )
    items = tuple(Conforming("queues", f"q{i}") for i in range(conforming))
    text = render_text(seed_result(findings=findings, conforming=items, notices=()))
    assert text.splitlines()[-2:] == [summary, reason]
    assert [line.split(": ")[1] for line in text.splitlines()[:-2]] == [s.value for s in severities]


def test_findings_are_grouped_by_file_in_line_order() -> None:
    found = (
        finding("task.missing", "b", "b", None, "m", Location("docs/b.md", 9)),
        finding("queue.orphaned", "q", None, "q", "m", None, Location("app/c.py", 3)),
        finding("task.missing", "a", "a", None, "m", Location("docs/b.md", 2)),
        finding("schedule.missing", "s", "s", None, "m", Location("docs/a.md", 40)),
    )
    lines = render_text(seed_result(findings=found, notices=())).splitlines()[:-2]
    assert [line.split(": ")[0] for line in lines] == [
        "app/c.py:3",
        "docs/a.md:40",
        "docs/b.md:2",
        "docs/b.md:9",
    ]


def test_the_exit_reason_follows_fail_on() -> None:
    warning = finding("queue.orphaned", "q", None, "q", "m", severity=Severity.WARNING)
    text = render_text(seed_result(findings=(warning,), notices=(), fail_on="warning"))
    assert text.splitlines()[-1] == "exit 1: 1 finding at or above fail_on=warning"
    text = render_text(seed_result(findings=(warning,), notices=(), fail_on="never"))
    assert text.splitlines()[-1] == "exit 0: fail_on=never"


def test_waived_and_fixed_are_counted_in_the_summary() -> None:
    waived = seed_result().findings[:2]
    text = render_text(seed_result(findings=(), notices=(), waived=waived, fixed=("abc",)))
    assert text.endswith(
        "4 items conform; 2 waived; 1 baseline entry fixed (mode: live)\n"
        "exit 0: nothing at or above fail_on=error\n"
    )


def test_notices_follow_the_findings_as_notes() -> None:
    lines = render_text(seed_result()).splitlines()
    notes = [line for line in lines if ": note: " in line]
    assert notes[0] == (
        "app/workers/celery_app.py:36: note: "
        "route of `dynamic_task` depends on a router function (static mode)"
    )
    assert lines.index(notes[0]) == len(seed_result().findings)


def test_colour_is_off_by_default_and_only_adds_escape_codes() -> None:
    plain = render_text(seed_result())
    coloured = render_text(seed_result(), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31merror\x1b[0m" in coloured and "\x1b[33mwarning\x1b[0m" in coloured
    assert (
        coloured.replace("\x1b[0m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[2m", "")
        == plain
    )


def test_hostile_text_cannot_split_lines_or_drive_the_terminal() -> None:
    evil = finding(
        "task.missing", "x", "x", None, "gone\n::error::fake\x1b[2J", Location("a\nb.md", 1)
    )
    text = render_text(seed_result(findings=(evil,), notices=()))
    assert text.splitlines()[0] == "a\\nb.md:1: error: task.missing: gone\\n::error::fake\\x1b[2J"
    assert len(text.splitlines()) == 3  # the finding, the counts, the exit reason
