"""Gate controls through the real CLI: --fail-on, per-rule severity and `off`, waivers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main

PROJECT = Path(__file__).resolve().parent / "fixtures" / "gate_project"
UNDOCUMENTED_TASK = """

@app.task(name="proj.cleanup", queue="mail")
def cleanup() -> None:
    pass
"""


def project(
    tmp_path: Path, *, rules: str = "", undocumented: bool = False, doc_retries: int = 3
) -> Path:
    """A copy of the conforming project, optionally with drift: an undocumented task
    (a warning) and a wrong documented retry count (an error)."""
    root = tmp_path / "proj"
    shutil.copytree(PROJECT, root)
    if undocumented:
        with (root / "proj" / "celery_app.py").open("a", encoding="utf-8") as handle:
            handle.write(UNDOCUMENTED_TASK)
    doc = root / "docs" / "tasks.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace(
            "| `reports` | 3 |", f"| `reports` | {doc_retries} |"
        ),
        encoding="utf-8",
    )
    if rules:
        with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
            handle.write(f"\n[tool.conformance.rules]\n{rules}\n")
    return root


def check(
    root: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, dict[str, Any], str]:
    """Exit status, the JSON report and standard error of one `check` run."""
    status = main(["check", "--config", str(root / "pyproject.toml"), "--format", "json", *options])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out else {}), err


def rules_of(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["rule"], f["severity"]) for f in report["findings"]]


@pytest.mark.parametrize(
    ("fail_on", "undocumented", "retries", "status"),
    [
        # a warning only: the default gate (error) lets it through
        ("error", True, 3, 0),
        # a warning fails a warning gate
        ("warning", True, 3, 1),
        # and an info gate, which includes warnings
        ("info", True, 3, 1),
        # an error fails the default gate
        ("error", False, 4, 1),
        # never: the report is written, the gate always opens
        ("never", True, 4, 0),
        # nothing to report passes even the strictest gate
        ("info", False, 3, 0),
    ],
)
def test_fail_on_sets_the_lowest_failing_severity(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fail_on: str,
    undocumented: bool,
    retries: int,
    status: int,
) -> None:
    root = project(tmp_path, undocumented=undocumented, doc_retries=retries)
    got, report, _ = check(root, capsys, "--fail-on", fail_on)
    assert got == status
    assert bool(report["findings"]) == (undocumented or retries != 3)


@pytest.mark.parametrize(
    ("rules", "status", "findings"),
    [
        # raised to error: the undocumented task now fails the default gate
        ('"task.undocumented" = "error"', 1, [("task.undocumented", "error")]),
        # lowered to info: reported, never failing
        ('"task.undocumented" = "info"', 0, [("task.undocumented", "info")]),
        # off: not reported at all
        ('"task.undocumented" = "off"', 0, []),
    ],
)
def test_per_rule_severity_and_off_from_the_config(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rules: str,
    status: int,
    findings: list[tuple[str, str]],
) -> None:
    root = project(tmp_path, rules=rules, undocumented=True)
    got, report, _ = check(root, capsys, "--fail-on", "error")
    assert (got, rules_of(report)) == (status, findings)


def test_an_error_rule_turned_off_opens_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, rules='"task.option-mismatch" = "warning"', doc_retries=4)
    got, report, _ = check(root, capsys)
    assert (got, rules_of(report)) == (0, [("task.option-mismatch", "warning")])


def test_an_unknown_rule_in_the_config_is_exit_2_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, rules='"task.undocumentd" = "off"')
    got, report, err = check(root, capsys)
    assert (got, report) == (2, {})
    assert err.strip().splitlines() == [
        f"conformance: error: {root / 'pyproject.toml'}: unknown rule `task.undocumentd` "
        "(did you mean `task.undocumented`?)"
    ]


@pytest.mark.parametrize(
    ("comment", "status", "waived", "found", "notice"),
    [
        # the waiver covers the drifting table: nothing counts, the finding is listed as waived
        ("<!-- conformance: ignore task.option-mismatch -->", 0, 1, set(), None),
        # a waiver for another rule matches nothing: the drift counts, a notice says so
        (
            "<!-- conformance: ignore queue.missing -->",
            1,
            0,
            {"task.option-mismatch"},
            "waiver `ignore queue.missing` matches no finding",
        ),
        # skip leaves the table out: its wrong retry count is not read, and docs that name
        # no task at all are no task catalogue, so nothing is reported
        ("<!-- conformance: skip -->", 0, 0, set(), None),
    ],
)
def test_doc_waivers_end_to_end(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    comment: str,
    status: int,
    waived: int,
    found: set[str],
    notice: str | None,
) -> None:
    root = project(tmp_path, doc_retries=4)
    doc = root / "docs" / "tasks.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("| Task |", f"{comment}\n| Task |"),
        encoding="utf-8",
    )
    got, report, _ = check(root, capsys)
    assert got == status
    assert {rule for rule, _severity in rules_of(report)} == found
    assert len(report.get("waived", [])) == waived
    unused = [n["message"] for n in report["notices"] if n["kind"] == "unused-waiver"]
    assert unused == ([notice] if notice else [])
