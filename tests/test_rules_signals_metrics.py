"""signal.* and metric.* rules."""

from __future__ import annotations

import pytest

from conformance.model import Location, Metric, SignalHandler, Spec

from rulekit import outcome

HERE = (Location("app/monitoring.py", 3),)

SIGNAL_CASES = [
    # Documented handler connected and recording the documented metric.
    (
        Spec(signals=(SignalHandler("task_postrun", "h", metrics=("task_duration",)),)),
        Spec(
            signals=(
                SignalHandler("task_postrun", "on_postrun", "app.s", metrics=("task_duration",)),
            )
        ),
        set(),
    ),
    # A counter written with `_total` in one place and without in the other is the same.
    (
        Spec(signals=(SignalHandler("task_failure", "h", metrics=("failures_total",)),)),
        Spec(signals=(SignalHandler("task_failure", "f", "app.s", metrics=("failures",)),)),
        set(),
    ),
    # Nothing connected to a documented signal.
    (
        Spec(signals=(SignalHandler("task_failure", "h"),)),
        Spec(),
        {("signal.missing", "task_failure")},
    ),
    # Connected, but the handler records nothing of what the docs say.
    (
        Spec(signals=(SignalHandler("task_postrun", "h", metrics=("task_duration",)),)),
        Spec(signals=(SignalHandler("task_postrun", "on_postrun", "app.s"),)),
        {("signal.handler-mismatch", "task_postrun")},
    ),
    # The docs' handler calls a task; the real one does not.
    (
        Spec(signals=(SignalHandler("task_failure", "h", tasks=("send_alert",)),)),
        Spec(signals=(SignalHandler("task_failure", "f", "app.s"),)),
        {("signal.handler-mismatch", "task_failure")},
    ),
    # An undocumented receiver.
    (
        Spec(signals=(SignalHandler("task_prerun", "h"),)),
        Spec(
            signals=(
                SignalHandler("task_prerun", "p", "app.s"),
                SignalHandler("worker_ready", "ready", "app.s"),
            )
        ),
        {("signal.undocumented", "worker_ready")},
    ),
    # A task signal connected with a string sender never fires.
    (
        Spec(),
        Spec(signals=(SignalHandler("task_failure", "f", "app.s", sender="tasks.x"),)),
        {
            ("signal.undocumented", "task_failure"),
            ("signal.sender-never-fires", "task_failure:app.s.f"),
        },
    ),
    # ...but publish signals do send the task name: a string sender is right there.
    (
        Spec(signals=(SignalHandler("after_task_publish", "h"),)),
        Spec(signals=(SignalHandler("after_task_publish", "p", "app.s", sender="tasks.x"),)),
        set(),
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), SIGNAL_CASES)
def test_signal_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "signal.") == expected


METRIC_CASES = [
    # Same name, type and labels, recorded somewhere.
    (
        Spec(metrics=(Metric("task_duration", "histogram", ("task_name",)),)),
        Spec(metrics=(Metric("task_duration", "histogram", ("task_name",), recorded_at=HERE),)),
        set(),
    ),
    # Documented `x_total`, defined as `Counter("x")`: one family.
    (
        Spec(metrics=(Metric("jobs_total", "counter"),)),
        Spec(metrics=(Metric("jobs", "counter", recorded_at=HERE),)),
        set(),
    ),
    # Labels in another order are the same label set.
    (
        Spec(metrics=(Metric("m", "gauge", ("b", "a")),)),
        Spec(metrics=(Metric("m", "gauge", ("a", "b"), recorded_at=HERE),)),
        set(),
    ),
    # Documented, defined nowhere.
    (
        Spec(metrics=(Metric("task_failures", "counter"),)),
        Spec(),
        {("metric.missing", "task_failures")},
    ),
    # Other type.
    (
        Spec(metrics=(Metric("d", "histogram"),)),
        Spec(metrics=(Metric("d", "summary", recorded_at=HERE),)),
        {("metric.type-mismatch", "d")},
    ),
    # Other labels.
    (
        Spec(metrics=(Metric("d", "counter", ("task_name", "exception")),)),
        Spec(metrics=(Metric("d", "counter", ("task",), recorded_at=HERE),)),
        {("metric.labels-mismatch", "d")},
    ),
    # The docs don't say which labels: not judged.
    (
        Spec(metrics=(Metric("d", "counter", None),)),
        Spec(metrics=(Metric("d", "counter", ("task",), recorded_at=HERE),)),
        set(),
    ),
    # Defined, never recorded, not documented.
    (
        Spec(),
        Spec(metrics=(Metric("q", "gauge"),)),
        {("metric.undocumented", "q"), ("metric.not-integrated", "q")},
    ),
]


@pytest.mark.parametrize(("documented", "actual", "expected"), METRIC_CASES)
def test_metric_rules(documented: Spec, actual: Spec, expected: set[tuple[str, str]]) -> None:
    assert outcome(documented, actual, "metric.") == expected


@pytest.mark.parametrize(
    ("mention", "undocumented"),
    [
        ("ORDERS_FAILED.inc", set()),  # its variable, with what the code does to it
        ("app.monitoring.ORDERS_FAILED", set()),  # the variable's dotted path
        ("orders_failed_total", set()),  # the exposed counter name
        ("orders_failed", set()),  # the family name
        ("ORDERS_DONE", {("metric.undocumented", "orders_failed")}),  # another metric
    ],
)
def test_a_metric_mentioned_in_a_sentence_is_documented(
    mention: str, undocumented: set[tuple[str, str]]
) -> None:
    from conformance.model import Mention

    metric = Metric(
        "orders_failed",
        "counter",
        variable="app.monitoring.ORDERS_FAILED",
        source=Location("app/monitoring.py", 3),
        recorded_at=(Location("app/tasks.py", 9),),
    )
    documented = Spec(mentions=(Mention(mention, Location("docs/ops.md", 4)),))
    assert outcome(documented, Spec(metrics=(metric,)), "metric.") == undocumented


@pytest.mark.parametrize("mention", ["worker_ready", "celery.signals.worker_ready.connect"])
def test_a_signal_mentioned_in_a_sentence_is_documented(mention: str) -> None:
    from conformance.model import Mention

    handler = SignalHandler("worker_ready", "announce", source=Location("app/signals.py", 5))
    documented = Spec(mentions=(Mention(mention, Location("docs/ops.md", 2)),))
    assert outcome(documented, Spec(signals=(handler,)), "signal.") == set()
    assert outcome(Spec(), Spec(signals=(handler,)), "signal.") == {
        ("signal.undocumented", "worker_ready")
    }


def test_a_library_metric_makes_a_documented_one_known_and_is_never_reported() -> None:
    library = Metric("process_cpu_seconds", "counter", exported_by="prometheus_client")
    documented = Spec(metrics=(Metric("process_cpu_seconds_total", source=Location("d.md", 3)),))
    assert outcome(documented, Spec(metrics=(library,)), "metric.") == set()
    # Undocumented, it is not reported either (not undocumented, not "not integrated").
    assert outcome(Spec(), Spec(metrics=(library,)), "metric.") == set()
