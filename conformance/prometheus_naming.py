"""How ``prometheus_client`` names metric families and the series it exposes.

Pure string rules (no import of ``prometheus_client``), checked against the real library
in the tests: the static analyser names a metric exactly as the live one would.
"""

from __future__ import annotations

from conformance.model import MetricType

__all__ = [
    "DEFAULT_COLLECTOR_FAMILIES",
    "EXPORTER_FAMILIES",
    "FAMILY_TYPES",
    "METRIC_TYPES",
    "exposed_series",
    "family_name",
    "same_metric_name",
    "series_family",
]

METRIC_TYPES: dict[str, MetricType] = {
    "Counter": "counter",
    "Gauge": "gauge",
    "Histogram": "histogram",
    "Summary": "summary",
    "Info": "info",
    "Enum": "enum",
}
"""``prometheus_client`` constructor class name → metric type (``Enum`` is exposed as a
``stateset`` by the library; we call it ``enum`` like the constructor)."""

FAMILY_TYPES: dict[str, MetricType] = {
    "counter": "counter",
    "gauge": "gauge",
    "histogram": "histogram",
    "summary": "summary",
    "info": "info",
    "stateset": "enum",
}
"""A metric family's type as the library names it (a metric object's ``_type``, an
exposition's ``# TYPE`` line) → metric type: an ``Enum`` is a ``stateset`` family."""

_SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
    "info": ("_info",),
    "enum": ("",),
}


def family_name(
    name: str,
    type: str,
    namespace: str = "",
    subsystem: str = "",
    unit: str = "",
) -> str:
    """The family name ``prometheus_client`` gives ``Type(name, ..., namespace=...,
    subsystem=..., unit=...)``.

    ``namespace_subsystem_name``; a counter then drops one trailing ``_total``; a unit is
    appended as ``_unit`` unless the name already ends with it. ``type`` is a metric type
    (``counter``) or a constructor name (``Counter``). Raises :class:`ValueError` where
    the library does: an empty name, or a unit on an info or enum metric.
    """
    kind = METRIC_TYPES.get(type, type)
    if not name:
        raise ValueError("a metric name must not be empty")
    full = "_".join(part for part in (namespace, subsystem) if part)
    full = f"{full}_{name}" if full else name
    if kind == "counter" and full.endswith("_total"):
        full = full.removesuffix("_total")
    if unit and not full.endswith("_" + unit):
        full = f"{full}_{unit}"
    if unit and kind in ("info", "enum"):
        raise ValueError(f"a {kind} metric cannot have a unit: {full}")
    return full


def exposed_series(family: str, type: str) -> tuple[str, ...]:
    """The sample names a family is exposed as (``x`` counter → ``x_total``,
    ``x_created``; histogram → ``_bucket``, ``_count``, ``_sum``, ``_created``; info →
    ``x_info``; gauge and enum → ``x``). ``_created`` series are on by default."""
    kind = METRIC_TYPES.get(type, type)
    if kind not in _SUFFIXES:
        raise ValueError(f"unknown metric type {type!r}")
    return tuple(family + suffix for suffix in _SUFFIXES[kind])


def series_family(series: str, type: str | None = None) -> str:
    """The family a series name belongs to, as docs and PromQL write it.

    Without a type only ``_total`` is dropped (a counter written either way); with one,
    any of that type's series suffixes is (``x_seconds_bucket`` → ``x_seconds``).
    """
    if type is None:
        return series.removesuffix("_total")
    kind = METRIC_TYPES.get(type, type)
    for suffix in _SUFFIXES.get(kind, ()):
        if suffix and series.endswith(suffix):
            return series.removesuffix(suffix)
    return series


def same_metric_name(a: str, b: str, type: str | None = None) -> bool:
    """Whether two written names mean the same family (``x`` and ``x_total`` do)."""
    return a == b or series_family(a, type) == series_family(b, type)


