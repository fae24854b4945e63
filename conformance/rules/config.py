"""Settings: documented app settings equal the app's effective configuration."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import setting_default
from conformance.findings import Conforming, Finding
from conformance.model import UNREAD_FOLDERS, Setting
from conformance.rules.context import Context
from conformance.rules.registry import define, drift
from conformance.rules.tasks import render_value, same_option_value

CATEGORY = "config"

MISMATCH = define(
    "config.mismatch",
    CATEGORY,
    "error",
    "a documented app setting (`task_time_limit`, `worker_prefetch_multiplier`…) differs",
    why="Limits, prefetching and acknowledgement settings decide what happens under load "
    "and failure; operators tune around the documented values.",
    example="Docs: `task_time_limit=3600`; the app runs with `task_time_limit=1800`.",
    fix="Change the setting or the docs so both say the same.",
)

MODULE_MISSING = define(
    "config.module-missing",
    CATEGORY,
    "error",
    "a module the app's `imports` or `include` names does not exist",
    why="Celery imports these modules when a worker or beat starts: a missing one stops "
    "the start with ModuleNotFoundError, and every task in the other modules with it.",
    example="`CELERY_IMPORTS` still lists `app.backfills.backfill_0070` after the module "
    "was deleted.",
    fix="Remove the module from `imports`/`include`, or restore it.",
)

# Shapes judged elsewhere (routes, queues, schedules) or never comparable.
_NOT_SETTINGS = {
    "task_routes",
    "task_queues",
    "beat_schedule",
    "broker_url",
    "result_backend",
    "include",
    "imports",
}
_UNKNOWN = object()


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    yield from _missing_modules(ctx)
    actual = {s.name: s for s in ctx.actual.settings}
    documented: dict[str, Setting] = {}
    for setting in ctx.documented.settings:
        documented.setdefault(setting.name, setting)
    for name, doc in documented.items():
        if name in _NOT_SETTINGS or doc.dynamic:
            continue
        real = actual.get(name)
        if real is not None and real.dynamic:
            continue  # Only known at run time: listed as not judged.
        value = real.value if real is not None else _default(name)
        if value is _UNKNOWN:
            continue
        if same_option_value(doc.value, value):
            yield Conforming(CATEGORY, name, doc.source, real.source if real else None)
            continue
        where = "" if real is not None else " (Celery's default)"
        yield drift(
            MISMATCH,
            name,
            f"documented `{name}={render_value(doc.value)}`, the app has "
            f"`{name}={render_value(value)}`{where}",
            documented=f"{name}={render_value(doc.value)}",
            actual=f"{name}={render_value(value)}",
            doc=doc.source,
            code=real.source if real else None,
        )


def _missing_modules(ctx: Context) -> Iterator[Finding]:
    """Modules in `imports`/`include` that the project's own packages do not have. Only
    judged inside a top-level package that was read, outside folders the scan skips;
    a module that exists but does not parse exists."""
    modules = {s.name for s in ctx.actual.symbols if s.kind in ("module", "unparsed")}
    packages = {name.partition(".")[0] for name in modules}
    for setting in ctx.actual.settings:
        if setting.name not in ("imports", "include") or setting.dynamic:
            continue
        value = setting.value
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list | tuple):
            continue
        for name in names:
            if not isinstance(name, str) or name in modules:
                continue
            parts = name.split(".")
            if parts[0] not in packages or any(
                p in UNREAD_FOLDERS or p.startswith("test_") for p in parts
            ):
                continue
            yield drift(
                MODULE_MISSING,
                name,
                f"`{setting.name}` names `{name}`, which does not exist: workers and beat "
                "stop at start-up with ModuleNotFoundError",
                actual=name,
                code=setting.source,
            )


def _default(name: str) -> object:
    try:
        return setting_default(name)
    except (KeyError, ValueError):
        return _UNKNOWN
