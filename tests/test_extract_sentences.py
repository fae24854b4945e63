"""Claims in sentences and in documentation-site Markdown, read from real pages."""

from __future__ import annotations

import json

import pytest

from conformance.extract import extract_text
from conformance.model import Spec

PAGE = "# Celery tasks\n\n## Tasks\n\n{body}\n"


def _spec(body: str) -> Spec:
    return extract_text(PAGE.format(body=body), "docs/tasks.md").spec


def _task(body: str, name: str) -> dict[str, object]:
    (task,) = [t for t in _spec(body).tasks if t.name == name]
    return {**task.options, **({"queue": task.queue} if task.queue else {})}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("`tasks.a` has a soft time limit of 10 minutes.", {"soft_time_limit": 600}),
        ("`tasks.a` has a hard limit of 1 h.", {"time_limit": 3600}),
        (
            "`tasks.a` has a time limit of 90 s and a soft limit of 60 s.",
            {"time_limit": 90, "soft_time_limit": 60},
        ),
        (
            "`tasks.a` is retried up to 5 times, 30 seconds apart.",
            {"max_retries": 5, "default_retry_delay": 30},
        ),
        (
            "`tasks.a` is retried three times, a minute apart.",
            {"max_retries": 3, "default_retry_delay": 60},
        ),
        (
            "`tasks.a` gets 3 retries with a retry delay of 2 minutes.",
            {"max_retries": 3, "default_retry_delay": 120},
        ),
        ("`tasks.a` has no retries.", {"max_retries": 0}),
        ("`tasks.a` is rate limited to 100 per minute.", {"rate_limit": "100/m"}),
        ("`tasks.a` has a rate limit of 10 tasks per second.", {"rate_limit": "10/s"}),
        ("`tasks.a` is rate limited to `10/s`.", {"rate_limit": "10/s"}),
        ("`tasks.a` expires after 1 hour.", {"expires": 3600}),
        ("`tasks.a` acks late.", {"acks_late": True}),
        ("`tasks.a` is acknowledged on receipt.", {"acks_late": False}),
        ("`tasks.a` backs off exponentially.", {"retry_backoff": True}),
        ("`tasks.a` is routed to `emails`.", {"queue": "emails"}),
        ("`tasks.a` goes to the `emails` queue.", {"queue": "emails"}),
        ("`tasks.a` runs on their own queue, `emails`.", {"queue": "emails"}),
    ],
)
def test_task_options_in_words(sentence: str, expected: dict[str, object]) -> None:
    assert _task(sentence, "tasks.a") == expected


def test_the_task_a_clause_names_not_the_page_topic() -> None:
    spec = _spec("Reports run on their own queue, `reports`, by `tasks.build_report`.")
    assert [(t.name, t.queue) for t in spec.tasks] == [("tasks.build_report", "reports")]


def test_each_task_of_a_sentence_gets_its_own_clause() -> None:
    spec = _spec("`tasks.a` has a soft time limit of 1 minute and `tasks.b` is retried twice.")
    options = {t.name: dict(t.options) for t in spec.tasks}
    assert options == {"tasks.a": {"soft_time_limit": 60}, "tasks.b": {"max_retries": 2}}


@pytest.mark.parametrize(
    "sentence",
    [
        "The `tasks.a` task sends mail.",  # no cue: a mention, not a claim
        "A soft time limit of 10 minutes applies to everything.",  # no subject
        "`tasks.a` goes to `emails`.",  # "goes to" without "queue" or "routed" names no queue
        "Set `task_time_limit` to a sensible value.",  # a setting is not a task
    ],
)
def test_sentences_without_all_three_parts_claim_nothing(sentence: str) -> None:
    spec = _spec(sentence)
    assert all(not t.options and t.queue is None for t in spec.tasks)
    assert spec.settings == ()


@pytest.mark.parametrize(
    ("sentence", "name", "value"),
    [
        ("`task_time_limit` is 3600 seconds.", "task_time_limit", 3600),
        ("`task_soft_time_limit` is 55 minutes.", "task_soft_time_limit", 3300),
        ("`worker_prefetch_multiplier` is 1.", "worker_prefetch_multiplier", 1),
        ("`task_acks_late` is enabled.", "task_acks_late", True),
        ("`CELERY_TASK_ACKS_LATE` is disabled.", "task_acks_late", False),
        ("`CELERYD_CONCURRENCY` defaults to 8.", "worker_concurrency", 8),
        ("`timezone` is `Europe/Berlin`.", "timezone", "Europe/Berlin"),
    ],
)
def test_settings_in_sentences(sentence: str, name: str, value: object) -> None:
    (setting,) = _spec(sentence).settings
    assert (setting.name, setting.value) == (name, value)
    assert setting.source is not None and setting.source.evidence[0].startswith("cue: ")


def test_signal_handlers_and_what_they_record() -> None:
    spec = _spec(
        "The `task_postrun` handler records `task_duration`, and the `task_failure` "
        "handler increments `task_failures` and `alerts`."
    )
    metrics = {s.signal: s.metrics for s in spec.signals if s.metrics}
    assert metrics == {
        "task_postrun": ("task_duration",),
        "task_failure": ("task_failures", "alerts"),
    }


