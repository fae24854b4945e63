"""Beat schedules in one comparable form: :class:`~conformance.model.Timing`.

Docs write schedules as words ("daily at 2 AM"), cron strings or YAML; code writes
``crontab(...)``, numbers, ``timedelta`` or ``solar(...)``. Everything becomes a
:class:`Timing`, and two timings are compared with :func:`same_times`, never by text.

Readings worth knowing (the docs' words are read literally, nothing is guessed):

* "every hour", "hourly", "every N minutes|hours|seconds|days", "daily", "nightly",
  "every day", "weekly" are *intervals*: they state a period, not a phase. An interval
  equals a crontab only when the crontab fires at that constant period (:func:`period`),
  so "daily" matches ``crontab(minute=0, hour=2)`` and "every hour" matches
  ``crontab(minute=0)``, but "every 7 minutes" never matches ``*/7`` (it resets at :00).
* A phase makes a crontab: "every hour at :30" is minute 30; "daily at 2 AM" is 02:00;
  "every Sunday" (a day, no time) is Sunday 00:00 and "monthly" is day 1 00:00, as cron's
  ``@weekly``/``@monthly``; "on Monday" (singular, no "every") is a date, not a schedule.
* ``day_of_week`` 7 is accepted as Sunday, as in cron; Celery itself rejects 7. That is
  the one place where :func:`crontab_timing` accepts what Celery does not.
* Solar timings keep ``event`` as the text ``"EVENT LAT LON"`` (``"sunset 40.7 -74"``).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from conformance.lazyre import lazy
from conformance.model import CronField, Timing

__all__ = [
    "CRONTAB_FIELDS",
    "SOLAR_EVENTS",
    "crontab_timing",
    "find_schedule_phrase",
    "from_yaml",
    "interval_timing",
    "parse_cron",
    "parse_schedule",
    "parse_words",
    "period",
    "render",
    "same_times",
    "solar_timing",
    "timing_from_json",
    "to_cron",
    "to_yaml",
]

CRONTAB_FIELDS: tuple[str, ...] = (
    "minute",
    "hour",
    "day_of_week",
    "day_of_month",
    "month_of_year",
)
"""The keyword names of ``celery.schedules.crontab``, in its argument order."""

SOLAR_EVENTS: frozenset[str] = frozenset(
    {
        "dawn_astronomical",
        "dawn_nautical",
        "dawn_civil",
        "sunrise",
        "solar_noon",
        "sunset",
        "dusk_civil",
        "dusk_nautical",
        "dusk_astronomical",
    }
)
"""The events ``celery.schedules.solar`` knows."""

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY_LOOKUP: dict[str, int] = {}
for _i, _day in enumerate(DAY_NAMES):
    _DAY_LOOKUP[_day.lower()] = _i
    _DAY_LOOKUP[_day[:3].lower()] = _i
_DAY_LOOKUP.update({"tues": 2, "thur": 4, "thurs": 4})
_MONTH_LOOKUP: dict[str, int] = {}
for _i, _month in enumerate(_MONTH_NAMES, start=1):
    _MONTH_LOOKUP[_month] = _i
    _MONTH_LOOKUP[_month[:3]] = _i
_MONTH_LOOKUP["sept"] = 9

# Celery's CRON_DAYS_IN_MONTH: February may have a 29th.
_DAYS_IN_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30}
_DAYS_IN_MONTH[12] = 31

_WEEK_MINUTES = 7 * 24 * 60


# --- crontab fields ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: Mapping[str, int] | None = None

    @property
    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1))


_FIELDS = {
    "minute": _Field("minute", 0, 59),
    "hour": _Field("hour", 0, 23),
    "day_of_week": _Field("day_of_week", 0, 6, _DAY_LOOKUP),
    "day_of_month": _Field("day_of_month", 1, 31),
    "month_of_year": _Field("month_of_year", 1, 12, _MONTH_LOOKUP),
}

_PART = lazy(r"(?:(?P<star>\*)|(?P<a>[0-9A-Za-z]+)(?:-(?P<b>[0-9A-Za-z]+))?)(?:/(?P<step>[0-9]+))?")


def _number(token: str, spec: _Field) -> int:
    if token.isdigit():
        value = int(token)
    elif spec.names is not None and token.lower() in spec.names:
        value = spec.names[token.lower()]
    else:
        raise ValueError(f"{spec.name}: {token!r} is not a number or a known name")
    # cron allows 7 for Sunday; it is folded into 0 once the field is expanded.
    high = 7 if spec.name == "day_of_week" else spec.high
    if not spec.low <= value <= high:
        raise ValueError(f"{spec.name}: {value} is outside {spec.low}-{spec.high}")
    return value


def _expand_part(part: str, spec: _Field) -> list[int]:
    match = _PART.fullmatch(part)
    if match is None:
        raise ValueError(f"{spec.name}: cannot read {part!r}")
    step = int(match["step"]) if match["step"] else None
    if step == 0:
        raise ValueError(f"{spec.name}: a step of 0 in {part!r}")
    if match["star"]:
        values = spec.values
    else:
        start = _number(match["a"], spec)
        if match["b"] is None:
            if step is not None:
                # Celery reads "5/2" as an error, not as "5-max/2".
                raise ValueError(f"{spec.name}: a step needs a range or '*', not {part!r}")
            values = [start]
        else:
            end = _number(match["b"], spec)
            if spec.name == "day_of_week" and start == 7:
                start = 0
            if start <= end:
                values = list(range(start, end + 1))
            else:
                # As in Celery, "fri-mon" or "50-10" wraps around the field's end.
                values = list(range(start, spec.high + 1)) + list(range(spec.low, end + 1))
    if step is not None:
        values = values[::step]
    return values


def _expand(value: object, spec: _Field) -> CronField:
    if isinstance(value, bool):
        raise ValueError(f"{spec.name}: {value!r} is not a crontab value")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{spec.name}: {value} is outside {spec.low}-{spec.high}")
        values = [_number(str(value), spec)]
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(f"{spec.name}: empty value")
        values = []
        for part in text.split(","):
            if not part:
                raise ValueError(f"{spec.name}: empty part in {value!r}")
            values.extend(_expand_part(part, spec))
    elif isinstance(value, Iterable):
        values = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValueError(f"{spec.name}: {item!r} is not an integer")
            if item < 0:
                raise ValueError(f"{spec.name}: {item} is outside {spec.low}-{spec.high}")
            values.append(_number(str(item), spec))
    else:
        raise ValueError(f"{spec.name}: {value!r} is not a crontab value")
    if spec.name == "day_of_week":
        values = [v % 7 for v in values]
    if not values:
        raise ValueError(f"{spec.name}: matches no value")
    return tuple(sorted(set(values)))


def crontab_timing(
    minute: object = "*",
    hour: object = "*",
    day_of_week: object = "*",
    day_of_month: object = "*",
    month_of_year: object = "*",
) -> Timing:
    """A crontab timing with Celery's ``crontab`` semantics, every field expanded.

    Each field is an int, an iterable of ints or a crontab string (``"*"``, ``"*/15"``,
    ``"1-5"``, ``"0-30/10"``, ``"1,15"``, ``"mon-fri"``, ``"jan"``). Raises
    :class:`ValueError` naming the field when a value cannot be read or is out of range,
    or when no day of ``day_of_month`` exists in any month of ``month_of_year``.
    """
    given = {
        "minute": minute,
        "hour": hour,
        "day_of_week": day_of_week,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
    }
    expanded = {name: _expand(value, _FIELDS[name]) for name, value in given.items()}
    months, days = expanded["month_of_year"], expanded["day_of_month"]
    if not any(day <= _DAYS_IN_MONTH[month] for month in months for day in days):
        raise ValueError(
            f"day_of_month {day_of_month!r} never occurs in month_of_year {month_of_year!r}"
        )
    return Timing(
        kind="crontab",
        minute=expanded["minute"],
        hour=expanded["hour"],
        day_of_week=expanded["day_of_week"],
        day_of_month=days,
        month_of_year=months,
    )


def interval_timing(seconds: float) -> Timing:
    """An interval of ``seconds`` (a positive, finite number)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"an interval must be a number of seconds, not {seconds!r}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"an interval must be a positive number of seconds, not {seconds!r}")
    return Timing(kind="interval", every=float(seconds))


