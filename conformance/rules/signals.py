"""Signals: documented handlers are connected and do what the docs say they do."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Conforming, Finding
from conformance.model import SignalHandler
from conformance.prometheus_naming import same_metric_name
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "signals"

MISSING = define(
    "signal.missing",
    CATEGORY,
    "error",
    "no handler is connected to a documented Celery signal",
    why="Whatever the docs say happens on that signal (metrics, alerts, clean-up) does not.",
    example="The docs connect `task_failure` to record failures; no receiver is connected.",
    fix="Connect the handler (and make sure its module is imported by the worker).",
)
UNDOCUMENTED = define(
    "signal.undocumented",
    CATEGORY,
    "info",
    "a connected handler the docs don't mention",
    why="Signal handlers run inside every task: undocumented ones surprise whoever "
    "debugs the worker.",
    example="`task_retry` has a receiver in `app.workers.signals`; no page mentions it.",
    fix="Mention the handler and what it does.",
)
HANDLER_MISMATCH = define(
    "signal.handler-mismatch",
    CATEGORY,
    "warning",
    "a handler exists but lacks what the docs say it does (e.g. records a metric)",
    why="Dashboards and alerts built from the docs stay empty.",
    example="Docs: the `task_postrun` handler observes `task_duration`; the real handler "
    "only logs.",
    fix="Record the metric (or call the task) in the handler, or correct the docs.",
)
SENDER_NEVER_FIRES = define(
    "signal.sender-never-fires",
    CATEGORY,
    "error",
    "a task signal is connected with a string `sender=`, so the handler never runs",
    why="`task_*` signals send the Task object as sender; `connect(sender='name')` "
    "compares it with a string and never matches.",
    example="`task_failure.connect(on_failure, sender='tasks.import')`.",
    fix="Pass the task object (`sender=import_task`) or filter by `sender.name` inside "
    "the handler.",
)

# Signals whose sender is the task *name*: a string sender is right for these.
_NAME_SENDERS = {"before_task_publish", "after_task_publish"}


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    actual_by_signal: dict[str, list[SignalHandler]] = {}
    for handler in ctx.actual.signals:
        actual_by_signal.setdefault(handler.signal, []).append(handler)

    documented: dict[str, list[SignalHandler]] = {}
    for handler in ctx.documented.signals:
        documented.setdefault(handler.signal, []).append(handler)

    for signal, doc_handlers in documented.items():
        first = doc_handlers[0]
        real = actual_by_signal.get(signal, [])
        if not real:
            yield drift(
                MISSING,
                signal,
                f"the docs connect a handler to `{signal}`; none is connected",
                documented=first.handler or signal,
                doc=first.source,
            )
            continue
        ok = True
        real_metrics = {m for h in real for m in h.metrics}
        real_tasks = {t for h in real for t in h.tasks}
        for doc in doc_handlers:
            lacking = [
                m for m in doc.metrics if not any(same_metric_name(m, r) for r in real_metrics)
            ]
            if lacking:
                ok = False
                names = ", ".join(f"`{m}`" for m in lacking)
                does = (
                    ", ".join(f"`{m}`" for m in sorted(real_metrics))
                    if real_metrics
                    else "no metric"
                )
                yield drift(
                    HANDLER_MISMATCH,
                    signal,
                    f"the docs' `{signal}` handler records {names}; the connected handler "
                    f"`{_handler_name(real[0])}` records {does}",
                    documented="records " + ", ".join(lacking),
                    actual="records " + (", ".join(sorted(real_metrics)) or "no metric"),
                    doc=doc.source,
                    code=real[0].source,
                )
            missing_tasks = [
                t
                for t in doc.tasks
                if not any(t.rpartition(".")[2] == r.rpartition(".")[2] for r in real_tasks)
            ]
            if missing_tasks:
                ok = False
                yield drift(
                    HANDLER_MISMATCH,
                    signal,
                    f"the docs' `{signal}` handler calls "
                    + ", ".join(f"`{t}`" for t in missing_tasks)
                    + f"; `{_handler_name(real[0])}` does not",
                    documented="calls " + ", ".join(missing_tasks),
                    actual="calls " + (", ".join(sorted(real_tasks)) or "no task"),
                    doc=doc.source,
                    code=real[0].source,
                )
        if ok:
            yield Conforming(CATEGORY, signal, first.source, real[0].source)

    named = {m.removeprefix("celery.signals.").removesuffix(".connect") for m in ctx.mentioned}
    for signal, handlers in actual_by_signal.items():
        for handler in handlers:
            if signal not in documented and signal not in named:
                yield drift(
                    UNDOCUMENTED,
                    signal,
                    f"`{_handler_name(handler)}` is connected to `{signal}`; the docs "
                    "don't mention it",
                    actual=_handler_name(handler),
                    code=handler.source,
                )
            if handler.sender and signal.startswith("task_") and signal not in _NAME_SENDERS:
                yield drift(
                    SENDER_NEVER_FIRES,
                    f"{signal}:{_handler_name(handler)}",
                    f"`{_handler_name(handler)}` is connected to `{signal}` with "
                    f"sender='{handler.sender}': task signals send the task object, so it "
                    "never runs",
                    actual=handler.sender,
                    code=handler.source,
                )


def _handler_name(handler: SignalHandler) -> str:
    if handler.module and handler.handler:
        return f"{handler.module}.{handler.handler}"
    return handler.handler or "?"
