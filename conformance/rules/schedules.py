"""Beat: documented entries exist, run when documented (compared as times), run the
documented task; code entries are documented and name real tasks."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.rules.context import Context, listed
from conformance.rules.registry import define, drift
from conformance.schedules import render, same_times

CATEGORY = "schedules"

MISSING = define(
    "schedule.missing",
    CATEGORY,
    "error",
    "a documented beat entry does not exist",
    why="Whatever the entry was meant to do periodically (clean-up, health checks) never happens.",
    example="Docs: `system-health-check` every 10 minutes; `beat_schedule` has no such entry.",
    fix="Add the entry to `beat_schedule`, or remove it from the docs.",
)
DISABLED = define(
    "schedule.disabled",
    CATEGORY,
    "error",
    "a documented beat entry exists in the beat database but is disabled (or expired)",
    why="The entry looks present to anyone reading the admin list, and never runs.",
    example="Docs: `nightly-report` every day at 01:00; django-celery-beat has it, `enabled` off.",
    fix="Enable the entry, or say in the docs that it is switched off.",
)
UNDOCUMENTED = define(
    "schedule.undocumented",
    CATEGORY,
    "warning",
    "a beat entry is not documented",
    why="Periodic work that nobody documented surprises operators (load spikes, deletions).",
    example="`disk-usage-monitoring` runs hourly; no page mentions it.",
    fix="Document the entry: its task and when it runs.",
)
MISMATCH = define(
    "schedule.mismatch",
    CATEGORY,
    "error",
    "the entry runs at other times than documented (compared as times, not text)",
    why="Jobs that run daily instead of hourly let work pile up for a day; the reverse "
    "multiplies load.",
    example="Docs: `cleanup-old-files` every hour; code: `crontab(minute=0, hour=2)`.",
    fix="Change the schedule or the docs so both describe the same times.",
)
TASK_MISMATCH = define(
    "schedule.task-mismatch",
    CATEGORY,
    "error",
    "the entry runs another task than documented",
    why="The entry's name promises one job and beat runs another.",
    example="Docs: `nightly-report` runs `reports.build`; code runs `reports.send`.",
    fix="Point the entry at the documented task, or correct the docs.",
)
UNKNOWN_TASK = define(
    "schedule.unknown-task",
    CATEGORY,
    "error",
    "a beat entry names a task that is not registered",
    why="Beat sends the message anyway; workers reject it as unregistered, every time.",
    example="`beat_schedule['purge']` runs `tasks.purge_old`; no such task is registered.",
    fix="Use the registered task name in the entry.",
)


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    actual = {s.name: s for s in ctx.actual_schedules}
    for doc in ctx.documented_schedules:
        act = actual.get(doc.name)
        off = ctx.disabled_schedules.get(doc.name)
        if act is None and off is not None:
            yield drift(
                DISABLED,
                doc.name,
                f"documented beat entry `{doc.name}` is disabled in the beat database: beat "
                "does not run it",
                documented=render(doc.timing) if doc.timing else doc.name,
                actual="disabled",
                doc=doc.source,
                code=off.source,
            )
            continue
        if act is None:
            when = f" ({render(doc.timing)})" if doc.timing else ""
            yield drift(
                MISSING,
                doc.name,
                f"documented beat entry `{doc.name}`{when} does not exist",
                documented=render(doc.timing) if doc.timing else doc.name,
                doc=doc.source,
            )
            continue
        ok = True
        if (
            doc.timing is not None
            and act.timing is not None
            and not same_times(doc.timing, act.timing)
        ):
            ok = False
            yield drift(
                MISMATCH,
                doc.name,
                f"beat entry `{doc.name}` runs {render(act.timing)}, the docs say "
                f"{render(doc.timing)}",
                documented=render(doc.timing),
                actual=render(act.timing),
                doc=doc.source,
                code=act.source,
            )
        if doc.task and act.task and not _same_task(ctx, doc.task, act.task):
            ok = False
            yield drift(
                TASK_MISMATCH,
                doc.name,
                f"beat entry `{doc.name}` runs `{act.task}`, the docs say `{doc.task}`",
                documented=doc.task,
                actual=act.task,
                doc=doc.source,
                code=act.source,
            )
        if ok:
            yield Conforming(CATEGORY, doc.name, doc.source, act.source)

    documented = {s.name for s in ctx.documented_schedules}
    catalogue = listed(ctx.documented_schedules)
    for act in ctx.actual_schedules:
        # Only docs that describe the beat schedule at all are expected to list it whole.
        if catalogue and act.name not in documented and act.name not in ctx.mentioned:
            when = f" ({render(act.timing)})" if act.timing else ""
            yield drift(
                UNDOCUMENTED,
                act.name,
                f"beat entry `{act.name}`{when} is not documented",
                actual=render(act.timing) if act.timing else act.name,
                code=act.source,
            )
        if act.task and ctx.is_unknown_task(act.task):
            yield drift(
                UNKNOWN_TASK,
                act.name,
                f"beat entry `{act.name}` runs `{act.task}`, which is not registered",
                actual=act.task,
                code=act.source,
            )


def _same_task(ctx: Context, documented: str, actual: str) -> bool:
    """Whether the docs' task name means the task the entry runs: directly, or through
    the task matching (a qualified-name or rename finding already tells that story)."""
    if documented == actual or base_name(documented) == base_name(actual):
        return True
    counterpart = ctx.task_matching.actual_for(documented)
    if counterpart is None:
        for pair in ctx.task_matching.pairs:
            if base_name(pair.documented.name) == base_name(documented):
                counterpart = pair.actual
    return counterpart is not None and counterpart.name == actual