def solar_timing(event: str, lat: float, lon: float) -> Timing:
    """A ``solar(event, lat, lon)`` timing; ``event`` keeps all three as text."""
    if event not in SOLAR_EVENTS:
        raise ValueError(f"unknown solar event {event!r}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"solar position out of range: {lat}, {lon}")
    return Timing(
        kind="solar", event=f"{event} {_number_text(float(lat))} {_number_text(float(lon))}"
    )


_CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def parse_cron(text: str) -> Timing:
    """Read a 5-field cron string in ``crontab.from_string`` order.

    The order is minute, hour, day of month, month, day of week. The ``@hourly``-style
    macros are read too. Raises :class:`ValueError` on anything else.
    """
    stripped = text.strip().strip("`").strip()
    stripped = _CRON_MACROS.get(stripped.lower(), stripped)
    parts = stripped.split()
    if len(parts) != 5:
        raise ValueError(f"a cron string has 5 fields, {text!r} has {len(parts)}")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return crontab_timing(minute, hour, day_of_week, day_of_month, month_of_year)


# --- words -------------------------------------------------------------------------------

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
}
_UNIT_SECONDS = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "hour": 3600,
    "hr": 3600,
    "day": 86400,
    "week": 604800,
}

_NUM = r"\d+(?:\.\d+)?(?:e[-+]?\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"
# A bare hour ("on weekdays at 9") is a time only where "at" introduces it.
_CLOCK = (
    r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|\d{1,2}(?:\s*o'?clock)?|midnight|noon)"
    r"(?:\s*utc)?"
)
_SEP = r"\s*(?:,\s*and|,|and|&)\s*"
_CLOCKS = rf"{_CLOCK}(?:{_SEP}{_CLOCK})*"
_MARK = r":\d{2}"
_MARKS = rf"{_MARK}(?:{_SEP}{_MARK})*"
# Plurals only of full names: "thus" or "mons" in prose must not read as days.
_DAY_WORD = (
    r"(?:(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday)s?"
    r"|sun|mon|tues|tue|wed|thurs|thur|thu|fri|sat)"
)
_DAY_ITEM = rf"{_DAY_WORD}(?:\s*(?:-|–|to|through|thru)\s*{_DAY_WORD})?"
_DAYS = rf"{_DAY_ITEM}(?:{_SEP}{_DAY_ITEM})*"
_DOM = r"(?:the\s+)?(?:first|\d{1,2}(?:st|nd|rd|th))(?:\s+day)?|day\s+\d{1,2}"
_DAILY = r"daily|nightly|(?:every|each)\s+(?:day|night|morning|evening)"


def _clock(text: str) -> tuple[int, int]:
    text = re.sub(r"\s*o'?clock", "", text.replace("utc", "")).strip()
    if text == "midnight":
        return 0, 0
    if text == "noon":
        return 12, 0
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    if match is None:  # pragma: no cover - the phrase regexes only pass clocks here
        raise ValueError(text)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time of day")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return hour, minute


def _split(text: str) -> list[str]:
    return [part for part in re.split(_SEP, text.strip()) if part]


def _clock_fields(text: str | None) -> tuple[CronField, CronField]:
    """(hours, minutes) of a list of clock times; ValueError unless they form a grid."""
    if text is None:
        return (0,), (0,)
    times = {_clock(part) for part in _split(text)}
    hours = tuple(sorted({h for h, _ in times}))
    minutes = tuple(sorted({m for _, m in times}))
    if len(times) != len(hours) * len(minutes):
        # "02:00 and 14:30" is not one crontab (it would also fire at 02:30 and 14:00).
        raise ValueError(f"the times {text!r} are not one crontab")
    return hours, minutes


def _days(text: str) -> CronField:
    days: set[int] = set()
    for item in _split(text):
        ends = re.split(r"\s*(?:-|–|\bto\b|\bthrough\b|\bthru\b)\s*", item)
        numbers = [_DAY_LOOKUP[end if end in _DAY_LOOKUP else end[:-1]] for end in ends]
        if len(numbers) == 1:
            days.add(numbers[0])
        else:
            start, end = numbers
            span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            days.update(span)
    return tuple(sorted(days))


def _amount(text: str | None) -> float:
    if text is None:
        return 1.0
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    return float(text)


def _unit_seconds(unit: str) -> int:
    return _UNIT_SECONDS[unit.rstrip("s")]


def _normalize(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"\b([ap])\.m\.?", r"\1m", text)
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(".;!").strip()


# Each phrase pattern is matched against the whole normalized phrase.
_INTERVAL = lazy(rf"(?:every|each)\s+(?:(?P<n>{_NUM})\s+|other\s+(?P<other>))?(?P<unit>{_UNIT})")
_FIXED_INTERVALS = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "nightly": 86400.0,
    "weekly": 604800.0,
    "every day": 86400.0,
    "every night": 86400.0,
    "each day": 86400.0,
    "twice a day": 43200.0,
    "twice daily": 43200.0,
    "once a day": 86400.0,
    "once an hour": 3600.0,
    "every half hour": 1800.0,
    "every half an hour": 1800.0,
    "every quarter hour": 900.0,
    "every quarter of an hour": 900.0,
}
_HOURLY_AT = lazy(
    rf"(?:hourly|(?:every|each) hour)\s+(?:at\s+(?P<marks>{_MARKS})|on the hour)"
    rf"|at\s+(?P<marks2>{_MARKS})\s+(?:past\s+)?(?:every|each)\s+hour"
    r"|(?:at\s+)?(?:the\s+)?top of (?:every|each|the) hour|on the hour"
)
_HOURS_AT = lazy(
    rf"(?:every|each)\s+(?P<n>{_NUM})\s+hours?\s+at\s+(?P<marks>{_MARKS})"
    rf"(?:\s*\((?P<clocks>{_CLOCKS})\))?"
)
_DAILY_AT = lazy(
    rf"(?:(?:{_DAILY})\s+)?at\s+(?P<clocks>{_CLOCKS})"
    rf"|at\s+(?P<clocks2>{_CLOCKS})\s+(?:{_DAILY})"
)
_WEEKLY = lazy(
    rf"(?:(?P<lead>weekly on|every|each|on)\s+)?(?P<days>{_DAYS}|weekdays|weekends|every weekday)"
    rf"(?:\s+at\s+(?P<clocks>{_CLOCKS}))?"
    rf"|at\s+(?P<clocks2>{_CLOCKS})\s+(?P<lead2>every|each|on)\s+(?P<days2>{_DAYS}|weekdays|weekends)"
)
_MONTHLY = lazy(
    rf"(?:monthly|(?:every|each) month)(?:\s+on\s+(?P<dom>{_DOM}))?"
    rf"(?:\s+at\s+(?P<clocks>{_CLOCKS}))?"
    rf"|(?:on\s+)?(?P<dom2>{_DOM})\s+of\s+(?:every|each|the)\s+month"
    rf"(?:\s+at\s+(?P<clocks2>{_CLOCKS}))?"
)
# "Business hours" as a crontab writes them: 09:00-17:59, Monday to Friday.
_BUSINESS = lazy(
    rf"(?:every|each)\s+(?P<n>{_NUM})\s+minutes?\s+during\s+(?:business|working|office)\s+hours"
)
_CRON_WORDS = lazy(r"(?:cron(?:tab)?\s*)?`(?P<cron>[^`]+)`|cron(?:tab)?\s+(?P<bare>.+)")
_SOLAR = lazy(
    r"solar\s+(?P<event>[a-z_]+)\s+(?P<lat>-?[\d.]+(?:e[-+]?\d+)?)\s+(?P<lon>-?[\d.]+(?:e[-+]?\d+)?)"
)


