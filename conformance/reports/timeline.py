"""The beat schedule side by side: what the docs say, what the code runs, and when next.

One :class:`TimelineRow` per beat entry name on either side. Each side's timing is put in
words (a crontab through ``cron-descriptor``: "At 02:00 AM"; an interval in the words of
:func:`conformance.schedules.render`: "every hour") and given its next few run times, so
a reviewer sees what "every hour" against "daily at 02:00" means in practice.

Readings worth knowing:

* Celery fires a crontab when the minute, hour, day of month, month *and* day of week all
  match. Cron (and croniter by default) fires when day of month *or* day of week matches
  once both are restricted, so croniter runs with ``day_or=False`` and the words avoid
  cron-descriptor's "or on Monday".
* A crontab is read in the app's ``timezone`` (Celery's default: UTC). An aware ``now``
  is converted to it first; a naive ``now`` is taken to be in it already.
* Celery's interval schedule has no phase: it counts from the entry's last run, which
  only the running beat knows. The next runs of an interval are therefore ``now + k *
  every``, the earliest they can be if beat started now.
* Solar entries and timings only known at run time have words but no next runs.
* ``drift`` is :func:`conformance.schedules.same_times`' verdict, as the
  ``schedule.mismatch`` rule gives it, plus "only on one side": never a text comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import (
    CasingTypeEnum,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
    get_description,
)
from croniter import CroniterError, croniter

from conformance.findings import CheckResult
from conformance.model import CronField, Schedule, Spec, Timing
from conformance.schedules import render, same_times, to_cron

__all__ = ["TimelineRow", "beat_timeline", "cron_text", "describe_timing", "next_runs"]

# Pinned so the report reads the same on every machine: cron-descriptor otherwise follows
# the system locale (and warns when there is none).
_CRON_WORDS = Options(
    CasingTypeEnum.Sentence,
    locale_code="en_US",
    use_24hour_time_format=False,
    day_of_week_start_index_zero=True,  # 0 = Sunday, as in Celery
)
_CRON_OR = ", or on "  # cron-descriptor's English for cron's day-of-month OR day-of-week
_CELERY_AND = ", only on "
_EVERY_DAY: CronField = tuple(range(7))
_NOT_STATED = "not stated"  # the docs name the entry but not when it runs
_RUN_TIME = "set at run time"  # the code computes the schedule when it runs


@dataclass(frozen=True)
class TimelineRow:
    """One beat entry: each side's timing in words (``None``: no such entry on that
    side), its next run times after ``now``, and whether the two sides differ."""

    name: str
    documented: str | None
    actual: str | None
    documented_next: tuple[datetime, ...]
    actual_next: tuple[datetime, ...]
    drift: bool


def describe_timing(timing: Timing) -> str:
    """A timing in words: crontabs as cron-descriptor reads them, the rest as
    :func:`conformance.schedules.render` writes them."""
    cron = cron_text(timing)
    if cron is None:
        return render(timing)
    try:
        words: str = get_description(cron, _CRON_WORDS)
    except (FormatException, MissingFieldException, WrongArgumentException):
        return render(timing)  # a report never fails over words; render reads any crontab
    if _both_days_restricted(cron):
        # Celery needs the day of month and the day of week to match (an AND): "or on
        # Sunday" would promise runs that never happen.
        words = words.replace(_CRON_OR, _CELERY_AND)
    return words


def cron_text(timing: Timing) -> str | None:
    """A crontab as a 5-field cron string that reads well; ``None`` for other kinds.

    :func:`conformance.schedules.to_cron` writes every field compactly (``*``, ``*/15``,
    ``1-5``, lists). Only the day of week is rewritten as days: to_cron's ``*/6`` for
    Sunday and Saturday is right, but reads as "every 6 days of the week".
    """
    cron = to_cron(timing)
    if cron is None or timing.day_of_week == _EVERY_DAY:
        return cron
    minute, hour, day_of_month, month, _day_of_week = cron.split()
    return " ".join((minute, hour, day_of_month, month, _day_list(timing.day_of_week)))


def _day_list(days: CronField) -> str:
    """``1-5``, ``0,6``, ``1,3,5``: runs of three days or more as ranges, others listed."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) >= 3 else ",".join(map(str, r)) for r in runs)


def _both_days_restricted(cron: str) -> bool:
    _minute, _hour, day_of_month, _month, day_of_week = cron.split()
    return day_of_month != "*" and day_of_week != "*"


def next_runs(timing: Timing | None, now: datetime, runs: int) -> tuple[datetime, ...]:
    """The next ``runs`` times ``timing`` fires after ``now``; empty when they cannot be
    known here (solar, run-time timings)."""
    if timing is None or runs <= 0:
        return ()
    if timing.kind == "interval" and timing.every:
        # No phase (see the module docstring): the earliest runs if beat started now.
        step = timedelta(seconds=timing.every)
        return tuple(now + k * step for k in range(1, runs + 1))
    cron = cron_text(timing)
    if cron is None:
        return ()  # solar: depends on the sun at a place, not on the clock
    return _cron_runs(cron, now, runs)


def _cron_runs(cron: str, now: datetime, runs: int) -> tuple[datetime, ...]:
    # day_or=False: Celery's AND of day of month and day of week (module docstring).
    found: list[datetime] = []
    try:
        schedule = croniter(cron, now, day_or=False)
        for _ in range(runs):
            found.append(schedule.get_next(datetime))
    except CroniterError:
        pass  # no further match within croniter's horizon (Feb 29 on a Monday...)
    return tuple(found)


def _zone(*specs: Spec) -> tzinfo:
    """The timezone beat reads crontabs in: the first ``timezone`` setting, else UTC."""
    for side in specs:
        name = side.setting("timezone")
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # an unknown zone name: Celery would refuse it, keep looking
    return UTC


def _local(now: datetime, zone: tzinfo) -> datetime:
    return now.astimezone(zone) if now.tzinfo is not None else now


def _by_name(schedules: Sequence[Schedule]) -> dict[str, Schedule]:
    # The rules' own merge: an entry named twice keeps the first timing stated.
    from conformance.rules.context import consolidate_schedules

    return {entry.name: entry for entry in consolidate_schedules(schedules)}


def _words(entry: Schedule | None, unknown: str) -> str | None:
    if entry is None:
        return None
    return describe_timing(entry.timing) if entry.timing is not None else unknown


def _drift(documented: Schedule | None, actual: Schedule | None) -> bool:
    if documented is None or actual is None:
        return True
    if documented.timing is None or actual.timing is None:
        return False  # nothing to compare: the schedule.mismatch rule does not judge it
    return not same_times(documented.timing, actual.timing)


def beat_timeline(result: CheckResult, *, now: datetime, runs: int = 3) -> tuple[TimelineRow, ...]:
    """One row per beat entry name on either side, sorted by name."""
    documented = _by_name(result.documented.schedules)
    actual = _by_name([s for s in result.actual.schedules if s.enabled])
    doc_now = _local(now, _zone(result.documented, result.actual))
    code_now = _local(now, _zone(result.actual))
    rows = []
    for name in sorted(documented.keys() | actual.keys()):
        doc, act = documented.get(name), actual.get(name)
        rows.append(
            TimelineRow(
                name=name,
                documented=_words(doc, _NOT_STATED),
                actual=_words(act, _RUN_TIME),
                documented_next=next_runs(doc.timing if doc else None, doc_now, runs),
                actual_next=next_runs(act.timing if act else None, code_now, runs),
                drift=_drift(doc, act),
            )
        )
    return tuple(rows)
