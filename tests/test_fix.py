"""`conformance fix`: the docs edited to say what the code does (issue 16).

End to end on a copy of the example (the real CLI in a child process, real git for
`git apply`), and the planner on small real pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.findings import Finding, Severity
from conformance.fixes.apply import apply_edits, unified_diff
from conformance.fixes.plan import DocEdit, plan_edits
from conformance.model import Location

from clirun import run_cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
DOC = "docs/03-backend/services/background-tasks.md"

# What no doc edit settles on the example: the code lacks what the docs promise (tasks,
# metrics, workers, Flower), the code has what the docs lack, or the doc snippet would
# need rewriting rather than an edit (a class used as an instance, a method call).
UNFIXABLE = {
    ("deploy.queue-unconsumed", "priority"),
    ("deploy.service-missing", "flower"),
    ("metric.missing", "task_duration"),
    ("metric.missing", "task_failures"),
    ("metric.not-integrated", "celery_queue_length"),
    ("metric.not-integrated", "celery_task_runtime_seconds"),
    ("metric.not-integrated", "celery_tasks"),
    ("metric.undocumented", "celery_queue_length"),
    ("metric.undocumented", "celery_task_runtime_seconds"),
    ("metric.undocumented", "celery_tasks"),
    ("queue.orphaned", "priority"),
    ("route.unknown-task", "health_check_task"),
    ("schedule.missing", "system-health-check"),
    ("schedule.undocumented", "disk-usage-monitoring"),
    ("signal.handler-mismatch", "task_failure"),
    ("signal.handler-mismatch", "task_postrun"),
    ("signature.mismatch", "app.services.fal_client.FalAIClient.generate_model"),
    ("symbol.renamed", "app.core.progress.ProgressTracker"),
    ("task.missing", "emergency_cleanup"),
    ("task.missing", "send_alert"),
    ("task.missing", "tasks.system_health_check"),
    ("task.undocumented", "app.workers.cleanup.monitor_disk_usage"),
    ("worker.bootstep-missing", "TaskMetricsStep"),
    ("worker.class-missing", "WorkerConfig"),
    ("worker.profile-missing", "batch"),
    ("worker.profile-missing", "gpu"),
    ("worker.profile-missing", "priority"),
}


def example_copy(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "REPORT.md"))
    return project


def findings_of(project: Path) -> set[tuple[str, str]]:
    done = run_cli(project, "check", "--format", "json", "--no-history")
    return {(f["rule"], f["subject"]) for f in json.loads(done.stdout)["findings"]}


def digests(project: Path, *, skip: str) -> dict[str, str]:
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.rglob("*"))
        if p.is_file() and not str(p.relative_to(project)).startswith(skip)
    }


def test_fix_write_leaves_exactly_the_unfixable_findings(tmp_path: Path) -> None:
    project = example_copy(tmp_path)
    before = findings_of(project)
    assert before > UNFIXABLE
    others = digests(project, skip="docs/")
    done = run_cli(project, "fix", "--write")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("conformance fix: 28 edits made in 1 file\n")
    listed = [line for line in done.stderr.splitlines() if line.startswith("  ")]
    assert len(listed) == len(UNFIXABLE)
    assert findings_of(project) == UNFIXABLE
    # Nothing but the docs was touched.
    assert digests(project, skip="docs/") == others
    page = (project / DOC).read_text()
    assert "| `app.workers.tasks.generate_3d_model_task` | `model_generation` | 1800 | 2 |" in page
    assert (
        "- `cleanup-old-files` runs `app.workers.cleanup.cleanup_old_files` daily at 02:00." in page
    )
    # A second run has nothing left to do.
    again = run_cli(project, "fix", "--write")
    assert again.returncode == 0
    assert again.stderr.startswith("conformance fix: 0 edits made in 0 files\n")
    assert (project / DOC).read_text() == page


def test_fix_diff_changes_nothing_and_applies_with_git(tmp_path: Path) -> None:
    project = example_copy(tmp_path)
    original = (project / DOC).read_text()
    done = run_cli(project, "fix", "--diff")
    assert done.returncode == 1  # edits to show, as `ruff --diff`
    assert (project / DOC).read_text() == original
    assert done.stdout.startswith(f"--- a/{DOC}\n+++ b/{DOC}\n@@ ")
    patch = tmp_path / "fix.patch"
    patch.write_text(done.stdout)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", str(patch)], cwd=project, check=True)
    written = example_copy(tmp_path / "other")
    run_cli(written, "fix", "--write")
    assert (project / DOC).read_text() == (written / DOC).read_text()


def test_a_conforming_project_needs_no_fix(tmp_path: Path) -> None:
    project = example_copy(tmp_path)
    run_cli(project, "fix", "--write")
    done = run_cli(project, "fix", "--diff")
    assert done.returncode == 0
    assert done.stdout == ""


def test_an_interrupted_write_leaves_the_old_page(tmp_path: Path) -> None:
    project = example_copy(tmp_path)
    page = project / DOC
    original = page.read_text()
    fixed_copy = example_copy(tmp_path / "fixed")
    run_cli(fixed_copy, "fix", "--write")
    fixed = (fixed_copy / DOC).read_text()
    started = time.monotonic()
    run_cli(example_copy(tmp_path / "timing"), "fix", "--diff")
    full = time.monotonic() - started
    outcomes = set()
    for step in range(8):
        page.write_text(original)
        run = subprocess.Popen(
            [sys.executable, "-m", "conformance", "fix", "--write"],
            cwd=project,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3 + (full - 0.3) * step / 7)
        run.send_signal(signal.SIGTERM)
        _out, err = run.communicate(timeout=60)
        assert "Traceback" not in err
        assert page.read_text() in (original, fixed)
        assert [p.name for p in page.parent.iterdir() if p.name.endswith(".tmp")] == []
        outcomes.add(run.returncode)
    assert outcomes <= {0, 143, -signal.SIGTERM}


# --- the planner and the editor on small pages --------------------------------------------


def _finding(rule: str, subject: str, documented: str, actual: str, line: int) -> Finding:
    columns = ("columns: Task | Queue | Time limit (min) | Retries",)
    return Finding(
        rule,
        rule.split(".")[0],
        Severity.ERROR,
        subject,
        documented,
        actual,
        "m",
        Location("d.md", line, columns),
    )


TABLE = [
    "| Task | Queue | Time limit (min) | Retries |",
    "| --- | --- | --- | --- |",
    "| `app.t` | `q` | 3 | 3 |",
]


def test_a_cell_is_edited_in_the_headers_unit_and_only_in_its_column() -> None:
    # 3 minutes documented, 30 minutes (1800 s) in the code; retries 3 → 5.
    finding = _finding("task.option-mismatch", "app.t", "time_limit=180", "time_limit=1800", 3)
    retries = _finding("task.option-mismatch", "app.t", "max_retries=3", "max_retries=5", 3)
    plan = plan_edits([finding, retries], {"d.md": TABLE})
    assert plan.unfixable == ()
    new = apply_edits("\n".join(TABLE) + "\n", plan.edits).text
    assert new.splitlines()[2] == "| `app.t` | `q` | 30 | 5 |"


def test_an_ambiguous_line_is_left_to_a_person() -> None:
    lines = ["Retries: 3, then 3 more."]
    finding = Finding(
        "task.option-mismatch",
        "tasks",
        Severity.ERROR,
        "app.t",
        "max_retries=3",
        "max_retries=5",
        "m",
        Location("d.md", 1),
    )
    plan = plan_edits([finding], {"d.md": lines})
    assert plan.edits == ()
    assert plan.unfixable == (finding,)


def test_findings_outside_the_doc_files_are_not_fixed() -> None:
    finding = _finding("task.renamed", "app.t", "app.t", "app.u", 3)
    plan = plan_edits([finding], {"other.md": TABLE})
    assert plan.edits == () and plan.unfixable == (finding,)


def test_an_edit_whose_text_changed_is_skipped() -> None:
    edit = DocEdit("d.md", 1, "tasks.a", "app.tasks.a", "task.renamed", "tasks.a")
    applied = apply_edits("The `tasks.b` task.\n", [edit])
    assert applied.done == () and applied.skipped == (edit,)
    assert applied.text == "The `tasks.b` task.\n"


@pytest.mark.parametrize("ending", ["\n", ""])
def test_the_diff_of_a_file_without_a_last_newline_applies(tmp_path: Path, ending: str) -> None:
    old = "a\nb `tasks.a`" + ending
    new = old.replace("tasks.a", "app.tasks.a")
    (tmp_path / "d.md").write_text(old)
    (tmp_path / "p.diff").write_text(unified_diff("d.md", old, new))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "d.md").read_text() == new


# --- generated sections ------------------------------------------------------------------

SECTION_APP = """\
from celery import Celery