@functools.lru_cache(maxsize=4096)
def parse_words(text: str) -> Timing | None:
    """Read an English schedule phrase (case-insensitive); ``None`` if it is not one.

    See the module docstring for how intervals and crontabs are told apart. Also reads
    what :func:`render` writes (``cron `0 2 * * 1-5```, ``solar sunset 40.7 -74``).
    """
    phrase = _normalize(text)
    try:
        return _read_phrase(phrase)
    except (ValueError, KeyError):
        return None


def _read_phrase(phrase: str) -> Timing | None:
    if phrase in _FIXED_INTERVALS:
        return interval_timing(_FIXED_INTERVALS[phrase])
    if match := _BUSINESS.fullmatch(phrase):
        step = int(_amount(match["n"]))
        if not 0 < step < 60:
            return None
        return crontab_timing(
            minute=tuple(range(0, 60, step)), hour=tuple(range(9, 18)), day_of_week=(1, 2, 3, 4, 5)
        )
    if match := _INTERVAL.fullmatch(phrase):
        amount = 2.0 if match["other"] is not None else _amount(match["n"])
        return interval_timing(amount * _unit_seconds(match["unit"]))
    if match := _HOURLY_AT.fullmatch(phrase):
        marks = match["marks"] or match["marks2"]
        return crontab_timing(minute=_marks(marks) if marks else 0)
    if match := _HOURS_AT.fullmatch(phrase):
        return _every_hours_at(match)
    if match := _DAILY_AT.fullmatch(phrase):
        hours, minutes = _clock_fields(match["clocks"] or match["clocks2"])
        return crontab_timing(minute=minutes, hour=hours)
    if match := _WEEKLY.fullmatch(phrase):
        return _weekly(match)
    if match := _MONTHLY.fullmatch(phrase):
        return _monthly(match)
    if match := _CRON_WORDS.fullmatch(phrase):
        return parse_cron(match["cron"] or match["bare"])
    if match := _SOLAR.fullmatch(phrase):
        return solar_timing(match["event"], float(match["lat"]), float(match["lon"]))
    return None


