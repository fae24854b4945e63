"""The Markdown report reads like a colleague's review (issue 15): one line per item, no
item both flagged and ✓, coverage counted exactly, history saying which side moved, a PR
comment within GitHub's limit, and the example's report committed as REPORT.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_report_topology import parse

from conformance.config import load_config
from conformance.pipeline import run_check
from conformance.reports.coverage import coverage
from conformance.reports.history import History
from conformance.reports.markdown import PR_COMMENT_LIMIT, render_markdown, render_pr_comment

from clirun import run_cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_check import generate  # noqa: E402

MD = MarkdownIt("commonmark").enable("table")
FIXED_NOW = "1767225600"  # 2026-01-01 00:00 UTC, for the beat timeline's next runs


def example_report() -> str:
    result = run_check(replace(load_config(cwd=EXAMPLE), mode="static"))
    return render_markdown(result)


def sections(report: str) -> dict[str, list[list[str]]]:
    """``### area`` → its bullet lists, each a list of the bullets' raw text."""
    found: dict[str, list[list[str]]] = {}
    area = ""
    current: list[str] | None = None
    for line in report.splitlines():
        if line.startswith("### "):
            area, current = line[4:], None
            found[area] = []
        elif line.startswith("- ") and area:
            if current is None:
                current = []
                found[area].append(current)
            current.append(line[2:])
        elif not line.strip().startswith("<"):
            current = None
    return found


def first_code(bullet: str) -> str:
    match = re.search(r"`([^`]+)`", bullet)
    return match.group(1) if match else bullet


def test_each_item_has_one_line_per_list_of_every_section() -> None:
    report = example_report()
    key = report.split("## Key Findings", 1)[1].split("\n## ", 1)[0]
    found = sections(key)
    assert len(found) == 11
    for area, lists in found.items():
        for bullets in lists:
            names = [first_code(b) for b in bullets if not b.startswith("NO ")]
            assert len(names) == len(set(names)), (area, bullets)


def test_no_item_is_both_flagged_and_conforming_in_a_section() -> None:
    report = example_report()
    key = report.split("## Key Findings", 1)[1].split("\n## ", 1)[0]
    for area, lists in sections(key).items():
        actual = lists[-1]
        fine = {first_code(b) for b in actual if b.endswith("✓")}
        flagged = {
            name
            for b in actual
            if not b.endswith("✓")
            for name in re.findall(r"`([^`]+)`", b.split(" — ")[0])
        }
        assert not fine & flagged, (area, fine & flagged)
    # The seed's complaint: `priority` is orphaned and, two lines later, "exists ✓".
    queues = report.split("### 2. Queue Configuration", 1)[1].split("###", 1)[0]
    assert "`priority` is declared, but NO registered task is routed to it" in queues
    assert "`priority` exists as documented ✓" not in queues


def test_the_reports_picture_is_a_mermaid_chart_of_the_example() -> None:
    report = example_report()
    block = report.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    chart = parse(block)
    labels = set(chart.labels.values())
    assert {"batch_processing", "maintenance", "model_generation", "priority"} <= labels
    assert ("app.workers.tasks.generate_3d_model_task", "model_generation") in chart.edges
    assert "priority" in chart.classes["unconsumed"] and "priority" in chart.classes["orphaned"]


# --- coverage: exact counts on a page with a known mix ------------------------------------

MIXED_PAGE = """\
# Background tasks

| Task | Queue |
| --- | --- |
| `mix.tasks.ok_one` | `celery` |
| `mix.tasks.ok_two` | `celery` |
| `mix.tasks.wrong_queue` | `slow` |
| `mix.tasks.gone` | `celery` |

```python
def broken(:
    pass
```

```python
from redis import Redis
```

| Entry | Task | Schedule |
| --- | --- | --- |
| `nightly` | `mix.tasks.ok_one` | when the moon is full |
"""

MIXED_APP = """\
from celery import Celery

app = Celery("mix")
app.conf.beat_schedule = {"nightly": {"task": "mix.tasks.ok_one", "schedule": 3600}}


@app.task(name="mix.tasks.ok_one")
def ok_one():
    pass


@app.task(name="mix.tasks.ok_two")
def ok_two():
    pass


@app.task(name="mix.tasks.wrong_queue", queue="fast")
def wrong_queue():
    pass
"""


def mixed_project(root: Path) -> Path:
    (root / "mix").mkdir()
    (root / "mix" / "__init__.py").write_text("")
    (root / "mix" / "tasks.py").write_text(MIXED_APP)
    (root / "docs").mkdir()
    (root / "docs" / "tasks.md").write_text(MIXED_PAGE)
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "mix.tasks:app"\ndocs = ["docs/*.md"]\nmode = "static"\n'
    )
    return root


