"""deploy.* and config.* rules."""

from __future__ import annotations

import pytest

from conformance.model import Dispatch, Location, Queue, Service, Setting, Spec, Symbol

from rulekit import code_task, outcome

WORKERS = (Service("worker", "worker", queues=("batch",)), Service("beat", "beat"))

DEPLOY_CASES = [
    # Documented Flower present under another service name: found by role.
    (
        Spec(services=(Service("flower", "flower"),)),
        Spec(services=(*WORKERS, Service("dashboard", "flower"))),
        set(),
    ),
    (
        Spec(services=(Service("flower", "flower"),)),
        Spec(services=WORKERS),
        {("deploy.service-missing", "flower")},
    ),
    # Documented worker commands are profiles' business, not services'.
    (Spec(services=(Service("gpu", "worker", queues=("gpu",)),)), Spec(services=WORKERS), set()),
    # A declared queue that no worker consumes.
    (
        Spec(),
        Spec(
            services=WORKERS,
            queues=(Queue("batch"), Queue("priority")),
            tasks=(code_task("app.t.x", queue="batch"),),
        ),
        {("deploy.queue-unconsumed", "priority")},
    ),
    # A worker without -Q consumes the default queue.
    (
        Spec(),
        Spec(
            services=(Service("w", "worker"),),
            tasks=(code_task("app.t.x", queue="celery"),),
            settings=(Setting("task_default_queue", "celery"),),
        ),
        set(),
    ),
    # No deployment files: nothing to judge.
    (Spec(services=(Service("flower", "flower"),)), Spec(queues=(Queue("priority"),)), set()),
    # A worker without -Q consumes every declared queue, not only the default one
    # (taiga-back: CELERY_QUEUES with `tasks` and `transient`, `celery worker -B`).
    (
        Spec(),
        Spec(
            services=(Service("w", "worker"),),
            queues=(Queue("tasks"), Queue("transient")),
            settings=(Setting("task_default_queue", "tasks"),),
        ),
        set(),
    ),
    # ... while a worker with -Q consumes only those: the other declared queue waits.
    (
        Spec(),
        Spec(
            services=(Service("w", "worker", queues=("tasks",)),),
            queues=(Queue("tasks"), Queue("transient")),
        ),
        {("deploy.queue-unconsumed", "transient")},
    ),
    # A queue tasks are sent to with apply_async(queue=...) needs a worker as well.
    (
        Spec(),
        Spec(
            services=WORKERS,
            queues=(Queue("batch"),),
            tasks=(code_task("app.t.x", queue="batch"),),
            dispatches=(Dispatch("reports", "app.t.x", source=Location("app/jobs.py", 9)),),
        ),
        {("deploy.queue-unconsumed", "reports")},
    ),
    # A deploy file we could not read (Jinja in Compose, a Helm template): what it starts
    # is unknown, so neither a missing service nor an unconsumed queue is concluded.
    (
        Spec(services=(Service("flower", "flower"),)),
        Spec(
            services=(*WORKERS, Service("docker-compose.yml", dynamic=True)),
            queues=(Queue("batch"), Queue("priority")),
        ),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), DEPLOY_CASES)
def test_deploy_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "deploy.") == expected


CONFIG_CASES = [
    # Equal, including int vs float.
    (
        Spec(settings=(Setting("task_time_limit", 1800),)),
        Spec(settings=(Setting("task_time_limit", 1800.0),)),
        set(),
    ),
    (
        Spec(settings=(Setting("task_time_limit", 3600),)),
        Spec(settings=(Setting("task_time_limit", 1800),)),
        {("config.mismatch", "task_time_limit")},
    ),
    # Not set in the app: Celery's default is the effective value.
    (Spec(settings=(Setting("worker_prefetch_multiplier", 4),)), Spec(), set()),
    (
        Spec(settings=(Setting("worker_prefetch_multiplier", 1),)),
        Spec(),
        {("config.mismatch", "worker_prefetch_multiplier")},
    ),
    # Only known at run time: not judged.
    (
        Spec(settings=(Setting("task_acks_late", True),)),
        Spec(settings=(Setting("task_acks_late", None, dynamic=True),)),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), CONFIG_CASES)
def test_config_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "config.") == expected


MODULES = (
    Symbol("app", "module"),
    Symbol("app.jobs", "module"),
    Symbol("app.jobs.cleanup", "module"),
    Symbol("app.jobs.reports", "unparsed"),
)


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        # every module exists (one does not parse, but it is there)
        (["app.jobs.cleanup", "app.jobs.reports"], set()),
        # plane kept a deleted backfill module in CELERY_IMPORTS
        (
            ["app.jobs.cleanup", "app.jobs.backfill_0070"],
            {("config.module-missing", "app.jobs.backfill_0070")},
        ),
        ("app.gone", {("config.module-missing", "app.gone")}),
        # not judged: another package's module (a library), a folder the scan skips
        (["django_celery_beat.tasks", "app.migrations.tasks", "app.tests.tasks"], set()),
    ],
)
def test_imports_name_modules_that_exist(imports: object, expected: set[tuple[str, str]]) -> None:
    actual = Spec(symbols=MODULES, settings=(Setting("imports", imports),))
    assert outcome(Spec(), actual, "config.") == expected


def test_include_is_judged_like_imports() -> None:
    actual = Spec(symbols=MODULES, settings=(Setting("include", ["app.jobs.nope"]),))
    assert outcome(Spec(), actual, "config.") == {("config.module-missing", "app.jobs.nope")}


@pytest.mark.parametrize(
    ("excluded", "expected"),
    [
        ((), set()),  # without -Q a worker consumes every declared queue
        (("archive",), {("deploy.queue-unconsumed", "archive")}),  # -X archive leaves it out
    ],
)
def test_a_worker_excluding_queues_does_not_consume_them(
    excluded: tuple[str, ...], expected: set[tuple[str, str]]
) -> None:
    worker = Service("worker", "worker", exclude_queues=excluded)
    actual = Spec(
        services=(worker,),
        queues=(Queue("mail"), Queue("archive")),
        tasks=(code_task("app.t.send", queue="mail"), code_task("app.t.keep", queue="archive")),
    )
    assert outcome(Spec(), actual, "deploy.") == expected


def test_exclusions_are_read_from_the_command_line() -> None:
    from conformance.deploy.shell import services_from_shell_text

    found = services_from_shell_text("celery -A proj worker -X archive,slow\n", path="run.sh")
    assert found.spec.services[0].exclude_queues == ("archive", "slow")


@pytest.mark.parametrize("selection", ["$QUEUES", "${CELERY_QUEUES}", "$HELM_VALUE"])
def test_a_worker_whose_queues_only_run_time_knows_leaves_queues_unjudged(selection: str) -> None:
    # `-Q $QUEUES` may consume any queue: no deploy.queue-unconsumed, no profile-missing.
    from conformance.model import Worker

    worker = Service("worker", "worker", queues=(selection,))
    actual = Spec(
        services=(worker,),
        queues=(Queue("mail"), Queue("archive")),
        tasks=(code_task("app.t.send", queue="mail"), code_task("app.t.keep", queue="archive")),
    )
    documented = Spec(workers=(Worker("archiver", queues=("archive",)),))
    assert outcome(documented, actual, "deploy.") == set()
    assert outcome(documented, actual, "worker.") == set()
    # With the selection known, the same worker leaves `archive` unconsumed.
    known = Spec(
        services=(Service("worker", "worker", queues=("mail",)),),
        queues=actual.queues,
        tasks=actual.tasks,
    )
    assert outcome(Spec(), known, "deploy.") == {("deploy.queue-unconsumed", "archive")}