def _marks(text: str) -> CronField:
    return tuple(sorted({int(mark[1:]) for mark in _split(text)}))


def _every_hours_at(match: re.Match[str]) -> Timing | None:
    minutes = _marks(match["marks"])
    if match["clocks"]:
        # The listed clock times are the truth; the step is only how they read.
        hours, listed = _clock_fields(match["clocks"])
        if listed != minutes:
            return None
    else:
        hours = tuple(range(0, 24, int(_amount(match["n"]))))
    return crontab_timing(minute=minutes, hour=hours)


def _monthly(match: re.Match[str]) -> Timing:
    dom_text = match["dom"] or match["dom2"]
    day = 1 if dom_text is None or "first" in dom_text else int(re.findall(r"\d+", dom_text)[0])
    hours, minutes = _clock_fields(match["clocks"] or match["clocks2"])
    return crontab_timing(minute=minutes, hour=hours, day_of_month=day)


_DAY_JOINERS = {"to", "through", "thru", "and"}


def _weekly(match: re.Match[str]) -> Timing | None:
    lead = match["lead"] or match["lead2"]
    days_text = match["days"] or match["days2"]
    clocks = match["clocks"] or match["clocks2"]
    if days_text in ("weekdays", "every weekday"):
        days: CronField = (1, 2, 3, 4, 5)
    elif days_text == "weekends":
        days = (0, 6)
    else:
        words = [w for w in re.findall(r"[a-z]+", days_text) if w not in _DAY_JOINERS]
        plural = all(w.endswith("days") and w[:-1] in _DAY_LOOKUP for w in words)
        ranged = re.search(r"[-–]|\b(?:to|through|thru)\b", days_text) is not None
        # "on Monday" names a date; "every Monday", "Mondays", "Monday to Friday" recur.
        if lead in (None, "on") and not plural and not ranged:
            return None
        days = _days(days_text)
    hours, minutes = _clock_fields(clocks)
    return crontab_timing(minute=minutes, hour=hours, day_of_week=days)


