"""Metrics libraries expose by themselves, added to the implementation where in use.

A documented ``process_cpu_seconds_total`` or ``flower_worker_online`` is defined by no
line of the project, yet it is exposed: by prometheus_client's default registry (in a
project that defines metrics with it), by a deployed Flower or celery-exporter, by
django-prometheus (an installed app), by prometheus-fastapi-instrumentator (imported).
Each becomes a :class:`Metric` with ``exported_by`` set, located where the library is
configured; the rules let them satisfy documented metrics and never report them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from conformance.introspect.source_scan import SourceScan
from conformance.model import Location, Metric, MetricType, Origin, Spec
from conformance.prometheus_naming import DEFAULT_COLLECTOR_FAMILIES, EXPORTER_FAMILIES


def library_metrics(spec: Spec, source: SourceScan) -> tuple[Metric, ...]:
    """The library metrics of ``spec``'s project (see the module docstring)."""
    found: list[Metric] = []
    for library, families, where in _libraries(spec, source):
        found += [
            Metric(name, kind, source=where, origin=Origin.STATIC, exported_by=library)
            for name, kind in families.items()
        ]
    return tuple(found)


def _libraries(
    spec: Spec, source: SourceScan
) -> Iterator[tuple[str, dict[str, MetricType], Location | None]]:
    own = [m for m in spec.metrics if m.exported_by is None]
    if own:
        yield "prometheus_client", DEFAULT_COLLECTOR_FAMILIES, own[0].source
    flower = next((s for s in spec.services if s.role == "flower"), None)
    if flower is not None:
        yield "flower", EXPORTER_FAMILIES["flower"], flower.source
    for service in spec.services:
        words = f"{service.name} {service.command or ''}".lower().replace("_", "-")
        if "celery-exporter" in words:
            yield "celery-exporter", EXPORTER_FAMILIES["celery-exporter"], service.source
            break
    installed = source.literals.get("django_prometheus")
    if installed is not None:
        yield "django-prometheus", EXPORTER_FAMILIES["django-prometheus"], installed
    imported = _imported(source, "prometheus_fastapi_instrumentator")
    if imported is not None:
        family = EXPORTER_FAMILIES["prometheus-fastapi-instrumentator"]
        yield "prometheus-fastapi-instrumentator", family, imported


def _imported(source: SourceScan, package: str) -> Location | None:
    """Where a module of the project first imports ``package``."""
    for info in source.modules.values():
        for node, _ in info.context.nodes_of(ast.Import, ast.ImportFrom):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            if any(name == package or name.startswith(f"{package}.") for name in names):
                return info.context.loc(node)
    return None
