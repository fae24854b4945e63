"""docs/rules/: one generated page per registered rule, never stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.findings import CheckResult
from conformance.reports.sarif import render_sarif
from conformance.rules import RULES
from conformance.rules.pages import INDEX, rule_page, rule_pages

PAGES = Path(__file__).resolve().parents[1] / "docs" / "rules"
REGENERATE = "run `conformance rules --write-pages docs/rules`"


def test_every_registered_rule_has_its_page() -> None:
    missing = sorted(r for r in RULES if not (PAGES / f"{r}.md").is_file())
    assert missing == [], f"rules without a page ({REGENERATE}): {missing}"


def test_no_page_is_stale_or_left_over() -> None:
    expected = rule_pages(RULES)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    stale = sorted(name for name, text in expected.items() if on_disk.get(name) != text)
    extra = sorted(set(on_disk) - set(expected))
    assert (stale, extra) == ([], []), REGENERATE


def test_write_pages_generates_the_committed_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "--write-pages", str(tmp_path / "rules")]) == 0
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "rules").iterdir()}
    assert written == {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    assert f"wrote {len(RULES) + 1} pages" in capsys.readouterr().err


def test_a_page_has_the_four_sections_and_the_index_links_it() -> None:
    index = (PAGES / INDEX).read_text(encoding="utf-8")
    for rule in RULES.values():
        page = rule_page(rule)
        headings = [line for line in page.splitlines() if line.startswith("## ")]
        assert headings == [
            "## What it catches",
            "## Why it matters",
            "## Example of drift",
            "## How to fix",
        ], rule.id
        assert f"[`{rule.id}`]({rule.id}.md)" in index


def test_the_rules_command_prints_the_same_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "schedule.mismatch"]) == 0
    assert capsys.readouterr().out == (PAGES / "schedule.mismatch.md").read_text(encoding="utf-8")


def test_sarif_rule_help_is_the_page() -> None:
    log = json.loads(render_sarif(CheckResult(mode="static", findings=())))
    for descriptor in log["runs"][0]["tool"]["driver"]["rules"]:
        assert descriptor["help"]["markdown"] == rule_page(RULES[descriptor["id"]])


def test_an_unknown_rule_id_is_exit_2_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "task.mising"]) == 2
    assert capsys.readouterr().err.strip() == (
        "conformance: error: unknown rule `task.mising` (did you mean `task.missing`?)"
    )