# Phrases start at one of these words (or a backtick); the longest phrase from there wins.
_TRIGGER = lazy(
    rf"`|\b(?:every|each|hourly|daily|nightly|weekly|monthly|twice|once|at|on|cron|crontab"
    rf"|weekdays|weekends|{_DAY_WORD}|the\s+(?:first|\d{{1,2}}(?:st|nd|rd|th)))\b",
    re.IGNORECASE,
)
_PHRASE_END = lazy(r"(?<=[\w)`])(?=[^\w:]|$)")
_BARE_FREQUENCY = {"hourly", "daily", "nightly", "weekly", "monthly"}
# After a bare "hourly"/"daily", these words mean it was an adverb ("runs daily and ...");
# any other word means an adjective ("hourly rate limit", "daily report").
_FOLLOWERS = {
    "and", "or", "but", "in", "on", "via", "using", "with", "by", "from", "to", "through",
    "for", "so", "while", "when", "until", "unless", "after", "before", "under", "as",
    "because", "if", "then", "which", "that", "at", "is", "are", "was", "were",
}  # fmt: skip
_MAX_PHRASE = 90


def find_schedule_phrase(text: str) -> tuple[Timing, str] | None:
    """The first schedule phrase inside a longer text, with the phrase as written.

    ``"`cleanup` runs `tasks.cleanup` every hour."`` gives ("every hour" as an interval,
    ``"every hour"``). A bare "hourly"/"daily"... used as an adjective ("hourly rate
    limit", "the daily report") is not a schedule; "every task" is not either.
    """
    ends_in_text = [m.start() for m in _PHRASE_END.finditer(text)]
    for trigger in _TRIGGER.finditer(text):
        start = trigger.start()
        ends = [e for e in ends_in_text if start < e <= start + _MAX_PHRASE]
        for end in reversed(ends):
            candidate = text[start:end]
            timing = parse_words(candidate)
            if timing is None:
                continue
            if _normalize(candidate) in _BARE_FREQUENCY and not _adverb(text[end:]):
                break
            return timing, candidate.strip()
    return None


