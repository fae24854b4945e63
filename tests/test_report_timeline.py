"""The beat timeline: each side's timing in words and its next runs, on the example
project and on generated projects read by the static analyser. Next runs are checked
against croniter and against Celery's own ``crontab``."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from croniter import croniter

from conformance.config import load_config
from conformance.findings import CheckResult
from conformance.model import Schedule, Spec
from conformance.pipeline import run_check
from conformance.reports.timeline import TimelineRow, beat_timeline, cron_text, describe_timing
from conformance.schedules import crontab_timing, interval_timing

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
NOW = datetime(2024, 3, 10, 14, 25, 30, tzinfo=UTC)  # a Sunday afternoon


def cron_runs(expr: str, now: datetime = NOW, runs: int = 3) -> tuple[datetime, ...]:
    # Celery matches day of month AND day of week; cron's default is OR.
    schedule = croniter(expr, now, day_or=False)
    return tuple(schedule.get_next(datetime) for _ in range(runs))


def celery_runs(schedule: crontab, now: datetime = NOW, runs: int = 3) -> tuple[datetime, ...]:
    """What Celery's beat would compute: each run counted from the one before."""
    found = []
    last = now
    for _ in range(runs):
        schedule.nowfun = lambda at=last: at
        last = last + schedule.remaining_estimate(last)
        found.append(last)
    return tuple(found)


@pytest.fixture(scope="module")
def example() -> dict[str, TimelineRow]:
    result = run_check(load_config(cwd=EXAMPLE).with_overrides(mode="static"))
    return {row.name: row for row in beat_timeline(result, now=NOW)}


def beat_project(root: Path, entries: str, *, timezone: str = "UTC") -> CheckResult:
    """A real Celery app whose ``beat_schedule`` holds ``entries`` (Python source)."""
    (root / "proj").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "proj.celery_app:app"\ndocs = ["docs/*.md"]\n'
    )
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "celery_app.py").write_text(
        textwrap.dedent("""\
            from celery import Celery
            from celery.schedules import crontab, solar

            app = Celery("proj")
            app.conf.timezone = {timezone!r}

            @app.task
            def job():
                pass

            app.conf.beat_schedule = {{
            {entries}
            }}
            """).format(timezone=timezone, entries=textwrap.indent(entries, "    "))
    )
    (root / "docs" / "beat.md").write_text("# Beat\n\nNothing scheduled is documented here.\n")
    return run_check(load_config(cwd=root).with_overrides(mode="static"))


# --- the example project -----------------------------------------------------------------


def test_the_example_has_one_row_per_entry_on_either_side(example: dict[str, TimelineRow]) -> None:
    assert list(example) == ["cleanup-old-files", "disk-usage-monitoring", "system-health-check"]


def test_hourly_in_the_docs_daily_in_the_code(example: dict[str, TimelineRow]) -> None:
    row = example["cleanup-old-files"]
    assert row.documented == "every hour"
    assert row.actual == "At 02:00 AM"
    assert row.drift
    assert row.actual_next == cron_runs("0 2 * * *")
    assert row.actual_next == celery_runs(crontab(minute=0, hour=2))
    # An interval has no phase: the earliest runs if beat started now.
    assert row.documented_next == tuple(NOW + timedelta(hours=k) for k in (1, 2, 3))


def test_an_entry_only_the_docs_have(example: dict[str, TimelineRow]) -> None:
    row = example["system-health-check"]
    assert (row.documented, row.actual) == ("every 10 minutes", None)
    assert row.documented_next == tuple(NOW + timedelta(minutes=k) for k in (10, 20, 30))
    assert row.actual_next == ()
    assert row.drift


def test_an_entry_only_the_code_has(example: dict[str, TimelineRow]) -> None:
    row = example["disk-usage-monitoring"]
    assert (row.documented, row.actual) == (None, "Every hour")
    assert row.documented_next == ()
    assert row.actual_next == cron_runs("0 * * * *")
    assert row.actual_next[0] == datetime(2024, 3, 10, 15, 0, tzinfo=UTC)
    assert row.drift


def test_the_number_of_runs_is_a_parameter() -> None:
    result = run_check(load_config(cwd=EXAMPLE).with_overrides(mode="static"))
    rows = {row.name: row for row in beat_timeline(result, now=NOW, runs=5)}
    assert rows["cleanup-old-files"].actual_next == cron_runs("0 2 * * *", runs=5)
    assert all(r.actual_next == () for r in beat_timeline(result, now=NOW, runs=0))


# --- crontab shapes ----------------------------------------------------------------------

