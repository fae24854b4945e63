"""Metrics: documented Prometheus metrics are defined, with the documented type and
labels, and the ones defined are actually recorded somewhere."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Conforming, Finding
from conformance.model import Metric
from conformance.prometheus_naming import (
    same_metric_name,
)
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "metrics"

MISSING = define(
    "metric.missing",
    CATEGORY,
    "error",
    "a documented metric is defined nowhere",
    why="Dashboards and alerts written from the docs query a series that never exists.",
    example="Docs: a `task_duration` histogram; no module defines it.",
    fix="Define the metric (and record it), or remove it from the docs.",
)
UNDOCUMENTED = define(
    "metric.undocumented",
    CATEGORY,
    "info",
    "a defined metric the docs don't mention",
    why="Nobody builds a dashboard for a metric they don't know exists.",
    example="`celery_queue_length` is defined in `app.monitoring`; no page mentions it.",
    fix="Document the metric: name, type, labels.",
)
TYPE_MISMATCH = define(
    "metric.type-mismatch",
    CATEGORY,
    "error",
    "counter/gauge/histogram/summary differ",
    why="Queries differ by type (`rate()` of a counter, `histogram_quantile` of buckets): "
    "the documented queries break.",
    example="Docs: `task_duration` is a histogram; the code defines a summary.",
    fix="Use the documented type, or correct the docs and the queries built on them.",
)
LABELS_MISMATCH = define(
    "metric.labels-mismatch",
    CATEGORY,
    "error",
    "label names differ",
    why="Queries and alerts filter and group by labels; a missing label returns nothing.",
    example="Docs: labels `task_name`, `exception`; code: `task`.",
    fix="Use the documented label names, or correct the docs.",
)
NOT_INTEGRATED = define(
    "metric.not-integrated",
    CATEGORY,
    "warning",
    "a metric is defined but never recorded from task, signal or worker code",
    why="A metric that is defined but never incremented or observed exports a flat line: "
    "the monitoring looks wired in and isn't.",
    example="`app/monitoring.py` defines `celery_tasks_total`; no task or signal handler "
    "calls `.inc()` on it.",
    fix="Record the metric where the work happens (a signal handler is a good place), or "
    "delete it.",
)


def _find(metrics: tuple[Metric, ...], name: str, kind: str | None) -> Metric | None:
    for metric in metrics:
        if same_metric_name(metric.name, name, kind):
            return metric
    return None


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    documented: dict[str, Metric] = {}
    for metric in ctx.documented.metrics:
        known = documented.get(metric.name)
        if known is None:
            documented[metric.name] = metric
        else:  # A table row and a constructor describe one metric: merge what each says.
            documented[metric.name] = Metric(
                known.name,
                known.type or metric.type,
                known.labels if known.labels is not None else metric.labels,
                known.documentation or metric.documentation,
                known.variable or metric.variable,
                known.recorded_at,
                known.source or metric.source,
                known.origin,
            )

    exposed = {m.name for m in ctx.actual.exposed}
    for name, doc in documented.items():
        act = _find(ctx.actual.metrics, name, doc.type)
        if act is None and any(same_metric_name(e, name, doc.type) for e in exposed):
            # Not found in the source, but the running endpoint exposes it (a library's,
            # a name built at run time): it exists. metric.exposed-mismatch judges it.
            continue
        if act is None:
            kind = f" {doc.type}" if doc.type else ""
            yield drift(
                MISSING,
                name,
                f"documented{kind} metric `{name}` is defined nowhere",
                documented=name,
                doc=doc.source,
            )
            continue
        ok = True
        if doc.type and act.type and doc.type != act.type:
            ok = False
            yield drift(
                TYPE_MISMATCH,
                name,
                f"metric `{name}` is a {act.type}, the docs say {doc.type}",
                documented=doc.type,
                actual=act.type,
                doc=doc.source,
                code=act.source,
            )
        if doc.labels is not None and act.labels is not None and set(doc.labels) != set(act.labels):
            ok = False
            yield drift(
                LABELS_MISMATCH,
                name,
                f"metric `{name}` has labels {_labels(act.labels)}, the docs say "
                f"{_labels(doc.labels)}",
                documented=", ".join(doc.labels),
                actual=", ".join(act.labels),
                doc=doc.source,
                code=act.source,
            )
        if ok:
            yield Conforming(CATEGORY, name, doc.source, act.source)

    mentioned = _mentioned_metrics(ctx)
    for act in ctx.actual.metrics:
        if act.exported_by is not None:
            continue  # a library's own metric: known when documented, never reported
        doc_metric = next(
            (d for n, d in documented.items() if same_metric_name(n, act.name, act.type)), None
        )
        if doc_metric is None and _is_mentioned(act, mentioned):
            continue  # named in a sentence: documented, nothing claimed
        if doc_metric is None:
            yield drift(
                UNDOCUMENTED,
                act.name,
                f"metric `{act.name}` ({act.type or 'metric'}) is not documented",
                actual=act.name,
                code=act.source,
            )
        if not act.recorded_at:
            where = f" in `{act.variable}`" if act.variable else ""
            yield drift(
                NOT_INTEGRATED,
                act.name,
                f"metric `{act.name}`{where} is defined but never recorded by task, signal "
                "or worker code",
                documented="recorded" if doc_metric else None,
                actual="never recorded",
                doc=doc_metric.source if doc_metric else None,
                code=act.source,
            )


def _labels(labels: tuple[str, ...]) -> str:
    return ", ".join(f"`{label}`" for label in labels) if labels else "none"


# What code does with a metric object, written after its variable in the docs.
_METHODS = (".inc", ".dec", ".set", ".observe", ".labels", ".time", ".info", ".state")


def _mentioned_metrics(ctx: Context) -> set[str]:
    """Mentions as metric names or variables: `ORDERS_FAILED.inc()` names the metric
    its variable holds, `app.monitoring.ORDERS_FAILED` too."""
    names: set[str] = set()
    for name in ctx.mentioned:
        for method in _METHODS:
            name = name.removesuffix(method)
        names.add(name)
        names.add(name.rpartition(".")[2])
    return names


def _is_mentioned(metric: Metric, mentioned: set[str]) -> bool:
    candidates = {metric.name, f"{metric.name}_total"}
    if metric.variable:
        candidates |= {metric.variable, metric.variable.rpartition(".")[2]}
    return bool(candidates & mentioned)
