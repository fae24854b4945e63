"""conformance.schedules, pinned against celery.schedules where Celery has an answer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery import Celery
from celery.schedules import ParseException, crontab, solar
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.model import Timing
from conformance.schedules import (
    SOLAR_EVENTS,
    crontab_timing,
    find_schedule_phrase,
    from_yaml,
    interval_timing,
    parse_cron,
    parse_schedule,
    parse_words,
    period,
    render,
    same_times,
    solar_timing,
    timing_from_json,
    to_cron,
    to_yaml,
)

FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def celery_fields(**kwargs: Any) -> tuple[tuple[int, ...], ...]:
    c = crontab(**kwargs)
    return tuple(tuple(sorted(getattr(c, name))) for name in FIELDS)


def our_fields(t: Timing) -> tuple[tuple[int, ...], ...]:
    return tuple(getattr(t, name) for name in FIELDS)


# --- crontab fields agree with Celery ----------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # all stars
        {"minute": 0},  # an int
        {"minute": "*/15"},  # star step
        {"minute": "0-30/10", "hour": "8-17"},  # range step and range
        {"minute": "1,13,30-45,50-59/2"},  # Celery's own docstring example
        {"minute": "50-10"},  # a range that wraps around the hour
        {"hour": "*/6", "minute": 0},  # every six hours
        {"hour": "0,8-17/2"},  # Celery's hour example
        {"day_of_week": "mon-fri"},  # day names
        {"day_of_week": "fri-mon"},  # a day range wrapping past Saturday
        {"day_of_week": "sunday,Wednesday"},  # full names, any case
        {"day_of_week": "*/2"},  # every day divisible by two, not every other day
        {"day_of_month": "2-30/2"},  # even days
        {"day_of_month": "1-7,15-21"},  # first and third weeks
        {"month_of_year": "*/3"},  # quarters
        {"month_of_year": "jan,jul-sep"},  # month names
        {"minute": [0, 15, 45], "hour": {1, 2}},  # lists and sets of ints
        {"minute": "05"},  # leading zero
        {"day_of_month": 29, "month_of_year": 2},  # 29 February exists
    ],
)
def test_crontab_timing_expands_fields_like_celery(kwargs: dict[str, Any]) -> None:
    assert our_fields(crontab_timing(**kwargs)) == celery_fields(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "words", "celery_rejects"),
    [
        ({"minute": 60}, "minute", True),  # out of range
        ({"hour": "24"}, "hour", True),  # out of range as text
        ({"minute": "*/0"}, "step of 0", True),  # zero step
        ({"minute": "5/2"}, "step needs a range", True),  # Celery rejects a step on a number
        ({"minute": ""}, "empty", True),  # nothing
        ({"minute": "1,,2"}, "empty part", True),  # empty list item
        ({"day_of_week": "funday"}, "day_of_week", True),  # unknown name
        ({"day_of_month": 0}, "day_of_month", True),  # day of month starts at 1
        ({"day_of_month": 30, "month_of_year": 2}, "never occurs", True),  # 30 February
        ({"minute": -1}, "minute", True),  # negative
        ({"minute": 1.5}, "minute", True),  # a float is not a minute
        ({"hour": "mon"}, "hour", False),  # Celery reads "mon" as 1 in any field
        ({"minute": True}, "minute", False),  # Celery takes True for 1
        ({"minute": []}, "no value", False),  # Celery takes an empty list: never fires
    ],
)
def test_crontab_timing_rejects_bad_fields(
    kwargs: dict[str, Any], words: str, celery_rejects: bool
) -> None:
    with pytest.raises(ValueError, match=words):
        crontab_timing(**kwargs)
    try:
        crontab(**kwargs)
    except (ValueError, ParseException, TypeError):
        rejected = True
    else:
        rejected = False
    assert rejected is celery_rejects


@pytest.mark.parametrize(
    ("day_of_week", "expected"),
    [
        (7, (0,)),  # 7 is Sunday, as in cron
        ("5-7", (0, 5, 6)),  # a range up to 7 ends on Sunday
        ("0,7", (0,)),  # both spellings of Sunday
    ],
)
def test_day_of_week_7_is_sunday_where_celery_refuses(
    day_of_week: object, expected: tuple[int, ...]
) -> None:
    assert crontab_timing(day_of_week=day_of_week).day_of_week == expected
    with pytest.raises(ValueError):
        crontab(day_of_week=day_of_week)


def _field_text(low: int, high: int, names: list[str]) -> st.SearchStrategy[str]:
    number = st.integers(low, high + 2).map(str) | st.sampled_from(names or ["0"])
    part = st.one_of(
        st.just("*"),
        number,
        st.tuples(number, number).map("-".join),
        st.tuples(number, number, st.integers(1, 13)).map(lambda t: f"{t[0]}-{t[1]}/{t[2]}"),
        st.integers(1, 13).map(lambda n: f"*/{n}"),
    )
    return st.lists(part, min_size=1, max_size=4).map(",".join)


DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "Monday", "friday"]
MONTHS = ["jan", "feb", "mar", "dec", "June", "september"]


@settings(max_examples=300, deadline=None)
@given(
    minute=_field_text(0, 59, []),
    hour=_field_text(0, 23, []),
    day_of_week=_field_text(0, 6, DAYS),
    day_of_month=_field_text(1, 31, []),
    month_of_year=_field_text(1, 12, MONTHS),
)
def test_crontab_timing_agrees_with_celery_on_generated_fields(**kwargs: str) -> None:
    try:
        expected = celery_fields(**kwargs)
    except (ValueError, ParseException):
        expected = None
    try:
        ours = our_fields(crontab_timing(**kwargs))
    except ValueError:
        ours = None
    if expected is None and ours is not None:
        # The one deliberate difference: day_of_week 7 (Sunday in cron).
        assert "7" in kwargs["day_of_week"]
        assert crontab_timing(**{**kwargs, "day_of_week": "*"}) is not None
    else:
        assert ours == expected


@pytest.mark.parametrize(
    "text",
    [
        "* * * * *",  # every minute
        "0 2 * * *",  # daily at 02:00
        "*/15 * * * *",  # quarter hours
        "30 4 1,15 * 1-5",  # Celery's field order: day of month before day of week
        "0 0 * * sun",  # a day name
        "0 9 * jan-mar mon",  # month names
    ],
)
def test_parse_cron_matches_crontab_from_string(text: str) -> None:
    c = crontab.from_string(text)
    assert our_fields(parse_cron(text)) == tuple(tuple(sorted(getattr(c, n))) for n in FIELDS)


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("@hourly", "0 * * * *"),  # cron macro
        ("@daily", "0 0 * * *"),  # cron macro
        ("@weekly", "0 0 * * 0"),  # Sunday midnight
        ("@monthly", "0 0 1 * *"),  # first of the month
        ("  0   2 * * *  ", "0 2 * * *"),  # extra spaces
        ("`0 2 * * *`", "0 2 * * *"),  # as written in Markdown code
    ],
)
def test_parse_cron_reads_macros_and_spacing(text: str, cron: str) -> None:
    assert parse_cron(text) == parse_cron(cron)


@pytest.mark.parametrize(
    "text", ["0 2 * *", "0 2 * * * *", "every hour", "61 * * * *", "0 2 31 2 *"]
)  # too few, too many (seconds), words, out of range, 31 February
def test_parse_cron_rejects_bad_strings(text: str) -> None:
    with pytest.raises(ValueError):
        parse_cron(text)


# --- words -------------------------------------------------------------------------------

HOUR = interval_timing(3600)
DAY = interval_timing(86400)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("every hour", HOUR),  # an interval, no phase
        ("Hourly", HOUR),  # any case
        ("every minute", interval_timing(60)),  # interval
        ("every 10 minutes", interval_timing(600)),  # n minutes
        ("every 30 seconds", interval_timing(30)),  # n seconds
        ("every 6 hours", interval_timing(21600)),  # n hours
        ("every two hours", interval_timing(7200)),  # number words
        ("every 2 days", interval_timing(172800)),  # n days is an interval
        ("every other hour", interval_timing(7200)),  # every other
        ("every half hour", interval_timing(1800)),  # half hour
        ("daily", DAY),  # no time: an interval of a day
        ("nightly", DAY),  # same
        ("every day", DAY),  # same
        ("weekly", interval_timing(604800)),  # no day: an interval of a week
        ("every hour at :30", crontab_timing(minute=30)),  # a phase makes a crontab
        ("hourly at :15", crontab_timing(minute=15)),  # same
        ("every hour at :00, :30", crontab_timing(minute=[0, 30])),  # several minutes
        ("every hour on the hour", crontab_timing(minute=0)),  # on the hour
        ("daily at 2 AM", crontab_timing(minute=0, hour=2)),  # 12-hour clock
        ("daily at 2 a.m.", crontab_timing(minute=0, hour=2)),  # dotted am
        ("daily at 02:00", crontab_timing(minute=0, hour=2)),  # 24-hour clock
        ("every day at 2am", crontab_timing(minute=0, hour=2)),  # no space
        ("daily at 2:30 pm UTC", crontab_timing(minute=30, hour=14)),  # pm and a zone
        ("at 12 am daily", crontab_timing(minute=0, hour=0)),  # 12 am is midnight
        ("at midnight", crontab_timing(minute=0, hour=0)),  # a time alone repeats daily
        ("daily at noon", crontab_timing(minute=0, hour=12)),  # noon
        ("every night at 3:30", crontab_timing(minute=30, hour=3)),  # night
        ("daily at 02:00 and 14:00", crontab_timing(minute=0, hour=[2, 14])),  # two times
        ("weekly on Sunday at 04:00", crontab_timing(0, 4, day_of_week=0)),  # weekly
        ("every Monday at 9 AM", crontab_timing(0, 9, day_of_week=1)),  # every DAY
        ("every Sunday", crontab_timing(0, 0, day_of_week=0)),  # no time: midnight (@weekly)
        ("Sundays at 04:00", crontab_timing(0, 4, day_of_week=0)),  # plural
        ("every Monday and Thursday at 9:00", crontab_timing(0, 9, day_of_week=[1, 4])),  # two
        ("Monday to Friday at 9am", crontab_timing(0, 9, day_of_week="1-5")),  # a day range
        ("weekdays at 8:00", crontab_timing(0, 8, day_of_week="1-5")),  # weekdays
        ("on weekdays at 08:30", crontab_timing(30, 8, day_of_week="1-5")),  # on weekdays
        ("on weekdays at 9", crontab_timing(0, 9, day_of_week="1-5")),  # a bare hour after "at"
        ("daily at 9 o'clock", crontab_timing(minute=0, hour=9)),  # o'clock
        ("on the first day of the month", crontab_timing(0, 0, day_of_month=1)),  # first day
        (
            "every 15 minutes during business hours",
            crontab_timing(minute="*/15", hour="9-17", day_of_week="1-5"),
        ),  # business hours: 09:00-17:59, Monday to Friday
        ("weekends at 10:00", crontab_timing(0, 10, day_of_week=[0, 6])),  # weekends
        ("monthly on the 1st at 00:00", crontab_timing(0, 0, day_of_month=1)),  # monthly
        ("monthly", crontab_timing(0, 0, day_of_month=1)),  # as cron's @monthly
        ("on the 15th of every month at 3:00", crontab_timing(0, 3, day_of_month=15)),  # dom
        ("cron `0 2 * * 1-5`", parse_cron("0 2 * * 1-5")),  # what render writes
        ("solar sunset 40.7 -74", solar_timing("sunset", 40.7, -74)),  # what to_yaml writes
        (
            "every 6 hours at :00 (00:00, 06:00, 12:00, 18:00)",
            crontab_timing(minute=0, hour="*/6"),
        ),  # render's step form
    ],
)
def test_parse_words_reads_schedule_phrases(phrase: str, expected: Timing) -> None:
    assert parse_words(phrase) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "every task",  # not a unit
        "on Monday",  # a date, not a repetition
        "daily at 02:00 and 14:30",  # not one crontab
        "daily at 25:00",  # no such time
        "daily at 24",  # no such hour either
        "every 90 minutes during business hours",  # not a minute step of an hour
        "weekly at 04:00",  # which day?
        "hourly rate limit",  # an adjective phrase
        "0 2 * * *",  # a bare cron string is parse_cron's, not words
        "",  # nothing
    ],
)
def test_parse_words_returns_none_for_non_schedules(phrase: str) -> None:
    assert parse_words(phrase) is None


@pytest.mark.parametrize(
    ("sentence", "expected", "phrase"),
    [
        (
            "`cleanup-old-files` runs `tasks.cleanup_old_files` every hour.",
            HOUR,
            "every hour",
        ),  # the brief's example
        ("Reports are generated daily.", DAY, "daily"),  # a bare adverb at the end
        ("It runs daily and retries twice.", DAY, "daily"),  # an adverb before "and"
        (
            "The daily cleanup runs at 2 AM UTC.",
            crontab_timing(0, 2),
            "at 2 AM UTC",
        ),  # "daily" as an adjective is skipped; the time is found
        (
            "Backups run every Sunday at 04:00 and rotate.",
            crontab_timing(0, 4, day_of_week=0),
            "every Sunday at 04:00",
        ),  # the longest phrase wins
        ("Scheduled as `*/15 * * * *` in beat.", parse_cron("*/15 * * * *"), "`*/15 * * * *`"),
        ("Runs every 10 minutes (see below).", interval_timing(600), "every 10 minutes"),
    ],
)
def test_find_schedule_phrase_finds_the_phrase_in_a_sentence(
    sentence: str, expected: Timing, phrase: str
) -> None:
    assert find_schedule_phrase(sentence) == (expected, phrase)


@pytest.mark.parametrize(
    "sentence",
    [
        "Every task has a queue.",  # "every" without a unit
        "The hourly rate limit is 10/h.",  # adjective
        "See the daily report for details.",  # adjective
        "It was released on Monday.",  # a date
        "Thus the worker stops at once.",  # "thus" is not Thursdays, "at once" no time
        "Each worker consumes the default queue.",  # "each" without a unit
        "The broker listens at localhost:5672.",  # not a time of day
    ],
)
def test_find_schedule_phrase_ignores_sentences_without_a_schedule(sentence: str) -> None:
    assert find_schedule_phrase(sentence) is None


# --- any value ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0 * * * *", crontab_timing(minute=0)),  # cron
        ("every 10 minutes", interval_timing(600)),  # words
        ("600", interval_timing(600)),  # a quoted number of seconds
        (600, interval_timing(600)),  # a number
        (0.5, interval_timing(0.5)),  # a fraction of a second
        (timedelta(minutes=5), interval_timing(300)),  # a timedelta
        ({"every": 600}, interval_timing(600)),  # the spec-file interval
        ({"every": "every hour"}, HOUR),  # words under every
        ({"cron": "0 2 * * *"}, crontab_timing(0, 2)),  # a cron key
        ({"minute": 0, "hour": "*/6"}, crontab_timing(0, "*/6")),  # crontab keywords
        ({"kind": "interval", "every": 60.0}, interval_timing(60)),  # probe JSON
        ("@daily", crontab_timing(0, 0)),  # a cron macro
    ],
)
def test_parse_schedule_reads_every_form(value: object, expected: Timing) -> None:
    assert parse_schedule(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("sometimes", "cannot read"),  # not a schedule
        ("61 * * * *", "not a valid cron"),  # cron-like but wrong, says so
        (0, "positive"),  # no zero interval
        (-5, "positive"),  # no negative interval
        (True, "not a schedule"),  # a bool
        ({"every": 0}, "positive"),  # zero under every
        ({"when": "now"}, "cannot read"),  # unknown keys
        ({"kind": "dynamic"}, "dynamic"),  # only known at run time
        ([1, 2], "not a schedule"),  # a list
        (float("nan"), "positive"),  # not a number
    ],
)
def test_parse_schedule_rejects_with_a_clear_message(value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_schedule(value)


# --- comparing ---------------------------------------------------------------------------


def _celery_gaps(c: crontab, count: int = 400) -> set[float]:
    """Gaps between successive firings, as Celery's own crontab computes them."""
    c.app = Celery(set_as_current=False)
    last = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    gaps = set()
    for step in range(count):
        start, delta, _now = c.remaining_delta(last)
        nxt = start + delta
        if nxt <= last:
            nxt = start + delta + timedelta(minutes=1)
        if step:  # the first gap runs from an arbitrary start, not from a firing
            gaps.add((nxt - last).total_seconds())
        last = nxt
    return gaps


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"minute": 0}, 3600.0),  # hourly on the hour
        ({"minute": "*/10"}, 600.0),  # divides the hour
        ({"minute": 0, "hour": 2}, 86400.0),  # daily
        ({"minute": 0, "hour": "*/6"}, 21600.0),  # every six hours
        ({"minute": 0, "hour": 4, "day_of_week": 0}, 604800.0),  # weekly
        ({"minute": "*/7"}, None),  # resets at :00
        ({"minute": 0, "hour": 8, "day_of_week": "1-5"}, None),  # weekdays only
        ({"minute": 0, "hour": "*/5"}, None),  # 20:00 to 00:00 is 4 hours
    ],
)
def test_period_is_the_constant_gap_celery_fires_at(
    kwargs: dict[str, Any], expected: float | None
) -> None:
    assert period(crontab_timing(**kwargs)) == expected
    gaps = _celery_gaps(crontab(**kwargs), count=60)
    if expected is None:
        assert len(gaps) > 1
    else:
        assert gaps == {expected}


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        (interval_timing(90), 90.0),  # interval
        (crontab_timing(0, 0, day_of_month=1), None),  # months differ in length
        (crontab_timing(0, 0, month_of_year="*/2"), None),  # restricted months
        (solar_timing("sunset", 1, 2), None),  # solar
    ],
)
def test_period_of_other_timings(timing: Timing, expected: float | None) -> None:
    assert period(timing) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (HOUR, crontab_timing(minute=0), True),  # every hour == on the hour
        (HOUR, crontab_timing(minute=30), True),  # the phase is not stated
        (interval_timing(420), crontab_timing(minute="*/7"), False),  # */7 resets at :00
        (DAY, crontab_timing(0, 2), True),  # daily == daily at 02:00
        (crontab_timing(0, "*/6"), crontab_timing("0", "0,6,12,18"), True),  # same sets
        (crontab_timing(0, 2), crontab_timing(0, 3), False),  # other hour
        (crontab_timing(day_of_week=7), crontab_timing(day_of_week=0), True),  # Sunday
        (interval_timing(60), interval_timing(60.0), True),  # int and float
        (interval_timing(60), interval_timing(61), False),  # other interval
        (solar_timing("sunset", 1.0, 2), solar_timing("sunset", 1, 2.0), True),  # solar
        (solar_timing("sunset", 1, 2), solar_timing("sunrise", 1, 2), False),  # other event
        (solar_timing("sunset", 1, 2), DAY, False),  # solar is never an interval
    ],
)
def test_same_times(a: Timing, b: Timing, same: bool) -> None:
    assert same_times(a, b) is same
    assert same_times(b, a) is same


