"""The routing topology as a Mermaid flowchart: tasks → queues → workers, drift marked.

A reviewer reads in one picture where each task runs, which worker consumes each queue
and where the docs and the code part ways. The picture is drawn from the code (the actual
spec) plus what only the docs have (marked ``missing``); the findings decide every mark,
so the picture never disagrees with the report around it:

* ``missing``: documented, absent from the code (``task.missing``, ``queue.missing``,
  ``deploy.service-missing``);
* ``undocumented``: in the code, not in the docs (``task.undocumented``,
  ``queue.undocumented``);
* ``orphaned``: a declared queue nothing is routed to (``queue.orphaned``);
* ``unconsumed``: a queue no deployed worker consumes (``deploy.queue-unconsumed``);
* ``unknown``: a route to a task that is not registered (``route.unknown-task``).

Which queue a task runs on and which queues a worker consumes come from the rules' own
:class:`~conformance.rules.context.Context` and :mod:`conformance.celery_naming`, so the
arrows are Celery's routing, not a second reading of it.

Node ids are generated (``t0``, ``q0``, ``s0``, ``m0``), never taken from user text, and
labels are quoted with every character that could end a label, start a statement or
escape a Markdown code fence replaced by a Mermaid entity code. Large projects stay
compact: at most ``max_tasks_per_queue`` tasks per queue and ``max_queues`` queues, the
rest counted in one "+N more" node each. Output is deterministic for a given result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.celery_naming import is_builtin_task, resolve_queue
from conformance.findings import CheckResult
from conformance.model import Service, queues_unknown

if TYPE_CHECKING:
    from conformance.rules.context import Context

__all__ = ["CLASS_LEGEND", "CLASS_STYLES", "topology_mermaid"]

MISSING = "missing"
UNDOCUMENTED = "undocumented"
ORPHANED = "orphaned"
UNCONSUMED = "unconsumed"
UNKNOWN = "unknown"

# A node may carry two classes (a queue both orphaned and unconsumed), so the styles set
# different properties where they can meet: orphaned paints the fill and dashes the
# border, unconsumed thickens the border in orange.
CLASS_STYLES: Mapping[str, str] = {
    MISSING: "fill:#fdecea,stroke:#c62828,color:#b71c1c,stroke-dasharray:5 5",
    UNDOCUMENTED: "fill:#fff8e1,stroke:#f9a825",
    ORPHANED: "fill:#f3e5f5,stroke-dasharray:3 3",
    UNCONSUMED: "stroke:#e65100,stroke-width:4px",
    UNKNOWN: "fill:#eceff1,stroke:#455a64,stroke-dasharray:2 2",
}
"""``classDef`` style of each drift class, in the order the ``classDef`` lines appear."""

CLASS_LEGEND: Mapping[str, str] = {
    MISSING: "documented, but not in the code or deployment",
    UNDOCUMENTED: "in the code, not in the docs",
    ORPHANED: "declared queue that no task is routed to",
    UNCONSUMED: "queue that no deployed worker consumes",
    UNKNOWN: "route to a task that is not registered",
}
"""What each class means, for a legend next to the picture (colours alone say nothing)."""

_TASK_MARKS = {
    "task.missing": MISSING,
    "task.undocumented": UNDOCUMENTED,
    "route.unknown-task": UNKNOWN,
}
_QUEUE_MARKS = {
    "queue.missing": MISSING,
    "queue.undocumented": UNDOCUMENTED,
    "queue.orphaned": ORPHANED,
    "deploy.queue-unconsumed": UNCONSUMED,
}
_SERVICE_MARKS = {"deploy.service-missing": MISSING}

_RUN_TIME_QUEUE = "(queue chosen at run time)"
_MAX_LABEL = 80

# Everything that could close the quoted label (`"`), be read as markup by Mermaid's HTML
# labels (`<`, `>`, `&`), start an entity code of our own (`#`), a comment (`%`), a
# shape or edge text (`[]{}|`), a statement end (`;`) or close the report's ``` fence.
_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#38;",
    "<": "#60;",
    ">": "#62;",
    "`": "#96;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    ";": "#59;",
    "%": "#37;",
}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
# Line breaks and other control characters (Unicode's too) would end the statement.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def mermaid_label(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label: one line, no syntax in it.

    Over-long names keep their end (``…workers.cleanup.cleanup_old_files``): the last
    dotted parts tell tasks apart, the package prefix is the same for all of them.
    """
    flat = _CONTROLS.sub(" ", text).strip()
    if len(flat) > _MAX_LABEL:
        flat = "…" + flat[-(_MAX_LABEL - 1) :]
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], flat)


