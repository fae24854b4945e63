"""Baselines through the real CLI: round trip, line moves, stale entries, bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main

PROJECT = Path(__file__).resolve().parent / "fixtures" / "gate_project"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "proj"
    shutil.copytree(PROJECT, copy)
    return copy


def edit_doc(root: Path, old: str, new: str) -> None:
    doc = root / "docs" / "tasks.md"
    text = doc.read_text(encoding="utf-8")
    assert old in text
    doc.write_text(text.replace(old, new), encoding="utf-8")


def run(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str, str]:
    status = main(["check", "--config", str(root / "pyproject.toml"), *options])
    out, err = capsys.readouterr()
    return status, out, err


def run_json(
    root: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, dict[str, Any]]:
    status, out, _ = run(root, capsys, "--format", "json", *options)
    return status, json.loads(out)


def test_round_trip_write_pass_new_drift_fixed_entry(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = root / "conformance-baseline.json"
    # Today's drift: a wrong retry count for build_report.
    edit_doc(root, "| `reports` | 3 |", "| `reports` | 4 |")
    status, _, _ = run(root, capsys, "--write-baseline", str(baseline))
    assert status == 1  # the run itself still reports what it wrote down
    entries = json.loads(baseline.read_text(encoding="utf-8"))
    assert entries["schema"] == "conformance-baseline/1"
    assert [(e["rule"], e["subject"]) for e in entries["findings"]] == [
        ("task.option-mismatch", "proj.build_report")
    ]

    # With the baseline the known drift no longer fails the gate.
    status, report = run_json(root, capsys, "--baseline", str(baseline))
    assert (status, report["findings"]) == (0, [])
    assert [f["subject"] for f in report["waived"]] == ["proj.build_report"]

    # New drift fails, and only the new drift is reported.
    edit_doc(root, "| `mail` | 5 |", "| `mail` | 1 |")
    status, report = run_json(root, capsys, "--baseline", str(baseline))
    assert status == 1
    assert [(f["rule"], f["subject"]) for f in report["findings"]] == [
        ("task.option-mismatch", "proj.send_mail")
    ]

    # Fixing the old drift makes its entry stale: reported, so the baseline can shrink.
    edit_doc(root, "| `reports` | 4 |", "| `reports` | 3 |")
    status, report = run_json(root, capsys, "--baseline", str(baseline))
    assert status == 1
    fingerprint = entries["findings"][0]["fingerprint"]
    assert report["fixed"] == [fingerprint]
    (stale,) = [n for n in report["notices"] if n["kind"] == "baseline-fixed"]
    assert stale["path"] == "conformance-baseline.json" and stale["line"] == 5
    assert "task.option-mismatch `proj.build_report` no longer matches" in stale["message"]

    # The text and Markdown reports say it too.
    _, text, _ = run(root, capsys, "--baseline", str(baseline))
    assert (
        "conformance-baseline.json:5: note: baseline entry task.option-mismatch "
        "`proj.build_report` no longer matches any finding"
    ) in text
    assert "1 baseline entry fixed" in text.splitlines()[-2]
    _, markdown, _ = run(root, capsys, "--baseline", str(baseline), "--format", "markdown")
    assert "1 baseline entry no longer matches anything" in markdown
    assert "`proj.build_report` no longer matches any finding" in markdown

    # Rewriting the baseline drops the fixed entry and keeps the new one.
    run(root, capsys, "--baseline", str(baseline), "--write-baseline", str(baseline))
    rewritten = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert [e["subject"] for e in rewritten] == ["proj.send_mail"]


def test_fingerprints_survive_line_moves(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = root / "baseline.json"
    edit_doc(root, "| `reports` | 3 |", "| `reports` | 4 |")
    run(root, capsys, "--write-baseline", str(baseline))
    _, before = run_json(root, capsys)
    edit_doc(root, "# Background tasks\n", "# Background tasks\n\nA new intro.\n\nMore of it.\n")
    status, after = run_json(root, capsys, "--baseline", str(baseline))
    assert status == 0 and after["findings"] == [] and "fixed" not in after
    assert after["waived"][0]["doc"]["line"] == before["findings"][0]["doc"]["line"] + 4


def test_a_baseline_path_in_the_config_is_relative_to_it(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_doc(root, "| `reports` | 3 |", "| `reports` | 4 |")
    run(root, capsys, "--write-baseline", str(root / "accepted.json"))
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('baseline = "accepted.json"\n')
    monkeypatch.chdir(tmp_path)  # elsewhere: the config's folder decides
    assert run(root, capsys)[0] == 0


BAD_BASELINES = [
    # not JSON at all (a truncated file)
    ('{"schema": "conformance-baseline/1", "findings": [', "baseline is not valid JSON"),
    # JSON, but another tool's file
    ('{"version": "2.1.0", "runs": []}', "not a conformance baseline"),
    # ours, but the entries are not entries
    (
        '{"schema": "conformance-baseline/1", "findings": ["abc"]}',
        "baseline `findings` must be a list of entries",
    ),
    # a list instead of the object
    ("[]", "not a conformance baseline"),
]


@pytest.mark.parametrize(("content", "message"), BAD_BASELINES)
def test_a_bad_baseline_is_exit_2_naming_the_file_and_left_untouched(
    root: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    baseline = root / "baseline.json"
    baseline.write_text(content, encoding="utf-8")
    report = root / "report.json"
    report.write_text("the previous report\n", encoding="utf-8")
    status, out, err = run(
        root,
        capsys,
        "--baseline",
        str(baseline),
        "--write-baseline",
        str(baseline),
        "--output",
        str(report),
    )
    assert status == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("conformance: error: baseline.json") and message in line
    assert baseline.read_text(encoding="utf-8") == content
    assert report.read_text(encoding="utf-8") == "the previous report\n"
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []


def test_a_missing_baseline_is_exit_2(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(root, capsys, "--baseline", str(root / "nope.json"))
    assert status == 2 and "nope.json: baseline file not found" in err


def test_a_failed_run_leaves_an_existing_report_in_place(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = root / "report.sarif"
    report.write_text("old\n", encoding="utf-8")
    (root / "docs" / "tasks.md").unlink()  # nothing to judge: exit 2
    status, _, err = run(root, capsys, "--format", "sarif", "--output", str(report))
    assert status == 2 and "no Markdown doc matches docs/*.md" in err
    assert report.read_text(encoding="utf-8") == "old\n"


def test_reports_and_baselines_are_written_whole(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = root / "out"
    status, _, _ = run(
        root,
        capsys,
        "--format",
        "json",
        "--output",
        str(out / "report.json"),
        "--write-baseline",
        str(out / "baseline.json"),
    )
    assert status == 0
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"] == []
    assert json.loads((out / "baseline.json").read_text(encoding="utf-8"))["findings"] == []
    assert sorted(p.name for p in out.iterdir()) == ["baseline.json", "report.json"]