# --- writing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timing", "text"),
    [
        (interval_timing(600), "every 10 minutes"),  # minutes
        (HOUR, "every hour"),  # one hour
        (interval_timing(30), "every 30 seconds"),  # seconds
        (interval_timing(1), "every second"),  # one second
        (interval_timing(2.5), "every 2.5 seconds"),  # fractions
        (interval_timing(172800), "every 2 days"),  # days
        (crontab_timing(minute=0), "every hour at :00"),  # on the hour
        (crontab_timing(minute="*/15"), "every hour at :00, :15, :30, :45"),  # quarters
        (crontab_timing(), "every minute"),  # all stars
        (
            crontab_timing(0, "*/6"),
            "every 6 hours at :00 (00:00, 06:00, 12:00, 18:00)",
        ),  # the step form
        (crontab_timing(0, 2), "daily at 02:00"),  # daily
        (crontab_timing(0, [2, 14]), "daily at 02:00, 14:00"),  # two times
        (crontab_timing(0, 4, day_of_week=0), "weekly on Sunday at 04:00"),  # weekly
        (
            crontab_timing(0, 9, day_of_week=[1, 3, 5]),
            "weekly on Monday, Wednesday and Friday at 09:00",
        ),
        (crontab_timing(30, 8, day_of_week="mon-fri"), "weekdays at 08:30"),  # weekdays
        (crontab_timing(0, 0, day_of_month=1), "monthly on day 1 at 00:00"),  # monthly
        (crontab_timing(0, 2, "1-5", "1,15"), "cron `0 2 1,15 * 1-5`"),  # anything else
        (solar_timing("sunset", 40.7, -74), "solar sunset 40.7 -74"),  # solar
    ],
)
def test_render_writes_reviewer_words(timing: Timing, text: str) -> None:
    assert render(timing) == text
    assert same_times(parse_schedule(text), timing)