def _adverb(rest: str) -> bool:
    following = re.match(r"\s*([A-Za-z]+)", rest)
    if following is None or rest[: following.start(1)].strip():
        return True  # end of text or punctuation next
    return following[1].lower() in _FOLLOWERS


# --- any value ---------------------------------------------------------------------------


def parse_schedule(value: object) -> Timing:
    """Any schedule value of a doc, spec file or static read, as a :class:`Timing`.

    * ``str``: a 5-field cron string (or ``@daily``...), else an English phrase
      (:func:`parse_words`), else a number of seconds (``"600"``);
    * ``int``/``float``/``timedelta``: an interval;
    * ``dict``: ``{"every": n}`` (interval), ``{"cron": "..."}``, crontab field keys
      (``{"minute": 0, "hour": 2}``) or the live probe's JSON (``{"kind": ...}``).

    Raises :class:`ValueError` with a message a reviewer can act on for anything else.
    """
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a schedule")
    if isinstance(value, int | float):
        return interval_timing(value)
    if isinstance(value, timedelta):
        return interval_timing(value.total_seconds())
    if isinstance(value, Mapping):
        return _parse_mapping(value)
    raise ValueError(f"{value!r} is not a schedule (use cron, `every: SECONDS` or words)")


def _parse_text(value: str) -> Timing:
    text = value.strip()
    cron_error: ValueError | None = None
    if len(text.strip("`").split()) == 5 or text.strip("`").lower() in _CRON_MACROS:
        try:
            return parse_cron(text)
        except ValueError as exc:
            cron_error = exc
    timing = parse_words(text)
    if timing is not None:
        return timing
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return interval_timing(float(text))
    if (
        cron_error is not None
        and re.fullmatch(r"[`\d\s*/,\-a-zA-Z]+", text)
        and any(c.isdigit() or c == "*" for c in text)
    ):
        raise ValueError(f"not a valid cron string {value!r}: {cron_error}")
    raise ValueError(f"cannot read the schedule {value!r} (use cron, `every: SECONDS` or words)")


