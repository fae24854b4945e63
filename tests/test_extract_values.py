"""The small readers the extractor is built from: cell values, headings, info strings."""

from __future__ import annotations

import pytest

from conformance.extract.blocks import language, strip_prompts
from conformance.extract.context import Section, Topic, heading_topics
from conformance.extract.prose import sentences
from conformance.extract.timing import read_timing
from conformance.extract.values import (
    cell_name,
    looks_like_entry,
    looks_like_task,
    parse_bool,
    parse_duration,
    parse_scalar,
    split_names,
)
from conformance.model import Value
from conformance.schedules import crontab_timing, interval_timing, same_times


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("3600", 1, 3600),  # a bare number is seconds
        ("3600 s", 1, 3600),  # seconds spelled out short
        ("60 min", 1, 3600),  # minutes
        ("1 h", 1, 3600),  # an hour, short
        ("1 hour", 1, 3600),  # an hour, long
        ("2.5 minutes", 1, 150),  # a fraction that makes whole seconds
        ("`90`", 60, 5400),  # the header said (min); backticks are markup
        ("0.5 s", 1, 0.5),  # not whole: stays a float
        ("forever", 1, None),  # words are not a duration
        ("10 parsecs", 1, None),  # an unknown unit
        ("", 1, None),  # empty
    ],
)
def test_durations(text: str, unit: float, seconds: float | None) -> None:
    assert parse_duration(text, unit) == seconds


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3600", 3600),  # int
        ("0.5", 0.5),  # float
        ("True", True),  # Python spelling
        ("false", False),  # YAML/JSON spelling
        ("None", None),  # nothing
        ('"UTC"', "UTC"),  # quotes are not part of a string
        ("`json`", "json"),  # neither are backticks
        ("Europe/Berlin", "Europe/Berlin"),  # anything else as written
    ],
)
def test_setting_values(text: str, value: Value) -> None:
    assert parse_scalar(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("No", False), ("`true`", True), ("✓", True), ("maybe", None)],
)
def test_booleans(text: str, value: bool | None) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("`tasks.process_batch`", "tasks.process_batch"),  # the code is the name
        ("`on_failure()` handler", "on_failure"),  # first code span, call parens dropped
        ("send_alert", "send_alert"),  # plain text that is one name (markup is gone by now)
        ("two words", None),  # prose is not a name
        ("", None),  # empty
    ],
)
def test_cell_names(cell: str, name: str | None) -> None:
    assert cell_name(cell) == name


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("`a`, `b`", ("a", "b")),  # backticked list
        ("a, b c", ("a", "b", "c")),  # comma and space separated words
        ("-", ()),  # the dash says none
    ],
)
def test_name_lists(cell: str, names: tuple[str, ...]) -> None:
    assert split_names(cell) == names


@pytest.mark.parametrize(
    ("name", "tasks_context", "is_task", "is_entry"),
    [
        ("tasks.process_batch", False, True, False),  # dotted: a task anywhere
        ("process_batch", True, True, False),  # snake_case under a tasks heading
        ("process_batch", False, False, False),  # ... but not elsewhere
        ("celery", True, False, False),  # one plain word is not enough
        ("cleanup-old-files", False, False, True),  # dashes make a beat entry
        ("app/workers/tasks.py", True, False, False),  # a path
        ("10/m", True, False, False),  # a rate limit
    ],
)
def test_name_shapes(name: str, tasks_context: bool, is_task: bool, is_entry: bool) -> None:
    assert looks_like_task(name, tasks_context=tasks_context) is is_task
    assert looks_like_entry(name) is is_entry


@pytest.mark.parametrize(
    ("heading", "topics"),
    [
        ("Task Definitions", {Topic.TASKS}),  # tasks
        ("Queues and Routing", {Topic.QUEUES}),  # both words name queues
        ("Periodic tasks", {Topic.TASKS, Topic.SCHEDULES}),  # two topics
        ("Beat Schedule", {Topic.SCHEDULES}),  # schedules
        ("Signal Handlers and Metrics", {Topic.SIGNALS, Topic.METRICS}),  # two topics
        ("Monitoring with Prometheus", {Topic.METRICS}),  # metrics by other words
        ("Worker Configuration", {Topic.WORKERS, Topic.SETTINGS}),  # workers and settings
        ("Docker Compose deployment", {Topic.SERVICES}),  # services
        ("Overview", set()),  # nothing
    ],
)
def test_heading_topics(heading: str, topics: set[Topic]) -> None:
    assert heading_topics(heading) == topics


@pytest.mark.parametrize(
    ("headings", "topics"),
    [
        ([(1, "Tasks")], {Topic.TASKS}),  # the title alone counts
        ([(1, "Background Tasks"), (2, "Overview")], set()),  # not under another heading
        ([(2, "Beat"), (3, "Details")], {Topic.SCHEDULES}),  # a plain subsection inherits
        ([(2, "Beat"), (3, "Signals")], {Topic.SIGNALS}),  # the innermost topic wins
        ([(2, "Beat"), (3, "x"), (2, "Queues")], {Topic.QUEUES}),  # a sibling closes both
    ],
)
def test_section_topics(headings: list[tuple[int, str]], topics: set[Topic]) -> None:
    section = Section()
    for level, text in headings:
        section = section.enter(level, text)
    assert section.topics == topics


@pytest.mark.parametrize(
    ("info", "lang"),
    [("python", "python"), ("Python title='x'", "python"), ("{.yaml}", "yaml"), ("", "")],
)
def test_languages(info: str, lang: str) -> None:
    assert language(info) == lang


def test_console_prompts_are_stripped_and_output_blanked() -> None:
    session = ">>> x = 1\n>>> print(x)\n1\n... done\n"
    assert strip_prompts(session) == "x = 1\nprint(x)\n\ndone\n"
    assert strip_prompts("x = 1\n") == "x = 1\n"


def test_sentences_keep_their_lines() -> None:
    text = "First one. Second\nspans lines. `Third` starts with code."
    assert list(sentences(text, 10)) == [
        ("First one.", 10),
        ("Second\nspans lines.", 10),
        ("`Third` starts with code.", 11),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("`0 2 * * *`", crontab_timing(minute=0, hour=2)),  # cron in backticks
        ("every 10 minutes", interval_timing(600)),  # words
        ("600", interval_timing(600)),  # seconds
        ("`crontab(minute=0, hour='*/6')`", crontab_timing(minute=0, hour="*/6")),  # a call
        ("`crontab(0, 2)`", crontab_timing(minute=0, hour=2)),  # positional fields
        ("timedelta(hours=1)", interval_timing(3600)),  # a timedelta literal
        ("`schedule(run_every=30)`", interval_timing(30)),  # a schedule literal
        ("runs every hour or so", interval_timing(3600)),  # a phrase inside words
        ("crontab(minute=os.environ['M'])", None),  # not a literal: never evaluated
        ("__import__('os').system('x')", None),  # code is parsed, never run
        ("whenever", None),  # nothing to read
    ],
)
def test_table_timings(cell: str, expected: object) -> None:
    timing = read_timing(cell)
    if expected is None:
        assert timing is None
    else:
        assert timing is not None and same_times(timing, expected)  # type: ignore[arg-type]
