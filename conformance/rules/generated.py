"""Generated doc sections: what ``conformance fix --write`` writes between the markers,
and the rule that a section still holds it (``docs.generated-stale``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from conformance.celery_naming import resolve_queue
from conformance.findings import Conforming, Finding
from conformance.rules.context import Context
from conformance.rules.registry import define, drift
from conformance.schedules import render

CATEGORY = "docs"

STALE = define(
    "docs.generated-stale",
    CATEGORY,
    "error",
    "a generated section (`<!-- conformance:begin tasks -->`…) no longer matches the code",
    why="The section promises to be the implementation's own list; a stale one is as wrong "
    "as hand-written drift, and looks more trustworthy.",
    example="`<!-- conformance:begin tasks -->` lists `tasks.a`; the app now registers "
    "`tasks.b` too.",
    fix="Run `conformance fix --write` to write the section again.",
)

_NONE = "—"


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    for section in ctx.documented.generated:
        expected = render_section(section.name, ctx)
        if expected is None:
            continue
        if _lines(section.text) == _lines(expected):
            yield Conforming(CATEGORY, section.name, section.source)
            continue
        yield drift(
            STALE,
            section.name,
            f"generated section `{section.name}` no longer matches the code: run "
            "`conformance fix --write`",
            doc=section.source,
        )


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]


def render_section(kind: str, ctx: Context) -> str | None:
    """The Markdown a section of ``kind`` holds for the implementation in ``ctx``."""
    renderer = _RENDERERS.get(kind)
    return renderer(ctx) if renderer is not None else None


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    return f"`{text}`"


def _tasks(ctx: Context) -> str:
    rows = []
    for task in sorted(ctx.actual_tasks, key=lambda t: t.name):
        if task.name.startswith("celery."):
            continue  # Celery's own tasks (chord_unlock, backend_cleanup…)
        queue = task.queue or resolve_queue(
            task.name, ctx.actual.routes, default_queue=ctx.actual_default_queue
        )
        options = task.options
        rows.append(
            (
                _code(task.name),
                _code(queue) if queue else "set at run time",
                *(
                    _option(options.get(k))
                    for k in ("time_limit", "soft_time_limit", "max_retries")
                ),
            )
        )
    return _table(("Task", "Queue", "Time limit", "Soft time limit", "Retries"), rows)


_TASK_OPTIONS = ("time_limit", "soft_time_limit", "max_retries")


def _option(value: object) -> str:
    return _NONE if value is None else str(value)


def _queues(ctx: Context) -> str:
    names = sorted({q.name for q in ctx.actual.queues})
    return _table(("Queue",), [(_code(name),) for name in names])


def _schedules(ctx: Context) -> str:
    rows = [
        (
            _code(entry.name),
            _code(entry.task) if entry.task else _NONE,
            render(entry.timing) if entry.timing else "set at run time",
        )
        for entry in sorted(ctx.actual_schedules, key=lambda s: s.name)
    ]
    return _table(("Entry", "Task", "Schedule"), rows)


def _metrics(ctx: Context) -> str:
    rows = [
        (
            _code(metric.name),
            metric.type or _NONE,
            ", ".join(_code(label) for label in metric.labels) if metric.labels else _NONE,
        )
        for metric in sorted(ctx.actual.metrics, key=lambda m: m.name)
    ]
    return _table(("Metric", "Type", "Labels"), rows)


def _workers(ctx: Context) -> str:
    rows = [
        (
            _code(service.name),
            ", ".join(_code(q) for q in sorted(ctx.consumes(service))) or _NONE,
        )
        for service in sorted(ctx.actual.services, key=lambda s: s.name)
        if service.role == "worker"
    ]
    return _table(("Worker", "Queues"), rows)


_RENDERERS: dict[str, Callable[[Context], str]] = {
    "tasks": _tasks,
    "queues": _queues,
    "schedules": _schedules,
    "metrics": _metrics,
    "workers": _workers,
}