app = Celery("gen")
app.conf.task_routes = {"gen.tasks.slow": {"queue": "slow"}}
app.conf.beat_schedule = {"nightly": {"task": "gen.tasks.slow", "schedule": 3600}}


@app.task(name="gen.tasks.fast", time_limit=30)
def fast():
    pass


@app.task(name="gen.tasks.slow", max_retries=2)
def slow():
    pass
"""

SECTION_PAGE = """\
# Background tasks

Our tasks, generated from the code:

<!-- conformance:begin tasks -->
| Task | Queue |
| --- | --- |
| `gen.tasks.fast` | `celery` |
<!-- conformance:end -->

Beat:

<!-- conformance:begin schedules -->
<!-- conformance:end -->

The end.
"""


def section_project(root: Path) -> Path:
    (root / "gen").mkdir()
    (root / "gen" / "__init__.py").write_text("")
    (root / "gen" / "tasks.py").write_text(SECTION_APP)
    (root / "docs").mkdir()
    (root / "docs" / "tasks.md").write_text(SECTION_PAGE)
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "gen.tasks:app"\ndocs = ["docs/*.md"]\nmode = "static"\n'
    )
    return root


def test_a_stale_generated_section_is_a_finding_and_fix_writes_it(tmp_path: Path) -> None:
    root = section_project(tmp_path)
    stale = {
        (f["rule"], f["subject"], f["doc"]["line"])
        for f in json.loads(run_cli(root, "check", "--format", "json").stdout)["findings"]
        if f["rule"] == "docs.generated-stale"
    }
    assert stale == {
        ("docs.generated-stale", "tasks", 5),
        ("docs.generated-stale", "schedules", 13),
    }
    done = run_cli(root, "fix", "--write")
    assert done.returncode == 0, done.stderr
    assert "2 generated sections written" in done.stderr
    page = (root / "docs" / "tasks.md").read_text()
    assert page == SECTION_PAGE.replace(
        "| Task | Queue |\n| --- | --- |\n| `gen.tasks.fast` | `celery` |\n",
        "| Task | Queue | Time limit | Soft time limit | Retries |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| `gen.tasks.fast` | `celery` | 30 | — | 3 |\n"
        "| `gen.tasks.slow` | `slow` | — | — | 2 |\n",
    ).replace(
        "<!-- conformance:begin schedules -->\n",
        "<!-- conformance:begin schedules -->\n| Entry | Task | Schedule |\n"
        "| --- | --- | --- |\n| `nightly` | `gen.tasks.slow` | every hour |\n",
    )
    after = json.loads(run_cli(root, "check", "--format", "json").stdout)
    assert [f for f in after["findings"] if f["rule"] == "docs.generated-stale"] == []
    assert {("docs", "tasks"), ("docs", "schedules")} <= {
        (c["category"], c["subject"]) for c in after["conforming"]
    }
    again = run_cli(root, "fix", "--diff")
    assert again.returncode == 0 and again.stdout == ""


def test_a_marker_without_an_end_or_with_an_unknown_kind_is_a_notice(tmp_path: Path) -> None:
    root = section_project(tmp_path)
    (root / "docs" / "tasks.md").write_text(
        "# Tasks\n\n<!-- conformance:begin routes -->\nx\n<!-- conformance:end -->\n\n"
        "<!-- conformance:begin tasks -->\n"
    )
    notices = json.loads(run_cli(root, "check", "--format", "json").stdout)["notices"]
    bad = [(n["line"], n["message"]) for n in notices if n["kind"] == "bad-marker"]
    assert bad == [
        (
            3,
            "generated section: unknown kind `routes` (use tasks, queues, schedules, metrics, workers)",
        ),
        (7, "generated section: no `<!-- conformance:end -->` follows"),
    ]


def test_suggestions_are_a_github_review_that_makes_the_same_edits(tmp_path: Path) -> None:
    project = example_copy(tmp_path)
    original = (project / DOC).read_text().splitlines()
    done = run_cli(project, "fix", "--suggestions")
    assert done.returncode == 0, done.stderr
    review = json.loads(done.stdout)
    assert review["event"] == "COMMENT"
    comments = review["comments"]
    assert comments and all(c["path"] == DOC and c["side"] == "RIGHT" for c in comments)
    # Applying every suggestion (last first) gives exactly what --write writes.
    lines = list(original)
    for comment in sorted(comments, key=lambda c: c["line"], reverse=True):
        body = comment["body"]
        fence = re.search(r"(`{3,})suggestion\n", body)
        assert fence is not None
        suggested = body.split(fence.group(0), 1)[1].rsplit(fence.group(1), 1)[0]
        first = comment.get("start_line", comment["line"])
        lines[first - 1 : comment["line"]] = suggested.splitlines()
    written = example_copy(tmp_path / "written")
    run_cli(written, "fix", "--write")
    assert lines == (written / DOC).read_text().splitlines()
    assert (project / DOC).read_text().splitlines() == original  # nothing written


def test_a_removed_item_is_struck_through_not_deleted(tmp_path: Path) -> None:
    root = section_project(tmp_path)
    (root / "docs" / "tasks.md").write_text(
        "# Background tasks\n\n| Task | Queue |\n| --- | --- |\n"
        "| `gen.tasks.fast` | `celery` |\n| `gen.tasks.slow` | `slow` |\n"
        "| `gen.tasks.retired` | `celery` |\n"
    )
    before = json.loads(run_cli(root, "check", "--format", "json").stdout)["findings"]
    assert ("task.missing", "gen.tasks.retired") in {(f["rule"], f["subject"]) for f in before}
    done = run_cli(root, "fix", "--write")
    assert done.returncode == 0, done.stderr
    page = (root / "docs" / "tasks.md").read_text()
    assert "| ~~`gen.tasks.retired`~~ | `celery` |\n" in page
    after = json.loads(run_cli(root, "check", "--format", "json").stdout)["findings"]
    assert "gen.tasks.retired" not in {f["subject"] for f in after}
    again = run_cli(root, "fix", "--diff")
    assert again.returncode == 0 and again.stdout == ""


def test_a_removed_item_named_elsewhere_is_left_to_a_person(tmp_path: Path) -> None:
    root = section_project(tmp_path)
    (root / "docs" / "tasks.md").write_text(
        "# Background tasks\n\n| Task | Queue |\n| --- | --- |\n"
        "| `gen.tasks.retired` | `celery` |\n\nCall `gen.tasks.retired` after a deploy.\n"
    )
    done = run_cli(root, "fix", "--write")
    assert "~~" not in (root / "docs" / "tasks.md").read_text()
    assert "task.missing: documented task `gen.tasks.retired`" in done.stderr
