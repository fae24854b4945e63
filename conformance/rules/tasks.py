"""Tasks: is every documented task registered, under the documented name, with the
documented options? Is every registered task documented?"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.model import Value
from conformance.rules.context import Context, TaskPair, listed
from conformance.rules.registry import define, drift

CATEGORY = "tasks"

MISSING = define(
    "task.missing",
    CATEGORY,
    "error",
    "a documented task is not registered at all",
    why="Code that sends this task by name (`send_task`, a beat entry, another service) "
    "fails with NotRegistered, or the docs promise behaviour nobody implemented.",
    example="The docs list `tasks.send_alert`; no module defines a task by that name.",
    fix="Implement the task, or remove it from the docs if it was dropped on purpose.",
)
RENAMED = define(
    "task.renamed",
    CATEGORY,
    "error",
    "a documented task matches a registered task under another base name",
    why="Callers written from the docs use a name the worker does not know; the task "
    "they mean exists under another name.",
    example="Docs: `tasks.generate_single_model`; code: "
    "`app.workers.tasks.generate_3d_model_task`, on the same queue, in the same chord.",
    fix="Rename one side so both say the same, or give the task an explicit `name=`.",
)
QUALIFIED_NAME = define(
    "task.qualified-name",
    CATEGORY,
    "error",
    "same base name, but the documented registered name is wrong",
    why="Celery looks tasks up by their full registered name: `send_task('tasks.x')` "
    "does not find `app.workers.tasks.x`.",
    example="Docs: `tasks.process_batch`; registered: `app.workers.tasks.process_batch`.",
    fix="Write the registered name in the docs, or pin it in code with `name=`.",
)
OPTION_MISMATCH = define(
    "task.option-mismatch",
    CATEGORY,
    "error",
    "a documented option (time limits, retries, retry delay/backoff, rate limit, acks_late, "
    "queue) differs",
    why="Time limits and retry policies decide what happens under failure: operators "
    "plan around the documented values.",
    example="Docs: `time_limit=3600`; the task runs with `time_limit=1800`.",
    fix="Change the task's option or correct the documented value.",
)
UNDOCUMENTED = define(
    "task.undocumented",
    CATEGORY,
    "warning",
    "a registered task is not mentioned by the docs",
    why="An undocumented task is invisible to whoever operates the workers.",
    example="`app.workers.cleanup.monitor_disk_usage` is registered; no page mentions it.",
    fix="Document the task (name, queue, schedule), or remove it if it is dead code.",
)


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    matching = ctx.task_matching
    # A bare name the deployment starts as a process of its own (a Procfile line, an
    # entrypoint branch running a management command) is that process, not a task.
    processes = {s.name for s in ctx.actual.services if s.role == "other"}
    for doc in matching.unmatched_documented:
        if "." not in doc.name and doc.name in processes:
            continue
        ambiguous = matching.ambiguous.get(doc.name)
        if ambiguous:
            message = (
                f"documented task `{doc.name}` could be any of "
                + ", ".join(f"`{n}`" for n in ambiguous)
                + "; write the full name"
            )
        else:
            message = f"documented task `{doc.name}` is not registered"
        yield drift(MISSING, doc.name, message, documented=doc.name, doc=doc.source)

    for pair in matching.pairs:
        doc, act = pair.documented, pair.actual
        if pair.how == "renamed":
            evidence = f" ({', '.join(pair.clues)})" if pair.clues else ""
            yield drift(
                RENAMED,
                doc.name,
                f"documented task `{doc.name}` is registered as `{act.name}`{evidence}",
                documented=doc.name,
                actual=act.name,
                doc=doc.source,
                code=act.source,
            )
        elif pair.how == "base" and "." in doc.name:
            yield drift(
                QUALIFIED_NAME,
                doc.name,
                f"documented task `{doc.name}` is registered as `{act.name}`",
                documented=doc.name,
                actual=act.name,
                doc=doc.source,
                code=act.source,
            )
        else:
            yield Conforming(CATEGORY, doc.name, doc.source, act.source)
        yield from _option_findings(pair)

    names_tasks = (
        listed(ctx.documented_tasks)
        or any(s.task for s in listed(ctx.documented_schedules))
        or any(r.task for r in listed(ctx.documented.routes))
    )
    if not names_tasks:
        # Docs that never name a task are not a task catalogue (a README, a deployment
        # guide): listing every registered task as undocumented would be noise.
        return
    mentioned = _names_mentioned_elsewhere(ctx)
    for act in matching.unmatched_actual:
        if act.name in mentioned or base_name(act.name) in mentioned:
            continue
        if act.name in ctx.mentioned_tasks:
            continue  # named in a sentence, a heading or a cell: documented
        yield drift(
            UNDOCUMENTED,
            act.name,
            f"registered task `{act.name}` is not documented",
            actual=act.name,
            code=act.source,
        )


def _option_findings(pair: TaskPair) -> Iterator[Finding]:
    doc, act = pair.documented, pair.actual
    subject = doc.name
    for option, doc_value in sorted(doc.options.items()):
        if option == "queue":
            continue  # Queues are routes' business: route.mismatch.
        if option not in act.options:
            continue  # The code side did not report it: nothing to compare.
        act_value = act.options[option]
        if not same_option_value(doc_value, act_value):
            yield drift(
                OPTION_MISMATCH,
                subject,
                f"task `{subject}`: documented `{option}={render_value(doc_value)}`, "
                f"the code has `{option}={render_value(act_value)}`",
                documented=f"{option}={render_value(doc_value)}",
                actual=f"{option}={render_value(act_value)}",
                doc=doc.source,
                code=act.source,
            )


def same_option_value(a: Value, b: Value) -> bool:
    """Equal as option values: numbers by value, sequences as sets of names."""
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) if isinstance(a, bool) and isinstance(b, bool) else a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return {base_name(str(x)) for x in a} == {base_name(str(x)) for x in b}
    return bool(a == b)


def render_value(value: Value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _names_mentioned_elsewhere(ctx: Context) -> set[str]:
    """Code task names the docs account for without documenting them as tasks: the code
    counterpart of a documented canvas callback or header (the canvas rule judges those),
    and a task the docs name as what a beat entry runs or where a route sends it (the
    schedule and route rules judge those)."""
    from conformance.rules.canvas import paired_flows

    names: set[str] = set()
    for _doc_flow, code_flow in paired_flows(ctx):
        for written in (*code_flow.header, code_flow.callback):
            if written:
                resolved = ctx.resolve_actual_name(written)
                names.add(resolved or written)
    written_in_docs = [s.task for s in ctx.documented_schedules if s.task]
    written_in_docs += [r.task for r in ctx.documented.routes if r.pattern == "exact"]
    for written in written_in_docs:
        resolved = ctx.resolve_actual_name(written)
        if resolved is not None:
            names.add(resolved)
    return names
