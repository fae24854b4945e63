"""Spec YAML: every item kind written and read back unchanged; hand-written forms."""

from __future__ import annotations

import pytest

from conformance.errors import ConformanceError
from conformance.model import (
    SECTIONS,
    Bootstep,
    CanvasFlow,
    Dispatch,
    EnvVar,
    ExposedMetric,
    GeneratedSection,
    Location,
    Mention,
    Metric,
    Origin,
    Queue,
    Route,
    RunningWorker,
    Schedule,
    Service,
    Setting,
    SignalHandler,
    Spec,
    Symbol,
    Task,
    Worker,
)
from conformance.schedules import crontab_timing, interval_timing, same_times
from conformance.specio import dump_spec, load_spec_text

HERE = Location("docs/a.md", 7)

EVERY_KIND = Spec(
    tasks=(
        Task(
            "tasks.x",
            {"time_limit": 60, "autoretry_for": ["IOError"]},
            "q",
            ("a", "b"),
            "app.t.x",
            HERE,
            Origin.LIVE,
        ),
    ),
    queues=(Queue("q", "ex", "rk", HERE),),
    routes=(Route("app.*", "q", "glob", False, HERE), Route("*", None, dynamic=True)),
    schedules=(
        Schedule("hourly", "tasks.x", interval_timing(3600), HERE),
        Schedule("nightly", "tasks.x", crontab_timing(minute="0", hour="2")),
        Schedule("runtime", None, None),
    ),
    canvas=(CanvasFlow("chord", ("a", "b"), "c", "tasks.x", HERE),),
    signals=(SignalHandler("task_failure", "h", "app.s", None, ("m",), ("t",), HERE),),
    metrics=(Metric("m", "counter", ("a",), "doc", "M", (HERE,), HERE), Metric("n", None, None)),
    symbols=(
        Symbol("app.C.m", "call", (), 2, ("k",), source=HERE),
        Symbol("app.f", "function", ("a", "*", "b", "**kw")),
        Symbol("app.K", "class", bases=("app.Base", "?")),
    ),
    workers=(Worker("gpu", "profile", ("q",), 2, 1, HERE), Worker("Cfg", "class")),
    bootsteps=(Bootstep("Step", "consumer", HERE),),
    services=(
        Service("flower", "flower", "celery flower", "app", (), None, None, HERE),
        Service("chart/templates/worker.yaml", dynamic=True),
    ),
    settings=(Setting("task_time_limit", 60, False, HERE), Setting("x", None, True)),
    dispatches=(Dispatch("mail", "app.t.send", False, HERE), Dispatch(None, None, True)),
    env=(EnvVar("APP_WORKERS", 4, True, HERE), EnvVar("APP_SECRET", None, False)),
    mentions=(Mention("app.t:send", HERE),),
    generated=(GeneratedSection("tasks", "| Task |\n| --- |\n", HERE),),
    running=(RunningWorker("celery@w1", ("q",), ("app.t",), 4, "prefork", 1, HERE),),
    exposed=(ExposedMetric("jobs", "counter", ("queue",), HERE),),
)


def test_every_item_kind_round_trips() -> None:
    assert load_spec_text(dump_spec(EVERY_KIND), "s.yaml") == EVERY_KIND
    # every section of the model is in the sample
    assert all(getattr(EVERY_KIND, section) for section in SECTIONS)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('schedule: "0 * * * *"', crontab_timing(minute="0")),  # cron
        ("every: 600", interval_timing(600)),  # an interval in seconds
        ('schedule: "daily at 02:00"', crontab_timing(minute="0", hour="2")),  # words
        ('schedule: "every 10 minutes"', interval_timing(600)),
    ],
)
def test_three_schedule_forms_read_the_same_way(written: str, expected: object) -> None:
    spec = load_spec_text(f"version: 1\nschedules:\n  - name: e\n    {written}\n", "s.yaml")
    (entry,) = spec.schedules
    assert entry.timing is not None and same_times(entry.timing, expected)  # type: ignore[arg-type]


def test_hand_written_items_default_to_spec_origin_and_their_own_line() -> None:
    spec = load_spec_text("version: 1\nqueues:\n  - name: a\n  - name: b\n", "specs/q.yaml")
    assert [(q.origin, q.source) for q in spec.queues] == [
        (Origin.SPEC, Location("specs/q.yaml", 3)),
        (Origin.SPEC, Location("specs/q.yaml", 4)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "s.yaml:1: a spec file must be a mapping with `version: 1`"),
        ("version: 2\n", "s.yaml:1: unsupported spec version 2 (expected 1)"),
        ("version: 1\nthings: []\n", "s.yaml:1: unknown section `things`"),
        (
            "version: 1\ntasks:\n  - name: x\n    retries: 3\n",
            "s.yaml:3: unknown field `retries` in task",
        ),
        (
            "version: 1\nschedules:\n  - name: x\n    schedule: sometimes\n",
            "s.yaml:3: unreadable schedule 'sometimes'",
        ),
        ("version: 1\ntasks: [\n", "s.yaml:3: not valid YAML"),
        ("version: 1\nqueues:\n  - !!python/object/apply:os.system [echo]\n", "s.yaml:3"),
    ],
)
def test_bad_spec_files_are_one_located_line(text: str, message: str) -> None:
    with pytest.raises(ConformanceError) as caught:
        load_spec_text(text, "s.yaml")
    assert caught.value.line_text().startswith(message)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("version: true\n", 1, "unsupported spec version True"),
        ("version: 1\ntasks:\n  - name: a\n    name: b\n", 4, "duplicate key `name`"),
        ("version: 1\nversion: 1\n", 2, "duplicate key `version`"),
        (
            "version: 1\ntasks:\n  - name: a\n    options: {time_limit: .inf}\n",
            3,
            "options.time_limit",
        ),
        (
            "version: 1\ntasks:\n  - name: a\n    options: {max_retries: -1}\n",
            3,
            "options.max_retries",
        ),
        (
            "version: 1\ntasks:\n  - name: a\n    options: {soft_time_limit: .nan}\n",
            3,
            "options.soft_time_limit",
        ),
        (
            "version: 1\ntasks:\n  - name: a\n    options: {time_limit: true}\n",
            3,
            "options.time_limit",
        ),
    ],
)
def test_odd_spec_values_are_located_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(ConformanceError) as caught:
        load_spec_text(text, "s.yaml")
    assert caught.value.line == line
    assert message in caught.value.message


def test_ordinary_options_still_load() -> None:
    spec = load_spec_text(
        "version: 1\ntasks:\n  - name: a\n    options: {time_limit: 60, max_retries: 0, rate_limit: 10/m}\n",
        "s.yaml",
    )
    assert dict(spec.tasks[0].options) == {"time_limit": 60, "max_retries": 0, "rate_limit": "10/m"}
