"""The prose twins: the example's page rewritten in sentences, lists and tables only.

`tests/fixtures/prose_twin/drifting.md` states every drift of the bundled example's page
without a single code block (a soft limit "of 55 minutes", "retried up to 3 times, a
minute apart", "the chord's callback `finalize_batch`", "the `task_postrun` handler
records ...", "`task_time_limit` is 3600 seconds", an inline call on `FalAIClient`...):
put in the example's place it must give exactly the example's findings. Its conforming
sibling, put in the conforming twin's place, must give none, while still being read (the
claims it makes are judged conforming). The real CLI runs in a child process.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli

HERE = Path(__file__).parent
PAGES = HERE / "fixtures" / "prose_twin"
EXAMPLE = HERE.parent / "examples" / "background-tasks"
EXAMPLE_PAGE = Path("docs/03-backend/services/background-tasks.md")
CONFORMING = HERE / "fixtures" / "conforming" / "background_tasks"
CONFORMING_PAGE = Path("docs/background-tasks.md")


def _check(project: Path, mode: str, *extra: str) -> Any:
    proc = run_cli(project, "check", "--format", "json", "--mode", mode, *extra)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def _findings(report: Any) -> set[tuple[str, str, str | None, str | None]]:
    return {(f["rule"], f["subject"], f["documented"], f["actual"]) for f in report["findings"]}


def _with_page(tmp_path: Path, project: Path, page: Path, text: str) -> Path:
    target = tmp_path / project.name
    shutil.copytree(project, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / page).write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize("page", ["drifting.md", "conforming.md"])
def test_the_twins_have_no_code_blocks(page: str) -> None:
    text = (PAGES / page).read_text(encoding="utf-8")
    assert "```" not in text and "~~~" not in text
    assert "\n    " not in text.replace("\n    \n", "\n")  # no indented code either


@pytest.mark.parametrize("mode", ["static", "live"])
def test_the_drifting_twin_finds_what_the_code_block_page_finds(tmp_path: Path, mode: str) -> None:
    expected = _findings(_check(EXAMPLE, mode))
    twin = _with_page(tmp_path, EXAMPLE, EXAMPLE_PAGE, (PAGES / "drifting.md").read_text())
    report = _check(twin, mode)
    assert _findings(report) == expected
    # The claims read from sentences say why they were read so.
    evidence = {
        f["rule"]: f["doc"]["evidence"]
        for f in report["findings"]
        if f["doc"] and f["doc"].get("evidence")
    }
    assert evidence["canvas.callback-mismatch"] == ["cue: 'chord' … 'callback `finalize_batch`'"]
    assert evidence["worker.bootstep-missing"] == ["cue: '`TaskMetricsStep` bootstep'"]
    assert evidence["config.mismatch"] in (["cue: 'is 3600\\nseconds'"], ["cue: 'is 3300 seconds'"])
    assert evidence["task.missing"][0].startswith("columns: Task | Queue")


@pytest.fixture(scope="module", params=["static", "live"])
def conforming_report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    text = (PAGES / "conforming.md").read_text(encoding="utf-8")
    twin = _with_page(tmp_path_factory.mktemp("prose"), CONFORMING, CONFORMING_PAGE, text)
    return _check(twin, request.param, "--fail-on", "info")


def test_the_conforming_twin_has_no_findings(conforming_report: Any) -> None:
    assert conforming_report["findings"] == []
    assert conforming_report["notices"] == []


def test_the_conforming_twin_is_read_not_ignored(conforming_report: Any) -> None:
    counts = Counter(item["category"] for item in conforming_report["conforming"])
    # canvas from the chord paragraph, signals from "handler records", workers from "the
    # `WorkerConfig` class" and "bootstep", deploy from "the `flower` service", config from
    # "`task_time_limit` is 1 hour"...
    assert counts["canvas"] == 1
    assert counts["signals"] == 4
    assert counts["workers"] == 6
    assert counts["deploy"] == 1
    assert counts["config"] == 5
    subjects = {(i["category"], i["subject"]) for i in conforming_report["conforming"]}
    assert ("config", "task_acks_late") in subjects  # written CELERY_TASK_ACKS_LATE
    assert ("tasks", "tasks.notify_oncall") in subjects  # rate limit, acks late, backoff


# One sentence of the conforming twin changed to drift, the finding it must give: a
# drifting case for every shape of claim the conforming twin shows conforming. (Each
# claim is the page's only statement of its value: a table row stating it first would win.
# "the `flower` service" drifts in the drifting twin, whose Compose file has no Flower.)
SHAPES = {
    "soft limit": (
        "soft time limit of 55 minutes",
        "soft time limit of 50 minutes",
        ("task.option-mismatch", "tasks.process_batch"),
    ),
    "retries": (
        "retried up to 3 times",
        "retried up to 4 times",
        ("task.option-mismatch", "tasks.generate_single_model"),
    ),
    "apart": (
        "a minute apart",
        "two minutes apart",
        ("task.option-mismatch", "tasks.generate_single_model"),
    ),
    "retry delay": (
        "retry delay of 10 seconds",
        "retry delay of 20 seconds",
        ("task.option-mismatch", "tasks.send_alert"),
    ),
    "rate limit": (
        "rate limited to 10 per minute",
        "rate limited to 20 per minute",
        ("task.option-mismatch", "tasks.notify_oncall"),
    ),
    "acks late": (
        "acks late and",
        "acks on receipt and",
        ("task.option-mismatch", "tasks.notify_oncall"),
    ),
    "routed to": (
        "`tasks.purge_expired_batches` is routed to `maintenance`",
        "`tasks.purge_expired_batches` is routed to `priority`",
        ("route.mismatch", "tasks.purge_expired_batches"),
    ),
    "runs on the queue": (
        "runs on\nthe `maintenance` queue too",
        "runs on\nthe `priority` queue too",
        ("route.mismatch", "tasks.weekly_report"),
    ),
    "chord callback": (
        "callback `finalize_batch`",
        "callback `finalize_batches`",
        ("canvas.callback-mismatch", "finalize_batches"),
    ),
    "handler records": (
        "records the\n`task_duration` histogram",
        "records the\n`task_runtime` histogram",
        ("signal.handler-mismatch", "task_postrun"),
    ),
    "worker class": (
        "the `WorkerConfig` class",
        "the `WorkerProfiles` class",
        ("worker.class-missing", "WorkerProfiles"),
    ),
    "bootstep": (
        "the `TaskMetricsStep` bootstep",
        "the `PoolMetricsStep` bootstep",
        ("worker.bootstep-missing", "PoolMetricsStep"),
    ),
    "setting": (
        "`task_time_limit` is 1 hour",
        "`task_time_limit` is 2 hours",
        ("config.mismatch", "task_time_limit"),
    ),
    "django setting": (
        "`CELERY_TASK_ACKS_LATE` is enabled",
        "`CELERY_TASK_ACKS_LATE` is disabled",
        ("config.mismatch", "task_acks_late"),
    ),
    "task named in passing": (
        "one `process_batch` task",
        "one `process_batches` task",
        ("task.missing", "process_batches"),
    ),
    "inline call": (
        "`ProgressTracker(ttl=3600).get_progress(batch_id)`",
        "`ProgressTracker(ttl=3600).fetch_progress(batch_id)`",
        ("signature.mismatch", "app.core.progress.ProgressTracker.fetch_progress"),
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_prose_shape_finds_its_drift(tmp_path: Path, shape: str) -> None:
    conforming, drifting, (rule, subject) = SHAPES[shape]
    text = (PAGES / "conforming.md").read_text(encoding="utf-8")
    assert text.count(conforming) == 1, conforming
    twin = _with_page(tmp_path, CONFORMING, CONFORMING_PAGE, text.replace(conforming, drifting))
    report = _check(twin, "static")
    found = {(f["rule"], f["subject"]) for f in report["findings"]}
    assert (rule, subject) in found, sorted(found)
