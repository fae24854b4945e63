"""django-celery-beat's database schedule, read as implementation-side beat entries.

A project that runs beat with ``django_celery_beat.schedulers:DatabaseScheduler`` keeps
its periodic tasks in tables that operators edit at run time (the Django admin): what
really runs may be there and nowhere in the code. :func:`read_beat_db` reads them
(PostgreSQL, through psycopg; Django is never imported) and returns each enabled entry as
a :class:`~conformance.model.Schedule` with ``origin=RUNTIME``, so the schedule rules
compare it with the docs like an entry of ``beat_schedule``.

* A disabled or expired entry is kept as a schedule that is not enabled (beat does not
  run it) and a notice: a documented one is ``schedule.disabled``, not "missing".
* A clocked entry runs once, at a date: a notice, not a schedule.
* ``celery.backend_cleanup`` is left out: Celery's scheduler writes it into the table by
  itself (when ``result_expires`` is set); nobody documents it.
* An entry whose schedule cannot be read (a crontab field out of range, an interval of
  0) is a schedule with an unknown timing (so it is not "missing") and a notice.

The session is read-only. The whole read is bounded by ``timeout`` (libpq's connect
timeout and a statement timeout tell most failures; a wait in a thread bounds the rest).
The URL is shown without its password everywhere, also a ``password=`` parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import Extraction, Location, Notice, Origin, Schedule, Spec, Timing
from conformance.runtime.redact import redact
from conformance.runtime.scrape import within
from conformance.schedules import crontab_timing, interval_timing, solar_timing

__all__ = ["read_beat_db", "shown_url"]

PREFIX = "django_celery_beat_"
TASKS = f"{PREFIX}periodictask"
CRONTAB = f"{PREFIX}crontabschedule"
INTERVAL = f"{PREFIX}intervalschedule"
SOLAR = f"{PREFIX}solarschedule"
CLOCKED = f"{PREFIX}clockedschedule"

# Selected when present: older django-celery-beat versions lack solar (< 1.1), the
# crontab timezone (< 1.2), clocked entries and `expires`... The columns of each table.
_COLUMNS: dict[str, tuple[str, ...]] = {
    TASKS: ("id", "name", "task", "enabled", "expires", "crontab_id", "interval_id",
            "solar_id", "clocked_id"),
    CRONTAB: ("minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone"),
    INTERVAL: ("every", "period"),
    SOLAR: ("event", "latitude", "longitude"),
    CLOCKED: ("clocked_time",),
}  # fmt: skip
_JOINS = {CRONTAB: "crontab_id", INTERVAL: "interval_id", SOLAR: "solar_id", CLOCKED: "clocked_id"}
_ALIAS = {TASKS: "p", CRONTAB: "c", INTERVAL: "i", SOLAR: "s", CLOCKED: "k"}

_PERIOD_SECONDS = {
    "days": 86400.0,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "microseconds": 1e-6,
}
_POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
# A keyword conninfo (`host=db dbname=app`) rather than a URL.
_KEYWORDS = re.compile(r"^\s*[A-Za-z_]+\s*=")
_PASSWORD_PARAM = re.compile(r"(?P<key>\bpassword\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|[^&\s]*)")


def shown_url(url: str) -> str:
    """``url`` as every message and location shows it: no password, neither in the
    userinfo (``postgresql://u:***@h/db``) nor as a ``password=`` parameter."""
    return redact(_PASSWORD_PARAM.sub(lambda m: f"{m['key']}***", url))


@dataclass(frozen=True)
class _Row:
    id: int
    name: str
    task: str
    enabled: bool
    expired: bool
    crontab: tuple[str, str, str, str, str] | None
    timezone: str | None
    interval: tuple[int, str] | None
    solar: tuple[str, Decimal, Decimal] | None
    clocked: datetime | None


def read_beat_db(config: Config) -> Extraction:
    """The enabled beat entries of the django-celery-beat database at ``config.beat_db``
    (see the module docstring). Raises :class:`ConformanceError` (one line, no password)
    when the database cannot be reached or has no django-celery-beat tables."""
    url = config.beat_db.strip()
    shown = shown_url(url)
    conninfo = _conninfo(url, shown)
    timeout = config.timeout

    def late() -> ConformanceError:
        return ConformanceError(f"beat database {shown}: no answer within {timeout:g} s")

    # libpq's own timeouts tell most failures first; this bounds the whole (a host name
    # that takes long to resolve, libpq's 2 s minimum when `timeout` is shorter).
    rows = within(timeout + 0.5, lambda: _fetch(conninfo, shown, timeout), late)
    return _extraction(rows, shown)


def _conninfo(url: str, shown: str) -> str:
    """A libpq conninfo: a PostgreSQL URL (a SQLAlchemy ``+driver`` suffix is dropped)
    or a keyword string; anything else is an error."""
    if _KEYWORDS.match(url):
        return url
    scheme, sep, rest = url.partition("://")
    base = scheme.lower().partition("+")[0]
    if not sep or base not in _POSTGRES_SCHEMES:
        raise ConformanceError(
            f"--beat-db {shown}: not a PostgreSQL URL (postgresql://user@host:5432/dbname); "
            "django-celery-beat's tables are read from PostgreSQL only"
        )
    return f"postgresql://{rest}"


def _fetch(conninfo: str, shown: str, timeout: float) -> list[_Row]:
    try:
        import psycopg
    except ImportError:
        raise ConformanceError("--beat-db needs psycopg: pip install 'psycopg[binary]'") from None

    # libpq counts whole seconds and waits at least 2.
    connect_timeout = max(2, math.ceil(timeout))
    try:
        conn = psycopg.connect(conninfo, connect_timeout=connect_timeout)
    except (psycopg.Error, ValueError) as exc:
        raise ConformanceError(f"beat database {shown}: cannot connect: {_one_line(exc)}") from None
    try:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cur.execute(f"SET statement_timeout = {max(1, math.ceil(timeout * 1000))}")
            columns = _present_columns(cur)
            if "id" not in columns.get(TASKS, ()):
                raise ConformanceError(
                    f"beat database {shown}: no django-celery-beat tables ({TASKS} does not "
                    "exist): run `python manage.py migrate django_celery_beat`, or point "
                    "--beat-db at the database beat uses"
                )
            query, names = _query(columns)
            cur.execute(query)
            rows = [_row(dict(zip(names, values, strict=True))) for values in cur.fetchall()]
        conn.rollback()
    except psycopg.Error as exc:
        raise ConformanceError(
            f"beat database {shown}: cannot read django-celery-beat's tables: {_one_line(exc)}"
        ) from None
    finally:
        conn.close()
    return rows


def _present_columns(cur: Any) -> dict[str, frozenset[str]]:
    """The columns each django-celery-beat table has (tables resolved like the app does,
    through the connection's ``search_path``); a missing table is absent."""
    cur.execute(
        "SELECT t.name, a.attname FROM unnest(%s::text[]) AS t(name) "
        "JOIN pg_attribute a ON a.attrelid = to_regclass(t.name) "
        "WHERE a.attnum > 0 AND NOT a.attisdropped",
        (list(_COLUMNS),),
    )
    found: dict[str, set[str]] = {}
    for table, column in cur.fetchall():
        found.setdefault(table, set()).add(column)
    return {table: frozenset(columns) for table, columns in found.items()}


def _query(columns: Mapping[str, frozenset[str]]) -> tuple[str, list[str]]:
    """One SELECT over the tables and columns that exist (all names are ours, never the
    URL's), and the name of each selected value."""
    selected: list[str] = []
    names: list[str] = []
    joins: list[str] = []
    tasks = columns[TASKS]
    for table, wanted in _COLUMNS.items():
        present = columns.get(table, frozenset())
        if table != TASKS and (not present or _JOINS[table] not in tasks):
            continue
        alias = _ALIAS[table]
        if table != TASKS:
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.id = p.{_JOINS[table]}")
        for column in wanted:
            if column not in present:
                continue
            if (table, column) == (TASKS, "expires"):
                # Beat disables an entry once it is past `expires`: compare on the server.
                selected.append("(p.expires IS NOT NULL AND p.expires <= now())")
                names.append("expired")
            else:
                selected.append(f"{alias}.{column}")
                names.append(f"{alias}.{column}")
    query = f"SELECT {', '.join(selected)} FROM {TASKS} p {' '.join(joins)} ORDER BY p.id"
    return query, names


def _row(values: Mapping[str, Any]) -> _Row:
    crontab = None
    if values.get("c.minute") is not None:

        def field(name: str) -> str:
            return str(values.get(f"c.{name}") or "*")

        crontab = (
            field("minute"),
            field("hour"),
            field("day_of_week"),
            field("day_of_month"),
            field("month_of_year"),
        )
    interval = None
    if values.get("i.every") is not None:
        interval = (int(values["i.every"]), str(values.get("i.period") or ""))
    solar = None
    if values.get("s.event") is not None:
        solar = (str(values["s.event"]), values["s.latitude"], values["s.longitude"])
    enabled = values.get("p.enabled")
    return _Row(
        id=int(values["p.id"]),
        name=str(values["p.name"]),
        task=str(values.get("p.task") or ""),
        enabled=True if enabled is None else bool(enabled),
        expired=bool(values.get("expired")),
        crontab=crontab,
        timezone=str(values["c.timezone"]) if values.get("c.timezone") else None,
        interval=interval,
        solar=solar,
        clocked=values.get("k.clocked_time"),
    )


def _extraction(rows: Sequence[_Row], shown: str) -> Extraction:
    schedules: list[Schedule] = []
    notices: list[Notice] = []

    def notice(kind: str, row: _Row, message: str) -> None:
        notices.append(Notice(kind, message, shown, row.id))

    for row in rows:
        if row.name == "celery.backend_cleanup" and row.task == "celery.backend_cleanup":
            continue
        if not row.enabled or row.expired:
            # Kept, switched off: `schedule.disabled` for a documented one, and a notice.
            why = (
                "is disabled in the database"
                if not row.enabled
                else "has expired in the database: beat no longer runs it"
            )
            notice("runtime-disabled", row, f"beat entry `{row.name}` {why}")
            location = Location(shown, row.id, (f"row: {TASKS} id={row.id}",))
            schedules.append(
                Schedule(row.name, row.task or None, None, location, Origin.RUNTIME, False)
            )
            continue
        if row.clocked is not None:
            notice(
                "runtime-clocked",
                row,
                f"beat entry `{row.name}` runs once, at {row.clocked.isoformat(sep=' ')} "
                "(clocked): a one-off is not compared with the docs",
            )
            continue
        try:
            timing = _timing(row)
        except ValueError as exc:
            notice(
                "runtime-unreadable",
                row,
                f"beat entry `{row.name}`: cannot read its schedule ({exc}); its times are "
                "not compared",
            )
            timing = None
        # The row id stands for the line; the evidence says so, and which timezone a
        # crontab runs in (a Timing compares times as written, without one).
        evidence = [f"row: {TASKS} id={row.id}"]
        if row.crontab is not None and row.timezone:
            evidence.append(f"timezone: {row.timezone}")
        location = Location(shown, row.id, tuple(evidence))
        schedules.append(Schedule(row.name, row.task or None, timing, location, Origin.RUNTIME))
    return Extraction(Spec(schedules=tuple(schedules)), tuple(notices))


def _timing(row: _Row) -> Timing:
    """The entry's schedule, as django-celery-beat's models build it; ValueError when it
    has none or cannot be read."""
    if row.crontab is not None:
        minute, hour, day_of_week, day_of_month, month_of_year = row.crontab
        return crontab_timing(minute, hour, day_of_week, day_of_month, month_of_year)
    if row.interval is not None:
        every, period = row.interval
        if period not in _PERIOD_SECONDS:
            raise ValueError(f"unknown interval period {period!r}")
        return interval_timing(every * _PERIOD_SECONDS[period])
    if row.solar is not None:
        event, latitude, longitude = row.solar
        return solar_timing(event, float(latitude), float(longitude))
    raise ValueError("it has no crontab, interval, solar or clocked schedule")


def _one_line(exc: BaseException) -> str:
    """A driver's message on one line, without a password (libpq's messages span lines:
    the error, then a hint)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return shown_url("; ".join(lines) or type(exc).__name__)
