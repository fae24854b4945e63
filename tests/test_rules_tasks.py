"""task.* rules: a table of documented vs registered tasks and the findings expected."""

from __future__ import annotations

import pytest

from conformance.model import CanvasFlow, Mention, Queue, Route, Schedule, Spec
from conformance.schedules import interval_timing

from rulekit import code_task, conforming, doc_task, outcome

CASES = [
    # Exact registered name: conforming, nothing reported.
    (Spec(tasks=(doc_task("app.tasks.send"),)), Spec(tasks=(code_task("app.tasks.send"),)), set()),
    # A bare documented name only has to match the last part unambiguously.
    (Spec(tasks=(doc_task("send"),)), Spec(tasks=(code_task("app.tasks.send"),)), set()),
    # A dotted documented name must be the registered name.
    (
        Spec(tasks=(doc_task("tasks.process_batch"),)),
        Spec(tasks=(code_task("app.workers.tasks.process_batch"),)),
        {("task.qualified-name", "tasks.process_batch")},
    ),
    # Not registered at all.
    (
        Spec(tasks=(doc_task("tasks.send_alert"),)),
        Spec(tasks=(code_task("app.tasks.other"),)),
        {("task.missing", "tasks.send_alert"), ("task.undocumented", "app.tasks.other")},
    ),
    # A rename backed by role: same queue and same parameters.
    (
        Spec(
            tasks=(
                doc_task(
                    "tasks.generate_single_model", queue="models", params=("image_url", "batch_id")
                ),
            )
        ),
        Spec(
            tasks=(
                code_task(
                    "app.tasks.generate_3d_model_task",
                    queue="models",
                    params=("image_url", "batch_id"),
                ),
            )
        ),
        {("task.renamed", "tasks.generate_single_model")},
    ),
    # A name that differs by one word, each the other's closest: a rename even without a
    # shared role (found on a real project: `..._phase_...` documented, `..._project_...` coded).
    (
        Spec(tasks=(doc_task("send_recently_started_phase_notifications"),)),
        Spec(
            tasks=(
                code_task("app.n.send_recently_started_project_notifications"),
                code_task("app.n.send_upcoming_event_notifications"),
            )
        ),
        {
            ("task.renamed", "send_recently_started_phase_notifications"),
            ("task.undocumented", "app.n.send_upcoming_event_notifications"),
        },
    ),
    # Two documented names equally close to one registered name: ambiguous, no pairing.
    (
        Spec(
            tasks=(
                doc_task("refresh_all_project_summary_cache_x"),
                doc_task("refresh_all_project_summary_cache_y"),
            )
        ),
        Spec(tasks=(code_task("app.t.refresh_all_project_summary_cache_z"),)),
        {
            ("task.missing", "refresh_all_project_summary_cache_x"),
            ("task.missing", "refresh_all_project_summary_cache_y"),
            ("task.undocumented", "app.t.refresh_all_project_summary_cache_z"),
        },
    ),
    # A similar name alone never pairs: no shared role, so missing + undocumented.
    (
        Spec(tasks=(doc_task("send_alert", queue="priority"),)),
        Spec(tasks=(code_task("app.tasks.send_alerts_digest", queue="reports"),)),
        {("task.missing", "send_alert"), ("task.undocumented", "app.tasks.send_alerts_digest")},
    ),
    # Unrelated names with one shared role (same queue) are still not a rename.
    (
        Spec(tasks=(doc_task("tasks.system_health_check", queue="maintenance"),)),
        Spec(tasks=(code_task("app.cleanup.monitor_disk_usage", queue="maintenance"),)),
        {
            ("task.missing", "tasks.system_health_check"),
            ("task.undocumented", "app.cleanup.monitor_disk_usage"),
        },
    ),
    # Two registered tasks share the base name: a bare doc name is ambiguous.
    (
        Spec(tasks=(doc_task("send"),)),
        Spec(tasks=(code_task("app.a.send"), code_task("app.b.send"))),
        {
            ("task.missing", "send"),
            ("task.undocumented", "app.a.send"),
            ("task.undocumented", "app.b.send"),
        },
    ),
    # Documenting one of Celery's built-in tasks is never drift.
    (Spec(tasks=(doc_task("celery.backend_cleanup"),)), Spec(), set()),
    # Documented options equal to the effective ones: nothing to say.
    (
        Spec(tasks=(doc_task("app.t.x", options={"time_limit": 3600, "max_retries": 3}),)),
        Spec(tasks=(code_task("app.t.x", options={"time_limit": 3600.0, "max_retries": 3}),)),
        set(),
    ),
    # A documented option that differs.
    (
        Spec(tasks=(doc_task("app.t.x", options={"time_limit": 3600}),)),
        Spec(tasks=(code_task("app.t.x", options={"time_limit": 1800}),)),
        {("task.option-mismatch", "app.t.x")},
    ),
    # Conforming: a task the docs name only as what a beat entry runs is mentioned.
    (
        Spec(schedules=(Schedule("weekly-report", "tasks.weekly_report"),)),
        Spec(
            tasks=(code_task("tasks.weekly_report"),),
            schedules=(Schedule("weekly-report", "tasks.weekly_report"),),
        ),
        set(),
    ),
    # Conforming: a task the docs name only in their `task_routes` is mentioned.
    (
        Spec(routes=(Route("tasks.weekly_report", "maintenance"),)),
        Spec(tasks=(code_task("tasks.weekly_report"),)),
        set(),
    ),
    # Docs that name no task at all (a README about queues, a deployment guide) are no
    # task catalogue: registered tasks are not reported one by one (found on the corpus).
    (
        Spec(queues=(Queue("batch"),)),
        Spec(tasks=(code_task("app.t.x"), code_task("app.t.y"))),
        set(),
    ),
    # A task the docs mention in a sentence is documented: by its registered name, by its
    # last part, or as `module:function` (kitsune names two tasks only in prose).
    (
        Spec(
            tasks=(doc_task("app.t.x"),),
            mentions=(Mention("app.t.y"), Mention("z"), Mention("app.t:w")),
        ),
        Spec(tasks=tuple(code_task(f"app.t.{n}") for n in "xyzw")),
        set(),
    ),
    # A mention that resolves to nothing is no claim: never a finding.
    (
        Spec(tasks=(doc_task("app.t.x"),), mentions=(Mention("app.t.nothing"),)),
        Spec(tasks=(code_task("app.t.x"), code_task("app.t.other"))),
        {("task.undocumented", "app.t.other")},
    ),
    # A beat entry's task the docs name differently still leaves the real task unmentioned.
    (
        Spec(schedules=(Schedule("weekly-report", "tasks.monthly_report"),)),
        Spec(tasks=(code_task("tasks.weekly_report"),)),
        {("task.undocumented", "tasks.weekly_report")},
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), CASES)
def test_task_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "task.") == expected