# --- what to draw ------------------------------------------------------------------------


@dataclass
class _Queue:
    """A queue with the tasks that run on it. ``name`` is ``None`` for the queue a
    dynamic router only picks at run time."""

    name: str | None
    marks: set[str] = field(default_factory=set)
    tasks: dict[str, set[str]] = field(default_factory=dict)  # task name → marks

    @property
    def drifted(self) -> bool:
        return bool(self.marks) or any(self.tasks.values())


@dataclass(frozen=True)
class _Worker:
    name: str
    consumes: frozenset[str]
    marks: frozenset[str] = frozenset()
    queues_known: bool = True


def _subjects(result: CheckResult, marks: Mapping[str, str]) -> dict[str, set[str]]:
    """Subject → the classes its findings give it, for the rules in ``marks``."""
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.rule in marks:
            found.setdefault(finding.subject, set()).add(marks[finding.rule])
    return found


def _context(result: CheckResult) -> Context:
    # Imported here: loading the rules package registers every rule, which a report
    # module must not do just by being imported (see reports._common.registered_rules).
    from conformance.rules.context import Context

    return Context(result.documented, result.actual)


def _task_queues(result: CheckResult, ctx: Context) -> dict[str, str | None]:
    """Every task to draw → the queue it runs on (``None``: chosen at run time)."""
    routes = result.actual.routes
    default = ctx.actual_default_queue
    placed: dict[str, str | None] = {}
    for task in ctx.actual_tasks:
        if not is_builtin_task(task.name):  # every app has them; they are not the design
            placed[task.name] = resolve_queue(
                task.name, routes, task_queue=task.queue, default_queue=default
            )
    documented = {task.name: task for task in ctx.documented_tasks}
    for name in sorted(_subjects(result, {"task.missing": MISSING})):
        doc = documented.get(name)
        # Where the docs send it; when they don't say, where the code would send it.
        stated = ctx.documented_queue(doc) if doc is not None else None
        placed.setdefault(name, stated or resolve_queue(name, routes, default_queue=default))
    for name in sorted(_subjects(result, {"route.unknown-task": UNKNOWN})):
        exact = [r for r in routes if r.task == name and not r.dynamic]
        placed.setdefault(name, exact[0].queue if exact else None)
    return placed


def _queues(result: CheckResult, ctx: Context) -> list[_Queue]:
    """Every queue to draw with its tasks and marks, sorted by name (run time last)."""
    task_marks = _subjects(result, _TASK_MARKS)
    queue_marks = _subjects(result, _QUEUE_MARKS)
    queues: dict[str | None, _Queue] = {}
    for name in [q.name for q in result.actual.queues] + sorted(queue_marks):
        queues.setdefault(name, _Queue(name))
    for task, queue in _task_queues(result, ctx).items():
        queues.setdefault(queue, _Queue(queue)).tasks[task] = task_marks.get(task, set())
    for name, marks in queue_marks.items():
        queues[name].marks |= marks
    return sorted(queues.values(), key=lambda q: (q.name is None, q.name or ""))


def _workers(result: CheckResult, ctx: Context) -> list[_Worker]:
    """Deployed workers with what they consume, then the documented services the
    deployment lacks (marked missing), each sorted by name."""
    deployed: dict[str, _Worker] = {}
    for service in result.actual.services:
        if service.role == "worker" and service.name not in deployed:
            deployed[service.name] = _deployed_worker(service, ctx)
    missing: dict[str, _Worker] = {}
    for name, marks in sorted(_subjects(result, _SERVICE_MARKS).items()):
        doc = next((s for s in result.documented.services if s.name == name), None)
        queues = frozenset(doc.queues) if doc is not None else frozenset()
        missing[name] = _Worker(name, queues, frozenset(marks))
    return [deployed[n] for n in sorted(deployed)] + [missing[n] for n in sorted(missing)]


def _deployed_worker(service: Service, ctx: Context) -> _Worker:
    if service.dynamic or queues_unknown(service):
        # `-Q $QUEUES` or an unreadable deploy file: it may consume anything, so no arrow
        # would be true; the label says so instead.
        return _Worker(service.name, frozenset(), queues_known=False)
    return _Worker(service.name, ctx.consumes(service))


# --- drawing -----------------------------------------------------------------------------