@pytest.mark.parametrize(
    ("timing", "cron"),
    [
        (crontab_timing(minute="*/15"), "*/15 * * * *"),  # star step
        (crontab_timing(0, "8-17"), "0 8-17 * * *"),  # range
        (crontab_timing(0, "9-17/2"), "0 9-17/2 * * *"),  # range step
        (crontab_timing(0, 0, "mon,wed"), "0 0 * * 1,3"),  # list
        (crontab_timing(0, 0, month_of_year="*/3"), "0 0 * */3 *"),  # months
        (crontab_timing([0, 30]), "*/30 * * * *"),  # two values that are a star step
        (interval_timing(60), None),  # an interval has no cron form
    ],
)
def test_to_cron_compresses(timing: Timing, cron: str | None) -> None:
    assert to_cron(timing) == cron


@pytest.mark.parametrize(
    ("timing", "yaml"),
    [
        (crontab_timing(0, 2), "0 2 * * *"),  # crontab: cron string
        (interval_timing(600), {"every": 600}),  # whole seconds: an int
        (interval_timing(0.5), {"every": 0.5}),  # fractions stay
        (solar_timing("sunrise", 51.5, -0.1), "solar sunrise 51.5 -0.1"),  # solar
    ],
)
def test_to_yaml_and_back(timing: Timing, yaml: object) -> None:
    assert to_yaml(timing) == yaml
    assert from_yaml(yaml) == timing