def test_rename_found_through_the_chord_it_sits_in() -> None:
    documented = Spec(
        tasks=(doc_task("tasks.process_batch"), doc_task("tasks.generate_single_model")),
        canvas=(
            CanvasFlow(
                "chord", ("generate_single_model",), "finalize_batch", "tasks.process_batch"
            ),
        ),
    )
    actual = Spec(
        tasks=(
            code_task("app.tasks.process_batch"),
            code_task("app.tasks.generate_3d_model_task"),
            code_task("app.tasks.finalize_batch_results"),
        ),
        canvas=(
            CanvasFlow(
                "chord",
                ("generate_3d_model_task",),
                "finalize_batch_results",
                "app.tasks.process_batch",
            ),
        ),
    )
    found = outcome(documented, actual)
    assert ("task.renamed", "tasks.generate_single_model") in found
    # The callback's code counterpart is accounted for by the canvas rule, not undocumented.
    assert ("task.undocumented", "app.tasks.finalize_batch_results") not in found
    assert ("canvas.callback-mismatch", "finalize_batch") in found


def test_rename_found_through_the_beat_entry() -> None:
    documented = Spec(
        tasks=(doc_task("tasks.purge"),),
        schedules=(Schedule("nightly-purge", "tasks.purge", interval_timing(86400)),),
    )
    actual = Spec(
        tasks=(code_task("app.jobs.purge_expired"),),
        schedules=(Schedule("nightly-purge", "app.jobs.purge_expired", interval_timing(86400)),),
    )
    assert outcome(documented, actual, "task.") == {("task.renamed", "tasks.purge")}


def test_documented_route_gives_the_documented_queue_for_a_rename() -> None:
    documented = Spec(
        tasks=(doc_task("tasks.make_thumbs", params=("img",)),),
        routes=(Route("tasks.make_thumbs", "images"),),
    )
    actual = Spec(tasks=(code_task("app.t.make_thumbnails", queue="images", params=("img",)),))
    assert outcome(documented, actual, "task.") == {("task.renamed", "tasks.make_thumbs")}


def test_conforming_tasks_are_listed() -> None:
    documented = Spec(tasks=(doc_task("app.t.x"), doc_task("y")))
    actual = Spec(tasks=(code_task("app.t.x"), code_task("app.t.y")))
    assert conforming(documented, actual, "tasks") == {"app.t.x", "y"}


def test_mentions_of_one_task_are_merged() -> None:
    documented = Spec(
        tasks=(
            doc_task("tasks.x", line=3, queue="q"),
            doc_task("x", line=9, options={"max_retries": 5}),
        )
    )
    actual = Spec(tasks=(code_task("tasks.x", queue="q", options={"max_retries": 5}),))
    findings = outcome(documented, actual)
    assert findings == set()


def test_a_documented_name_the_deployment_runs_as_a_process_is_not_a_missing_task() -> None:
    from conformance.model import Service

    from rulekit import doc_task

    documented = Spec(tasks=(doc_task("update_bugscache"), doc_task("send_digest")))
    actual = Spec(
        services=(Service("update_bugscache", "other", command="./manage.py update_bugscache"),)
    )
    assert outcome(documented, actual, "task.missing") == {("task.missing", "send_digest")}
