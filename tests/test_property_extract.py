"""Property tests: any page, any Python-ish block, any schedule phrase is read without an
exception (a spec, or a notice with a location), and what is read round-trips.
"""

from __future__ import annotations

import contextlib
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.extract import extract_text
from conformance.model import Extraction, Timing
from conformance.pysource import scan_source
from conformance.schedules import (
    crontab_timing,
    find_schedule_phrase,
    from_yaml,
    interval_timing,
    parse_schedule,
    parse_words,
    render,
    same_times,
    to_yaml,
)
from conformance.specio import dump_spec, load_spec_text

# Modest by default so the suite stays fast; raise it to hunt for bugs.
FAST = settings(
    max_examples=int(os.environ.get("CONFORMANCE_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NAMES = st.sampled_from(
    [
        "tasks.process_batch",
        "send_alert",
        "emails",
        "priority",
        "cleanup-old-files",
        "task_time_limit",
        "tasks_total",
        "a|b",
        "`x`",
        "{{ 7*7 }}",
        "<b>",
        "ünï",
        "",
    ]
)
SCHEDULE_WORDS = st.sampled_from(
    [
        "every",
        "hour",
        "hours",
        "daily",
        "at",
        "02:00",
        "on",
        "Monday",
        "weekdays",
        "minutes",
        "10",
        "0",
        "*/5",
        "*",
        "crontab(minute=0)",
        "monthly",
        "day",
        "1",
        "of",
        "the",
        ":30",
        "am",
        "pm",
        "noon",
        "midnight",
        "weekly",
        "Sunday",
        "-",
        ",",
        "2",
        "25:99",
        "every 0 s",
    ]
)
PHRASES = st.one_of(
    st.text(max_size=60),
    st.lists(SCHEDULE_WORDS, max_size=8).map(" ".join),
)


@st.composite
def table(draw: st.DrawFn) -> str:
    header = draw(
        st.sampled_from(
            [
                "| Task | Queue | Time limit | Retries |",
                "| Entry | Task | Schedule |",
                "| Queue | Purpose |",
                "| Metric | Type | Labels |",
                "| Setting | Value |",
                "| Signal | Handler |",
                "| a | b |",
            ]
        )
    )
    width = header.count("|") - 1
    rows = draw(
        st.lists(
            st.lists(
                st.one_of(NAMES.map(lambda n: f"`{n}`"), PHRASES, st.text(max_size=12)),
                min_size=width,
                max_size=width,
            ),
            max_size=4,
        )
    )
    lines = [header, "|" + " --- |" * width]
    lines += [
        "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in r) + " |" for r in rows
    ]
    return "\n".join(lines) + "\n"


PYTHON_LINES = st.sampled_from(
    [
        "from celery import Celery, chord, group",
        "app = Celery('proj')",
        "@app.task(name='tasks.x', bind=True, max_retries=3, time_limit=60)",
        "@shared_task(queue='emails')",
        "def f(self, a, *args, b=1, **kw):",
        "    return g.s(1) | h.s()",
        "    chord(header)(callback.s())",
        "app.conf.task_routes = {'tasks.*': {'queue': 'q'}, 'x': 'y'}",
        "app.conf.beat_schedule = {'e': {'task': 't', 'schedule': crontab(minute=0, hour='*/6')}}",
        "app.conf.update(task_time_limit=300, broker_url=os.environ['X'])",
        "Counter('tasks_total', 'Tasks', ['queue'])",
        "@task_failure.connect",
        "class Step(bootsteps.StartStopStep):",
        "    requires = {'celery.worker.components:Pool'}",
        "app.steps['worker'].add(Step)",
        "x = (",
        "    ]",
        "\tif x:",
        "__import__('os').system('true')",
        "lambda: (yield)",
        "async def a(): await b",
        "    pass",
        "",
    ]
)
PYTHONISH = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(PYTHON_LINES, st.text(max_size=20)), max_size=15).map("\n".join),
)