def _parse_mapping(value: Mapping[Any, Any]) -> Timing:
    keys = set(value)
    if "kind" in keys:
        timing = timing_from_json(value)
        if timing is None:
            raise ValueError("a dynamic schedule has no fixed times")
        return timing
    if keys == {"every"}:
        every = value["every"]
        return parse_schedule(every) if isinstance(every, str) else interval_timing(every)
    if keys == {"cron"} and isinstance(value["cron"], str):
        return parse_cron(value["cron"])
    if keys and keys <= set(CRONTAB_FIELDS):
        return crontab_timing(**{str(k): v for k, v in value.items()})
    raise ValueError(f"cannot read the schedule {dict(value)!r}")


def timing_from_json(data: Mapping[str, Any]) -> Timing | None:
    """The live probe's JSON for a beat schedule; ``None`` for ``{"kind": "dynamic"}``.

    Forms: ``{"kind": "crontab", "minute": [..], ...}``, ``{"kind": "interval",
    "every": seconds}``, ``{"kind": "solar", "event": .., "lat": .., "lon": ..}``.
    Raises :class:`ValueError` on a malformed mapping.
    """
    kind = data.get("kind")
    if kind == "dynamic":
        return None
    if kind == "interval":
        every = data.get("every")
        if isinstance(every, bool) or not isinstance(every, int | float):
            raise ValueError(f"interval JSON needs a number `every`, not {every!r}")
        return interval_timing(every)
    if kind == "crontab":
        missing = [name for name in CRONTAB_FIELDS if name not in data]
        if missing:
            raise ValueError(f"crontab JSON lacks {', '.join(missing)}")
        return crontab_timing(**{name: data[name] for name in CRONTAB_FIELDS})
    if kind == "solar":
        try:
            return solar_timing(str(data["event"]), float(data["lat"]), float(data["lon"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"solar JSON is malformed: {exc}") from None
    raise ValueError(f"unknown schedule kind {kind!r}")


# --- comparing ---------------------------------------------------------------------------


def period(timing: Timing) -> float | None:
    """The constant gap in seconds between firings, or ``None`` if the gaps vary.

    Intervals: ``every``. Crontabs: the gap when every gap in a week is the same
    (``minute=0`` → 3600, ``minute=0, hour="*/6"`` → 21600, one weekday → 604800);
    ``None`` for ``*/7`` minutes (resets at :00), weekdays only, or any restricted day of
    month or month (months differ in length). Solar: ``None``.
    """
    if timing.kind == "interval":
        return timing.every
    if timing.kind != "crontab":
        return None
    if timing.day_of_month != tuple(range(1, 32)) or timing.month_of_year != tuple(range(1, 13)):
        return None
    fires = sorted(
        day * 1440 + hour * 60 + minute
        for day in timing.day_of_week
        for hour in timing.hour
        for minute in timing.minute
    )
    if not fires:
        return None
    gaps = {later - earlier for earlier, later in itertools.pairwise(fires)}
    gaps.add(fires[0] + _WEEK_MINUTES - fires[-1])
    return float(gaps.pop() * 60) if len(gaps) == 1 else None


def same_times(a: Timing, b: Timing) -> bool:
    """Whether two timings fire at the same times (see the module docstring)."""
    if a.kind == "crontab" and b.kind == "crontab":
        return _crontab_key(a) == _crontab_key(b)
    if a.kind == "solar" or b.kind == "solar":
        return a.kind == b.kind and _solar_key(a) == _solar_key(b)
    gap_a, gap_b = period(a), period(b)
    return gap_a is not None and gap_b is not None and math.isclose(gap_a, gap_b, rel_tol=1e-9)


def _crontab_key(t: Timing) -> tuple[CronField, ...]:
    return (t.minute, t.hour, t.day_of_week, t.day_of_month, t.month_of_year)


def _solar_key(t: Timing) -> tuple[str, ...]:
    words = (t.event or "").split()
    return (words[0], *(_number_text(float(w)) for w in words[1:])) if words else ()


# --- writing -----------------------------------------------------------------------------


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _compress(values: CronField, spec: _Field) -> str:
    everything = spec.values
    if list(values) == everything:
        return "*"
    if len(values) >= 2:
        step = values[1] - values[0]
        if all(b - a == step for a, b in itertools.pairwise(values)):
            if step > 1 and values[0] == spec.low and values[-1] + step > spec.high:
                return f"*/{step}"
            if len(values) >= 3:
                return f"{values[0]}-{values[-1]}" + (f"/{step}" if step > 1 else "")
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ",".join(
        f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)) for run in runs
    )


