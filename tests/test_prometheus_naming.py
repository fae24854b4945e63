"""conformance.prometheus_naming, pinned against real prometheus_client metrics."""

from __future__ import annotations

from typing import Any

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry

from conformance.prometheus_naming import (
    METRIC_TYPES,
    exposed_series,
    family_name,
    same_metric_name,
    series_family,
)


def build(cls_name: str, name: str, registry: CollectorRegistry, **kwargs: Any) -> Any:
    cls = getattr(prometheus_client, cls_name)
    extra: dict[str, Any] = {"states": ["a", "b"]} if cls_name == "Enum" else {}
    return cls(name, "documentation", registry=registry, **kwargs, **extra)


@pytest.mark.parametrize(
    ("cls_name", "name", "kwargs"),
    [
        ("Counter", "tasks", {}),  # plain counter
        ("Counter", "tasks_total", {}),  # a counter drops _total
        ("Counter", "tasks_total_total", {}),  # only one _total goes
        ("Counter", "tasks", {"namespace": "app", "subsystem": "worker"}),  # full name
        ("Counter", "total", {"namespace": "app"}),  # "app_total" drops _total too
        ("Counter", "time_total", {"unit": "seconds"}),  # _total goes before the unit
        ("Gauge", "queue_depth", {"namespace": "celery"}),  # gauge
        ("Gauge", "tasks_total", {}),  # only counters drop _total
        ("Histogram", "duration", {"unit": "seconds"}),  # unit appended
        ("Histogram", "duration_seconds", {"unit": "seconds"}),  # unit already there
        ("Summary", "latency", {"subsystem": "http"}),  # summary
        ("Info", "build", {}),  # info keeps its name
        ("Info", "build_info", {}),  # and does not drop _info
        ("Enum", "state", {"namespace": "w"}),  # enum
    ],
)
def test_family_name_is_prometheus_clients(
    cls_name: str, name: str, kwargs: dict[str, Any]
) -> None:
    registry = CollectorRegistry()
    metric = build(cls_name, name, registry, **kwargs)
    ours = family_name(name, METRIC_TYPES[cls_name], **kwargs)
    assert ours == metric._name
    assert ours == family_name(name, cls_name, **kwargs)  # a constructor name works too
    assert [family.name for family in registry.collect()] == [ours]


@pytest.mark.parametrize(
    ("cls_name", "kwargs"),
    [
        ("Info", {"unit": "seconds"}),  # info cannot have a unit
        ("Enum", {"unit": "seconds"}),  # nor can an enum
    ],
)
def test_family_name_raises_where_prometheus_client_does(
    cls_name: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        build(cls_name, "x", CollectorRegistry(), **kwargs)
    with pytest.raises(ValueError):
        family_name("x", METRIC_TYPES[cls_name], **kwargs)


def test_family_name_needs_a_name() -> None:
    with pytest.raises(ValueError):
        family_name("", "counter")


def _record(cls_name: str, metric: Any) -> None:
    if cls_name == "Counter":
        metric.inc()
    elif cls_name == "Gauge":
        metric.set(1)
    elif cls_name in ("Histogram", "Summary"):
        metric.observe(0.2)
    elif cls_name == "Info":
        metric.info({"version": "1"})
    else:
        metric.state("a")


@pytest.mark.parametrize("cls_name", sorted(METRIC_TYPES))  # every constructor
def test_exposed_series_are_the_sample_names(cls_name: str) -> None:
    registry = CollectorRegistry()
    metric = build(cls_name, "job", registry)
    _record(cls_name, metric)
    family = family_name("job", METRIC_TYPES[cls_name])
    samples = {s.name for f in registry.collect() for s in f.samples}
    assert set(exposed_series(family, METRIC_TYPES[cls_name])) == samples


def test_exposed_series_rejects_unknown_types() -> None:
    with pytest.raises(ValueError):
        exposed_series("x", "timer")


def test_metric_types_cover_the_metric_classes() -> None:
    for cls_name, kind in METRIC_TYPES.items():
        cls = getattr(prometheus_client, cls_name)
        assert issubclass(cls, prometheus_client.metrics.MetricWrapperBase)
        # prometheus_client calls an Enum a stateset; the model calls it enum.
        assert cls._type == ("stateset" if kind == "enum" else kind)


@pytest.mark.parametrize(
    ("a", "b", "type", "same"),
    [
        ("tasks", "tasks_total", None, True),  # a counter written either way
        ("tasks_total", "tasks", "counter", True),  # the other way round
        ("tasks", "tasks", None, True),  # equal
        ("tasks", "jobs_total", None, False),  # other names
        ("duration_seconds", "duration_seconds_bucket", "histogram", True),  # a series
        ("duration_seconds", "duration_seconds_bucket", None, False),  # only with the type
        ("build", "build_info", "info", True),  # info series
        ("depth", "depth_total", "gauge", False),  # a gauge has no _total series
    ],
)
def test_same_metric_name(a: str, b: str, type: str | None, same: bool) -> None:
    assert same_metric_name(a, b, type) is same


@pytest.mark.parametrize(
    ("series", "type", "family"),
    [
        ("x_total", None, "x"),  # counter series
        ("x_count", "summary", "x"),  # summary series
        ("x_created", "counter", "x"),  # created series
        ("x", "gauge", "x"),  # a gauge is its own series
    ],
)
def test_series_family(series: str, type: str | None, family: str) -> None:
    assert series_family(series, type) == family


def test_default_collector_families_are_what_prometheus_client_exposes() -> None:
    import sys

    from prometheus_client import (
        CollectorRegistry,
        GCCollector,
        PlatformCollector,
        ProcessCollector,
    )

    from conformance.prometheus_naming import DEFAULT_COLLECTOR_FAMILIES

    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    exposed = {family.name: family.type for family in registry.collect()}
    if sys.platform.startswith("linux"):
        assert exposed == DEFAULT_COLLECTOR_FAMILIES
    else:  # the process collector reads /proc: elsewhere it exposes nothing
        assert exposed.items() <= DEFAULT_COLLECTOR_FAMILIES.items()
