"""schedule.* and canvas.* rules."""

from __future__ import annotations

import pytest

from conformance.model import CanvasFlow, Mention, Origin, Schedule, Spec
from conformance.schedules import crontab_timing, interval_timing

from rulekit import code_task, doc_task, outcome

HOURLY = interval_timing(3600)
AT_MINUTE_0 = crontab_timing(minute="0")
DAILY_2AM = crontab_timing(minute="0", hour="2")
TASKS = (code_task("app.cleanup.cleanup_old_files"),)

SCHEDULE_CASES = [
    # Documented, kept in a beat database but switched off: disabled, not missing.
    (
        Spec(schedules=(Schedule("cleanup", "tasks.cleanup_old_files", HOURLY),)),
        Spec(
            tasks=TASKS,
            schedules=(Schedule("cleanup", "app.cleanup.cleanup_old_files", None, enabled=False),),
        ),
        {("schedule.disabled", "cleanup")},
    ),
    # A switched-off entry the docs do not list is not "undocumented" (beat never runs it).
    (
        Spec(schedules=(Schedule("cleanup", "tasks.cleanup_old_files", HOURLY),)),
        Spec(
            tasks=TASKS,
            schedules=(
                Schedule("cleanup", "app.cleanup.cleanup_old_files", AT_MINUTE_0),
                Schedule("old-job", "app.cleanup.cleanup_old_files", None, enabled=False),
            ),
        ),
        set(),
    ),
    # "every hour" equals crontab(minute=0): compared as times, not text.
    (
        Spec(schedules=(Schedule("cleanup", "tasks.cleanup_old_files", HOURLY),)),
        Spec(
            tasks=TASKS,
            schedules=(Schedule("cleanup", "app.cleanup.cleanup_old_files", AT_MINUTE_0),),
        ),
        set(),
    ),
    # Hourly in the docs, daily at 02:00 in the code.
    (
        Spec(schedules=(Schedule("cleanup", "tasks.cleanup_old_files", HOURLY),)),
        Spec(
            tasks=TASKS,
            schedules=(Schedule("cleanup", "app.cleanup.cleanup_old_files", DAILY_2AM),),
        ),
        {("schedule.mismatch", "cleanup")},
    ),
    # Every 7 minutes is not */7 (which resets at :00).
    (
        Spec(schedules=(Schedule("poll", None, interval_timing(420)),)),
        Spec(schedules=(Schedule("poll", None, crontab_timing(minute="*/7")),)),
        {("schedule.mismatch", "poll")},
    ),
    # Documented, missing; and the reverse.
    (
        Spec(schedules=(Schedule("health", "tasks.health", interval_timing(600)),)),
        Spec(tasks=TASKS, schedules=(Schedule("disk", "app.cleanup.cleanup_old_files", HOURLY),)),
        {("schedule.missing", "health"), ("schedule.undocumented", "disk")},
    ),
    # A beat entry the docs mention in passing is documented.
    (
        Spec(
            schedules=(Schedule("cleanup", "app.cleanup.cleanup_old_files", HOURLY),),
            mentions=(Mention("disk"),),
        ),
        Spec(
            tasks=TASKS,
            schedules=(
                Schedule("cleanup", "app.cleanup.cleanup_old_files", HOURLY),
                Schedule("disk", "app.cleanup.cleanup_old_files", HOURLY),
            ),
        ),
        set(),
    ),
    # Docs that describe no beat entry are not expected to list the schedule.
    (
        Spec(tasks=(TASKS[0],)),
        Spec(tasks=TASKS, schedules=(Schedule("disk", "app.cleanup.cleanup_old_files", HOURLY),)),
        set(),
    ),
    # Another task than documented.
    (
        Spec(schedules=(Schedule("cleanup", "tasks.rotate_logs", HOURLY),)),
        Spec(
            tasks=(*TASKS, code_task("app.logs.rotate_logs")),
            schedules=(Schedule("cleanup", "app.cleanup.cleanup_old_files", HOURLY),),
        ),
        {("schedule.task-mismatch", "cleanup")},
    ),
    # An entry for a task nobody registered.
    (
        Spec(schedules=(Schedule("purge", "app.jobs.purge", HOURLY),)),
        Spec(schedules=(Schedule("purge", "app.jobs.purge", HOURLY),)),
        {("schedule.unknown-task", "purge")},
    ),
    # Static mode, a task of an installed library (kitsune routes and schedules
    # `post_office.tasks.send_queued_mail`): only run time knows, not judged ...
    (
        Spec(),
        Spec(
            tasks=(code_task("app.cleanup.cleanup_old_files", origin=Origin.STATIC),),
            schedules=(Schedule("mail", "post_office.tasks.send_queued_mail", HOURLY),),
        ),
        set(),
    ),
    # ... while a missing task of the project's own package is reported.
    (
        Spec(),
        Spec(
            tasks=(code_task("app.cleanup.cleanup_old_files", origin=Origin.STATIC),),
            schedules=(Schedule("mail", "app.mail.send_queued_mail", HOURLY),),
        ),
        {("schedule.unknown-task", "mail")},
    ),
    # A misspelt project package is a typo, not a library (kitsune routed
    # `kitusne.announcements.tasks.send_group_email` for a week).
    (
        Spec(),
        Spec(
            tasks=(code_task("billing.cleanup.cleanup_old_files", origin=Origin.STATIC),),
            schedules=(Schedule("mail", "bilxing.mail.send_queued_mail", HOURLY),),
        ),
        {("schedule.unknown-task", "mail")},
    ),
    # A task the project registers under another path: the entry was left behind by a
    # move (glitchtip moved `files` to `apps/files` and kept `files.tasks.cleanup_old_files`).
    (
        Spec(),
        Spec(
            tasks=(code_task("apps.files.tasks.cleanup_old_files", origin=Origin.STATIC),),
            schedules=(Schedule("cleanup", "files.tasks.cleanup_old_files", HOURLY),),
        ),
        {("schedule.unknown-task", "cleanup")},
    ),
    # Live mode sees the real registry: a library task that is not there is not there.
    (
        Spec(),
        Spec(
            tasks=(code_task("app.cleanup.cleanup_old_files"),),
            schedules=(Schedule("mail", "post_office.tasks.send_queued_mail", HOURLY),),
        ),
        {("schedule.unknown-task", "mail")},
    ),
    # Celery's own tasks are registered in every app (the probe leaves them out).
    (
        Spec(schedules=(Schedule("backend-cleanup", "celery.backend_cleanup", DAILY_2AM),)),
        Spec(schedules=(Schedule("backend-cleanup", "celery.backend_cleanup", DAILY_2AM),)),
        set(),
    ),
    # Unknown timing on either side (dynamic): not judged.
    (
        Spec(schedules=(Schedule("x", None, HOURLY),)),
        Spec(schedules=(Schedule("x", None, None),)),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), SCHEDULE_CASES)
