"""Deployment: documented services run, and every queue has a worker consuming it."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Conforming, Finding
from conformance.model import Service, queues_unknown
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "deploy"

SERVICE_MISSING = define(
    "deploy.service-missing",
    CATEGORY,
    "error",
    "a documented service (e.g. Flower) is absent from the deployment files",
    why="Operators expect the documented dashboard or scheduler to be there when "
    "something goes wrong.",
    example="Docs: a `flower` service on port 5555; `docker-compose.yml` has none.",
    fix="Add the service to the deployment, or remove it from the docs.",
)
QUEUE_UNCONSUMED = define(
    "deploy.queue-unconsumed",
    CATEGORY,
    "error",
    "a declared or routed queue that no deployed worker consumes (`-Q`)",
    why="Messages sent to a queue without a consumer wait forever: the tasks never run.",
    example="Tasks are routed to `priority`; every worker runs with `-Q batch,maintenance`.",
    fix="Add the queue to a worker's `-Q`, or route the tasks elsewhere.",
)


def _present(doc: Service, deployed: tuple[Service, ...]) -> Service | None:
    for service in deployed:
        if service.name == doc.name:
            return service
    if doc.role in ("flower", "beat"):
        return next((s for s in deployed if s.role == doc.role), None)
    return None


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    deployed = tuple(s for s in ctx.actual.services if not s.dynamic)
    if not ctx.actual.services:
        return  # No deployment files configured: nothing to judge.
    # Part of the deployment could not be read: absence cannot be concluded from it.
    partial = len(deployed) < len(ctx.actual.services)
    for doc in {s.name: s for s in ctx.documented.services}.values():
        if doc.role == "worker":
            continue  # Worker shapes are profiles: worker.profile-missing judges them.
        found = _present(doc, deployed)
        if found is None and partial:
            continue
        if found is None:
            what = f"{doc.role} service" if doc.role != "other" else "service"
            yield drift(
                SERVICE_MISSING,
                doc.name,
                f"documented {what} `{doc.name}` is not in the deployment files",
                documented=doc.name,
                doc=doc.source,
            )
        else:
            yield Conforming(CATEGORY, doc.name, doc.source, found.source)

    workers = [s for s in deployed if s.role == "worker"]
    if not workers or partial or any(queues_unknown(w) for w in workers):
        # A worker whose -Q only run time knows may consume any of them: not judged
        # (its `not-judged` notice says why).
        return
    consumed = {q for w in workers for q in ctx.consumes(w)}
    # Declared explicitly, or where a registered task is routed; an implicit default
    # queue that nothing is sent to needs no consumer.
    declared = {q.name: q for q in ctx.actual.queues}
    queues = dict.fromkeys(declared)
    queues.update(dict.fromkeys(t.queue for t in ctx.actual_tasks if t.queue))
    sent = {d.queue: d for d in ctx.actual.dispatches if d.queue}
    queues.update(dict.fromkeys(sent))
    for queue in queues:
        if queue not in consumed:
            routed = sorted(t.name for t in ctx.actual_tasks if t.queue == queue)
            why = (
                f" ({len(routed)} task{'s' if len(routed) != 1 else ''} routed there)"
                if routed
                else " (tasks are sent there with `queue=`)"
                if queue in sent
                else ""
            )
            yield drift(
                QUEUE_UNCONSUMED,
                queue,
                f"no deployed worker consumes queue `{queue}`{why}",
                actual=", ".join(sorted(consumed)),
                code=declared[queue].source
                if queue in declared
                else sent[queue].source
                if queue in sent
                else None,
            )
