"""runtime.* rules on specs: what the running workers report against the code and docs.

The workers here are what `inspect_workers` would return (``RunningWorker`` items); the
tests with real workers and brokers are in ``test_runtime_workers.py``.
"""

from __future__ import annotations

from conformance.model import (
    Dispatch,
    Location,
    Origin,
    Queue,
    RunningWorker,
    Service,
    Setting,
    Spec,
    Worker,
)
from conformance.rules import run_rules
from conformance.runtime.workers import pool_alias

from rulekit import code_task, conforming, doc_task, outcome

TASKS = (
    code_task("shop.tasks.send_email", 4, queue="emails"),
    code_task("shop.tasks.build_report", 9, queue="reports"),
    code_task("shop.tasks.cleanup", 14, queue="celery"),
)
CODE = Spec(tasks=TASKS)
ALL = ("shop.tasks.send_email", "shop.tasks.build_report", "shop.tasks.cleanup")


def worker(
    name: str, queues: tuple[str, ...], tasks: tuple[str, ...] = ALL, **kw: object
) -> RunningWorker:
    return RunningWorker(f"{name}@host-1", queues, tasks, origin=Origin.RUNTIME, **kw)  # type: ignore[arg-type]


def running(*workers: RunningWorker, code: Spec = CODE) -> Spec:
    return code.merge(Spec(running=workers))


def profile(name: str, queues: tuple[str, ...], **kw: object) -> Worker:
    return Worker(name, "profile", queues, source=Location("docs/workers.md", 3), **kw)  # type: ignore[arg-type]


def test_nothing_is_judged_without_running_workers() -> None:
    assert outcome(Spec(), CODE, "runtime.") == set()
    assert conforming(Spec(), CODE, "runtime") == set()


def test_a_routed_queue_no_running_worker_consumes() -> None:
    actual = running(worker("mail", ("emails",)))
    findings, _ = run_rules(Spec(), actual)
    found = {f.subject: f for f in findings if f.rule == "runtime.queue-unconsumed"}
    assert set(found) == {"reports", "celery"}
    assert found["celery"].code == Location("shop/tasks.py", 14)
    assert "1 task routed there: `shop.tasks.cleanup`" in found["celery"].message
    assert "the running workers consume `emails`" in found["celery"].message
    assert found["celery"].actual is None  # worker names never enter the fingerprint
    assert "emails" in conforming(Spec(), actual, "runtime")


def test_a_queue_only_a_call_site_sends_to_needs_a_consumer_too() -> None:
    code = Spec(
        tasks=TASKS,
        dispatches=(
            Dispatch("urgent", "shop.tasks.send_email", source=Location("shop/views.py", 8)),
            Dispatch(None, "shop.tasks.send_email", dynamic=True),
        ),
    )
    actual = running(worker("all", ("emails", "reports", "celery")), code=code)
    findings, _ = run_rules(Spec(), actual)
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert (finding.rule, finding.subject, finding.code) == (
        "runtime.queue-unconsumed",
        "urgent",
        Location("shop/views.py", 8),
    )
    assert "sent there with `queue=`" in finding.message


def test_a_declared_queue_is_located_at_its_declaration() -> None:
    code = Spec(tasks=TASKS, queues=(Queue("reports", source=Location("shop/celery_app.py", 7)),))
    findings, _ = run_rules(Spec(), running(worker("mail", ("emails", "celery")), code=code))
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert finding.code == Location("shop/celery_app.py", 7)


def test_a_task_whose_queue_is_only_known_at_run_time_names_no_queue() -> None:
    code = Spec(tasks=(code_task("shop.tasks.dynamic", 3, queue=None),))
    actual = running(worker("any", ("celery",), ("shop.tasks.dynamic",)), code=code)
    assert outcome(Spec(), actual, "runtime.") == set()


def test_a_task_the_workers_on_its_queue_have_not_registered() -> None:
    old = ("shop.tasks.send_email", "shop.tasks.build_report")
    actual = running(worker("general", ("emails", "reports", "celery"), old))
    documented = Spec(tasks=(doc_task("shop.tasks.cleanup", 12),))
    findings, _ = run_rules(documented, actual)
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert (finding.rule, finding.subject, finding.severity.value) == (
        "runtime.task-unregistered",
        "shop.tasks.cleanup",
        "error",
    )
    assert finding.doc == Location("docs/tasks.md", 12)
    assert finding.code == Location("shop/tasks.py", 14)
    assert (
        "routed to `celery`, but the running worker consuming it `general@host-1` has not "
        "registered it: an older image?"
    ) in finding.message


def test_a_task_is_judged_on_the_workers_that_consume_its_queue() -> None:
    actual = running(
        worker("general", ("celery",), ("shop.tasks.send_email",)),
        worker("mail", ("emails", "reports"), ALL),
    )
    findings, _ = run_rules(Spec(), actual)
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert finding.subject == "shop.tasks.cleanup"
    assert "`general@host-1` has not registered it (`mail@host-1` has it)" in finding.message