def test_schedule_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "schedule.") == expected


def test_a_renamed_task_in_a_beat_entry_is_not_a_task_mismatch() -> None:
    documented = Spec(
        tasks=(doc_task("tasks.purge", params=("days",)),),
        schedules=(Schedule("purge", "tasks.purge", HOURLY),),
    )
    actual = Spec(
        tasks=(code_task("app.jobs.purge_old", params=("days",)),),
        schedules=(Schedule("purge", "app.jobs.purge_old", HOURLY),),
    )
    assert outcome(documented, actual, "schedule.") == set()


BATCH = (
    code_task("app.t.process_batch", function="app.t.process_batch"),
    code_task("app.t.generate", function="app.t.generate"),
    code_task("app.t.finalize_batch", function="app.t.finalize_batch"),
    code_task("app.t.finalize_batch_results", function="app.t.finalize_batch_results"),
)
DOC_BATCH = (doc_task("tasks.process_batch"), doc_task("generate"))

CANVAS_CASES = [
    # Same chord, same callback.
    (
        Spec(
            tasks=DOC_BATCH,
            canvas=(CanvasFlow("chord", ("generate",), "finalize_batch", "tasks.process_batch"),),
        ),
        Spec(
            tasks=BATCH,
            canvas=(CanvasFlow("chord", ("generate",), "finalize_batch", "app.t.process_batch"),),
        ),
        set(),
    ),
    # Another callback.
    (
        Spec(
            tasks=DOC_BATCH,
            canvas=(CanvasFlow("chord", ("generate",), "finalize_batch", "tasks.process_batch"),),
        ),
        Spec(
            tasks=BATCH,
            canvas=(
                CanvasFlow("chord", ("generate",), "finalize_batch_results", "app.t.process_batch"),
            ),
        ),
        {("canvas.callback-mismatch", "finalize_batch")},
    ),
    # Documented chord, the code builds a group.
    (
        Spec(
            tasks=DOC_BATCH,
            canvas=(CanvasFlow("chord", ("generate",), "finalize_batch", "tasks.process_batch"),),
        ),
        Spec(
            tasks=BATCH, canvas=(CanvasFlow("group", ("generate",), None, "app.t.process_batch"),)
        ),
        {("canvas.primitive-mismatch", "finalize_batch")},
    ),
    # Documented chord, the building task builds nothing.
    (
        Spec(
            tasks=DOC_BATCH,
            canvas=(CanvasFlow("chord", ("generate",), "finalize_batch", "tasks.process_batch"),),
        ),
        Spec(tasks=BATCH),
        {("canvas.primitive-mismatch", "finalize_batch")},
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), CANVAS_CASES)
def test_canvas_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "canvas.") == expected
