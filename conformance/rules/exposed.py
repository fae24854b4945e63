"""Exposed metrics: what a running ``/metrics`` endpoint serves (``--metrics-url``)
against the documented metrics. Judged only when an endpoint was scraped and exposed
something.

The code says a metric is defined; only the endpoint says it is exported: a metric
registered in another registry, in a process that does not serve this endpoint, or under
another name after a ``namespace=`` never reaches the dashboards the docs describe.

Where the static rules already tell a difference the endpoint confirms (the code defines
the same type or labels the endpoint shows), it is not reported again here: a finding of
this module is what only the running system shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Conforming, Finding
from conformance.model import ExposedMetric, Metric
from conformance.prometheus_naming import same_metric_name
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "metrics"

NOT_EXPOSED = define(
    "metric.not-exposed",
    CATEGORY,
    "error",
    "a documented metric the code defines is not exposed by the running /metrics endpoint",
    why="Dashboards and alerts query what Prometheus scrapes, not what the code defines: a "
    "metric registered in another registry, or defined in a process that does not serve "
    "the endpoint, is a series that never exists.",
    example="Docs and `app/monitoring.py`: a `task_failures` counter; "
    "`--metrics-url http://worker:9100/metrics` exposes `task_duration` only (the counter is "
    "created with `registry=CollectorRegistry()` that nothing serves).",
    fix="Register the metric in the registry the endpoint serves (or start the exporter in "
    "the process that records it), or correct the docs.",
)
EXPOSED_MISMATCH = define(
    "metric.exposed-mismatch",
    CATEGORY,
    "error",
    "the running /metrics endpoint exposes a documented metric with another type or labels",
    why="Queries are written for the documented type and labels; what the endpoint serves "
    "is what they run against. Reported where the code alone did not show it (labels "
    "computed at run time, a metric a library defines).",
    example="Docs: `task_failures` with labels `task_name`, `exception`; the endpoint "
    'exposes `task_failures_total{task="...",exception="..."}`.',
    fix="Expose the documented type and label names, or correct the docs and the queries "
    "built on them.",
)

# What the Prometheus text format writes for types it does not have: an info is a gauge
# (`X_info`), an enum (a state set) a gauge with one label named after the metric.
_AS_GAUGE = frozenset({"info", "enum"})


def _documented(ctx: Context) -> dict[str, Metric]:
    """One documented metric per name; the first statement of type and labels wins (a
    table row and a constructor in a code block describe one metric)."""
    found: dict[str, Metric] = {}
    for metric in ctx.documented.metrics:
        known = found.get(metric.name)
        if known is None:
            found[metric.name] = metric
            continue
        found[metric.name] = Metric(
            known.name,
            known.type or metric.type,
            known.labels if known.labels is not None else metric.labels,
            source=known.source or metric.source,
            origin=known.origin,
        )
    return found


def _exposed(ctx: Context, name: str, kind: str | None) -> ExposedMetric | None:
    for metric in ctx.actual.exposed:
        if same_metric_name(name, metric.name, kind) or same_metric_name(
            name, metric.name, metric.type
        ):
            return metric
    return None


def _defined(ctx: Context, name: str, kind: str | None) -> Metric | None:
    for metric in ctx.actual.metrics:
        if same_metric_name(metric.name, name, kind):
            return metric
    return None


def _same_type(documented: str, exposed: str) -> bool:
    return documented == exposed or (documented in _AS_GAUGE and exposed == "gauge")


def _labels(documented: Metric, exposed: ExposedMetric) -> tuple[str, ...]:
    """The exposed label names as the docs would write them: an enum's state label
    (named after the metric) is the format's, not the metric's."""
    if documented.type == "enum":
        own = {documented.name, exposed.name}
        return tuple(label for label in exposed.labels if label not in own)
    return exposed.labels


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    if not ctx.actual.exposed:
        return
    where = ctx.actual.exposed[0].source
    endpoint = where.path if where is not None else "the /metrics endpoint"
    for name, doc in _documented(ctx).items():
        defined = _defined(ctx, name, doc.type)
        exposed = _exposed(ctx, name, doc.type)
        if exposed is None:
            # A metric another process exports (Flower, celery-exporter) is not expected
            # on this endpoint; one the code defines nowhere is `metric.missing`'s.
            if defined is not None and defined.exported_by is None:
                yield drift(
                    NOT_EXPOSED,
                    name,
                    f"documented metric `{name}` is defined in the code but {endpoint} does "
                    "not expose it",
                    documented=name,
                    actual="not exposed",
                    doc=doc.source,
                    code=defined.source,
                )
            continue
        ok = True
        if doc.type and exposed.type and not _same_type(doc.type, exposed.type):
            ok = False
            # When the code defines what the endpoint shows, `metric.type-mismatch` tells it.
            if defined is None or defined.type != exposed.type:
                yield drift(
                    EXPOSED_MISMATCH,
                    name,
                    f"{endpoint} exposes metric `{name}` as a {exposed.type}, the docs say "
                    f"{doc.type}",
                    documented=doc.type,
                    actual=exposed.type,
                    doc=doc.source,
                    code=exposed.source,
                )
        labels = _labels(doc, exposed)
        # No label names at all: no sample was exposed yet, the labels are unknown.
        if doc.labels is not None and labels and set(labels) != set(doc.labels):
            ok = False
            # When the code defines them, `metric.labels-mismatch` tells it.
            if defined is None or defined.labels is None or set(defined.labels) != set(labels):
                yield drift(
                    EXPOSED_MISMATCH,
                    name,
                    f"{endpoint} exposes metric `{name}` with labels {_names(labels)}, the "
                    f"docs say {_names(doc.labels)}",
                    documented=", ".join(doc.labels),
                    actual=", ".join(labels),
                    doc=doc.source,
                    code=exposed.source,
                )
        if ok and defined is not None:
            # Exposed as documented. (Without a definition in the code the metric is
            # `metric.missing` for the static rules: not counted as conforming too.)
            yield Conforming(CATEGORY, name, doc.source, exposed.source)


def _names(labels: tuple[str, ...]) -> str:
    return ", ".join(f"`{label}`" for label in labels) if labels else "none"
