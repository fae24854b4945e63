"""A realistic check result (the seed report's drift) and snapshot support, shared by
the ``test_reports_*`` files. Not a test module itself."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.findings import CheckResult, Conforming, Finding, Severity
from conformance.model import Location, Notice
from conformance.rules.registry import Rule

DOC = "docs/03-backend/services/background-tasks.md"
TASKS = "app/workers/tasks.py"
APP = "app/workers/celery_app.py"
SNAPSHOTS = Path(__file__).parent / "snapshots"


_CATEGORIES = {
    "task": "tasks",
    "queue": "queues",
    "route": "routes",
    "schedule": "schedules",
    "signal": "signals",
    "metric": "metrics",
}


def category_of(rule_id: str) -> str:
    prefix = rule_id.split(".")[0]
    return _CATEGORIES.get(prefix, prefix)


def _rule(rule_id: str, severity: str, summary: str, fix: str) -> Rule:
    return Rule(
        rule_id,
        category_of(rule_id),
        Severity(severity),
        summary,
        f"Why {rule_id} matters.",
        f"Example of {rule_id}.",
        fix,
    )


# Built directly (not with define()) so the tests never touch the global registry.
SAMPLE_RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _rule(
            "task.missing",
            "error",
            "a documented task is not registered",
            "Register the task, or remove it from the docs.",
        ),
        _rule(
            "task.renamed",
            "error",
            "a documented task is registered under another name",
            "Use the registered name in the docs, or set `name=` on the task.",
        ),
        _rule(
            "task.qualified-name",
            "error",
            "the documented registered name is wrong",
            "Write the full registered name (`app.workers.tasks.x`) in the docs.",
        ),
        _rule(
            "queue.orphaned",
            "warning",
            "a declared queue no task is routed to",
            "Route a task to the queue, or stop declaring it.",
        ),
        _rule(
            "route.unknown-task",
            "error",
            "a route names a task that is not registered",
            "Remove the route, or register the task it names.",
        ),
        _rule(
            "canvas.callback-mismatch",
            "error",
            "a chord callback differs",
            "Document the callback the code uses.",
        ),
        _rule(
            "schedule.mismatch",
            "error",
            "a beat entry runs at other times",
            "Document the schedule the code uses, or change the beat entry.",
        ),
        _rule(
            "schedule.missing",
            "error",
            "a documented beat entry does not exist",
            "Add the beat entry, or remove it from the docs.",
        ),
        _rule(
            "schedule.undocumented",
            "warning",
            "a beat entry is not documented",
            "Document the beat entry.",
        ),
        _rule(
            "signal.undocumented",
            "info",
            "a connected handler the docs don't mention",
            "Document the handler.",
        ),
    )
}


def finding(
    rule: str,
    subject: str,
    documented: str | None,
    actual: str | None,
    message: str,
    doc: Location | None = None,
    code: Location | None = None,
    severity: Severity | None = None,
) -> Finding:
    known = SAMPLE_RULES.get(rule)
    category = known.category if known else category_of(rule)
    level = severity or (known.severity if known else Severity.ERROR)
    return Finding(rule, category, level, subject, documented, actual, message, doc, code)


SEED_FINDINGS: tuple[Finding, ...] = (
    finding(
        "task.qualified-name",
        "tasks.process_batch",
        "tasks.process_batch",
        "app.workers.tasks.process_batch",
        "documented task `tasks.process_batch` is registered as `app.workers.tasks.process_batch`",
        Location(DOC, 22),
        Location(TASKS, 31),
    ),
    finding(
        "task.renamed",
        "tasks.generate_single_model",
        "tasks.generate_single_model",
        "app.workers.tasks.generate_3d_model_task",
        "documented task `tasks.generate_single_model` is registered as "
        "`app.workers.tasks.generate_3d_model_task`",
        Location(DOC, 41),
        Location(TASKS, 57),
    ),
    finding(
        "task.missing",
        "tasks.system_health_check",
        "tasks.system_health_check",
        None,
        "documented task `tasks.system_health_check` is not registered",
        Location(DOC, 120),
    ),
    finding(
        "task.missing",
        "tasks.emergency_cleanup",
        "tasks.emergency_cleanup",
        None,
        "documented task `tasks.emergency_cleanup` is not registered",
        Location(DOC, 142),
    ),
    finding(
        "task.missing",
        "tasks.send_alert",
        "tasks.send_alert",
        None,
        "documented task `tasks.send_alert` is not registered",
        Location(DOC, 150),
    ),
    finding(
        "queue.orphaned",
        "priority",
        None,
        "priority",
        "queue `priority` is declared but no registered task is routed to it",
        None,
        Location(APP, 18),
    ),
    finding(
        "route.unknown-task",
        "health_check_task",
        None,
        "health_check_task",
        "`task_routes` routes `health_check_task`, which is not registered",
        None,
        Location(APP, 30),
    ),
    finding(
        "canvas.callback-mismatch",
        "tasks.process_batch",
        "finalize_batch",
        "finalize_batch_results",
        "the chord in `tasks.process_batch` calls back `finalize_batch_results`, "
        "not `finalize_batch`",
        Location(DOC, 64),
        Location(TASKS, 48),
    ),
    finding(
        "schedule.mismatch",
        "cleanup-old-files",
        "every hour at :00",
        "daily at 02:00",
        "beat entry `cleanup-old-files` runs daily at 02:00, not every hour at :00",
        Location(DOC, 171),
        Location(APP, 44),
    ),
    finding(
        "schedule.missing",
        "system-health-check",
        "every 10 minutes",
        None,
        "documented beat entry `system-health-check` does not exist",
        Location(DOC, 176),
    ),
    finding(
        "schedule.undocumented",
        "disk-usage-monitoring",
        None,
        "every hour at :00",
        "beat entry `disk-usage-monitoring` is not documented",
        None,
        Location(APP, 52),
    ),
    finding(
        "signal.undocumented",
        "task_prerun",
        None,
        "app.workers.signals.on_prerun",
        "handler `app.workers.signals.on_prerun` of `task_prerun` is not documented",
        None,
        Location("app/workers/signals.py", 12),
    ),
)

SEED_CONFORMING: tuple[Conforming, ...] = tuple(
    Conforming("queues", name, Location(DOC, line), Location(APP, 12 + i))
    for i, (name, line) in enumerate(
        [("batch_processing", 88), ("model_generation", 89), ("maintenance", 90), ("priority", 91)]
    )
)

SEED_NOTICES: tuple[Notice, ...] = (
    Notice(
        "not-judged", "route of `dynamic_task` depends on a router function (static mode)", APP, 36
    ),
    Notice("parse-error", "a ```python block does not parse: invalid syntax", DOC, 200),
)


def seed_result(**changes: object) -> CheckResult:
    """The seed report's situation as the pipeline would hand it to the reports."""
    fields: dict[str, object] = {
        "mode": "live",
        "findings": SEED_FINDINGS,
        "conforming": SEED_CONFORMING,
        "notices": SEED_NOTICES,
        "app": "app.workers.celery_app:celery_app",
        "docs": (DOC,),
    }
    fields.update(changes)
    return CheckResult(**fields)  # type: ignore[arg-type]


def assert_snapshot(name: str, text: str) -> None:
    """``text`` must equal ``snapshots/<name>``; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} changed; review the diff, then UPDATE_SNAPSHOTS=1"