def to_cron(timing: Timing) -> str | None:
    """A crontab as a compact 5-field cron string (``*/15 * * * *``); ``None`` otherwise."""
    if timing.kind != "crontab":
        return None
    return " ".join(
        _compress(getattr(timing, name), _FIELDS[name])
        for name in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    )


def to_yaml(timing: Timing) -> str | dict[str, int | float]:
    """The spec-file form: cron string, ``{"every": n}`` or ``"solar EVENT LAT LON"``."""
    if timing.kind == "crontab":
        return to_cron(timing) or ""
    if timing.kind == "interval":
        every = timing.every or 0.0
        return {"every": int(every) if every.is_integer() else every}
    return f"solar {timing.event}"


def from_yaml(value: object) -> Timing:
    """The inverse of :func:`to_yaml`; also reads words and every :func:`parse_schedule` form."""
    return parse_schedule(value)


_UNITS_DOWN = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60))
_MAX_TIMES = 6


def render(timing: Timing) -> str:
    """The words a reviewer reads; :func:`parse_schedule` reads them back.

    ``every 10 minutes``, ``every hour at :00``, ``every 6 hours at :00 (00:00, 06:00,
    12:00, 18:00)``, ``daily at 02:00``, ``weekly on Sunday at 04:00``, ``weekdays at
    08:30``, ``monthly on day 1 at 00:00``, else ``cron `0 2 1,15 * 1-5```.
    """
    if timing.kind == "interval":
        return _render_interval(timing.every or 0.0)
    if timing.kind == "solar":
        return f"solar {timing.event}"
    return _render_crontab(timing) or f"cron `{to_cron(timing)}`"


def _render_interval(seconds: float) -> str:
    for unit, size in _UNITS_DOWN:
        if seconds % size == 0:
            count = int(seconds // size)
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    if seconds == 1:
        return "every second"
    return f"every {_number_text(seconds)} seconds"


def _render_crontab(t: Timing) -> str | None:
    all_days = tuple(range(7))
    every_dom = t.day_of_month == tuple(range(1, 32))
    every_month = t.month_of_year == tuple(range(1, 13))
    if not every_month:
        return None
    if t.hour == tuple(range(24)):
        if not (every_dom and t.day_of_week == all_days):
            return None
        if t.minute == tuple(range(60)):
            return "every minute"
        if len(t.minute) <= 12:
            return "every hour at " + ", ".join(f":{m:02d}" for m in t.minute)
        return None
    times = [f"{h:02d}:{m:02d}" for h in t.hour for m in t.minute]
    clocks = ", ".join(times)
    if not every_dom:
        if len(t.day_of_month) == 1 and t.day_of_week == all_days and len(times) <= _MAX_TIMES:
            return f"monthly on day {t.day_of_month[0]} at {clocks}"
        return None
    if t.day_of_week == all_days:
        step = _hour_step(t.hour)
        if step is not None:
            marks = ", ".join(f":{m:02d}" for m in t.minute)
            return f"every {step} hours at {marks} ({clocks})"
        return f"daily at {clocks}" if len(times) <= _MAX_TIMES else None
    if len(times) > _MAX_TIMES:
        return None
    if t.day_of_week == (1, 2, 3, 4, 5):
        return f"weekdays at {clocks}"
    if t.day_of_week == (0, 6):
        return f"weekends at {clocks}"
    names = [DAY_NAMES[d] for d in t.day_of_week]
    days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"weekly on {days} at {clocks}"


def _hour_step(hours: CronField) -> int | None:
    if len(hours) < 3:  # two times read better as a list
        return None
    step = hours[1] - hours[0]
    regular = all(b - a == step for a, b in itertools.pairwise(hours))
    # Only a step that also wraps evenly past midnight reads as "every N hours".
    if regular and hours[0] < step and hours[-1] + step >= 24 and 24 % step == 0:
        return step
    return None
