"""Metrics libraries expose by themselves, added where the project uses the library."""

from __future__ import annotations

import pytest

from conformance.introspect.libraries import library_metrics
from conformance.introspect.source_scan import SourceScan
from conformance.model import Extraction, Location, Metric, Service, Spec

HERE = Location("app/x.py", 3)


def _names(spec: Spec, source: SourceScan | None = None) -> dict[str, str | None]:
    scan = source or SourceScan(Extraction(Spec()))
    return {m.name: m.exported_by for m in library_metrics(spec, scan)}


def test_prometheus_client_defaults_only_in_a_project_that_uses_it() -> None:
    own = Metric("orders", "counter", source=HERE)
    found = _names(Spec(metrics=(own,)))
    assert found["process_cpu_seconds"] == found["python_info"] == "prometheus_client"
    assert _names(Spec()) == {}


@pytest.mark.parametrize(
    ("service", "library", "name"),
    [
        (Service("flower", "flower", source=HERE), "flower", "flower_events"),
        (
            Service("celery-exporter", "other", source=HERE),
            "celery-exporter",
            "celery_task_succeeded",
        ),
        (
            Service(
                "metrics", "other", command="celery-exporter --broker-url=redis://r", source=HERE
            ),
            "celery-exporter",
            "celery_queue_length",
        ),
    ],
)
def test_deployed_exporters(service: Service, library: str, name: str) -> None:
    assert _names(Spec(services=(service,)))[name] == library
    assert _names(Spec(services=(Service("web", "other", command="gunicorn app"),))) == {}


def test_django_prometheus_as_an_installed_app() -> None:
    scan = SourceScan(Extraction(Spec()), literals={"django_prometheus": HERE})
    found = _names(Spec(), scan)
    assert found["django_http_requests_total_by_method"] == "django-prometheus"
    assert found["django_http_requests_latency_seconds_by_view_method"] == "django-prometheus"