def _subset(low: int, high: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=1, max_size=high - low + 1, unique=True)


def _full_or(
    strategy: st.SearchStrategy[list[int]], low: int, high: int
) -> st.SearchStrategy[list[int]]:
    return st.just(list(range(low, high + 1))) | strategy


crontabs = st.builds(
    crontab_timing,
    minute=_full_or(_subset(0, 59), 0, 59),
    hour=_full_or(_subset(0, 23), 0, 23),
    day_of_week=_full_or(_subset(0, 6), 0, 6),
    day_of_month=_full_or(_subset(1, 28), 1, 31),
    month_of_year=_full_or(_subset(1, 12), 1, 12),
)
intervals = st.floats(0.001, 1e9, allow_nan=False).map(interval_timing) | st.integers(1, 10**7).map(
    interval_timing
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(crontabs, intervals))
def test_render_round_trips(timing: Timing) -> None:
    assert same_times(parse_schedule(render(timing)), timing)
    assert from_yaml(to_yaml(timing)) == timing


@settings(max_examples=200, deadline=None)
@given(crontabs)
def test_to_cron_is_read_by_celery_as_the_same_sets(timing: Timing) -> None:
    cron = to_cron(timing)
    assert cron is not None
    c = crontab.from_string(cron)
    assert tuple(tuple(sorted(getattr(c, n))) for n in FIELDS) == our_fields(timing)


