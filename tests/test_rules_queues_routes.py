"""queue.* and route.* rules: documented vs declared queues, and where tasks are routed."""

from __future__ import annotations

import pytest

from conformance.model import Dispatch, Mention, Queue, Route, Setting, Spec

from rulekit import code_task, conforming, doc_task, outcome

QUEUE_CASES = [
    # Documented and declared: conforming.
    (
        Spec(queues=(Queue("batch"),)),
        Spec(queues=(Queue("batch"),), tasks=(code_task("app.t.x", queue="batch"),)),
        set(),
    ),
    # Documented, not declared.
    (
        Spec(queues=(Queue("priority"),)),
        Spec(queues=(Queue("batch"),), tasks=(code_task("app.t.x", queue="batch"),)),
        {("queue.missing", "priority"), ("queue.undocumented", "batch")},
    ),
    # A declared queue the docs mention in a sentence is documented.
    (
        Spec(queues=(Queue("batch"),), mentions=(Mention("priority"),)),
        Spec(
            queues=(Queue("batch"), Queue("priority")),
            tasks=(code_task("app.t.x", queue="batch"), code_task("app.t.y", queue="priority")),
        ),
        set(),
    ),
    # A declared queue used only by `apply_async(queue=...)` is not orphaned ...
    (
        Spec(queues=(Queue("batch"), Queue("priority"))),
        Spec(
            queues=(Queue("batch"), Queue("priority")),
            tasks=(code_task("app.t.x", queue="batch"),),
            dispatches=(Dispatch("priority", "app.t.x"),),
        ),
        set(),
    ),
    # ... nor when a call site picks its queue at run time (any queue may be used).
    (
        Spec(queues=(Queue("batch"), Queue("priority"))),
        Spec(
            queues=(Queue("batch"), Queue("priority")),
            tasks=(code_task("app.t.x", queue="batch"),),
            dispatches=(Dispatch(None, "app.t.x", dynamic=True),),
        ),
        set(),
    ),
    # Docs that name no queue are not expected to list the declared ones.
    (
        Spec(tasks=(doc_task("app.t.x"),)),
        Spec(queues=(Queue("batch"),), tasks=(code_task("app.t.x", queue="batch"),)),
        set(),
    ),
    # Declared, documented, but no registered task goes there.
    (
        Spec(queues=(Queue("batch"), Queue("priority"))),
        Spec(
            queues=(Queue("batch"), Queue("priority")),
            tasks=(code_task("app.t.x", queue="batch"),),
            routes=(Route("health_check_task", "priority"),),
        ),
        {("queue.orphaned", "priority")},
    ),
    # Nothing declared: the default queue and routed queues exist implicitly.
    (
        Spec(queues=(Queue("celery"), Queue("emails"))),
        Spec(
            tasks=(code_task("app.t.x", queue="emails"),),
            settings=(Setting("task_default_queue", "celery"),),
        ),
        set(),
    ),
    # A dynamic router: whether a queue is used is only known at run time.
    (
        Spec(queues=(Queue("a"), Queue("b"))),
        Spec(
            queues=(Queue("a"), Queue("b")),
            tasks=(code_task("app.t.x", queue="a"),),
            routes=(Route("*", None, dynamic=True),),
        ),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), QUEUE_CASES)
def test_queue_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "queue.") == expected


ROUTE_CASES = [
    # The docs' route and the router agree.
    (
        Spec(tasks=(doc_task("tasks.x"),), routes=(Route("tasks.x", "maintenance"),)),
        Spec(tasks=(code_task("app.tasks.x", queue="maintenance"),)),
        set(),
    ),
    # The docs' route and the router disagree.
    (
        Spec(tasks=(doc_task("app.t.x"),), routes=(Route("app.t.x", "maintenance"),)),
        Spec(tasks=(code_task("app.t.x", queue="celery"),)),
        {("route.mismatch", "app.t.x")},
    ),
    # A queue stated on the task (table column) counts like a route.
    (
        Spec(tasks=(doc_task("app.t.x", queue="priority"),)),
        Spec(tasks=(code_task("app.t.x", queue="celery"),)),
        {("route.mismatch", "app.t.x")},
    ),
    # The docs say nothing about the queue: nothing to compare.
    (
        Spec(tasks=(doc_task("app.t.x"),)),
        Spec(tasks=(code_task("app.t.x", queue="celery"),)),
        set(),
    ),
    # The code routes a task that does not exist.
    (
        Spec(),
        Spec(
            tasks=(code_task("app.t.x", queue="celery"),),
            routes=(Route("health_check_task", "priority"),),
        ),
        {("route.unknown-task", "health_check_task")},
    ),
    # Routing one of Celery's built-in tasks is routing a real task.
    (
        Spec(),
        Spec(
            tasks=(code_task("app.t.x", queue="celery"),),
            routes=(Route("celery.chord_unlock", "celery"),),
        ),
        set(),
    ),
    # Patterns are not task names: never "unknown".
    (
        Spec(),
        Spec(
            tasks=(code_task("app.t.x", queue="maint"),),
            routes=(Route("app.cleanup.*", "maint", pattern="glob"),),
        ),
        set(),
    ),
    # A task routed to a queue that is not declared.
    (
        Spec(),
        Spec(queues=(Queue("celery"),), tasks=(code_task("app.t.x", queue="reports"),)),
        {("route.unknown-queue", "app.t.x")},
    ),
    # The queue is only known at run time (router function): not judged.
    (
        Spec(tasks=(doc_task("app.t.x", queue="a"),)),
        Spec(tasks=(code_task("app.t.x", queue=None),)),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), ROUTE_CASES)
def test_route_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "route.") == expected


def test_existing_queues_conform() -> None:
    documented = Spec(queues=(Queue("a"), Queue("b")))
    actual = Spec(
        queues=(Queue("a"), Queue("b")),
        tasks=(code_task("app.t.x", queue="a"), code_task("app.t.y", queue="b")),
    )
    assert conforming(documented, actual, "queues") == {"a", "b"}


def test_orphan_message_names_the_dead_route() -> None:
    from conformance.rules import run_rules

    actual = Spec(
        queues=(Queue("batch"), Queue("priority")),
        tasks=(code_task("app.t.x", queue="batch"),),
        routes=(Route("health_check_task", "priority"),),
    )
    findings, _ = run_rules(Spec(queues=(Queue("batch"), Queue("priority"))), actual)
    (orphan,) = [f for f in findings if f.rule == "queue.orphaned"]
    assert "`health_check_task`, which is not registered" in orphan.message
