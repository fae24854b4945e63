"""End to end on the bundled example: every statement of the seed report, and nothing else.

`examples/background-tasks/` reproduces the system the seed report
(`background-tasks-validation-report.md`) was written about. These tests run the real
CLI in a child process, in both modes, and check each of the seed's findings by rule and
subject.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import clirun

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
DOC = "docs/03-backend/services/background-tasks.md"

# The seed's findings, as (rule, subject). Each comment quotes the seed.
SEED_ERRORS = {
    # 1. "Documentation shows tasks.process_batch ... Actual app.workers.tasks.process_batch"
    ("task.qualified-name", "tasks.process_batch"),
    ("task.qualified-name", "tasks.cleanup_old_files"),
    # 1. "app.workers.tasks.generate_3d_model_task (NOT generate_single_model)"
    ("task.renamed", "tasks.generate_single_model"),
    # 1./7./Critical: "NO system_health_check", "NO emergency cleanup task", "send_alert"
    ("task.missing", "tasks.system_health_check"),
    ("task.missing", "emergency_cleanup"),
    ("task.missing", "send_alert"),
    # 2. "priority queue is only referenced in task routes for health_check_task which
    #    doesn't exist"
    ("route.unknown-task", "health_check_task"),
    # 3. "Callback is finalize_batch_results (NOT finalize_batch)"
    ("canvas.callback-mismatch", "finalize_batch"),
    # 5. "cleanup-old-files: Daily at 2 AM (NOT hourly)"; "NO system-health-check"
    ("schedule.mismatch", "cleanup-old-files"),
    ("schedule.missing", "system-health-check"),
    # Critical 2: "Time limits, retry policies ... differ significantly"
    ("task.option-mismatch", "tasks.process_batch"),
    ("task.option-mismatch", "tasks.generate_single_model"),
    ("task.option-mismatch", "tasks.cleanup_old_files"),
    ("config.mismatch", "task_time_limit"),
    ("config.mismatch", "task_soft_time_limit"),
    # 4. "NO Prometheus metrics in signals; NO task_duration or task_failures metrics"
    ("metric.missing", "task_duration"),
    ("metric.missing", "task_failures"),
    # 6. "NO custom worker steps", "NO WorkerConfig class"
    ("worker.class-missing", "WorkerConfig"),
    ("worker.bootstep-missing", "TaskMetricsStep"),
    # 8. "Uses FalAIClient with process_single_image_sync method"
    ("signature.mismatch", "app.services.fal_client.FalAIClient.generate_model"),
    # 9. "Uses progress_tracker (lowercase) from core module"
    ("symbol.renamed", "app.core.progress.ProgressTracker"),
    # 10. "NO Flower configuration in docker-compose.yml"
    ("deploy.service-missing", "flower"),
    # 2./6. the `priority` queue has no worker: nothing consumes it (no priority profile)
    ("deploy.queue-unconsumed", "priority"),
}
SEED_WARNINGS = {
    # 2. the `priority` queue is declared but nothing real is routed to it
    ("queue.orphaned", "priority"),
    # 5. "disk-usage-monitoring: Every hour (NOT in docs)"
    ("schedule.undocumented", "disk-usage-monitoring"),
    # the task behind that entry is not documented either
    ("task.undocumented", "app.workers.cleanup.monitor_disk_usage"),
    # 4. "Basic signal handlers exist ... NO Prometheus metrics in signals"
    ("signal.handler-mismatch", "task_postrun"),
    ("signal.handler-mismatch", "task_failure"),
    # 6. "NO worker profiles implementation" (only `maintenance` has a matching worker)
    ("worker.profile-missing", "batch"),
    ("worker.profile-missing", "gpu"),
    ("worker.profile-missing", "priority"),
    # 10. "Monitoring exists in monitoring.py but NOT integrated in Celery tasks"
    ("metric.not-integrated", "celery_tasks"),
    ("metric.not-integrated", "celery_task_runtime_seconds"),
    ("metric.not-integrated", "celery_queue_length"),
}


def run_cli(*args: str, cwd: Path = EXAMPLE) -> subprocess.CompletedProcess[str]:
    return clirun.run_cli(cwd, *args)


@pytest.fixture(scope="module", params=["live", "static"])
def report(request: pytest.FixtureRequest) -> dict[str, Any]:
    proc = run_cli("check", "--format", "json", "--mode", request.param)
    assert proc.returncode == 1, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["mode"] == request.param
    return data


def pairs(report: dict[str, Any], severity: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["subject"]) for f in report["findings"] if f["severity"] == severity}


def test_every_seed_error_is_reported(report: dict[str, Any]) -> None:
    missing = SEED_ERRORS - pairs(report, "error")
    assert not missing


def test_nothing_else_is_reported_at_error_severity(report: dict[str, Any]) -> None:
    assert pairs(report, "error") - SEED_ERRORS == set()


def test_seed_warnings(report: dict[str, Any]) -> None:
    assert pairs(report, "warning") == SEED_WARNINGS


def test_what_conforms_is_not_flagged(report: dict[str, Any]) -> None:
    conforming = {(c["category"], c["subject"]) for c in report["conforming"]}
    assert {
        ("signals", "task_prerun"),  # a prerun handler is connected
        ("config", "worker_prefetch_multiplier"),
        ("config", "task_acks_late"),
        ("workers", "maintenance"),  # worker-maintenance runs -Q maintenance
        ("symbols", "app.services.fal_client.FalAIClient"),
        ("routes", "tasks.process_batch"),
    } <= conforming
    flagged = {f["subject"] for f in report["findings"]}
    assert (
        not {
            "worker_prefetch_multiplier",
            "task_acks_late",
            "maintenance",
            "batch_processing",
            "model_generation",
            "task_prerun",
        }
        & flagged
    )


def test_signature_finding_names_the_real_method(report: dict[str, Any]) -> None:
    (finding,) = [f for f in report["findings"] if f["rule"] == "signature.mismatch"]
    assert "process_single_image_sync" in finding["message"]
    (renamed,) = [f for f in report["findings"] if f["rule"] == "symbol.renamed"]
    assert renamed["actual"] == "app.core.progress.progress_tracker"


def test_the_four_queues_conform(report: dict[str, Any]) -> None:
    conforming = {(c["category"], c["subject"]) for c in report["conforming"]}
    assert {
        ("queues", q) for q in ("batch_processing", "model_generation", "maintenance", "priority")
    } <= conforming


def test_findings_point_at_both_sides(report: dict[str, Any]) -> None:
    by_key = {(f["rule"], f["subject"]): f for f in report["findings"]}
    renamed = by_key[("task.renamed", "tasks.generate_single_model")]
    assert renamed["documented"] == "tasks.generate_single_model"
    assert renamed["actual"] == "app.workers.tasks.generate_3d_model_task"
    assert renamed["doc"]["path"] == DOC
    assert renamed["code"] == {"path": "app/workers/tasks.py", "line": 26}
    schedule = by_key[("schedule.mismatch", "cleanup-old-files")]
    assert (schedule["documented"], schedule["actual"]) == ("every hour", "daily at 02:00")
    route = by_key[("route.unknown-task", "health_check_task")]
    assert route["code"]["path"] == "app/workers/celery_app.py"


def test_exit_status_follows_fail_on() -> None:
    assert run_cli("check", "--fail-on", "never").returncode == 0
    assert run_cli("check", "--fail-on", "warning").returncode == 1


def test_markdown_report_reads_like_the_seed() -> None:
    proc = run_cli("check", "--format", "markdown")
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout
    for heading in (
        "# Background Tasks Documentation Validation Report",
        "## Summary",
        "## Key Findings",
        "## Critical Issues",
        "## Recommendations",
    ):
        assert heading in text
    assert "`app.workers.tasks.generate_3d_model_task` (NOT `tasks.generate_single_model`)" in text
    assert "`cleanup-old-files`: daily at 02:00 (NOT every hour)" in text
    assert "`batch_processing` exists as documented ✓" in text
    # All ten of the seed's areas have a section.
    for area in (
        "Task Naming",
        "Queue Configuration",
        "Task Routing",
        "Batch Processing",
        "Signal Handlers",
        "Beat Schedule",
        "Worker Configuration",
        "Code References",
        "Metrics and Monitoring",
        "Deployment",
        "Configuration",
    ):
        assert area in text, area
    critical = text.split("## Critical Issues")[1].split("## Recommendations")[0]
    for subject in (
        "emergency_cleanup",
        "send_alert",
        "tasks.system_health_check",
        "task_duration",
        "flower",
        "task_time_limit",
    ):
        assert subject in critical, subject