def test_a_chord_told_over_a_paragraph() -> None:
    (flow,) = _spec(
        "A batch becomes one `tasks.process_batch` task. It fans out as a `chord` of "
        "`tasks.generate` tasks; the chord's callback `tasks.finalize` stores the results."
    ).canvas
    assert (flow.primitive, flow.context, flow.header, flow.callback) == (
        "chord",
        "tasks.process_batch",
        ("tasks.generate",),
        "tasks.finalize",
    )


def test_worker_classes_bootsteps_and_services() -> None:
    body = (
        "## Workers\n\nProfiles live in the `WorkerConfig` class; the `PoolStep` bootstep "
        "starts with the worker. Flower runs as the `flower` service next to the "
        "`api` service."
    )
    spec = _spec(body)
    assert [(w.name, w.kind) for w in spec.workers] == [("WorkerConfig", "class")]
    assert [b.name for b in spec.bootsteps] == ["PoolStep"]
    assert [(s.name, s.role) for s in spec.services] == [("flower", "flower")]  # `api`: a mention


def test_a_class_outside_a_workers_section_is_not_a_worker_class() -> None:
    assert _spec("The `Invoice` class stores totals.").workers == ()


def test_inline_calls_are_code_uses() -> None:
    spec = _spec(
        "Call `Client(api_key=key).fetch(url, retries=2)` or `Client.for_region('eu')`; "
        "`len(x)` is the standard library."
    )
    calls = {(s.name, s.positional, s.keywords) for s in spec.symbols}
    assert calls == {
        ("Client", 0, ("api_key",)),
        ("Client.fetch", 1, ("retries",)),
        ("Client.for_region", 1, ()),
    }


# --- documentation-site Markdown ----------------------------------------------------------


def test_admonitions_content_tabs_and_definitions_are_read() -> None:
    page = (
        "---\ntitle: Celery\n---\n# Celery\n\n"
        "!!! note\n\n    `tasks.a` runs on the `q` queue.\n\n"
        '??? tip "Routing"\n    `tasks.b` is routed to `r`.\n\n'
        '=== "Linux"\n\n    `tasks.c` has a soft time limit of 10 minutes.\n\n'
        "Retries\n: `tasks.d` is retried up to 2 times.\n"
    )
    extraction = extract_text(page, "docs/celery.md")
    found = {t.name: (t.queue, dict(t.options), t.source.line) for t in extraction.spec.tasks}
    assert found == {
        "tasks.a": ("q", {}, 8),
        "tasks.b": ("r", {}, 11),
        "tasks.c": (None, {"soft_time_limit": 600}, 15),
        "tasks.d": (None, {"max_retries": 2}, 18),
    }
    assert extraction.notices == ()  # the front matter is not a paragraph


def test_template_macros_are_skipped_with_a_notice() -> None:
    extraction = extract_text(
        "# Celery\n\n`tasks.a` runs on the `{{ queue }}` queue, see {% include 'x.md' %}.\n",
        "docs/celery.md",
    )
    assert [n.kind for n in extraction.notices] == ["macro"]
    assert all(t.queue is None for t in extraction.spec.tasks)


def test_evidence_reaches_the_json_report() -> None:
    from conformance.reports.json_report import _location_object

    setting = _spec("`task_time_limit` is 3600 seconds.").settings[0]
    place = _location_object(setting.source)
    assert place == {"path": "docs/tasks.md", "line": 5, "evidence": ["cue: 'is 3600 seconds'"]}
    assert json.dumps(place)  # plain JSON


def test_a_route_that_is_not_about_queues() -> None:
    # paperless-ngx's install guide: "Bare Metal Route", a list of packages to install.
    page = "# Setup with Celery\n\n### Bare Metal Route\n\n- `python3`\n- `libpq-dev`\n"
    assert extract_text(page, "docs/setup.md").spec.queues == ()
    routed = "# Celery\n\n## Task routes\n\n- `tasks.a` goes to `mail`\n"
    assert [q.name for q in extract_text(routed, "docs/celery.md").spec.queues] == ["mail"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The `PULSE_URL` env var holds the credentials.",
        "Set the environment variables `PULSE_URL` and `PULSE_SOURCES`.",
        "The `PULSE_URL` variable holds the credentials.",
    ],
)
def test_variables_named_as_such_are_claims_the_code_reads_them(sentence: str) -> None:
    env = extract_text(f"# Setup\n\n{sentence}\n", "docs/setup.md").spec.env
    assert "PULSE_URL" in {e.name for e in env}
    assert all(not e.has_default for e in env)


def test_an_upper_case_name_without_a_cue_is_a_mention() -> None:
    assert extract_text("# Setup\n\nCopy `PULSE_URL` from the vault.\n", "d.md").spec.env == ()


def test_schedules_in_words_are_compared_as_times() -> None:
    from conformance.schedules import crontab_timing, same_times

    body = (
        "## Beat schedule\n\n"
        "- `report` runs `tasks.report` on weekdays at 9.\n"
        "- `sweep` runs `tasks.sweep` every 15 minutes during business hours.\n"
        "- `bill` runs `tasks.bill` on the first day of the month.\n"
    )
    timings = {s.name: s.timing for s in _spec(body).schedules}
    expected = {
        "report": crontab_timing(0, 9, day_of_week="1-5"),
        "sweep": crontab_timing(minute="*/15", hour="9-17", day_of_week="1-5"),
        "bill": crontab_timing(0, 0, day_of_month=1),
    }
    assert timings.keys() == expected.keys()
    assert all(same_times(timings[n], expected[n]) for n in expected)  # type: ignore[arg-type]
