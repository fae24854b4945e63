"""`--metrics-url`: a real prometheus_client registry served over HTTP, scraped and
compared with the documented metrics (`metric.not-exposed`, `metric.exposed-mismatch`).

Every server here is real and local (prometheus_client's own `start_http_server`, or a
WSGI app on a free port in a thread); nothing is mocked.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Enum,
    Gauge,
    Histogram,
    Info,
    Summary,
    generate_latest,
    make_wsgi_app,
    start_http_server,
)
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import ExposedMetric, Location, Metric, Origin, Spec
from conformance.rules import RULES, exposed
from conformance.rules.engine import run_checks
from conformance.runtime.scrape import exposed_families, scrape_metrics

from clirun import run_cli
from services import closed_port, silent_server

MONITORING = """\
from prometheus_client import Counter, Gauge, Histogram

from proj.celery_app import app

TASK_DURATION = Histogram("task_duration_seconds", "Task duration", ["task_name"])
TASK_FAILURES = Counter("task_failures", "Failed tasks", ["task_name", "exception"])
QUEUE_LENGTH = Gauge("queue_length", "Messages waiting", ["queue"])


@app.task(name="proj.work")
def work() -> None:
    with TASK_DURATION.labels(task_name="proj.work").time():
        QUEUE_LENGTH.labels(queue="celery").set(0)
    TASK_FAILURES.labels(task_name="proj.work", exception="none").inc()
"""

METRICS_PAGE = """\
# Monitoring

The worker runs `proj.work` and exposes these metrics on port 9100:

| Metric | Type | Labels |
| --- | --- | --- |
| `task_duration_seconds` | histogram | `task_name` |
| `task_failures_total` | counter | `task_name`, `exception` |
| `queue_length` | gauge | `queue` |
"""

Env = dict[str, Any]
WsgiApp = Callable[[Env, Callable[..., Any]], Iterable[bytes]]


def project(root: Path, timeout: float | None = None) -> Path:
    (root / "proj").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "celery_app.py").write_text(
        'from celery import Celery\n\napp = Celery("proj", broker="memory://")\n'
    )
    (root / "proj" / "monitoring.py").write_text(MONITORING)
    (root / "docs" / "monitoring.md").write_text(METRICS_PAGE)
    config = '[tool.conformance]\napp = "proj.celery_app:app"\ndocs = ["docs/*.md"]\n'
    if timeout is not None:
        config += f"timeout = {timeout}\n"
    (root / "pyproject.toml").write_text(config)
    return root


@contextmanager
def exporter(registry: CollectorRegistry) -> Iterator[str]:
    """prometheus_client's own HTTP server on a free port; its /metrics URL."""
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        yield f"http://127.0.0.1:{server.server_port}/metrics"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(app: WsgiApp) -> Iterator[str]:
    """Any WSGI app on a free port, in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def answer(status: str, content_type: str, body: bytes) -> WsgiApp:
    def app(environ: Env, start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, [("Content-Type", content_type)])
        return [body]

    return app


def worker_registry(*, with_queue_length: bool = False) -> CollectorRegistry:
    """What the running worker exposes: the duration and failure metrics, recorded."""
    registry = CollectorRegistry()
    duration = Histogram("task_duration_seconds", "d", ["task_name"], registry=registry)
    duration.labels(task_name="proj.work").observe(0.2)
    failures = Counter("task_failures", "f", ["task_name", "exception"], registry=registry)
    failures.labels(task_name="proj.work", exception="KeyError").inc()
    if with_queue_length:
        Gauge("queue_length", "q", ["queue"], registry=registry).labels(queue="celery").set(3)
    return registry


def check(root: Path, url: str, *extra: str) -> Any:
    proc = run_cli(
        root, "check", "--mode", "static", "--metrics-url", url, "--format", "json", *extra
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def runtime_findings(report: Any) -> dict[tuple[str, str], Any]:
    return {
        (f["rule"], f["subject"]): f
        for f in report["findings"]
        if f["rule"] in ("metric.not-exposed", "metric.exposed-mismatch")
    }


def scrape(url: str, timeout: float = 10) -> Any:
    return scrape_metrics(Config(root=Path.cwd(), metrics_url=url, timeout=timeout))


# --- the whole command ---------------------------------------------------------------------


def test_a_documented_metric_the_endpoint_does_not_expose(tmp_path: Path) -> None:
    root = project(tmp_path)
    with exporter(worker_registry()) as url:
        proc = run_cli(root, "check", "--mode", "static", "--metrics-url", url, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    found = runtime_findings(report)
    assert set(found) == {("metric.not-exposed", "queue_length")}
    finding = found["metric.not-exposed", "queue_length"]
    assert finding["severity"] == "error" and finding["category"] == "metrics"
    assert finding["message"] == (
        f"documented metric `queue_length` is defined in the code but {url} does not expose it"
    )
    assert finding["doc"]["path"] == "docs/monitoring.md"
    assert finding["code"]["path"] == "proj/monitoring.py"
    conforming = {c["subject"] for c in report["conforming"] if c["category"] == "metrics"}
    assert {"task_duration_seconds", "task_failures_total"} <= conforming
    # The claim counts as drift, not as conforming (the static rules found it defined).
    assert report["coverage"]["drift"] == 1


def test_every_documented_metric_exposed_is_no_runtime_finding(tmp_path: Path) -> None:
    root = project(tmp_path)
    with exporter(worker_registry(with_queue_length=True)) as url:
        report = check(root, url)
    assert runtime_findings(report) == {}
    assert {"task_duration_seconds", "task_failures_total", "queue_length"} <= {
        c["subject"] for c in report["conforming"] if c["category"] == "metrics"
    }


def test_the_endpoint_shows_another_type_and_other_labels(tmp_path: Path) -> None:
    # An old deployment still runs: `queue_length` was a counter, `task_failures` had one
    # label. The code (and the docs) moved on; only the endpoint shows it.
    registry = CollectorRegistry()
    Histogram("task_duration_seconds", "d", ["task_name"], registry=registry).labels(
        task_name="proj.work"
    ).observe(1)
    Counter("task_failures", "f", ["task"], registry=registry).labels(task="proj.work").inc()
    Counter("queue_length", "q", ["queue"], registry=registry).labels(queue="celery").inc()
    root = project(tmp_path)
    with exporter(registry) as url:
        report = check(root, url)
    found = runtime_findings(report)
    assert set(found) == {
        ("metric.exposed-mismatch", "queue_length"),
        ("metric.exposed-mismatch", "task_failures_total"),
    }
    assert found["metric.exposed-mismatch", "queue_length"]["message"] == (
        f"{url} exposes metric `queue_length` as a counter, the docs say gauge"
    )
    labels = found["metric.exposed-mismatch", "task_failures_total"]
    assert labels["message"] == (
        f"{url} exposes metric `task_failures_total` with labels `task`, the docs say "
        "`task_name`, `exception`"
    )
    assert (labels["documented"], labels["actual"]) == ("task_name, exception", "task")
    assert labels["code"] == {"path": url, "line": 1}


def test_an_unreachable_endpoint_is_one_line_exit_2_within_the_timeout(tmp_path: Path) -> None:
    url = f"http://scrape:s3cret@127.0.0.1:{closed_port()}/metrics"
    started = time.monotonic()
    proc = run_cli(project(tmp_path, timeout=2), "check", "--mode", "static", "--metrics-url", url)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line == (
        f"conformance: error: metrics endpoint {url.replace(':s3cret@', ':***@')}: "
        "cannot connect: Connection refused"
    )
    assert elapsed < 30


def test_an_endpoint_that_never_answers_is_an_error_within_the_timeout(tmp_path: Path) -> None:
    with silent_server() as port:
        url = f"http://127.0.0.1:{port}/metrics"
        started = time.monotonic()
        with pytest.raises(ConformanceError) as caught:
            scrape(url, timeout=1)
        elapsed = time.monotonic() - started
    assert str(caught.value) == f"metrics endpoint {url}: no answer within 1 s"
    assert elapsed < 3


def test_a_server_that_trickles_bytes_is_bounded_as_a_whole() -> None:
    # Each read gets a byte before the socket timeout; the whole scrape still stops.
    def slow(environ: Env, start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
        for _ in range(40):
            time.sleep(0.1)
            yield b"# a comment that never ends\n"

    with serve(slow) as base:
        started = time.monotonic()
        with pytest.raises(ConformanceError) as caught:
            scrape(f"{base}/metrics", timeout=1)
        assert time.monotonic() - started < 2
    assert str(caught.value) == f"metrics endpoint {base}/metrics: no complete answer within 1 s"


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (answer("404 Not Found", "text/plain", b"nope"), "HTTP 404 Not Found"),
        (answer("503 Service Unavailable", "text/plain", b""), "HTTP 503 Service Unavailable"),
        (
            answer("200 OK", "text/html; charset=utf-8", b"<html><body>Login</body></html>"),
            "not Prometheus text exposition (Content-Type text/html)",
        ),
        (
            answer("200 OK", "text/plain", b"<html><body>Login</body></html>"),
            "not Prometheus text exposition (invalid metric name:<html><body>Login</body></html>)",
        ),
        (
            answer("200 OK", "text/plain", b"status: all good"),
            "not Prometheus text exposition",
        ),
    ],
)
def test_an_endpoint_that_is_not_a_metrics_page_is_exit_2(
    app: WsgiApp, expected: str, tmp_path: Path
) -> None:
    root = project(tmp_path)
    with serve(app) as base:
        proc = run_cli(root, "check", "--mode", "static", "--metrics-url", f"{base}/metrics")
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"conformance: error: metrics endpoint {base}/metrics: {expected}")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/metrics", "file:///etc/passwd", "127.0.0.1:9100"])
def test_only_http_urls_are_scraped(url: str) -> None:
    with pytest.raises(ConformanceError, match="not an http"):
        scrape(url)


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown() -> None:
    inner = make_wsgi_app(worker_registry())
    expected = "Basic " + base64.b64encode(b"scrape:s3cret p").decode()

    def guarded(environ: Env, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_AUTHORIZATION") != expected:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"who are you"]
        return inner(environ, start_response)  # type: ignore[no-any-return]

    with serve(guarded) as base:
        host = base.removeprefix("http://")
        found = scrape(f"http://scrape:s3cret%20p@{host}/metrics")
        with pytest.raises(ConformanceError) as refused:
            scrape(f"http://scrape:wrong@{host}/metrics")
    assert {m.name for m in found.spec.exposed} == {"task_duration_seconds", "task_failures"}
    (source,) = {m.source for m in found.spec.exposed}
    assert source == Location(f"http://scrape:***@{host}/metrics", 1)
    assert str(refused.value) == (
        f"metrics endpoint http://scrape:***@{host}/metrics: HTTP 401 Unauthorized"
    )


def test_an_endpoint_that_exposes_nothing_is_a_notice_and_judges_nothing(tmp_path: Path) -> None:
    with exporter(CollectorRegistry()) as url:
        report = check(project(tmp_path), url)
    assert runtime_findings(report) == {}
    assert {
        "kind": "not-judged",
        "message": f"metrics endpoint {url} exposes no metric: the documented metrics are not "
        "compared with it",
        "path": url,
        "line": 1,
    } in report["notices"]


# --- what the parser reads -------------------------------------------------------------------


def _every_type() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("orders_total", "o", ["status"], registry=registry).labels(status="paid").inc()
    Counter("jobs", "j", ["queue"], registry=registry)  # labelled, never recorded
    Histogram("latency_seconds", "l", ["route"], registry=registry).labels(route="/").observe(1)
    Summary("payload_bytes", "p", ["kind"], registry=registry).labels(kind="a").observe(10)
    Gauge("in_flight", "i", registry=registry).set(2)
    Info("build", "b", registry=registry).info({"version": "1.2", "commit": "abc"})
    Enum("phase", "p", states=["idle", "busy"], registry=registry).state("busy")
    return registry


def test_counters_are_named_without_total_and_created_series_are_not_metrics() -> None:
    # Pinned against the installed prometheus_client: its text parser names a counter's
    # family without `_total` (as ExposedMetric and Metric expect), and the `_created`
    # gauges it writes next to counters, histograms and summaries are left out.
    text = generate_latest(_every_type()).decode()
    assert "orders_total{" in text and "orders_created{" in text
    assert exposed_families(text) == [
        ("orders", "counter", ("status",)),
        ("jobs", "counter", ()),
        ("latency_seconds", "histogram", ("route",)),
        ("payload_bytes", "summary", ("kind",)),
        ("in_flight", "gauge", ()),
        ("build_info", "gauge", ("commit", "version")),
        ("phase", "gauge", ("phase",)),
    ]


def test_openmetrics_keeps_info_and_enum_types() -> None:
    text = generate_openmetrics(_every_type()).decode()
    assert exposed_families(text, openmetrics=True) == [
        ("orders", "counter", ("status",)),
        ("jobs", "counter", ()),
        ("latency_seconds", "histogram", ("route",)),
        ("payload_bytes", "summary", ("kind",)),
        ("in_flight", "gauge", ()),
        ("build", "info", ("commit", "version")),
        ("phase", "enum", ("phase",)),
    ]


def test_a_server_answering_openmetrics_is_read_as_openmetrics() -> None:
    body = generate_openmetrics(_every_type())
    app = answer("200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", body)
    with serve(app) as base:
        found = scrape(f"{base}/metrics")
    assert ("build", "info") in {(m.name, m.type) for m in found.spec.exposed}
    assert {m.origin for m in found.spec.exposed} == {Origin.RUNTIME}


def test_an_untyped_exposition_is_read_without_types() -> None:
    text = 'orders_total 3\nqueue_depth{queue="a"} 1\n'
    assert exposed_families(text) == [
        ("orders_total", None, ()),
        ("queue_depth", None, ("queue",)),
    ]


# --- the rules, on specs ---------------------------------------------------------------------

DOC = Location("docs/m.md", 3)
CODE = Location("app/metrics.py", 5)
URL = Location("http://w:9100/metrics", 1)


def _judge(documented: list[Metric], defined: list[Metric], served: list[ExposedMetric]) -> Any:
    return run_checks(
        (exposed.check,),
        Spec(metrics=tuple(documented)),
        Spec(metrics=tuple(defined), exposed=tuple(served)),
    )


def test_nothing_is_judged_without_an_endpoint() -> None:
    doc = Metric("orders", "counter", ("status",), source=DOC)
    assert _judge([doc], [Metric("orders", "counter", ("status",), source=CODE)], []) == ((), ())


def test_a_metric_exposed_as_documented_conforms_at_the_endpoint() -> None:
    findings, conforming = _judge(
        [Metric("orders_total", "counter", ("status",), source=DOC)],
        [Metric("orders", "counter", ("status",), source=CODE, origin=Origin.STATIC)],
        [ExposedMetric("orders", "counter", ("status",), URL)],
    )
    assert findings == ()
    assert [(c.category, c.subject, c.doc, c.code) for c in conforming] == [
        ("metrics", "orders_total", DOC, URL)
    ]


def test_what_the_code_already_shows_is_not_reported_twice() -> None:
    # The code defines a summary with label `kind`, as the endpoint shows: the static
    # rules (type-mismatch, labels-mismatch) tell the docs' difference.
    findings, conforming = _judge(
        [Metric("latency", "histogram", ("route",), source=DOC)],
        [Metric("latency", "summary", ("kind",), source=CODE)],
        [ExposedMetric("latency", "summary", ("kind",), URL)],
    )
    assert (findings, conforming) == ((), ())


def test_a_library_metric_is_not_expected_on_this_endpoint() -> None:
    # Flower's metrics are exposed by Flower, not by the worker's endpoint.
    findings, _ = _judge(
        [Metric("flower_events_total", "counter", source=DOC)],
        [Metric("flower_events", "counter", source=CODE, exported_by="flower")],
        [ExposedMetric("orders", "counter", ("status",), URL)],
    )
    assert findings == ()


def test_a_metric_defined_nowhere_is_left_to_metric_missing() -> None:
    findings, conforming = _judge(
        [Metric("ghost", "gauge", source=DOC)],
        [],
        [ExposedMetric("orders", "counter", ("status",), URL)],
    )
    assert (findings, conforming) == ((), ())


def test_unknown_labels_and_the_text_formats_gauges_are_not_mismatches() -> None:
    findings, _ = _judge(
        [
            # Labelled, nothing recorded yet: exposed without samples, labels unknown.
            Metric("jobs", "counter", ("queue",), source=DOC),
            Metric("build_info", "info", ("version",), source=DOC),
            Metric("phase", "enum", (), source=DOC),
        ],
        [
            Metric("jobs", "counter", ("queue",), source=CODE),
            Metric("build", "info", ("version",), source=CODE),
            Metric("phase", "enum", (), source=CODE),
        ],
        [
            ExposedMetric("jobs", "counter", (), URL),
            ExposedMetric("build_info", "gauge", ("version",), URL),
            ExposedMetric("phase", "gauge", ("phase",), URL),
        ],
    )
    assert findings == ()


def test_the_rules_are_registered_with_their_pages_text() -> None:
    for rule_id in ("metric.not-exposed", "metric.exposed-mismatch"):
        rule = RULES[rule_id]
        assert (rule.category, rule.severity.value) == ("metrics", "error")
        assert rule.summary and rule.why and rule.example and rule.fix


def test_a_metric_the_endpoint_exposes_is_not_missing_though_the_source_lacks_it() -> None:
    # Defined where static analysis cannot see (a library, a name built at run time), but
    # the running endpoint exposes it: metric.missing would be a false alarm.
    from conformance.rules import metrics

    documented = Metric("orders_total", "counter", ("status",), source=DOC)
    served = ExposedMetric("orders", "counter", ("status",), URL)
    with_endpoint = run_checks(
        (metrics.check,), Spec(metrics=(documented,)), Spec(exposed=(served,))
    )
    assert [f.rule for f in with_endpoint[0]] == []
    without = run_checks((metrics.check,), Spec(metrics=(documented,)), Spec())
    assert [f.rule for f in without[0]] == ["metric.missing"]