# --- from the live probe -----------------------------------------------------------------


def _probe_json(value: crontab | float) -> dict[str, Any]:
    # The same conversion the live probe makes of a normalized Celery schedule.
    if isinstance(value, crontab):
        return {"kind": "crontab", **{n: sorted(getattr(value, n)) for n in FIELDS}}
    return {"kind": "interval", "every": float(value)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (crontab(minute=0, hour="*/6"), crontab_timing(0, "*/6")),  # crontab
        (crontab(day_of_week="mon-fri", minute=30, hour=8), crontab_timing(30, 8, "1-5")),
        (600, interval_timing(600)),  # a number
    ],
)
def test_timing_from_json_of_real_celery_schedules(
    value: crontab | float, expected: Timing
) -> None:
    assert timing_from_json(_probe_json(value)) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "dynamic"}, None),  # only known at run time
        (
            {"kind": "solar", "event": "sunset", "lat": 40.7, "lon": -74.0},
            solar_timing("sunset", 40.7, -74),
        ),  # solar
    ],
)
def test_timing_from_json_other_kinds(data: dict[str, Any], expected: Timing | None) -> None:
    assert timing_from_json(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "crontab", "minute": [0]},  # fields missing
        {"kind": "interval"},  # no every
        {"kind": "solar", "event": "teatime", "lat": 0, "lon": 0},  # unknown event
        {"kind": "weekly"},  # unknown kind
    ],
)
def test_timing_from_json_rejects_malformed_data(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        timing_from_json(data)


def test_solar_events_are_celerys() -> None:
    assert frozenset(solar._all_events) == SOLAR_EVENTS


def test_every_crontab_field_combination_of_names_matches_celery() -> None:
    # Every day name pair as a range: wrap-around included.
    for a, b in itertools.product(["sun", "mon", "wed", "sat"], repeat=2):
        spec = f"{a}-{b}"
        assert crontab_timing(day_of_week=spec).day_of_week == tuple(
            sorted(crontab(day_of_week=spec).day_of_week)
        )