DEFAULT_COLLECTOR_FAMILIES: dict[str, MetricType] = {
    # prometheus_client's default registry: ProcessCollector (Linux), PlatformCollector
    # and GCCollector. Families as prometheus_client names them (counters without
    # `_total`); pinned against the installed library by tests/test_prometheus_naming.py.
    "process_virtual_memory_bytes": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_start_time_seconds": "gauge",
    "process_cpu_seconds": "counter",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
    "python_info": "gauge",
    "python_gc_objects_collected": "counter",
    "python_gc_objects_uncollectable": "counter",
    "python_gc_collections": "counter",
}
"""Metrics every process that serves prometheus_client's default registry exposes:
documenting them is not ``metric.missing`` in a project that uses prometheus_client."""


EXPORTER_FAMILIES: dict[str, dict[str, MetricType]] = {
    # Flower's /metrics (flower/events.py, read at e6cf8ef, 2026-08).
    "flower": {
        "flower_events": "counter",
        "flower_task_runtime_seconds": "histogram",
        "flower_task_prefetch_time_seconds": "gauge",
        "flower_worker_prefetched_tasks": "gauge",
        "flower_worker_online": "gauge",
        "flower_worker_number_of_currently_executing_tasks": "gauge",
    },
    # danihodovic/celery-exporter with its default `celery_` prefix (src/exporter.py,
    # read at 95e8e49, 2026-08).
    "celery-exporter": {
        **{
            f"celery_task_{event}": "counter"
            for event in (
                "sent",
                "received",
                "started",
                "succeeded",
                "failed",
                "rejected",
                "revoked",
                "retried",
            )
        },
        "celery_worker_up": "gauge",
        "celery_worker_tasks_active": "gauge",
        "celery_task_runtime": "histogram",
        "celery_task_queue_wait_time": "histogram",
        "celery_queue_length": "gauge",
        "celery_active_consumer_count": "gauge",
        "celery_active_worker_count": "gauge",
        "celery_active_process_count": "gauge",
    },
    # django-prometheus's middleware (django_prometheus/middleware.py, read at ea2afd7,
    # 2025-06), when `django_prometheus` is an installed app.
    "django-prometheus": {
        **{
            name.removesuffix("_total"): "counter"
            for name in (
                "django_http_requests_before_middlewares_total",
                "django_http_responses_before_middlewares_total",
                "django_http_requests_unknown_latency_including_middlewares_total",
                "django_http_requests_unknown_latency_total",
                "django_http_ajax_requests_total",
                "django_http_requests_total_by_method",
                "django_http_requests_total_by_transport",
                "django_http_requests_total_by_view_transport_method",
                "django_http_responses_total_by_templatename",
                "django_http_responses_total_by_status",
                "django_http_responses_total_by_status_view_method",
                "django_http_responses_total_by_charset",
                "django_http_responses_streaming_total",
                "django_http_exceptions_total_by_type",
                "django_http_exceptions_total_by_view",
            )
        },
        "django_http_requests_latency_including_middlewares_seconds": "histogram",
        "django_http_requests_latency_seconds_by_view_method": "histogram",
        "django_http_requests_body_total_bytes": "histogram",
        "django_http_responses_body_total_bytes": "histogram",
    },
    # prometheus-fastapi-instrumentator's default metrics (metrics.default, read at
    # c1c1fb6, 2026-06), when the project imports it.
    "prometheus-fastapi-instrumentator": {
        "http_requests": "counter",
        "http_request_size_bytes": "summary",
        "http_response_size_bytes": "summary",
        "http_request_duration_highr_seconds": "histogram",
        "http_request_duration_seconds": "histogram",
    },
}
"""Metrics a deployed exporter exposes by itself: Flower (a deployed Flower service) and
celery-exporter (a deployed service named or started as ``celery-exporter``). Documenting
them is not ``metric.missing`` when that exporter is deployed."""