SHAPES = [
    # (entry source, the compact cron it reads as, the words, the same schedule in Celery)
    (
        'crontab(minute="*/15", hour="9-17", day_of_week="mon-fri")',
        "*/15 9-17 * * 1-5",
        "Every 15 minutes, between 09:00 AM and 05:59 PM, Monday through Friday",
        crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"),
    ),
    (
        'crontab(minute=30, hour=4, day_of_week="sat,sun")',
        "30 4 * * 0,6",
        "At 04:30 AM, only on Sunday and Saturday",
        crontab(minute=30, hour=4, day_of_week="sat,sun"),
    ),
    (
        'crontab(minute=0, hour="*/6")',
        "0 */6 * * *",
        "Every 6 hours",
        crontab(minute=0, hour="*/6"),
    ),
    (
        'crontab(minute="5-50/15", hour=0, day_of_week="1,3,5")',
        "5-50/15 0 * * 1,3,5",
        "Every 15 minutes, minutes 5 through 50 past the hour, between 12:00 AM and 12:59 AM, "
        "only on Monday, Wednesday, and Friday",
        crontab(minute="5-50/15", hour=0, day_of_week="1,3,5"),
    ),
    (
        # Both days restricted: Celery needs both (a Friday the 13th), cron either.
        'crontab(minute=0, hour=0, day_of_month=13, day_of_week="fri")',
        "0 0 13 * 5",
        "At 12:00 AM, on day 13 of the month, only on Friday",
        crontab(minute=0, hour=0, day_of_month=13, day_of_week="fri"),
    ),
    (
        'crontab(minute=0, hour=3, day_of_month="1,15", month_of_year="*/3")',
        "0 3 1,15 */3 *",
        "At 03:00 AM, on day 1 and 15 of the month, every 3 months",
        crontab(minute=0, hour=3, day_of_month="1,15", month_of_year="*/3"),
    ),
]


@pytest.mark.parametrize(("source", "cron", "words", "celery"), SHAPES)
def test_crontab_shapes_match_croniter_and_celery(
    tmp_path: Path, source: str, cron: str, words: str, celery: crontab
) -> None:
    result = beat_project(
        tmp_path, f'"entry": {{"task": "proj.celery_app.job", "schedule": {source}}},'
    )
    (row,) = beat_timeline(result, now=NOW)
    (entry,) = result.actual.schedules
    assert entry.timing is not None and cron_text(entry.timing) == cron
    assert row.actual == words
    assert row.actual_next == cron_runs(cron)
    assert row.actual_next == celery_runs(celery)
    assert (row.documented, row.documented_next, row.drift) == (None, (), True)


def test_a_friday_the_13th_is_not_every_friday() -> None:
    timing = crontab_timing(minute=0, hour=0, day_of_month=13, day_of_week=5)
    words = describe_timing(timing)
    assert "or on" not in words
    (first, *_) = celery_runs(crontab(minute=0, hour=0, day_of_month=13, day_of_week=5))
    assert first == datetime(2024, 9, 13, tzinfo=UTC)


def test_intervals_solar_and_run_time_entries(tmp_path: Path) -> None:
    result = beat_project(
        tmp_path,
        '"interval": {"task": "proj.celery_app.job", "schedule": 90.0},\n'
        '"sunset": {"task": "proj.celery_app.job", "schedule": solar("sunset", 40.7, -74.0)},\n'
        '"computed": {"task": "proj.celery_app.job", "schedule": make_schedule()},',
    )
    rows = {row.name: row for row in beat_timeline(result, now=NOW)}
    assert rows["interval"].actual_next == tuple(NOW + timedelta(seconds=90 * k) for k in (1, 2, 3))
    assert rows["sunset"].actual == "solar sunset 40.7 -74"
    assert rows["sunset"].actual_next == ()
    # `make_schedule()` is only known at run time: words, but no times.
    assert (rows["computed"].actual, rows["computed"].actual_next) == ("set at run time", ())


def test_crontabs_are_read_in_the_apps_timezone(tmp_path: Path) -> None:
    result = beat_project(
        tmp_path,
        '"nightly": {"task": "proj.celery_app.job", "schedule": crontab(minute=0, hour=2)},',
        timezone="Europe/Berlin",
    )
    (row,) = beat_timeline(result, now=NOW)
    berlin = ZoneInfo("Europe/Berlin")
    assert row.actual_next == cron_runs("0 2 * * *", NOW.astimezone(berlin))
    # 02:00 in Berlin is 01:00 UTC in March, before the change to summer time.
    assert row.actual_next[0] == datetime(2024, 3, 11, 1, 0, tzinfo=UTC)
    assert all(run.utcoffset() == timedelta(hours=1) for run in row.actual_next)


def test_the_same_times_written_differently_are_no_drift() -> None:
    # "daily" in the docs, 02:00 every day in the code: same_times says they agree.
    documented = Spec(schedules=(Schedule("nightly", timing=interval_timing(86_400)),))
    actual = Spec(schedules=(Schedule("nightly", timing=crontab_timing(minute=0, hour=2)),))
    (row,) = beat_timeline(
        CheckResult(mode="static", findings=(), documented=documented, actual=actual), now=NOW
    )
    assert (row.documented, row.actual, row.drift) == ("every day", "At 02:00 AM", False)
    assert row.documented_next == tuple(NOW + timedelta(days=k) for k in (1, 2, 3))
    assert row.actual_next == cron_runs("0 2 * * *")


def test_an_entry_without_a_stated_time_is_not_judged() -> None:
    # The docs name the entry but not when it runs: as for the schedule.mismatch rule,
    # there is nothing to compare, so no drift.
    documented = Spec(schedules=(Schedule("nightly", task="proj.job"),))
    actual = Spec(schedules=(Schedule("nightly", timing=crontab_timing(minute=0, hour=2)),))
    (row,) = beat_timeline(
        CheckResult(mode="static", findings=(), documented=documented, actual=actual), now=NOW
    )
    assert (row.documented, row.documented_next, row.drift) == ("not stated", (), False)