def test_not_judged_is_counted_exactly(tmp_path: Path) -> None:
    root = mixed_project(tmp_path)
    result = run_check(load_config(cwd=root))
    found = coverage(result)
    # Conform: tasks ok_one and ok_two, queue `celery`, beat entry `nightly` (it exists).
    # Drift: wrong_queue's queue, queue `slow` (not declared), task `gone` (missing).
    assert (found.conform, found.drift) == (4, 3), found
    # Not judged: the block that does not parse, `redis.Redis` (an outside library), and
    # the nightly entry's schedule (words we cannot read).
    assert [(u.line, u.why.split(" ")[0]) for u in found.unjudged] == [
        (11, "python"),
        (16, "`redis.Redis`"),
        (21, "cannot"),
    ]
    report = render_markdown(result)
    assert "**7 claims checked: 4 conform, 3 drift; 3 not judged.**" in report
    done = run_cli(root, "check", "--format", "json")
    data = json.loads(done.stdout)["coverage"]
    assert {k: data[k] for k in ("checked", "conform", "drift", "not_judged")} == {
        "checked": 7,
        "conform": 4,
        "drift": 3,
        "not_judged": 3,
    }
    assert [(s["path"], s["line"]) for s in data["not_judged_spans"]] == [
        ("docs/tasks.md", 11),
        ("docs/tasks.md", 16),
        ("docs/tasks.md", 21),
    ]


# --- history: which side moved ---------------------------------------------------------


def git(root: Path, *args: str, date: str | None = None) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CEILING_DIRECTORIES": str(root.parent),
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def history_project(root: Path, doc_first: bool) -> Path:
    """The task's queue drifts; one side was written on 2025-11-10, the other changed on
    2026-03-02."""
    mixed_project(root)
    git(root, "init", "-q")
    git(root, "config", "user.name", "T")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first", date="2025-11-10T10:00:00+00:00")
    if doc_first:
        tasks = root / "mix" / "tasks.py"
        tasks.write_text(tasks.read_text().replace('queue="fast"', 'queue="faster"'))
        subject = "move wrong_queue to faster"
    else:
        page = root / "docs" / "tasks.md"
        page.write_text(page.read_text().replace("`slow`", "`slower`"))
        subject = "docs: slower queue"
    git(root, "commit", "-qam", subject, date="2026-03-02T10:00:00+00:00")
    return root


@pytest.mark.parametrize("doc_first", [True, False])
def test_history_says_which_side_moved(tmp_path: Path, doc_first: bool) -> None:
    root = history_project(tmp_path, doc_first)
    result = run_check(load_config(cwd=root))
    report = render_markdown(result, history=History(root))
    line = next(r for r in report.splitlines() if "`mix.tasks.wrong_queue`" in r and "History" in r)
    if doc_first:
        assert "History: the code changed on 2026-03-02 (" in line
        assert (
            "“move wrong\\_queue to faster”), the doc line is from 2025-11-10: the docs are" in line
        )
    else:
        assert "History: the doc line changed on 2026-03-02 (" in line
        assert "the code line is from 2025-11-10: the code probably needs the change" in line
    # Without history, nothing is said.
    assert "History:" not in render_markdown(result)


# --- the pull-request comment ----------------------------------------------------------


def test_a_pr_comment_on_a_1000_task_project_fits_githubs_limit(tmp_path: Path) -> None:
    generate(tmp_path)
    for page in (tmp_path / "docs").glob("*.md"):
        # Every documented queue and time limit drifts: a thousand findings and more.
        page.write_text(page.read_text().replace("`default`", "`slow`").replace("| 6", "| 9"))
    result = run_check(replace(load_config(cwd=tmp_path), mode="static"))
    assert len(result.findings) >= 1000
    full = render_markdown(result)
    comment = render_pr_comment(result)
    assert len(full) > PR_COMMENT_LIMIT
    assert len(comment) <= PR_COMMENT_LIMIT < 65_536
    assert comment.startswith("<!-- conformance-report -->\n## ")
    html = MD.render(comment)
    assert html.count("<details>") == html.count("</details>") >= 1
    assert "… and " in comment and " more" in comment
    assert comment.count("```") % 2 == 0


# --- the committed example report ------------------------------------------------------


def test_the_committed_example_report_is_current() -> None:
    done = run_cli(
        EXAMPLE,
        *("check", "--format", "markdown", "--no-history"),
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SOURCE_DATE_EPOCH": FIXED_NOW},
    )
    assert done.returncode == 1, done.stderr
    committed = EXAMPLE / "REPORT.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        committed.write_text(done.stdout, encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == done.stdout, (
        "examples/background-tasks/REPORT.md is stale: run the tests with UPDATE_SNAPSHOTS=1"
    )


def test_the_readme_shows_the_example_reports_picture() -> None:
    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("  ```mermaid\n", 1)[1].split("\n  ```", 1)[0]
    report = (EXAMPLE / "REPORT.md").read_text(encoding="utf-8")
    drawn = report.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert [line.removeprefix("  ") for line in shown.splitlines()] == drawn.splitlines()
