"""Routes: each task goes to the documented queue; routes name real tasks and queues."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.model import Dispatch, Task
from conformance.rules.context import Context
from conformance.rules.queues import declared_queues
from conformance.rules.registry import define, drift

CATEGORY = "routes"

MISMATCH = define(
    "route.mismatch",
    CATEGORY,
    "error",
    "the docs route a task to one queue, the app to another",
    why="Workers are started per queue: a task routed elsewhere runs on workers sized "
    "for other work, or on none.",
    example="Docs: `tasks.cleanup_old_files` on `maintenance`; the router sends it to `celery`.",
    fix="Fix `task_routes` (or the task's `queue=`), or correct the docs.",
)
UNKNOWN_TASK = define(
    "route.unknown-task",
    CATEGORY,
    "error",
    "a route names a task that is not registered",
    why="A route to a task that does not exist routes nothing: the task it was written "
    "for was renamed or never written, and now runs on the default queue or not at all.",
    example="`task_routes` sends `health_check_task` to `priority`; no such task exists.",
    fix="Point the route at the registered name, or delete it.",
)
UNKNOWN_QUEUE = define(
    "route.unknown-queue",
    CATEGORY,
    "warning",
    "a task is routed to a queue that is not declared",
    why="Celery creates the queue on the fly, but no worker was deployed for it: the "
    "messages wait forever.",
    example="`send_report` is routed to `reports`; `task_queues` has no `reports`.",
    fix="Declare the queue (and start a worker for it), or fix the route.",
)


def _sent_to(ctx: Context, task: Task, queue: str) -> Dispatch | None:
    """A call site that sends ``task`` to ``queue`` by name."""
    names = {base_name(task.name), base_name(task.function or task.name)}
    for dispatch in ctx.actual.dispatches:
        if dispatch.queue == queue and dispatch.task and base_name(dispatch.task) in names:
            return dispatch
    return None


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    for pair in ctx.task_matching.pairs:
        doc_queue = ctx.documented_queue(pair.documented)
        act_queue = pair.actual.queue
        if doc_queue is None or act_queue is None:
            continue  # Either side silent or only known at run time: nothing to judge.
        subject = pair.documented.name
        sent = _sent_to(ctx, pair.actual, doc_queue)
        if doc_queue == act_queue or sent is not None:
            # Sent there at the call (`apply_async(queue=...)`) is where it runs too.
            code = sent.source if sent is not None else pair.actual.source
            yield Conforming(CATEGORY, subject, pair.documented.source, code)
        else:
            yield drift(
                MISMATCH,
                subject,
                f"the docs route `{subject}` to `{doc_queue}`, the app routes "
                f"`{pair.actual.name}` to `{act_queue}`",
                documented=doc_queue,
                actual=act_queue,
                doc=pair.documented.source,
                code=pair.actual.source,
            )

    for route in ctx.actual.routes:
        if route.dynamic or route.pattern != "exact":
            continue
        if ctx.is_unknown_task(route.task):
            target = f" to `{route.queue}`" if route.queue else ""
            yield drift(
                UNKNOWN_TASK,
                route.task,
                f"a route sends `{route.task}`{target}, but no task `{route.task}` is registered",
                actual=route.task,
                code=route.source,
            )

    if ctx.actual.queues:
        declared = declared_queues(ctx)
        for task in ctx.actual_tasks:
            if task.queue and task.queue not in declared:
                yield drift(
                    UNKNOWN_QUEUE,
                    task.name,
                    f"task `{task.name}` is routed to `{task.queue}`, which is not declared",
                    actual=task.queue,
                    code=task.source,
                )
