"""Queues: documented queues declared, declared queues documented and used."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import route_matches
from conformance.findings import Conforming, Finding
from conformance.model import Queue
from conformance.rules.context import Context, listed
from conformance.rules.registry import define, drift

CATEGORY = "queues"

MISSING = define(
    "queue.missing",
    CATEGORY,
    "error",
    "a documented queue is not declared",
    why="Workers started with `-Q` for the documented queue wait on a queue that nothing "
    "declares or sends to.",
    example="The docs describe a `priority` queue; `task_queues` does not declare it.",
    fix="Declare the queue in `task_queues`, or remove it from the docs.",
)
UNDOCUMENTED = define(
    "queue.undocumented",
    CATEGORY,
    "warning",
    "a declared queue is not documented",
    why="Operators size and monitor queues from the docs; an unknown queue is not watched.",
    example="`task_queues` declares `exports`; no page mentions it.",
    fix="Document the queue and what runs on it.",
)
ORPHANED = define(
    "queue.orphaned",
    CATEGORY,
    "warning",
    "a declared queue that no registered task is routed to",
    why="A queue nothing is sent to usually means a route points at a task that was "
    "renamed or removed, so the work it was meant for goes elsewhere.",
    example="`priority` is declared; its only route names `health_check_task`, which does "
    "not exist.",
    fix="Route the intended task to the queue, or remove the queue and its dead routes.",
)


def declared_queues(ctx: Context) -> dict[str, Queue]:
    """The code's queues: `task_queues`, or without it the default queue and every queue
    routing creates on the fly (`task_create_missing_queues`)."""
    declared = {q.name: q for q in ctx.actual.queues}
    if declared:
        return declared
    implicit = {ctx.actual_default_queue: Queue(ctx.actual_default_queue)}
    for task in ctx.actual_tasks:
        if task.queue:
            implicit.setdefault(task.queue, Queue(task.queue, source=task.source))
    # Queues named where tasks are sent are created on the fly too.
    for dispatch in ctx.actual.dispatches:
        if dispatch.queue:
            implicit.setdefault(dispatch.queue, Queue(dispatch.queue, source=dispatch.source))
    return implicit


def _queues_unknowable(ctx: Context) -> bool:
    """Without `task_queues`, a queue chosen at run time (a router function, a computed
    `apply_async(queue=...)`) may be any name: none can be judged missing."""
    return not ctx.actual.queues and (
        any(r.dynamic for r in ctx.actual.routes) or any(d.dynamic for d in ctx.actual.dispatches)
    )


def documented_queues(ctx: Context) -> dict[str, Queue]:
    queues: dict[str, Queue] = {}
    for queue in ctx.documented.queues:
        queues.setdefault(queue.name, queue)
    return queues


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    actual = declared_queues(ctx)
    documented = documented_queues(ctx)
    unknowable = _queues_unknowable(ctx)
    for name, doc in documented.items():
        if name in actual:
            yield Conforming(CATEGORY, name, doc.source, actual[name].source)
        elif not unknowable:
            yield drift(
                MISSING,
                name,
                f"documented queue `{name}` is not declared",
                documented=name,
                doc=doc.source,
            )
    catalogue = listed(documented.values())
    if not ctx.actual.queues:
        return  # Nothing declared explicitly: every queue is implied, none can be orphaned.
    used = {t.queue for t in ctx.actual_tasks if t.queue}
    # Queues named where tasks are sent (`apply_async(queue=...)`) are used too.
    used |= {d.queue for d in ctx.actual.dispatches if d.queue}
    dynamic = (
        any(r.dynamic for r in ctx.actual.routes)
        or any(t.queue is None for t in ctx.actual_tasks)
        or any(d.dynamic for d in ctx.actual.dispatches)
    )
    for name, queue in actual.items():
        # Only docs that list queues are expected to list them all.
        if catalogue and name not in documented and name not in ctx.mentioned:
            yield drift(
                UNDOCUMENTED,
                name,
                f"declared queue `{name}` is not documented",
                actual=name,
                code=queue.source,
            )
        if name in used or dynamic:
            continue
        yield drift(
            ORPHANED,
            name,
            _orphan_message(ctx, name),
            actual=name,
            doc=documented[name].source if name in documented else None,
            code=queue.source,
        )


def _orphan_message(ctx: Context, queue: str) -> str:
    dead = [r for r in ctx.actual.routes if r.queue == queue]
    if not dead:
        return f"queue `{queue}` is declared but no registered task is routed to it"
    unknown = [r.task for r in dead if not any(route_matches(r, name) for name in ctx.registered)]
    names = ", ".join(f"`{n}`" for n in unknown)
    if unknown and len(unknown) == len(dead):
        return (
            f"queue `{queue}` is declared but no registered task is routed to it: "
            f"its only route{'s' if len(dead) > 1 else ''} name{'' if len(dead) > 1 else 's'}"
            f" {names}, which {'are' if len(unknown) > 1 else 'is'} not registered"
        )
    return f"queue `{queue}` is declared but no registered task is routed to it"