@st.composite
def markdown_page(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.text(max_size=80),
                st.sampled_from(
                    [
                        "# Tasks",
                        "## Queues",
                        "### Beat schedule",
                        "## Workers",
                        "## Metrics",
                        "## Signals",
                        "## Deployment",
                        "# Settings",
                    ]
                ),
                table(),
                st.builds(
                    lambda lang, code: f"```{lang}\n{code}\n```",
                    st.sampled_from(
                        ["python", "py", "pycon", "yaml", "bash", "text", "ini", "procfile", ""]
                    ),
                    PYTHONISH,
                ),
                st.builds(lambda n, q: f"- `{n}` runs on the `{q}` queue", NAMES, NAMES),
                st.builds(lambda n, p: f"The `{n}` task runs {p}.", NAMES, PHRASES),
                st.sampled_from(
                    [
                        "<!-- conformance: skip -->",
                        "<!-- conformance: ignore task.missing -->",
                        "<!-- conformance: nonsense -->",
                        "> quoted `x`",
                        "1. first\n   - nested `tasks.a`",
                        "    indented code",
                    ]
                ),
            ),
            max_size=10,
        )
    )
    return "\n\n".join(parts)


def assert_located(extraction: Extraction, path: str, lines: int) -> None:
    for notice in extraction.notices:
        assert notice.path == path
        assert notice.line is None or 1 <= notice.line <= lines + 1, notice
    for _section, item in extraction.spec.items():
        source = getattr(item, "source", None)
        if source is not None:
            assert source.path == path
            assert 1 <= source.line <= lines + 1, item


@FAST
@given(st.one_of(st.text(), markdown_page()))
def test_any_markdown_gives_a_spec_and_located_notices(text: str) -> None:
    extraction = extract_text(text, "docs/page.md")
    # Lines as Markdown counts them: "\r\n", "\r" and "\n" each end one.
    assert_located(extraction, "docs/page.md", len(re.split(r"\r\n|\r|\n", text)))


@FAST
@given(PYTHONISH, st.integers(min_value=0, max_value=500))
def test_any_python_block_gives_a_spec_and_located_notices(code: str, offset: int) -> None:
    extraction = scan_source(code, path="docs/page.md", line_offset=offset)
    for notice in extraction.notices:
        assert notice.path == "docs/page.md"
        assert notice.line is None or notice.line > offset


@FAST
@given(PHRASES)
def test_any_schedule_phrase_is_a_timing_none_or_value_error(phrase: str) -> None:
    for read in (parse_words, find_schedule_phrase, parse_schedule):
        with contextlib.suppress(ValueError):
            read(phrase)


@FAST
@given(markdown_page())
def test_extract_then_spec_yaml_then_load_gives_the_same_spec(text: str) -> None:
    spec = extract_text(text, "docs/page.md").spec
    assert load_spec_text(dump_spec(spec), "specs/page.yaml") == spec


def cron_field(low: int, high: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.sets(st.integers(low, high), min_size=1, max_size=6).map(lambda s: tuple(sorted(s)))


CRONTABS = st.builds(
    lambda minute, hour, dow, dom, moy: crontab_timing(
        minute=",".join(map(str, minute)),
        hour=",".join(map(str, hour)),
        day_of_week=",".join(map(str, dow)),
        day_of_month=",".join(map(str, dom)),
        month_of_year=",".join(map(str, moy)),
    ),
    cron_field(0, 59),
    cron_field(0, 23),
    st.one_of(st.just(tuple(range(7))), cron_field(0, 6)),
    st.one_of(st.just(tuple(range(1, 32))), cron_field(1, 31)),
    st.one_of(st.just(tuple(range(1, 13))), cron_field(1, 12)),
)
INTERVALS = st.one_of(
    st.integers(1, 10**7).map(interval_timing),
    st.floats(0.5, 10**6, allow_nan=False).map(lambda f: interval_timing(round(f, 3))),
)


@FAST
@given(st.one_of(CRONTABS, INTERVALS))
def test_schedule_canonical_form_round_trips(timing: Timing) -> None:
    # spec YAML form (cron string or every: N) reads back to the identical Timing
    assert from_yaml(to_yaml(timing)) == timing
    # the words a reviewer reads mean the same times
    assert same_times(parse_schedule(render(timing)), timing)
