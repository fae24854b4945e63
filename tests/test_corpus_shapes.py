"""Shapes found on public repositories of the real-world corpus (``benchmarks/corpus``),
each rebuilt as a small project of our own under ``tests/fixtures/corpus_shapes``.

Each project conforms as written (zero findings: every one of these was a false alarm or
a crash on the corpus); the drifting variants change a few lines in a temp copy and must
be reported. All runs are the real CLI in a child process, in static mode.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clirun import run_cli

SHAPES = Path(__file__).parent / "fixtures" / "corpus_shapes"


@pytest.fixture
def copy(tmp_path: Path):
    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(SHAPES / name, target)
        return target

    return make


def check(root: Path, *args: str) -> tuple[int, dict]:
    done = run_cli(root, "check", "--format", "json", *args)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def findings(report: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f["subject"]) for f in report["findings"]}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r}"
    path.write_text(text.replace(old, new))


# --- Django settings by star import, CELERY_IMPORTS, a flag-appended app, an alias ------


def test_django_star_settings_conform(copy) -> None:
    # plane: settings/production.py star-imports settings/common.py (CELERY_IMPORTS,
    # INSTALLED_APPS, the beat schedule); glitchtip: INSTALLED_APPS.append under a flag;
    # kitsune: `retrying = shared_task(...)` used as `@retrying`, a route to a library's
    # task; plane: doc code importing the test package's factories.
    status, report = check(copy("django_star"))
    assert (status, findings(report)) == (0, set())
    conforming = {c["subject"] for c in report["conforming"]}
    assert {"purge-stale-sessions", "charge-subscriptions"} <= conforming
    # the task in a module written in Python 3.14 syntax is registered
    assert "proj.jobs.reports.build_weekly_report" in conforming
    assert {"proj.jobs.cleanup.purge_stale_sessions", "billing.tasks.charge_subscriptions"} <= (
        conforming
    )


def test_django_star_settings_drift_is_reported(copy) -> None:
    root = copy("django_star")
    # the beat entry in the star-imported base settings names a task nobody defines
    edit(
        root / "proj/settings/base.py",
        '"task": "proj.jobs.cleanup.purge_stale_sessions"',
        '"task": "proj.jobs.cleanup.purge_old_sessions"',
    )
    # CELERY_IMPORTS keeps a module that was deleted
    edit(
        root / "proj/settings/base.py",
        '"proj.jobs.reports")',
        '"proj.jobs.reports", "proj.jobs.backfill_0070")',
    )
    # the alias decorator's retries differ from the documented 3
    edit(root / "billing/tasks.py", "max_retries=3", "max_retries=5")
    # doc code imports a module that does not exist (outside the test package)
    edit(
        root / "docs/background-jobs.md",
        "from proj.tests.factories import UserFactory",
        "from proj.factories import UserFactory",
    )
    # a dotted path in a sentence with a misspelt function
    edit(
        root / "docs/background-jobs.md",
        "`proj.jobs.cleanup:purge_stale_sessions`",
        "`proj.jobs.cleanup:purge_stale_session`",
    )
    status, report = check(root)
    found = findings(report)
    assert status == 1
    assert ("symbol.renamed", "proj.jobs.cleanup:purge_stale_session") in found
    assert ("schedule.unknown-task", "purge-stale-sessions") in found
    assert ("config.module-missing", "proj.jobs.backfill_0070") in found
    assert ("task.option-mismatch", "billing.tasks.charge_subscriptions") in found
    assert ("symbol.missing", "proj.factories.UserFactory") in found
    # the library task routed in the same settings is still not judged statically
    assert not any(subject.startswith("post_office") for _, subject in found)


def test_a_library_task_of_the_projects_own_package_name_is_judged(copy) -> None:
    root = copy("django_star")
    # the same route, but to a task of the project's own package that does not exist
    edit(
        root / "proj/settings/base.py",
        '"post_office.tasks.send_queued_mail"',
        '"proj.jobs.mail.send_queued_mail"',
    )
    status, report = check(root)
    assert ("route.unknown-task", "proj.jobs.mail.send_queued_mail") in findings(report)
    assert status == 1


# --- a worker without -Q, old queue settings, a Compose file with template tags ---------


def _only_entrypoint(root: Path) -> None:
    edit(
        root / "pyproject.toml",
        'deploy = ["docker/async_entrypoint.sh", "docker-compose.yml"]',
        'deploy = ["docker/async_entrypoint.sh"]',
    )


def test_a_templated_compose_file_is_a_notice_not_exit_2(copy) -> None:
    status, report = check(copy("entrypoint_no_q"))
    assert (status, findings(report)) == (0, set())
    [notice] = [n for n in report["notices"] if n["kind"] == "unreadable"]
    assert (notice["path"], notice["line"]) == ("docker-compose.yml", 4)
    assert "unknown" in notice["message"]


def test_a_worker_without_q_consumes_every_declared_queue(copy) -> None:
    root = copy("entrypoint_no_q")
    _only_entrypoint(root)
    status, report = check(root)
    assert (status, findings(report)) == (0, set())


def test_a_worker_with_q_leaves_the_other_declared_queue_unconsumed(copy) -> None:
    root = copy("entrypoint_no_q")
    _only_entrypoint(root)
    edit(root / "docker/async_entrypoint.sh", "worker -B", "worker -B -Q tasks")
    status, report = check(root)
    assert status == 1
    assert findings(report) == {("deploy.queue-unconsumed", "transient")}


def test_an_unreadable_deploy_file_holds_back_absence_findings(copy) -> None:
    # The same drift, but part of the deployment is a file we could not read: the
    # transient queue's worker may be there, so nothing is concluded from its absence.
    root = copy("entrypoint_no_q")
    edit(root / "docker/async_entrypoint.sh", "worker -B", "worker -B -Q tasks")
    status, report = check(root)
    assert (status, findings(report)) == (0, set())


def test_without_docs_the_implementation_is_checked_against_itself(copy) -> None:
    root = copy("entrypoint_no_q")
    _only_entrypoint(root)
    edit(root / "pyproject.toml", 'docs = ["docs/*.md"]', "docs = []")
    edit(root / "docker/async_entrypoint.sh", "worker -B", "worker -B -Q tasks")
    status, report = check(root)
    # no docs: nothing is "undocumented", the deployment drift is still found
    assert (status, findings(report)) == (1, {("deploy.queue-unconsumed", "transient")})


# --- an app factory, a settings class exported into the module (readthedocs) -------------


def test_settings_class_exported_by_load_settings_conforms(copy) -> None:
    status, report = check(copy("settings_class"))
    assert (status, findings(report)) == (0, set())


def test_settings_class_beat_entry_for_a_missing_task_is_reported(copy) -> None:
    # readthedocs kept a beat entry for a function that was never a task: the schedule is
    # a class attribute of the base settings class in another module.
    root = copy("settings_class")
    edit(
        root / "docsite/settings/base.py",
        '"task": "docsite.builds.tasks.archive_builds"',
        '"task": "docsite.builds.tasks.archive_old_builds"',
    )
    status, report = check(root)
    assert (status, findings(report)) == (1, {("schedule.unknown-task", "hourly-archive-builds")})
    [finding] = report["findings"]
    assert finding["code"]["path"] == "docsite/settings/dev.py"  # where it is exported


@pytest.mark.parametrize("mode", ["static", "live"])
def test_a_queue_named_at_the_call_is_used_in_both_modes(copy, mode: str) -> None:
    # `ping.apply_async(queue="transient")` is the only way to the transient queue: it
    # is not orphaned, and with `-Q tasks` nobody consumes it, whether we import the app
    # or read it.
    root = copy("entrypoint_no_q")
    _only_entrypoint(root)
    edit(root / "docker/async_entrypoint.sh", "worker -B", "worker -B -Q tasks")
    status, report = check(root, "--mode", mode)
    assert report["mode"] == mode
    assert (status, findings(report)) == (1, {("deploy.queue-unconsumed", "transient")})


# --- beat entries added in an on_after_configure handler --------------------------------


@pytest.mark.parametrize("mode", ["static", "live"])
def test_periodic_tasks_added_in_a_handler_conform_in_both_modes(copy, mode: str) -> None:
    status, report = check(copy("periodic_handler"), "--mode", mode)
    assert (status, findings(report)) == (0, set())
    conforming = {c["subject"] for c in report["conforming"]}
    # the unnamed entry under the key Celery gives it; tasks imported inside the handler
    assert {"ping every 10", "morning cleanup", "proj.tasks.ping('world')"} <= conforming


@pytest.mark.parametrize("mode", ["static", "live"])
def test_periodic_tasks_added_in_a_handler_drift_in_both_modes(copy, mode: str) -> None:
    root = copy("periodic_handler")
    edit(
        root / "proj/celery.py", "sender.add_periodic_task(10.0,", "sender.add_periodic_task(20.0,"
    )
    edit(root / "proj/celery.py", 'ping.s("world")', 'ping.s("everyone")')
    status, report = check(root, "--mode", mode)
    found = findings(report)
    assert status == 1
    assert ("schedule.mismatch", "ping every 10") in found
    assert ("schedule.missing", "proj.tasks.ping('world')") in found


# --- environment variables and their documented defaults --------------------------------


def test_env_defaults_conform(copy) -> None:
    # A variable read without a default (`PROJ_REDIS`, `PROJ_THREADS_PER_WORKER`) and one
    # the code never reads (`PROJ_UNUSED_SETTING`) are not judged.
    status, report = check(copy("env_defaults"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    conforming = {c["subject"] for c in report["conforming"] if c["category"] == "config"}
    assert {
        "PROJ_TASK_WORKERS",
        "PROJ_TIME_ZONE",
        "PROJ_EMAIL_ENABLED",
        "PROJ_WORKER_TIMEOUT",
        "PROJ_CONCURRENCY",  # from Compose's ${PROJ_CONCURRENCY:-8}
        "PROJ_LOG_LEVEL",
    } <= conforming


@pytest.mark.parametrize(
    ("old", "new", "subject"),
    [
        ("    Defaults to 1\n", "    Defaults to 2\n", "PROJ_TASK_WORKERS"),
        ("    Defaults to UTC.", "    Defaults to Europe/Berlin.", "PROJ_TIME_ZONE"),
        (
            "`PROJ_EMAIL_ENABLED` defaults to false",
            "`PROJ_EMAIL_ENABLED` defaults to true",
            "PROJ_EMAIL_ENABLED",
        ),
        (
            "| `PROJ_WORKER_TIMEOUT` | 1800 |",
            "| `PROJ_WORKER_TIMEOUT` | 3600 |",
            "PROJ_WORKER_TIMEOUT",
        ),
        (
            "`PROJ_CONCURRENCY` defaults to 8",
            "`PROJ_CONCURRENCY` defaults to 4",
            "PROJ_CONCURRENCY",
        ),
    ],
)
def test_env_default_drift_is_found(copy, old: str, new: str, subject: str) -> None:
    root = copy("env_defaults")
    edit(root / "docs" / "configuration.md", old, new)
    status, report = check(root)
    assert status == 1
    (finding,) = [f for f in report["findings"] if f["subject"] == subject]
    assert finding["rule"] == "config.env-default-mismatch"
    assert finding["code"]["path"] in ("proj/celery.py", "docker-compose.yml")
    assert finding["doc"]["evidence"]


def test_a_renamed_env_variable_is_found(copy) -> None:
    root = copy("env_defaults")
    edit(root / "docs" / "configuration.md", "`PROJ_PUSH_SOURCES`", "`PROJ_SOURCE_PUSHES`")
    status, report = check(root)
    assert status == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["subject"], finding["actual"]) == (
        "config.env-unread",
        "PROJ_SOURCE_PUSHES",
        "PROJ_PUSH_SOURCES",
    )
    assert finding["doc"]["evidence"] == ["cue: 'environment variable'"]


# --- queues named in sentences and worker commands ----------------------------------------


def test_queue_claims_conform(copy) -> None:
    status, report = check(copy("queue_claims"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    conforming = {c["subject"] for c in report["conforming"] if c["category"] == "queues"}
    assert conforming == {"mail", "reports"}


@pytest.mark.parametrize(
    ("old", "new", "queue"),
    [
        ("`mail` and `reports` queues", "`mail` and `report` queues", "report"),
        ("-Q mail,reports", "-Q mail,reports,outbox", "outbox"),
    ],
)
def test_a_documented_queue_that_does_not_exist(copy, old: str, new: str, queue: str) -> None:
    root = copy("queue_claims")
    edit(root / "docs" / "workers.md", old, new)
    status, report = check(root)
    assert status == 1
    assert ("queue.missing", queue) in findings(report)


def test_a_queue_listing_expects_every_queue(copy) -> None:
    # A list under a "Queues" heading is a catalogue (a sentence is not): now the
    # `archive` queue, which no page names, is undocumented.
    root = copy("queue_claims")
    page = root / "docs" / "workers.md"
    page.write_text(page.read_text() + "\n## Queues\n\n- `mail`\n- `reports`\n")
    _status, report = check(root)
    assert findings(report) == {("queue.undocumented", "archive")}


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("with a concurrency of 2", "with a concurrency of 4", "worker.profile-mismatch"),
        (
            "`io` worker consumes `mail` and `reports`",
            "`io` worker consumes `mail` and `archive`",
            "worker.profile-mismatch",
        ),
    ],
)
def test_a_worker_sentence_is_a_profile_claim(copy, old: str, new: str, rule: str) -> None:
    # "The `io` worker consumes `mail` and `reports` with a concurrency of 2" against the
    # Procfile's `io` worker.
    root = copy("queue_claims")
    edit(root / "docs" / "workers.md", old, new)
    status, report = check(root)
    assert status == 0  # worker findings are warnings
    found = {(f["rule"], f["subject"]) for f in report["findings"] if f["rule"].startswith(rule)}
    assert any(subject == "io" for _, subject in found), report["findings"]


# --- shell entrypoints that dispatch on their argument ----------------------------------


def test_entrypoint_dispatch_conforms(copy) -> None:
    status, report = check(copy("entrypoint_case"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    workers = {c["subject"] for c in report["conforming"] if c["category"] == "workers"}
    # Each branch is the process its word names, function bodies and agents included.
    assert workers == {"worker-mail", "worker-reports", "worker-archive"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # the archive branch commented out: its queue has no worker any more
        (
            'if [ "$1" = "worker-archive" ]; then\n    exec ddtrace-run celery -A proj.celery '
            "worker -Q archive -c 1\nelif",
            '# if [ "$1" = "worker-archive" ]; then\n#     exec ddtrace-run celery -A '
            "proj.celery worker -Q archive -c 1\nif",
            {("deploy.queue-unconsumed", "archive"), ("worker.profile-missing", "worker-archive")},
        ),
        # the function a branch calls sets the concurrency
        ("--concurrency=4", "--concurrency=8", {("worker.profile-mismatch", "worker-mail")}),
        # the variable set before the branch names the queue
        (
            'REPORT_QUEUES="${REPORT_QUEUES:-reports}"',
            'REPORT_QUEUES="${REPORT_QUEUES:-report}"',
            {("worker.profile-mismatch", "worker-reports"), ("deploy.queue-unconsumed", "reports")},
        ),
    ],
)
def test_entrypoint_dispatch_drift(copy, old: str, new: str, expected: set) -> None:
    root = copy("entrypoint_case")
    edit(root / "docker" / "entrypoint.sh", old, new)
    _status, report = check(root)
    assert expected <= findings(report), findings(report)


# --- metrics from custom collectors and helpers in other packages ------------------------


def test_metric_shapes_conform(copy) -> None:
    status, report = check(copy("metric_shapes"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    metrics = {c["subject"] for c in report["conforming"] if c["category"] == "metrics"}
    assert metrics == {
        "task_failures_total",
        "celery_queue_depth",
        # exposed by libraries: prometheus-fastapi-instrumentator (imported by proj/web.py)
        # and prometheus_client's default registry
        "http_requests_total",
        "process_resident_memory_bytes",
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "`celery_queue_depth` | gauge",
            "`celery_queue_size` | gauge",
            ("metric.missing", "celery_queue_size"),
        ),
        (
            "`celery_queue_depth` | gauge",
            "`celery_queue_depth` | counter",
            ("metric.type-mismatch", "celery_queue_depth"),
        ),
    ],
)
def test_metric_shapes_drift(copy, old: str, new: str, expected: tuple[str, str]) -> None:
    root = copy("metric_shapes")
    edit(root / "docs" / "metrics.md", old, new)
    _status, report = check(root)
    assert expected in findings(report)


def test_library_metrics_need_the_library(copy) -> None:
    # Without the instrumentator's import, its metric is defined nowhere.
    root = copy("metric_shapes")
    (root / "proj" / "web.py").unlink()
    _status, report = check(root)
    assert findings(report) == {("metric.missing", "http_requests_total")}


def test_a_metric_no_code_records_is_still_not_integrated(copy) -> None:
    # Recorded anywhere in the project counts (the helper does); recorded nowhere does not.
    root = copy("metric_shapes")
    edit(
        root / "proj" / "observability" / "helpers.py",
        "TASK_FAILURES.labels(task=task_name).inc()",
        "pass",
    )
    _status, report = check(root)
    assert ("metric.not-integrated", "task_failures") in findings(report)


# (env_defaults reads a required variable at import, as real settings do: static only.)
@pytest.mark.parametrize(
    "shape", ["entrypoint_case", "metric_shapes", "queue_claims", "task_factories"]
)
def test_static_and_live_agree_on_the_shapes(copy, shape: str) -> None:
    root = copy(shape)
    reports = [check(root, "--mode", mode, "--fail-on", "info")[1] for mode in ("static", "live")]
    static, live = ({(c["category"], c["subject"]) for c in r["conforming"]} for r in reports)
    assert findings(reports[0]) == findings(reports[1]) == set()
    assert static == live


def test_compose_command_words_run_the_entrypoint_branch(copy) -> None:
    # `entrypoint: ./docker/entrypoint.sh` + `command: worker-mail`: the branch's worker.
    root = copy("entrypoint_case")
    edit(
        root / "pyproject.toml",
        'deploy = ["docker/entrypoint.sh"]',
        'deploy = ["docker-compose.yml"]',
    )
    status, report = check(root, "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    workers = {c["subject"] for c in report["conforming"] if c["category"] == "workers"}
    assert workers == {"worker-mail", "worker-reports", "worker-archive"}
    # Without the archive service, its queue has no worker.
    compose = root / "docker-compose.yml"
    text = compose.read_text()
    start, end = text.index("  worker-archive:"), text.index("  web:")
    compose.write_text(text[:start] + text[end:])
    _status, report = check(root)
    assert ("deploy.queue-unconsumed", "archive") in findings(report)


# --- tasks from base classes and decorator factories --------------------------------------


def test_task_factories_conform(copy) -> None:
    status, report = check(copy("task_factories"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    tasks = {c["subject"] for c in report["conforming"] if c["category"] == "tasks"}
    assert tasks == {
        "proj.sync",
        "proj.cleanup",
        "proj.tasks.report",
        "proj.send-mail",
        "proj.rebuild-index",  # through a factory imported from proj.scheduling
    }


@pytest.mark.parametrize(
    ("old", "new", "subject"),
    [
        ("| `proj.sync` | — | 7 |", "| `proj.sync` | — | 3 |", "proj.sync"),  # base class
        ("| `proj.cleanup` | 60 |", "| `proj.cleanup` | 120 |", "proj.cleanup"),  # factory
        ("limit of 5 minutes", "limit of 10 minutes", "proj.rebuild-index"),  # imported one
    ],
)
def test_task_factories_drift(copy, old: str, new: str, subject: str) -> None:
    root = copy("task_factories")
    edit(root / "docs" / "tasks.md", old, new)
    _status, report = check(root)
    assert ("task.option-mismatch", subject) in findings(report)


def test_a_documented_process_the_entrypoint_lacks(copy) -> None:
    # "The `web` process": the entrypoint's `web)` branch starts it (gunicorn, not celery).
    root = copy("entrypoint_case")
    edit(root / "docs" / "workers.md", "The `web` process", "The `webapp` process")
    status, report = check(root)
    assert status == 1
    assert findings(report) == {("deploy.service-missing", "webapp")}


def test_compose_command_words_run_the_image_entrypoint_branch(copy) -> None:
    # No `entrypoint:` in Compose: the Dockerfile's ENTRYPOINT, a script COPYed from the
    # build context, dispatches on the command word.
    root = copy("entrypoint_case")
    edit(
        root / "pyproject.toml",
        'deploy = ["docker/entrypoint.sh"]',
        'deploy = ["docker-compose.image.yml"]',
    )
    status, report = check(root, "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    workers = {c["subject"] for c in report["conforming"] if c["category"] == "workers"}
    assert workers == {"worker-mail", "worker-reports", "worker-archive"}
    edit(root / "Dockerfile", "COPY docker/entrypoint.sh", "COPY docker/missing.sh")
    _status, report = check(root)
    assert ("worker.profile-missing", "worker-mail") in findings(report)


# --- Django plugins changing settings at start-up ------------------------------------------


def test_django_plugin_hooks_conform(copy) -> None:
    status, report = check(copy("django_plugin_hooks"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    entries = {c["subject"] for c in report["conforming"] if c["category"] == "schedules"}
    assert entries == {"nightly", "plugin-sync"}


def test_django_plugin_hooks_drift(copy) -> None:
    root = copy("django_plugin_hooks")
    edit(root / "docs" / "beat.md", "| every 10 minutes |", "| every 5 minutes |")
    _status, report = check(root)
    assert ("schedule.mismatch", "plugin-sync") in findings(report)


# --- Helm charts ----------------------------------------------------------------------------


def test_helm_chart_conforms(copy) -> None:
    status, report = check(copy("helm_chart"), "--fail-on", "info")
    assert (status, findings(report)) == (0, set())
    assert report["notices"] == []  # the template is read, not `unreadable`
    assert {c["subject"] for c in report["conforming"]} == {"worker"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('queues: "mail,reports"', 'queues: "mail"', ("deploy.queue-unconsumed", "reports")),
        ("concurrency: 4", "concurrency: 2", ("worker.profile-mismatch", "worker")),
    ],
)
def test_helm_chart_values_drift(copy, old: str, new: str, expected: tuple[str, str]) -> None:
    root = copy("helm_chart")
    edit(root / "chart" / "values.yaml", old, new)
    _status, report = check(root)
    assert expected in findings(report)
