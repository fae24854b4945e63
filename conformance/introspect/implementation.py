"""The implementation as one :class:`Spec`, live or static.

Both modes read the app's source (canvas flows, where metrics are recorded, what signal
handlers do, code symbols, code lines) and the deployment files; live mode then takes
what Celery itself knows (registered tasks, resolved queues, beat entries, receivers,
effective settings) from a child process, static mode works it out from the source with
the same naming and routing logic (:mod:`conformance.celery_naming`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.libraries import library_metrics
from conformance.introspect.source_scan import SourceScan, scan_package_sources
from conformance.introspect.static import (
    missing_packages,
    static_extraction,
    unique_items,
    unique_spec,
)
from conformance.model import (
    Extraction,
    Introspection,
    Location,
    Metric,
    Notice,
    Origin,
    SignalHandler,
    Spec,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from conformance.introspect.launch import LaunchedProbe


def app_package(app: str) -> str:
    """The top-level package whose source describes the app (``app`` for
    ``app.workers.celery_app:celery_app``)."""
    return app.partition(":")[0].split(".")[0]


def introspect(config: Config, launched: Sequence[LaunchedProbe] = ()) -> Introspection:
    """The implementation's spec in the configured mode. ``auto`` probes the app live
    and falls back to static analysis (with a ``static-fallback`` notice) when it does
    not import; several configured apps give the union of their specs.

    ``launched``: the probes :func:`launch_probes` started for ``config`` earlier (they
    are used and closed here); without them live mode starts its own.
    """
    if not config.app_list:
        raise ConformanceError("no Celery app configured")
    if config.mode == "static":
        return _introspection(config, scan_sources(config), None)
    from concurrent.futures import ThreadPoolExecutor

    from conformance.introspect.launch import launch_probes

    try:
        if not launched:
            launched = launch_probes(config)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The probe children import the app while this process reads the source.
            probing = pool.submit(_probe_all, launched)
            source = scan_sources(config)
            return _introspection(config, source, probing)
    finally:
        for probe in launched:
            probe.close()


def scan_sources(config: Config) -> SourceScan:
    """The source of the configured apps' packages, with the packages their task modules
    live in (Django apps, ``include=``), read statically."""
    packages = [app_package(app) for app in config.app_list]
    source = scan_package_sources(config.root, config.search_dirs, packages, origin=Origin.STATIC)
    extra = missing_packages(config, source)
    if extra:
        # Task modules in other top-level packages (Django apps, ``include=``).
        source = scan_package_sources(
            config.root, config.search_dirs, [*packages, *extra], origin=Origin.STATIC
        )
    return source


def _introspection(
    config: Config, source: SourceScan, probing: Future[Extraction] | None
) -> Introspection:
    deploy = _deploy(config)
    if probing is None:
        return Introspection(
            _with_libraries(static_extraction(config, source).merge(deploy), source), "static"
        )
    try:
        live = probing.result()
    except ConformanceError as error:
        if config.mode == "live":
            raise
        path, line = _app_setting_location(config)
        notice = Notice(
            "static-fallback",
            f"the app did not import, so this check used static analysis: {error.message}",
            path,
            line,
        )
        static = _with_libraries(static_extraction(config, source).merge(deploy), source)
        return Introspection(static, "static", (notice,))
    return Introspection(_with_libraries(_combine_live(live, source).merge(deploy), source), "live")


def _deploy(config: Config) -> Extraction:
    if not config.deploy:
        return Extraction(Spec())
    from conformance.deploy.read import read_deploy_files  # PyYAML and tree-sitter

    return read_deploy_files(config.deploy, config.root)


def _with_libraries(found: Extraction, source: SourceScan) -> Extraction:
    """``found`` with the metrics the libraries it uses expose by themselves."""
    extra = library_metrics(found.spec, source)
    if not extra:
        return found
    spec = replace(found.spec, metrics=found.spec.metrics + extra)
    return Extraction(spec, found.notices, found.waivers)


def _app_setting_location(config: Config) -> tuple[str | None, int | None]:
    """Where the configuration names the app: the fallback notice points there."""
    if config.source is None:
        return None, None
    try:
        lines = config.source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    line = next((n for n, text in enumerate(lines, 1) if re.match(r"\s*app\s*=", text)), 1)
    return config.rel(config.source), line


def _probe_all(launched: Sequence[LaunchedProbe]) -> Extraction:
    """Each configured app probed in its own child; the union of what they report."""
    combined = Extraction(Spec())
    from conformance.introspect.live import probe_result  # the model of live answers

    for probe in launched:
        combined = combined.merge(probe_result(probe).extraction)
    if len(launched) == 1:
        return combined
    return Extraction(unique_spec(combined.spec), unique_items(combined.notices))


# --- live: Celery's answers, placed in the source ------------------------------------------


def _combine_live(live: Extraction, source: SourceScan) -> Extraction:
    """Live items placed at their source lines, with what only the source tells."""
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
        dispatches=code.dispatches,
        env=code.env,
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
