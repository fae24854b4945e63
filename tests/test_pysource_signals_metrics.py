"""Signal handlers and Prometheus metrics from Python source."""

from __future__ import annotations

import textwrap

import pytest

from conformance.model import Origin, Spec
from conformance.pysource import SIGNAL_NAMES, scan_source


def spec(code: str, module: str | None = None) -> Spec:
    return scan_source(textwrap.dedent(code), path="s.py", origin=Origin.DOCS, module=module).spec


def test_signal_names_come_from_celery() -> None:
    assert {"task_failure", "task_prerun", "worker_ready", "before_task_publish"} <= SIGNAL_NAMES
    assert "connect" not in SIGNAL_NAMES


Handler = tuple[str, str | None, str | None, tuple[str, ...], tuple[str, ...]]

SIGNAL_CASES: list[tuple[str, list[Handler]]] = [
    # decorator form, no sender
    ("@task_prerun.connect\ndef before(**kw): pass\n", [("task_prerun", "before", None, (), ())]),
    # decorator through the signals module with a string sender
    (
        "from celery import signals\n"
        "@signals.task_failure.connect(sender='tasks.x')\ndef failed(**kw): pass\n",
        [("task_failure", "failed", "tasks.x", (), ())],
    ),
    # call form with a task object as sender: not a string, so None
    (
        "def done(**kw): pass\ntask_success.connect(done, sender=my_task)\n",
        [("task_success", "done", None, (), ())],
    ),
    # body: metrics through labels chains and with-time, tasks via delay and send_task
    (
        "from prometheus_client import Counter, Histogram\n"
        "FAILS = Counter('task_failures_total', 'Failures', ['task'])\n"
        "DUR = Histogram('task_seconds', 'Duration')\n"
        "@task_failure.connect\ndef on_fail(sender=None, **kw):\n"
        "    FAILS.labels(sender.name).inc()\n    with DUR.time():\n        notify.delay()\n"
        "    app.send_task('alerts.page')\n",
        [
            (
                "task_failure",
                "on_fail",
                None,
                ("task_failures", "task_seconds"),
                ("notify", "alerts.page"),
            )
        ],
    ),
    # an imported metric keeps the variable name as written
    (
        "from app.monitoring import task_duration\n@task_postrun.connect\ndef after(**kw):\n"
        "    task_duration.labels('x').observe(1.0)\n",
        [("task_postrun", "after", None, ("task_duration",), ())],
    ),
    # .connect on something that is not a Celery signal
    ("@button.clicked.connect\ndef on_click(): pass\nmy_signal.connect(f)\n", []),
    # conforming: the handler records its metric through a helper of the same module
    (
        "from prometheus_client import Counter\n"
        "FAILS = Counter('task_failures', 'Failures', ['task'])\n"
        "def _count(name):\n    FAILS.labels(name).inc()\n"
        "def _record(sender):\n    _count(sender.name)\n"
        "@task_failure.connect\ndef on_fail(sender=None, **kw):\n    _record(sender)\n",
        [("task_failure", "on_fail", None, ("task_failures",), ())],
    ),
    # a helper the handler does not call adds nothing
    (
        "from prometheus_client import Counter\n"
        "FAILS = Counter('task_failures', 'Failures', ['task'])\n"
        "def _count(name):\n    FAILS.labels(name).inc()\n"
        "@task_failure.connect\ndef on_fail(sender=None, **kw):\n    print(sender)\n",
        [("task_failure", "on_fail", None, (), ())],
    ),
]


@pytest.mark.parametrize(("code", "expected"), SIGNAL_CASES)
def test_signal_handlers(code: str, expected: list[Handler]) -> None:
    found = spec(code).signals
    assert [(h.signal, h.handler, h.sender, h.metrics, h.tasks) for h in found] == expected


def test_signal_handler_module_for_real_files() -> None:
    (handler,) = spec("@worker_ready.connect\ndef ready(**kw): pass\n", "pkg.signals").signals
    assert handler.module == "pkg.signals"


MetricRow = tuple[str, str | None, tuple[str, ...] | None, str | None, str | None]

METRIC_CASES: list[tuple[str, list[MetricRow]]] = [
    # counter: family name without _total, positional labels
    (
        "from prometheus_client import Counter\nC = Counter('jobs_total', 'Jobs', ['queue'])\n",
        [("jobs", "counter", ("queue",), "Jobs", "C")],
    ),
    # namespace/subsystem/unit keywords and labelnames=
    (
        "import prometheus_client\n"
        "H = prometheus_client.Histogram('latency', 'L', labelnames=('t',),"
        " namespace='app', subsystem='worker', unit='seconds')\n",
        [("app_worker_latency_seconds", "histogram", ("t",), "L", "H")],
    ),
    # gauge without labels
    (
        "from prometheus_client import Gauge\nG = Gauge('depth', 'Queue depth')\n",
        [("depth", "gauge", (), "Queue depth", "G")],
    ),
    # snippet without imports: a described constructor still counts
    ("S = Summary('size', 'Sizes')\n", [("size", "summary", (), "Sizes", "S")]),
    # collections.Counter is not a metric
    ("from collections import Counter\nc = Counter('hello')\n", []),
    # label names only known at run time
    (
        "from prometheus_client import Counter\nC = Counter('x', 'X', LABELS)\n",
        [("x", "counter", None, "X", "C")],
    ),
]


@pytest.mark.parametrize(("code", "expected"), METRIC_CASES)
def test_metric_definitions(code: str, expected: list[MetricRow]) -> None:
    found = spec(code).metrics
    assert [(m.name, m.type, m.labels, m.documentation, m.variable) for m in found] == expected


RECORDED_CASES: list[tuple[str, list[int]]] = [
    # a use inside a task counts
    ("@app.task\ndef t():\n    C.inc()\n", [5]),
    # a module-level use (import time) does not count
    ("C.labels('a')\n", []),
    # a helper nobody refers to does not count
    ("def helper():\n    C.inc()\n", []),
    # a helper called from a task counts
    ("def helper():\n    C.inc()\n@app.task\ndef t():\n    helper()\n", [4]),
    # a method counts (bootsteps, task classes)
    ("class Step:\n    def start(self, worker):\n        C.labels('w').set(1)\n", [5]),
    # not the metric: another object's inc()
    ("@app.task\ndef t():\n    other.inc()\n", []),
]


@pytest.mark.parametrize(("body", "lines"), RECORDED_CASES)
def test_metric_recording_sites(body: str, lines: list[int]) -> None:
    head = "from prometheus_client import Counter\nC = Counter('c', 'C', ['l'])\n"
    (metric,) = spec(head + body, "pkg.mod").metrics
    assert [loc.line for loc in metric.recorded_at] == lines
