"""The running workers (``--workers``): they consume the queues the code sends tasks to,
know the tasks the code registers, and run the documented worker profiles as documented.

Judged only when running workers were asked (``ctx.actual.running`` is not empty): what
they report is the truth about the deployment *now*, whatever the deploy files say.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from conformance.celery_naming import is_builtin_task
from conformance.findings import Conforming, Finding
from conformance.model import Location, RunningWorker, Service, Task, Worker, queues_unknown
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "runtime"

QUEUE_UNCONSUMED = define(
    "runtime.queue-unconsumed",
    CATEGORY,
    "error",
    "a queue the code sends tasks to that no running worker consumes",
    why="Messages sent to a queue nobody reads wait there for ever: the tasks never run "
    "and nothing fails. The deployment files may be right while the workers that are "
    "really running were started with another `-Q`.",
    example="`shop.tasks.send_email` is routed to `emails`; the only running worker, "
    "`celery@web-1`, consumes `celery` and `reports`.",
    fix="Start (or restart) a worker with the queue in its `-Q`, or route the tasks to a "
    "queue that is consumed.",
)
TASK_UNREGISTERED = define(
    "runtime.task-unregistered",
    CATEGORY,
    "error",
    "a task the code registers that a running worker consuming its queue has not registered",
    why="A worker that receives a task it does not know drops it with `Received "
    "unregistered task`: it runs an older image, or does not import the task's module.",
    example="The code registers `shop.tasks.refund` on `payments`; of the two running "
    "workers consuming `payments`, `celery@pay-2` answers with every task but that one.",
    fix="Deploy the current code to those workers (or add the module to `include` / "
    "`imports`), or remove the task from the code.",
)
PROFILE_MISMATCH = define(
    "runtime.profile-mismatch",
    CATEGORY,
    "warning",
    "a running worker of a documented profile runs with another concurrency, prefetch or pool",
    why="Capacity was planned with the documented numbers: concurrency and prefetch decide "
    "throughput, memory and how long tasks wait behind a busy process.",
    example="Docs: the `gpu` profile (`model_generation`) runs with concurrency 2; the "
    "running worker `gpu@node-3` consuming `model_generation` runs with 8.",
    fix="Restart the worker with the documented `-c` / `--prefetch-multiplier` / `-P`, or "
    "correct the documented profile.",
)


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    running = tuple(sorted(ctx.actual.running, key=lambda w: w.name))
    if not running:
        return  # The running workers were not asked (`--workers`): nothing to judge.
    consumers: dict[str, list[RunningWorker]] = {}
    for worker in running:
        for queue in worker.queues:
            consumers.setdefault(queue, []).append(worker)
    tasks = [t for t in ctx.actual_tasks if not is_builtin_task(t.name)]
    yield from _queues(ctx, tasks, consumers)
    yield from _tasks(ctx, tasks, running, consumers)
    yield from _profiles(ctx, running)


# --- queues ----------------------------------------------------------------------------


def _queues(
    ctx: Context, tasks: Sequence[Task], consumers: dict[str, list[RunningWorker]]
) -> Iterator[Finding | Conforming]:
    # Where registered tasks are routed (their own queue, a route, or the default queue
    # they fall to) and where call sites send them with `queue=`. A task whose router
    # only answers at run time (queue None) names no queue.
    routed: dict[str, list[Task]] = {}
    for task in tasks:
        queue = ctx.actual_queue(task)
        if queue:
            routed.setdefault(queue, []).append(task)
    sent = {d.queue: d for d in ctx.actual.dispatches if d.queue and not d.dynamic}
    declared = {q.name: q for q in ctx.actual.queues}
    documented = {q.name: q for q in ctx.documented.queues}
    consumed = ", ".join(f"`{q}`" for q in sorted(consumers)) or "no queue"
    for queue in sorted({*routed, *sent}):
        names = sorted(t.name for t in routed.get(queue, ()))
        code = (
            declared[queue].source
            if queue in declared
            else _first_source(routed.get(queue, ()))
            or (sent[queue].source if queue in sent else None)
        )
        doc = documented[queue].source if queue in documented else None
        if queue in consumers:
            yield Conforming(CATEGORY, queue, doc, code)
            continue
        why = (
            f" ({_count(names, 'task')} routed there: {_listing(names)})"
            if names
            else " (tasks are sent there with `queue=`)"
        )
        yield drift(
            QUEUE_UNCONSUMED,
            queue,
            f"no running worker consumes queue `{queue}`{why}; the running workers "
            f"consume {consumed}",
            code=code,
        )


# --- tasks -----------------------------------------------------------------------------


def _tasks(
    ctx: Context,
    tasks: Sequence[Task],
    running: Sequence[RunningWorker],
    consumers: dict[str, list[RunningWorker]],
) -> Iterator[Finding | Conforming]:
    """Every worker consuming a task's queue must know the task: the broker hands each
    message to any one of them (one old replica drops its share). A task whose queue
    nobody consumes (that is ``runtime.queue-unconsumed``), or is only known at run
    time, needs some running worker to know it."""
    documented = {pair.actual.name: pair.documented for pair in ctx.task_matching.pairs}
    for task in tasks:
        doc_task = documented.get(task.name)
        doc = doc_task.source if doc_task is not None else None
        queue = ctx.actual_queue(task)
        serving = consumers.get(queue, []) if queue else []
        lacking = [w.name for w in serving if task.name not in w.tasks]
        known = not lacking if serving else any(task.name in w.tasks for w in running)
        if known:
            yield Conforming(CATEGORY, task.name, doc, task.source)
            continue
        if serving:
            knowing = [w.name for w in running if task.name in w.tasks]
            also = f" ({_listing(knowing)} {_has(knowing)} it)" if knowing else ""
            message = (
                f"task `{task.name}` is routed to `{queue}`, but the running "
                f"{_plural(lacking, 'worker')} consuming it {_listing(lacking)} "
                f"{_has(lacking, negative=True)} registered it{also}: an older image?"
            )
        else:
            message = (
                f"no running worker has registered task `{task.name}` "
                f"(asked: {_listing(w.name for w in running)}): an older image?"
            )
        yield drift(TASK_UNREGISTERED, task.name, message, doc=doc, code=task.source)


# --- profiles --------------------------------------------------------------------------


def _profiles(ctx: Context, running: Sequence[RunningWorker]) -> Iterator[Finding | Conforming]:
    """Documented profiles (a workers table, or a documented worker service) and the
    running workers that serve them: the worker named like the profile
    (``gpu@host`` for ``gpu``), else those consuming exactly the profile's queues. A
    profile no running worker serves is not judged here (its queues are)."""
    for name, profile in ctx.documented_profiles.items():
        if queues_unknown(profile):
            continue
        wanted = ctx.consumes(profile)
        named = [w for w in running if w.name.partition("@")[0] == name]
        serving = named or [w for w in running if frozenset(w.queues) == wanted]
        if not serving:
            continue
        differences = [
            (worker, difference)
            for worker in serving
            for difference in _differences(profile, worker, wanted if named else None)
        ]
        for worker, (what, documented, actual) in differences:
            yield drift(
                PROFILE_MISMATCH,
                name,
                f"worker profile `{name}`: documented {what} {documented}, the running "
                f"worker `{worker.name}` runs with {actual}",
                documented=f"{what}={documented}",
                actual=f"{what}={actual}",
                doc=profile.source,
            )
        if not differences:
            yield Conforming(CATEGORY, name, profile.source, None)


_POOL_ALIASES = {"processes": "prefork"}


def _differences(
    profile: Worker | Service, worker: RunningWorker, wanted: frozenset[str] | None
) -> list[tuple[str, str | int, str | int]]:
    """(what, documented, running) for queues (only for a worker found by name: one
    found by its queues consumes them), concurrency, prefetch multiplier and pool; what
    the docs or the worker leave unsaid is not judged."""
    found: list[tuple[str, str | int, str | int]] = []
    if wanted is not None and profile.queues and not wanted <= frozenset(worker.queues):
        found.append(
            ("queues", _listing(sorted(wanted)), _listing(sorted(worker.queues)) or "none")
        )
    if (
        profile.concurrency is not None
        and worker.concurrency is not None
        and profile.concurrency != worker.concurrency
    ):
        found.append(("concurrency", profile.concurrency, worker.concurrency))
    if (
        profile.prefetch_multiplier is not None
        and worker.prefetch_multiplier is not None
        and profile.prefetch_multiplier != worker.prefetch_multiplier
    ):
        found.append(
            ("prefetch multiplier", profile.prefetch_multiplier, worker.prefetch_multiplier)
        )
    if profile.pool and worker.pool:
        documented_pool = _POOL_ALIASES.get(profile.pool.lower(), profile.pool.lower())
        if documented_pool != _POOL_ALIASES.get(worker.pool.lower(), worker.pool.lower()):
            found.append(("pool", profile.pool, worker.pool))
    return found


# --- wording ---------------------------------------------------------------------------


def _first_source(tasks: Iterable[Task]) -> Location | None:
    return next((t.source for t in tasks if t.source is not None), None)


def _listing(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _plural(items: Sequence[object], noun: str) -> str:
    return f"{noun}{'s' if len(items) != 1 else ''}"


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {_plural(items, noun)}"


def _has(items: Sequence[object], *, negative: bool = False) -> str:
    verb = "has" if len(items) == 1 else "have"
    return f"{verb} not" if negative else verb
