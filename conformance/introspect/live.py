"""Live introspection: what the user's Celery app says about itself, as a Spec.

The probe child (started by :mod:`conformance.introspect.launch`) imports the app with the
project's own interpreter, so nothing of the app (prints, Prometheus registries,
``sys.exit``) reaches this process; its one JSON document is turned here into model items
with :attr:`Origin.LIVE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.launch import LaunchedProbe, launch_probe
from conformance.model import (
    Bootstep,
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
from conformance.prometheus_naming import FAMILY_TYPES
from conformance.schedules import timing_from_json


@dataclass(frozen=True)
class LiveResult:
    """What the live probe learnt: the code-side spec and a few raw facts."""

    extraction: Extraction
    default_queue: str
    celery_version: str
    python_version: str


def probe_app(config: Config) -> LiveResult:
    """Import ``config.app`` in a child interpreter and describe it as a live Spec.

    Raises :class:`ConformanceError` with one line naming the cause when the app cannot
    be probed (does not import, missing attribute, timeout, crash, bad output).
    """
    return probe_result(launch_probe(config))


def probe_result(launched: LaunchedProbe) -> LiveResult:
    """What a launched probe answers, as model items (waits for the child)."""
    document = launched.document()
    config = launched.config
    try:
        return result_from_document(document, config)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConformanceError(
            f"{config.app}: probe output has an unexpected shape ({type(exc).__name__}: {exc})"
        ) from None


def _config_location(config: Config, key: str) -> Location | None:
    if config.source is None:
        return None
    return Location(config.rel(config.source), config.key_lines.get(key, 1))


def _location(where: str, config: Config) -> Location:
    parsed = Location.parse(where)
    return Location(config.rel(parsed.path), parsed.line)


def _source(entry: Mapping[str, Any], config: Config) -> Location | None:
    path = entry.get("file")
    if not isinstance(path, str) or not path:
        return None
    line = entry.get("line")
    return Location(config.rel(path), line if isinstance(line, int) and line > 0 else 1)


# --- document -> model -------------------------------------------------------------------


def result_from_document(document: Mapping[str, Any], config: Config) -> LiveResult:
    """Turn the probe's JSON document into a :class:`LiveResult`."""
    notices: list[Notice] = []
    spec = Spec(
        tasks=tuple(_task(t, config) for t in document["tasks"]),
        queues=tuple(_queue(q) for q in document["queues"] if q.get("declared")),
        routes=tuple(_route(r, config, notices) for r in document["routes"]),
        schedules=tuple(_schedule(b, notices) for b in document["beat"]),
        signals=tuple(_signal(s, config) for s in document["signals"]),
        metrics=tuple(_metric(m, config) for m in document["metrics"]),
        bootsteps=tuple(_bootstep(b, config) for b in document["bootsteps"]),
        settings=tuple(
            Setting(name, value, origin=Origin.LIVE)
            for name, value in sorted(document["settings"].items())
        ),
    )
    for failed in document.get("monitoring_errors", []):
        where = failed.get("where")
        location = _location(where, config) if isinstance(where, str) and where else None
        if location is None and config.source is not None:
            # A module that is not there: the config line that names it.
            location = _config_location(config, "monitoring")
        notices.append(
            Notice(
                "import-error",
                f"monitoring module `{failed['module']}` does not import: {failed['error']}",
                location.path if location else None,
                location.line if location else None,
            )
        )
    versions = document.get("versions", {})
    return LiveResult(
        extraction=Extraction(spec, tuple(notices)),
        default_queue=str(document["default_queue"]),
        celery_version=str(versions.get("celery", "")),
        python_version=str(versions.get("python", "")),
    )


def _task(entry: Mapping[str, Any], config: Config) -> Task:
    module, qualname = entry.get("module"), entry.get("function")
    function = f"{module}.{qualname}" if module and qualname else None
    return Task(
        name=entry["name"],
        options=dict(entry.get("options", {})),
        queue=None if entry.get("queue_dynamic") else entry.get("queue"),
        params=tuple(entry.get("params", ())),
        function=function,
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _queue(entry: Mapping[str, Any]) -> Queue:
    return Queue(
        name=entry["name"],
        exchange=entry.get("exchange"),
        routing_key=entry.get("routing_key"),
        origin=Origin.LIVE,
    )


def _route(entry: Mapping[str, Any], config: Config, notices: list[Notice]) -> Route:
    where = entry.get("where")
    source = _location(where, config) if isinstance(where, str) and where else None
    if not entry.get("dynamic"):
        return Route(
            task=entry["task"],
            queue=entry.get("queue"),
            pattern=entry.get("pattern", "exact"),
            origin=Origin.LIVE,
        )
    router = str(entry.get("router") or "a router")
    notices.append(
        Notice(
            "not-judged",
            f"task_routes uses router `{router}`: the queues it picks depend on the call",
            source.path if source else None,
            source.line if source else None,
        )
    )
    return Route(task=router, queue=None, dynamic=True, source=source, origin=Origin.LIVE)


def _schedule(entry: Mapping[str, Any], notices: list[Notice]) -> Schedule:
    raw = entry.get("schedule") or {}
    why = raw.get("error") or "not a crontab, interval or solar schedule"
    try:
        timing = timing_from_json(raw)
    except ValueError as exc:
        timing, why = None, str(exc)
    if timing is None:
        notices.append(
            Notice(
                "not-judged",
                f"beat entry `{entry['name']}`: schedule only known at run time ({why})",
            )
        )
    return Schedule(name=entry["name"], task=entry.get("task"), timing=timing, origin=Origin.LIVE)


def _signal(entry: Mapping[str, Any], config: Config) -> SignalHandler:
    return SignalHandler(
        signal=entry["signal"],
        handler=entry.get("handler"),
        module=entry.get("module"),
        sender=entry.get("sender"),
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _metric(entry: Mapping[str, Any], config: Config) -> Metric:
    return Metric(
        name=entry["name"],
        type=FAMILY_TYPES.get(str(entry.get("type"))),
        labels=tuple(entry.get("labels", ())),
        documentation=entry.get("documentation"),
        variable=entry.get("variable"),
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _bootstep(entry: Mapping[str, Any], config: Config) -> Bootstep:
    blueprint: Literal["worker", "consumer"] = (
        "consumer" if entry.get("blueprint") == "consumer" else "worker"
    )
    return Bootstep(
        name=entry["name"], blueprint=blueprint, source=_source(entry, config), origin=Origin.LIVE
    )
