"""Settings: documented app settings equal the app's effective configuration."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import setting_default
from conformance.findings import Conforming, Finding
from conformance.model import Setting
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


def _default(name: str) -> object:
    try:
        return setting_default(name)
    except (KeyError, ValueError):
        return _UNKNOWN