def test_one_old_replica_among_the_consumers_of_a_queue_is_enough() -> None:
    old = ("shop.tasks.send_email", "shop.tasks.build_report")
    actual = running(
        worker("a", ("emails", "reports", "celery"), ALL),
        worker("b", ("emails", "reports", "celery"), old),
    )
    findings, _ = run_rules(Spec(), actual)
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert (finding.rule, finding.subject) == ("runtime.task-unregistered", "shop.tasks.cleanup")
    assert "consuming it `b@host-1` has not registered it (`a@host-1` has it)" in finding.message


def test_a_task_on_an_unconsumed_queue_needs_only_some_worker_to_know_it() -> None:
    actual = running(worker("mail", ("emails",), ("shop.tasks.send_email",)))
    assert outcome(Spec(), actual, "runtime.") == {
        ("runtime.queue-unconsumed", "reports"),
        ("runtime.queue-unconsumed", "celery"),
        ("runtime.task-unregistered", "shop.tasks.build_report"),
        ("runtime.task-unregistered", "shop.tasks.cleanup"),
    }


def test_celery_s_own_tasks_are_never_asked_for() -> None:
    code = Spec(tasks=(*TASKS, code_task("celery.backend_cleanup", queue="celery")))
    actual = running(worker("all", ("emails", "reports", "celery")), code=code)
    assert outcome(Spec(), actual, "runtime.") == set()
    assert "celery.backend_cleanup" not in conforming(Spec(), actual, "runtime")


def test_a_documented_profile_running_with_other_numbers() -> None:
    documented = Spec(
        workers=(
            profile("gpu", ("reports",), concurrency=2, prefetch_multiplier=1, pool="prefork"),
        )
    )
    actual = running(
        worker("w7", ("reports",), concurrency=8, prefetch_multiplier=1, pool="prefork"),
        worker("mail", ("emails", "celery"), concurrency=2, prefetch_multiplier=4, pool="solo"),
    )
    findings, _ = run_rules(documented, actual)
    (finding,) = [f for f in findings if f.category == "runtime"]
    assert (finding.rule, finding.subject, finding.severity.value) == (
        "runtime.profile-mismatch",
        "gpu",
        "warning",
    )
    assert (finding.documented, finding.actual) == ("concurrency=2", "concurrency=8")
    assert finding.doc == Location("docs/workers.md", 3)
    assert "`w7@host-1`" in finding.message


def test_a_profile_is_found_by_the_worker_s_node_name_and_must_consume_its_queues() -> None:
    documented = Spec(workers=(profile("mail", ("emails", "urgent"), pool="threads"),))
    actual = running(worker("mail", ("emails", "reports", "celery"), pool="solo"))
    findings, _ = run_rules(documented, actual)
    mismatches = {
        (f.documented, f.actual) for f in findings if f.rule == "runtime.profile-mismatch"
    }
    assert mismatches == {
        ("queues=`emails`, `urgent`", "queues=`celery`, `emails`, `reports`"),
        ("pool=threads", "pool=solo"),
    }


def test_a_matching_profile_conforms_and_unknown_numbers_are_not_judged() -> None:
    documented = Spec(
        workers=(
            profile(
                "reports", ("reports",), concurrency=4, prefetch_multiplier=1, pool="processes"
            ),
            profile("nobody", ("archive",), concurrency=1),
            profile("env", ("$QUEUES",), concurrency=1),
        ),
        services=(Service("mail", role="worker", queues=("emails", "celery"), concurrency=2),),
    )
    actual = running(
        worker("r1", ("reports",), concurrency=4, prefetch_multiplier=1, pool="prefork"),
        worker("r2", ("reports",), concurrency=4, prefetch_multiplier=None, pool=None),
        worker("m", ("celery", "emails"), concurrency=2),
    )
    assert outcome(documented, actual, "runtime.profile") == set()
    assert {"reports", "mail"} <= conforming(documented, actual, "runtime")
    assert not {"nobody", "env"} & conforming(documented, actual, "runtime")


def test_a_profile_without_queues_is_the_default_queue() -> None:
    code = Spec(tasks=TASKS, settings=(Setting("task_default_queue", "celery"),))
    documented = Spec(workers=(profile("default", (), concurrency=3),))
    actual = running(worker("d", ("celery",), concurrency=1), code=code)
    assert outcome(documented, actual, "runtime.profile") == {
        ("runtime.profile-mismatch", "default")
    }


def test_pool_names_as_the_worker_command_line_writes_them() -> None:
    assert pool_alias("celery.concurrency.prefork:TaskPool") == "prefork"
    assert pool_alias("celery.concurrency.solo:TaskPool") == "solo"
    assert pool_alias("celery.concurrency.thread:TaskPool") == "threads"
    assert pool_alias("my.pools:Custom") == "my.pools:Custom"
