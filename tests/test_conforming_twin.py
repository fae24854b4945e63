"""The conforming twin of the bundled example: docs and code agree, so nothing is reported.

`tests/fixtures/conforming/background_tasks/` is a runnable Celery project (celery and
prometheus_client only, memory broker) whose page `docs/background-tasks.md` uses every
style the extractor reads, and whose code implements all of it. Any finding here, at any
severity and in either mode, is a false alarm. The real CLI runs in a child process.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli

TWIN = Path(__file__).parent / "fixtures" / "conforming" / "background_tasks"

# The twin leaves nothing unjudged: no value only known at run time, no unparsed block,
# no doc conflict. A notice kind listed here would be accepted.
EXPECTED_NOTICE_KINDS: frozenset[str] = frozenset()

# Conforming items per category, at least: what the page documents and the code has.
MINIMUM_CONFORMING = {
    "tasks": 9,  # the task table's rows
    "queues": 4,  # batch_processing, model_generation, maintenance, priority
    "routes": 9,  # one per routed task
    "canvas": 1,  # the batch chord and its callback
    "signals": 4,  # task_prerun/postrun/failure and worker_ready
    "schedules": 4,  # the four beat entries
    "workers": 6,  # four profiles, WorkerConfig, TaskMetricsStep
    "symbols": 8,  # imports and calls of the project's classes and functions
    "metrics": 5,  # Histogram, Counter, Gauge, Summary (and the table's `_total` spelling)
    "deploy": 1,  # Flower
    "config": 7,  # conf.update(...) and the Setting / Value table
}


@pytest.fixture(scope="module", params=["live", "static"])
def report(request: pytest.FixtureRequest) -> Any:
    command = ["check", "--format", "json", "--mode", request.param, "--fail-on", "info"]
    proc = run_cli(TWIN, *command)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["mode"] == request.param
    return data


def test_no_findings_at_any_severity(report: Any) -> None:
    assert report["findings"] == []
    assert report["summary"]["error"] == report["summary"]["warning"] == 0
    assert report["summary"]["info"] == 0


def test_notices_are_only_of_expected_kinds(report: Any) -> None:
    kinds = {notice["kind"] for notice in report["notices"]}
    assert kinds <= EXPECTED_NOTICE_KINDS, report["notices"]


@pytest.mark.parametrize(("category", "minimum"), sorted(MINIMUM_CONFORMING.items()))
def test_every_category_conforms(report: Any, category: str, minimum: int) -> None:
    counts = Counter(item["category"] for item in report["conforming"])
    assert counts[category] >= minimum, sorted(counts.items())


def test_styles_that_once_raised_false_alarms_are_judged_conforming(report: Any) -> None:
    conforming = {(item["category"], item["subject"]) for item in report["conforming"]}
    assert {
        # "1 hour", "55 min", "1 day" in the Setting / Value table
        ("config", "task_time_limit"),
        ("config", "task_soft_time_limit"),
        ("config", "result_expires"),
        # the failure handler records its counter through app.monitoring.record_failure
        ("signals", "task_failure"),
        # a handler connected with a call, not a decorator
        ("signals", "worker_ready"),
        # a beat entry whose task the page names only in the schedule list
        ("schedules", "weekly-report"),
        # an inherited method and keyword constructors in client snippets
        ("symbols", "app.services.fal_client.FalAIClient"),
        ("symbols", "app.core.progress.ProgressTracker"),
        ("workers", "TaskMetricsStep"),
        ("workers", "gpu"),
        ("deploy", "flower"),
    } <= conforming
    assert report["summary"]["conforming"] == len(report["conforming"])
