"""Settings, routes, queues and beat entries from Python source."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from conformance.model import Extraction, Origin, Timing
from conformance.pysource import scan_source
from conformance.schedules import crontab_timing, interval_timing


def scan(code: str, module: str | None = None) -> Extraction:
    return scan_source(textwrap.dedent(code), path="c.py", origin=Origin.STATIC, module=module)


SETTING_CASES: list[tuple[str, str | None, dict[str, Any]]] = [
    # Celery constructor: broker= is broker_url, backend= is result_backend
    (
        "app = Celery('m', broker='redis://b', backend='redis://r')\n",
        None,
        {"broker_url": "redis://b", "result_backend": "redis://r"},
    ),
    # conf.update with keywords and with a dict
    (
        "app.conf.update(task_time_limit=300)\n"
        "app.conf.update({'worker_prefetch_multiplier': 1})\n",
        None,
        {"task_time_limit": 300, "worker_prefetch_multiplier": 1},
    ),
    # attribute and item assignment on conf
    (
        "app.conf.task_acks_late = True\napp.conf['timezone'] = 'UTC'\n",
        None,
        {"task_acks_late": True, "timezone": "UTC"},
    ),
    # an environment read with a default uses the default (documented decision)
    (
        "import os\napp.conf.update(worker_concurrency=int(os.getenv('C', '8')))\n",
        None,
        {"worker_concurrency": 8},
    ),
    # timedelta becomes seconds
    (
        "from datetime import timedelta\napp.conf.result_expires = timedelta(hours=1)\n",
        None,
        {"result_expires": 3600.0},
    ),
    # old upper-case names in a config module are read under the new names
    (
        "CELERYD_PREFETCH_MULTIPLIER = 4\nCELERY_TASK_SERIALIZER = 'json'\nBROKER_URL = 'x'\n",
        "proj.celeryconfig",
        {"worker_prefetch_multiplier": 4, "task_serializer": "json"},
    ),
    # a module that does not look like a config module: plain assignments are not settings
    ("timezone = 'UTC'\n", "proj.utils", {}),
    # a doc snippet that assigns settings by name is a settings listing (issue 12)...
    (
        "task_time_limit = 5\nbroker_url = 'x'\nresult_backend = 'y'\n",
        None,
        {"task_time_limit": 5, "broker_url": "x", "result_backend": "y"},
    ),
    ("CELERY_TASK_SOFT_TIME_LIMIT = 60\n", None, {"task_soft_time_limit": 60}),
    ("class CeleryConfig:\n    task_acks_late = True\n", None, {"task_acks_late": True}),
    # ...but a lone one-word name could be any variable
    ("timezone = 'UTC'\nresult = add.delay(2, 2)\n", None, {}),
    ("class Invoice:\n    task_acks_late = True\n", None, {}),
    # an unknown key is not a setting
    ("app.conf.update(not_a_setting=1)\n", None, {}),
]


@pytest.mark.parametrize(("code", "module", "expected"), SETTING_CASES)
def test_settings(code: str, module: str | None, expected: dict[str, Any]) -> None:
    settings = scan(code, module).spec.settings
    found = {s.name: s.value for s in settings if not s.dynamic}
    for key, value in expected.items():
        assert found[key] == value
    assert set(expected) <= set(found)
    if not expected:
        assert found == {}


def test_runtime_setting_is_dynamic_with_notice() -> None:
    result = scan("import os\napp.conf.update(broker_url=os.environ['B'])\n")
    (setting,) = result.spec.settings
    assert setting.dynamic and setting.value is None
    assert [n.kind for n in result.notices] == ["not-judged"]


ROUTE_CASES: list[tuple[str, list[tuple[str, str | None, str, bool]]]] = [
    # dict of exact names and globs, queue given as a name or in a dict
    (
        "app.conf.task_routes = {'a.b': {'queue': 'q1'}, 'a.*': 'q2'}\n",
        [("a.b", "q1", "exact", False), ("a.*", "q2", "glob", False)],
    ),
    # a regex key from re.compile
    (
        "import re\napp.conf.task_routes = {re.compile(r'x\\..*'): {'queue': 'q'}}\n",
        [("x\\..*", "q", "regex", False)],
    ),
    # a router function: dynamic
    (
        "def route(name, *a, **k): pass\napp.conf.task_routes = (route,)\n",
        [("*", None, "exact", True)],
    ),
    # a queue held in a constant
    (
        "Q = 'fast'\napp.conf.update(task_routes={'t': {'queue': Q}})\n",
        [("t", "fast", "exact", False)],
    ),
]


@pytest.mark.parametrize(("code", "expected"), ROUTE_CASES)
def test_routes(code: str, expected: list[tuple[str, str | None, str, bool]]) -> None:
    routes = scan(code).spec.routes
    assert [(r.task, r.queue, r.pattern, r.dynamic) for r in routes] == expected


QUEUE_CASES: list[tuple[str, list[tuple[str, str | None, str | None]]]] = [
    # kombu Queue objects with exchange and routing key
    (
        "from kombu import Queue, Exchange\n"
        "app.conf.task_queues = (Queue('a', Exchange('ex'), routing_key='ra'), Queue('b'))\n",
        [("a", "ex", "ra"), ("b", None, None)],
    ),
    # a dict of queue options
    (
        "app.conf.task_queues = {'mail': {'exchange': 'mail', 'routing_key': 'mail'}}\n",
        [("mail", "mail", "mail")],
    ),
    # any kombu Queue call counts, once
    ("from kombu import Queue\nq = Queue('lonely')\n", [("lonely", None, None)]),
    # the standard library's queue.Queue is not a queue declaration
    ("from queue import Queue\nq = Queue()\nq2 = Queue('x')\n", []),
]


@pytest.mark.parametrize(("code", "expected"), QUEUE_CASES)
def test_queues(code: str, expected: list[tuple[str, str | None, str | None]]) -> None:
    queues = scan(code).spec.queues
    assert [(q.name, q.exchange, q.routing_key) for q in queues] == expected


BEAT_CASES: list[tuple[str, list[tuple[str, str | None, Timing | None]]]] = [
    # crontab and a plain number of seconds
    (
        "from celery.schedules import crontab\napp.conf.beat_schedule = {\n"
        "    'nightly': {'task': 't.clean', 'schedule': crontab(minute=0, hour=2)},\n"
        "    'often': {'task': 't.poll', 'schedule': 30.0},\n}\n",
        [
            ("nightly", "t.clean", crontab_timing(minute=0, hour=2)),
            ("often", "t.poll", interval_timing(30)),
        ],
    ),
    # timedelta and schedule(run_every=...)
    (
        "from datetime import timedelta\nfrom celery.schedules import schedule\n"
        "app.conf.beat_schedule = {'a': {'task': 'x', 'schedule': timedelta(minutes=5)},"
        " 'b': {'task': 'y', 'schedule': schedule(run_every=60)}}\n",
        [("a", "x", interval_timing(300)), ("b", "y", interval_timing(60))],
    ),
    # a module dict spread into another and updated later by key
    (
        "BASE = {'a': {'task': 'x', 'schedule': 10}}\n"
        "SCHED = {**BASE, 'b': {'task': 'y', 'schedule': 20}}\n"
        "SCHED['c'] = {'task': 'z', 'schedule': 30}\napp.conf.beat_schedule = SCHED\n",
        [
            ("a", "x", interval_timing(10)),
            ("b", "y", interval_timing(20)),
            ("c", "z", interval_timing(30)),
        ],
    ),
    # a later item assignment on conf.beat_schedule
    (
        "app.conf.beat_schedule['late'] = {'task': 'w', 'schedule': 5}\n",
        [("late", "w", interval_timing(5))],
    ),
    # add_periodic_task with a name
    (
        "app.add_periodic_task(10.0, ping.s(), name='ping every 10')\n",
        [("ping every 10", "ping", interval_timing(10))],
    ),
    # a schedule only known at run time: entry without timing
    (
        "app.conf.beat_schedule = {'d': {'task': 'x', 'schedule': get_interval()}}\n",
        [("d", "x", None)],
    ),
]


@pytest.mark.parametrize(("code", "expected"), BEAT_CASES)
def test_beat_entries(code: str, expected: list[tuple[str, str | None, Timing | None]]) -> None:
    schedules = scan(code).spec.schedules
    assert [(s.name, s.task, s.timing) for s in schedules] == expected


def test_beat_entry_lines_point_at_their_keys() -> None:
    code = (
        "app.conf.beat_schedule = {\n    'a': {'task': 'x', 'schedule': 1},\n"
        "    'b': {'task': 'y', 'schedule': 2},\n}\n"
    )
    lines = [s.source.line for s in scan(code).spec.schedules if s.source]
    assert lines == [2, 3]


def test_dynamic_beat_schedule_is_a_notice_and_dynamic_setting() -> None:
    result = scan("app.conf.beat_schedule = build_schedule()\n")
    assert result.spec.schedules == ()
    assert [(s.name, s.dynamic) for s in result.spec.settings] == [("beat_schedule", True)]
    assert result.notices and result.notices[0].kind == "not-judged"


def test_django_namespace_hint() -> None:
    import ast

    from conformance.pysource import scan_module

    tree = ast.parse("CELERY_TASK_TIME_LIMIT = 30\nTIME_ZONE = 'UTC'\n")
    found = scan_module(
        tree,
        path="s.py",
        origin=Origin.STATIC,
        module="proj.settings",
        config_module=True,
        namespace="CELERY",
    ).extraction.spec.settings
    assert [(s.name, s.value) for s in found] == [("task_time_limit", 30)]


def test_each_setting_points_at_its_own_keyword_line() -> None:
    code = "app = Celery('p',\n    timezone='UTC')\napp.conf.update(\n    task_time_limit=60,\n    task_acks_late=True,\n)\n"
    lines = {s.name: s.source.line for s in scan(code).spec.settings if s.source}
    assert lines == {"timezone": 2, "task_time_limit": 4, "task_acks_late": 5}
