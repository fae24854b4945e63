"""Code → spec: the implementation as one :class:`Spec`, live or static.

Both modes read the app's source (canvas flows, where metrics are recorded, what signal
handlers do, code symbols, code lines) and the deployment files; live mode then takes
what Celery itself knows (registered tasks, resolved queues, beat entries, receivers,
effective settings) from a child process, static mode works it out from the source with
the same naming and routing logic (:mod:`conformance.celery_naming`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from conformance.celery_naming import TASK_OPTIONS, effective_option, resolve_queue
from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.deploy import read_deploy_files
from conformance.introspect.live import probe_app
from conformance.introspect.source_scan import SourceScan, scan_package_sources
from conformance.model import (
    Extraction,
    Location,
    Metric,
    Notice,
    Origin,
    Queue,
    Route,
    Schedule,
    Setting,
    SignalHandler,
    Spec,
    Task,
)


@dataclass(frozen=True)
class Introspection:
    """The implementation's spec, the mode actually used, and run-level notices (such as
    a fallback from live to static)."""

    extraction: Extraction
    mode: str
    notices: tuple[Notice, ...] = ()


def app_package(app: str) -> str:
    """The top-level package whose source describes the app (``app`` for
    ``app.workers.celery_app:celery_app``)."""
    return app.partition(":")[0].split(".")[0]


def introspect(config: Config) -> Introspection:
    if not config.app:
        raise ConformanceError("no Celery app configured")
    source = scan_package_sources(
        config.root, config.search_dirs, app_package(config.app), origin=Origin.STATIC
    )
    deploy = read_deploy_files(config.deploy, config.root) if config.deploy else Extraction(Spec())
    if config.mode == "static":
        return Introspection(_static(config, source).merge(deploy), "static")
    try:
        live = probe_app(config)
    except ConformanceError as error:
        if config.mode == "live":
            raise
        notice = Notice(
            "static-fallback",
            f"the app did not import, so this check used static analysis: {error.message}",
            str(config.source.name) if config.source else None,
            None,
        )
        return Introspection(_static(config, source).merge(deploy), "static", (notice,))
    return Introspection(_combine_live(live.extraction, source).merge(deploy), "live")


# --- live: Celery's answers, placed in the source ------------------------------------------


def _combine_live(live: Extraction, source: SourceScan) -> Extraction:
    spec, code = live.spec, source.extraction.spec

    def locate(name: str, fallback: Location | None = None) -> Location | None:
        return fallback or source.literals.get(name)

    queues = tuple(replace(q, source=locate(q.name, q.source)) for q in spec.queues)
    routes = tuple(replace(r, source=locate(r.task, r.source)) for r in spec.routes)
    schedules = tuple(replace(s, source=locate(s.name, s.source)) for s in spec.schedules)
    settings = tuple(replace(s, source=locate(s.name, s.source)) for s in spec.settings)
    combined = replace(
        spec,
        queues=queues,
        routes=routes,
        schedules=schedules,
        settings=settings,
        canvas=code.canvas,
        signals=_signals_with_bodies(spec.signals, code.signals),
        metrics=_metrics_with_uses(spec.metrics, code.metrics),
        symbols=code.symbols,
        workers=spec.workers + code.workers,
        bootsteps=spec.bootsteps or code.bootsteps,
    )
    return Extraction(combined, live.notices + source.extraction.notices, ())


def _signals_with_bodies(
    live: tuple[SignalHandler, ...], scanned: tuple[SignalHandler, ...]
) -> tuple[SignalHandler, ...]:
    """Live receivers are the truth about what is connected; the source tells what each
    handler does (metrics, tasks) and with which ``sender=``."""
    by_key = {(s.signal, s.module, s.handler): s for s in scanned}
    by_handler = {(s.signal, s.handler): s for s in scanned}
    out = []
    for handler in live:
        body = by_key.get((handler.signal, handler.module, handler.handler)) or by_handler.get(
            (handler.signal, handler.handler)
        )
        if body is None:
            out.append(handler)
        else:
            out.append(
                replace(
                    handler,
                    metrics=body.metrics,
                    tasks=body.tasks,
                    sender=handler.sender or body.sender,
                    source=handler.source or body.source,
                )
            )
    return tuple(out)


def _metrics_with_uses(live: tuple[Metric, ...], scanned: tuple[Metric, ...]) -> tuple[Metric, ...]:
    """Live definitions with the recording sites found in the source; metrics the probe
    could not see (a module it could not import) come from the source alone."""
    by_name = {m.name: m for m in scanned}
    out = []
    for metric in live:
        found = by_name.pop(metric.name, None)
        if found is None:
            out.append(metric)
        else:
            out.append(
                replace(metric, recorded_at=found.recorded_at, source=metric.source or found.source)
            )
    out.extend(by_name.values())
    return tuple(out)


# --- static: the same answers, worked out from the source ----------------------------------


def _static(config: Config, source: SourceScan) -> Extraction:
    spec = source.extraction.spec
    settings = {s.name: s.value for s in spec.settings if not s.dynamic}
    default_queue = settings.get("task_default_queue", "celery")
    if not isinstance(default_queue, str):
        default_queue = "celery"
    tasks = tuple(_static_task(task, spec.routes, settings, default_queue) for task in spec.tasks)
    queues: tuple[Queue, ...] = spec.queues
    routes: tuple[Route, ...] = spec.routes
    schedules: tuple[Schedule, ...] = spec.schedules
    setting_items: tuple[Setting, ...] = spec.settings
    if "task_default_queue" not in settings:
        setting_items += (Setting("task_default_queue", default_queue, origin=Origin.STATIC),)
    static_spec = replace(
        spec, tasks=tasks, queues=queues, routes=routes, schedules=schedules, settings=setting_items
    )
    return Extraction(static_spec, source.extraction.notices, ())


def _static_task(
    task: Task, routes: tuple[Route, ...], settings: dict[str, object], default_queue: str
) -> Task:
    explicit = dict(task.options)
    queue = resolve_queue(task.name, routes, task_queue=task.queue, default_queue=default_queue)
    options = {name: effective_option(name, explicit, settings) for name in TASK_OPTIONS}
    return replace(task, queue=queue, options=options)


def package_dir(search_dirs: tuple[Path, ...], package: str) -> Path | None:
    for folder in search_dirs:
        candidate = folder / package
        if (candidate / "__init__.py").is_file() or candidate.with_suffix(".py").is_file():
            return candidate
    return None