def _shown_queues(queues: list[_Queue], limit: int) -> tuple[list[_Queue], list[_Queue]]:
    """(shown, hidden): drifted queues first, then the busiest, then by name; shown in
    name order so the picture reads the same way every time."""
    ranked = sorted(
        range(len(queues)),
        key=lambda i: (not queues[i].drifted, -len(queues[i].tasks), queues[i].name or ""),
    )
    kept = set(ranked[: max(limit, 0)])
    shown = [q for i, q in enumerate(queues) if i in kept]
    return shown, [q for i, q in enumerate(queues) if i not in kept]


def _shown_tasks(queue: _Queue, limit: int) -> tuple[list[str], int]:
    """(shown task names, how many more): tasks with drift first, then by name."""
    ranked = sorted(queue.tasks, key=lambda t: (not queue.tasks[t], t))
    cap = max(limit, 0)
    return ranked[:cap], max(len(ranked) - cap, 0)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class _Chart:
    """Collects node, edge and class lines; hands out ids by kind in order of use."""

    def __init__(self) -> None:
        self.nodes: list[str] = []
        self.edges: list[str] = []
        self.classes: dict[str, list[str]] = {name: [] for name in CLASS_STYLES}
        self._counts: dict[str, int] = {}

    def node(self, kind: str, label: str, marks: Iterable[str] = ()) -> str:
        number = self._counts.get(kind, 0)
        self._counts[kind] = number + 1
        node_id = f"{kind}{number}"
        self.nodes.append(f'    {node_id}["{mermaid_label(label)}"]')
        for mark in sorted(marks):
            self.classes[mark].append(node_id)
        return node_id

    def edge(self, sources: Sequence[str], target: str) -> None:
        # `a & b --> c`: one line per target keeps a hundred arrows short.
        if sources:
            self.edges.append(f"    {' & '.join(sources)} --> {target}")

    def text(self) -> str:
        lines = ["flowchart LR", *self.nodes, *self.edges]
        lines += [f"    classDef {name} {style}" for name, style in CLASS_STYLES.items()]
        lines += [f"    class {','.join(ids)} {name}" for name, ids in self.classes.items() if ids]
        return "\n".join(lines)


def _draw_queue(chart: _Chart, queue: _Queue, max_tasks: int) -> str:
    """The queue's node and its tasks' nodes and arrows; returns the queue's id."""
    shown, more = _shown_tasks(queue, max_tasks)
    task_ids = [chart.node("t", name, queue.tasks[name]) for name in shown]
    if more:
        task_ids.append(chart.node("m", f"+{_plural(more, 'more task')}"))
    label = queue.name if queue.name is not None else _RUN_TIME_QUEUE
    queue_id = chart.node("q", label, queue.marks)
    chart.edge(task_ids, queue_id)
    return queue_id


def _draw_workers(
    chart: _Chart, workers: list[_Worker], queue_ids: Mapping[str, str], hidden: list[_Queue]
) -> None:
    hidden_names = {q.name for q in hidden if q.name is not None}
    more_id = None
    if hidden:
        count = sum(len(q.tasks) for q in hidden)
        more_id = chart.node(
            "m", f"+{_plural(len(hidden), 'more queue')} ({_plural(count, 'task')})"
        )
    for worker in workers:
        label = worker.name if worker.queues_known else f"{worker.name} (queues set at run time)"
        worker_id = chart.node("s", label, worker.marks)
        sources = [queue_ids[q] for q in sorted(worker.consumes) if q in queue_ids]
        if more_id is not None and worker.consumes & hidden_names:
            sources.append(more_id)
        chart.edge(sources, worker_id)


def topology_mermaid(
    result: CheckResult, *, max_tasks_per_queue: int = 8, max_queues: int = 20
) -> str | None:
    """A Mermaid ``flowchart LR`` of tasks → queues → workers (without the ``` fence),
    drift marked with classes; ``None`` when there are no tasks and no queues."""
    ctx = _context(result)
    queues = _queues(result, ctx)
    if not queues:
        return None
    shown, hidden = _shown_queues(queues, max_queues)
    chart = _Chart()
    queue_ids: dict[str, str] = {}
    for queue in shown:
        queue_id = _draw_queue(chart, queue, max_tasks_per_queue)
        if queue.name is not None:
            queue_ids[queue.name] = queue_id
    _draw_workers(chart, _workers(result, ctx), queue_ids, hidden)
    return chart.text()
