"""`--beat-db`: django-celery-beat's tables in a real PostgreSQL, read as beat entries.

Each test gets a database of its own (created, then dropped with whatever is connected):
the tests run in parallel. The tables are created from `fixtures/runtime_beatdb/schema.sql`
(django-celery-beat 2.9.0's schema; Django is not needed). Without a server at
127.0.0.1:5432 the database tests are skipped locally and fail under `CI=true`;
``CONFORMANCE_TEST_POSTGRES`` names another server (an admin URL).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import Origin, Timing
from conformance.runtime.beatdb import read_beat_db, shown_url
from conformance.schedules import crontab_timing, interval_timing, solar_timing

from clirun import run_cli
from services import closed_port, require_service, silent_server

FIXTURES = Path(__file__).parent / "fixtures" / "runtime_beatdb"
SCHEMA = (FIXTURES / "schema.sql").read_text(encoding="utf-8")
ADMIN = os.environ.get("CONFORMANCE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def require_postgres() -> None:
    """Skip (locally) or fail (under CI) when the server does not answer."""
    info = psycopg.conninfo.conninfo_to_dict(ADMIN)
    require_service("postgresql", str(info.get("host", "127.0.0.1")), int(info.get("port", 5432)))


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh, empty database; its URL (with a password trust auth ignores, so every
    output can be checked for it)."""
    require_postgres()
    name = f"conformance_beat_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(ADMIN)
    host, port, user = info.get("host", "127.0.0.1"), info.get("port", 5432), info.get("user")
    try:
        yield f"postgresql://{user or 'postgres'}:s3cret@{host}:{port}/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def execute(url: str, statements: str) -> None:
    """Run SQL (several statements) as the owner: the password is not needed (trust)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statements.encode())


def add_entry(
    url: str,
    name: str,
    task: str,
    *,
    crontab: tuple[str, ...] | None = None,
    timezone: str = "UTC",
    every: tuple[int, str] | None = None,
    solar: tuple[str, float, float] | None = None,
    clocked: str | None = None,
    enabled: bool = True,
    expires: str | None = None,
) -> None:
    """One periodic task, as the Django admin saves it (a schedule row, then the task)."""
    with psycopg.connect(url, autocommit=True) as conn:
        ids: dict[str, int | None] = dict.fromkeys(("crontab", "interval", "solar", "clocked"))
        if crontab is not None:
            row = conn.execute(
                "INSERT INTO django_celery_beat_crontabschedule (minute, hour, day_of_month, "
                "month_of_year, day_of_week, timezone) VALUES (%s, %s, %s, %s, %s, %s) "
                "RETURNING id",
                (*crontab, timezone),
            ).fetchone()
            ids["crontab"] = row[0] if row else None
        if every is not None:
            row = conn.execute(
                "INSERT INTO django_celery_beat_intervalschedule (every, period) "
                "VALUES (%s, %s) RETURNING id",
                every,
            ).fetchone()
            ids["interval"] = row[0] if row else None
        if solar is not None:
            row = conn.execute(
                "INSERT INTO django_celery_beat_solarschedule (event, latitude, longitude) "
                "VALUES (%s, %s, %s) RETURNING id",
                solar,
            ).fetchone()
            ids["solar"] = row[0] if row else None
        if clocked is not None:
            row = conn.execute(
                "INSERT INTO django_celery_beat_clockedschedule (clocked_time) VALUES (%s) "
                "RETURNING id",
                (clocked,),
            ).fetchone()
            ids["clocked"] = row[0] if row else None
        conn.execute(
            "INSERT INTO django_celery_beat_periodictask (name, task, enabled, expires, "
            "crontab_id, interval_id, solar_id, clocked_id, one_off) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                name,
                task,
                enabled,
                expires,
                ids["crontab"],
                ids["interval"],
                ids["solar"],
                ids["clocked"],
                clocked is not None,
            ),
        )


def project(tmp_path: Path, timeout: float | None = None) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", root)
    if timeout is not None:
        with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
            config.write(f"timeout = {timeout}\n")
    return root


def read(url: str, timeout: float = 10) -> Any:
    return read_beat_db(Config(root=Path.cwd(), beat_db=url, timeout=timeout))


# --- the whole command ---------------------------------------------------------------------


def test_the_database_schedule_is_compared_with_the_docs(database: str, tmp_path: Path) -> None:
    execute(database, SCHEMA)
    add_entry(database, "nightly-cleanup", "proj.cleanup", crontab=("0", "2", "*", "*", "*"))
    add_entry(database, "weekly-report", "proj.report", crontab=("0", "9", "*", "*", "1"))
    add_entry(
        database, "mail-digest", "proj.digest", crontab=("30", "6", "*", "*", "*"), enabled=False
    )
    add_entry(database, "health-check", "proj.health", every=(10, "minutes"))
    add_entry(database, "sunrise-warmup", "proj.health", solar=("sunrise", 52.52, 13.405))
    add_entry(database, "reindex-once", "proj.reindex", clocked="2031-05-01 03:00+00")
    # Celery's scheduler writes this one by itself: never "undocumented".
    add_entry(
        database,
        "celery.backend_cleanup",
        "celery.backend_cleanup",
        crontab=("0", "4", "*", "*", "*"),
    )
    root = project(tmp_path)

    started = time.monotonic()
    proc = run_cli(root, "check", "--mode", "static", "--beat-db", database, "--format", "json")
    elapsed = time.monotonic() - started

    assert proc.returncode == 1, proc.stderr
    assert "s3cret" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    shown = database.replace(":s3cret@", ":***@")
    schedules = {
        (f["rule"], f["subject"]): f for f in report["findings"] if f["category"] == "schedules"
    }
    assert set(schedules) == {
        ("schedule.mismatch", "weekly-report"),
        # Documented, kept in the database but switched off: not "missing".
        ("schedule.disabled", "mail-digest"),
        ("schedule.undocumented", "sunrise-warmup"),
    }
    disabled = schedules["schedule.disabled", "mail-digest"]
    assert disabled["message"] == (
        "documented beat entry `mail-digest` is disabled in the beat database: beat does not run it"
    )
    assert disabled["code"]["path"] == shown
    mismatch = schedules["schedule.mismatch", "weekly-report"]
    assert mismatch["message"] == (
        "beat entry `weekly-report` runs weekly on Monday at 09:00, the docs say weekly on "
        "Monday at 08:00"
    )
    assert mismatch["doc"]["path"] == "docs/beat.md"
    assert mismatch["code"] == {
        "path": shown,
        "line": 2,
        "evidence": ["row: django_celery_beat_periodictask id=2", "timezone: UTC"],
    }
    conforming = {c["subject"]: c for c in report["conforming"] if c["category"] == "schedules"}
    assert set(conforming) == {"nightly-cleanup", "health-check"}
    assert conforming["health-check"]["code"]["path"] == shown
    assert conforming["health-check"]["code"]["line"] == 4

    notices = {(n["kind"], n["message"]) for n in report["notices"]}
    assert ("runtime-disabled", "beat entry `mail-digest` is disabled in the database") in notices
    assert (
        "runtime-clocked",
        "beat entry `reindex-once` runs once, at 2031-05-01 03:00:00+00:00 (clocked): a one-off "
        "is not compared with the docs",
    ) in notices
    disabled = next(n for n in report["notices"] if n["kind"] == "runtime-disabled")
    assert (disabled["path"], disabled["line"]) == (shown, 3)
    assert "celery.backend_cleanup" not in proc.stdout
    assert elapsed < 60


def test_the_text_and_markdown_reports_show_the_database_entry(
    database: str, tmp_path: Path
) -> None:
    execute(database, SCHEMA)
    add_entry(database, "weekly-report", "proj.report", crontab=("0", "9", "*", "*", "1"))
    root = project(tmp_path)
    for fmt in ("text", "markdown", "sarif", "junit", "github"):
        proc = run_cli(root, "check", "--mode", "static", "--beat-db", database, "--format", fmt)
        assert proc.returncode == 1, (fmt, proc.stderr)
        assert "weekly-report" in proc.stdout, fmt
        assert "s3cret" not in proc.stdout + proc.stderr, fmt


# --- errors: one line, exit 2, no password, within the timeout -------------------------------


def test_an_unreachable_database_is_one_line_exit_2(tmp_path: Path) -> None:
    url = f"postgresql://beat:s3cret@127.0.0.1:{closed_port()}/beat"
    proc = run_cli(project(tmp_path, timeout=2), "check", "--mode", "static", "--beat-db", url)
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(
        f"conformance: error: beat database postgresql://beat:***@127.0.0.1:{url.split(':')[3]}"
    )
    assert "cannot connect" in line
    assert "s3cret" not in proc.stderr


def test_a_server_that_never_answers_is_an_error_within_the_timeout(tmp_path: Path) -> None:
    # A socket that accepts connections and never says a word: libpq waits for the server.
    with silent_server() as port:
        started = time.monotonic()
        proc = run_cli(
            project(tmp_path, timeout=2),
            "check",
            "--mode",
            "static",
            "--beat-db",
            f"postgresql://beat:s3cret@127.0.0.1:{port}/beat",
        )
        elapsed = time.monotonic() - started
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert "cannot connect" in line and "s3cret" not in line
    # The connection attempt is bounded by the timeout (plus the CLI's own start-up).
    assert elapsed < 2 + 10


def test_a_database_without_the_tables_is_one_line_exit_2(database: str, tmp_path: Path) -> None:
    proc = run_cli(project(tmp_path), "check", "--mode", "static", "--beat-db", database)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    shown = database.replace(":s3cret@", ":***@")
    assert line == (
        f"conformance: error: beat database {shown}: no django-celery-beat tables "
        "(django_celery_beat_periodictask does not exist): run `python manage.py migrate "
        "django_celery_beat`, or point --beat-db at the database beat uses"
    )


def test_a_missing_database_is_one_line_exit_2(database: str, tmp_path: Path) -> None:
    url = database.rsplit("/", 1)[0] + "/conformance_no_such_database"
    proc = run_cli(project(tmp_path), "check", "--mode", "static", "--beat-db", url)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert "cannot connect" in line and "conformance_no_such_database" in line
    assert "does not exist" in line and "s3cret" not in line


@pytest.mark.parametrize(
    "url",
    [
        "mysql://beat:s3cret@db/beat",
        "sqlite:///beat.sqlite3",
        "redis://:s3cret@localhost:6379/0",
    ],
)
def test_a_url_that_is_not_postgresql_is_exit_2(url: str, tmp_path: Path) -> None:
    proc = run_cli(project(tmp_path), "check", "--mode", "static", "--beat-db", url)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert "not a PostgreSQL URL" in line and "s3cret" not in line


def test_the_session_is_read_only(database: str) -> None:
    # The entries table is a view whose every read tries to write: in a read-only
    # session the write is refused, and nothing is written.
    execute(database, SCHEMA)
    execute(
        database,
        """
        ALTER TABLE django_celery_beat_periodictask RENAME TO periodictask_rows;
        CREATE TABLE reads (at timestamptz NOT NULL DEFAULT now());
        CREATE FUNCTION record_read() RETURNS boolean VOLATILE LANGUAGE sql AS
            'INSERT INTO reads DEFAULT VALUES; SELECT true';
        CREATE VIEW django_celery_beat_periodictask AS
            SELECT id, name, task, record_read() AS enabled, crontab_id, interval_id,
                   solar_id, clocked_id, expires
            FROM periodictask_rows;
        """,
    )
    # An entry through the view's table, read by the function on every row.
    add_interval = (
        "INSERT INTO django_celery_beat_intervalschedule (every, period) VALUES (5, 'minutes');"
        "INSERT INTO periodictask_rows (name, task, interval_id) VALUES ('tick', 'proj.health', 1)"
    )
    execute(database, add_interval)
    with pytest.raises(ConformanceError) as caught:
        read(database)
    assert "read-only transaction" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*) FROM reads").fetchone()
    assert row == (0,)


# --- what each row becomes -------------------------------------------------------------------


def test_each_kind_of_schedule_becomes_a_timing(database: str) -> None:
    execute(database, SCHEMA)
    add_entry(database, "cron", "t.a", crontab=("*/15", "8-18", "*", "*", "mon-fri"))
    add_entry(
        database, "tz", "t.a", crontab=("0", "2", "1,15", "jan", "*"), timezone="Europe/Paris"
    )
    add_entry(database, "days", "t.b", every=(2, "days"))
    add_entry(database, "hours", "t.b", every=(6, "hours"))
    add_entry(database, "seconds", "t.b", every=(30, "seconds"))
    add_entry(database, "tiny", "t.b", every=(500000, "microseconds"))
    add_entry(database, "dawn", "t.c", solar=("dawn_civil", -33.8688, 151.2093))

    found = read(database)
    timings: dict[str, Timing | None] = {s.name: s.timing for s in found.spec.schedules}
    assert timings == {
        "cron": crontab_timing("*/15", "8-18", "mon-fri"),
        "tz": crontab_timing(0, 2, "*", "1,15", 1),
        "days": interval_timing(2 * 86400),
        "hours": interval_timing(6 * 3600),
        "seconds": interval_timing(30),
        "tiny": interval_timing(0.5),
        "dawn": solar_timing("dawn_civil", -33.8688, 151.2093),
    }
    assert {s.origin for s in found.spec.schedules} == {Origin.RUNTIME}
    assert [s.task for s in found.spec.schedules] == [
        "t.a",
        "t.a",
        "t.b",
        "t.b",
        "t.b",
        "t.b",
        "t.c",
    ]
    tz = next(s for s in found.spec.schedules if s.name == "tz")
    assert tz.source is not None and tz.source.evidence[1] == "timezone: Europe/Paris"
    assert found.notices == ()


def test_unreadable_expired_and_scheduleless_entries_are_notices(database: str) -> None:
    execute(database, SCHEMA)
    add_entry(database, "bad-minute", "t.a", crontab=("61", "*", "*", "*", "*"))
    add_entry(database, "bad-period", "t.a", every=(3, "fortnights"))
    add_entry(database, "expired", "t.a", every=(1, "hours"), expires="2001-01-01 00:00+00")
    add_entry(database, "later", "t.a", every=(1, "hours"), expires="2999-01-01 00:00+00")
    add_entry(database, "nothing", "t.a")

    found = read(database)
    # An entry that exists but whose times cannot be read is not "missing": no timing;
    # an expired one is kept, not enabled.
    assert {s.name: (s.timing, s.enabled) for s in found.spec.schedules} == {
        "bad-minute": (None, True),
        "bad-period": (None, True),
        "expired": (None, False),
        "later": (interval_timing(3600), True),
        "nothing": (None, True),
    }
    assert [(n.kind, n.message) for n in found.notices] == [
        (
            "runtime-unreadable",
            "beat entry `bad-minute`: cannot read its schedule (minute: 61 is outside 0-59); "
            "its times are not compared",
        ),
        (
            "runtime-unreadable",
            "beat entry `bad-period`: cannot read its schedule (unknown interval period "
            "'fortnights'); its times are not compared",
        ),
        (
            "runtime-disabled",
            "beat entry `expired` has expired in the database: beat no longer runs it",
        ),
        (
            "runtime-unreadable",
            "beat entry `nothing`: cannot read its schedule (it has no crontab, interval, "
            "solar or clocked schedule); its times are not compared",
        ),
    ]


def test_an_old_schema_without_solar_clocked_or_timezones_is_read(database: str) -> None:
    # django-celery-beat 1.0 (2016): crontab without a timezone, no solar or clocked
    # tables, no `expires` yet.
    execute(
        database,
        """
        CREATE TABLE django_celery_beat_crontabschedule (id serial PRIMARY KEY,
            minute varchar(64) NOT NULL, hour varchar(64) NOT NULL,
            day_of_week varchar(64) NOT NULL, day_of_month varchar(64) NOT NULL,
            month_of_year varchar(64) NOT NULL);
        CREATE TABLE django_celery_beat_intervalschedule (id serial PRIMARY KEY,
            every integer NOT NULL, period varchar(24) NOT NULL);
        CREATE TABLE django_celery_beat_periodictask (id serial PRIMARY KEY,
            name varchar(200) NOT NULL UNIQUE, task varchar(200) NOT NULL,
            enabled boolean NOT NULL,
            crontab_id integer REFERENCES django_celery_beat_crontabschedule (id),
            interval_id integer REFERENCES django_celery_beat_intervalschedule (id));
        INSERT INTO django_celery_beat_crontabschedule (minute, hour, day_of_week,
            day_of_month, month_of_year) VALUES ('0', '3', '*', '*', '*');
        INSERT INTO django_celery_beat_intervalschedule (every, period) VALUES (1, 'hours');
        INSERT INTO django_celery_beat_periodictask (name, task, enabled, crontab_id)
            VALUES ('nightly', 't.a', true, 1);
        INSERT INTO django_celery_beat_periodictask (name, task, enabled, interval_id)
            VALUES ('hourly', 't.b', true, 1);
        """,
    )
    found = read(database)
    assert {s.name: s.timing for s in found.spec.schedules} == {
        "nightly": crontab_timing(0, 3),
        "hourly": interval_timing(3600),
    }


def test_a_search_path_in_the_url_finds_tables_in_another_schema(database: str) -> None:
    execute(database, "CREATE SCHEMA beat; SET search_path TO beat;" + SCHEMA)
    with psycopg.connect(database, autocommit=True, options="-c search_path=beat") as conn:
        conn.execute(
            "INSERT INTO django_celery_beat_intervalschedule (every, period) VALUES (1, 'days');"
            "INSERT INTO django_celery_beat_periodictask (name, task, interval_id) "
            "VALUES ('daily', 't.a', 1)"
        )
    with pytest.raises(ConformanceError, match="no django-celery-beat tables"):
        read(database)
    found = read(f"{database}?options=-csearch_path%3Dbeat")
    assert [(s.name, s.timing) for s in found.spec.schedules] == [("daily", interval_timing(86400))]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://beat:s3cret@db:5432/app", "postgresql://beat:***@db:5432/app"),
        (
            "postgres://beat@db/app?password=s3cret&sslmode=require",
            "postgres://beat@db/app?password=***&sslmode=require",
        ),
        (
            "host=db dbname=app password='s3 cret' user=beat",
            "host=db dbname=app password=*** user=beat",
        ),
        ("postgresql+psycopg://beat:s3cret@db/app", "postgresql+psycopg://beat:***@db/app"),
    ],
)
def test_the_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown
