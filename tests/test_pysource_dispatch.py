"""Queues named where tasks are sent (``apply_async(queue=...)`` and friends)."""

from __future__ import annotations

import ast

from conformance.model import Origin
from conformance.pysource.context import build_context
from conformance.pysource.dispatch import find_dispatches

SOURCE = """\
from celery import shared_task, signature
from app.celery import app
from app.mail import send_mail

PRIORITY = "priority"


@shared_task
def ping():
    return "pong"


def enqueue(user, queue_name):
    ping.apply_async(queue="transient")
    send_mail.s(user).set(queue=PRIORITY).delay()
    send_mail.signature((user,), options={"queue": "mail"}).apply_async()
    app.send_task("reports.build", args=[user], queue="reports")
    ping.apply_async(queue=queue_name)
    ping.apply_async(countdown=10)
    {1, 2}.union(set())
"""


def test_each_way_of_naming_a_queue_at_the_call_is_a_dispatch() -> None:
    ctx = build_context(
        ast.parse(SOURCE),
        path="app/jobs.py",
        line_offset=0,
        origin=Origin.STATIC,
        module="app.jobs",
    )
    found = [
        (d.queue, d.task, d.dynamic, d.source.line if d.source else 0) for d in find_dispatches(ctx)
    ]
    assert found == [
        ("transient", "ping", False, 14),
        ("priority", "app.mail.send_mail", False, 15),
        ("mail", "app.mail.send_mail", False, 16),
        ("reports", "reports.build", False, 17),
        (None, "ping", True, 18),  # only known at run time
    ]


def test_a_beat_entry_that_names_its_queue_is_a_dispatch() -> None:
    # readthedocs: every beat entry carries `"options": {"queue": "web"}`
    from conformance.pysource.scan import scan_python

    text = (
        "from celery.schedules import crontab\n"
        "beat_schedule = {\n"
        "    'nightly': {'task': 'app.t.nightly', 'schedule': crontab(hour=3),\n"
        "                'options': {'queue': 'web'}},\n"
        "    'hourly': {'task': 'app.t.hourly', 'schedule': 3600},\n"
        "}\n"
    )
    spec = scan_python(
        ast.parse(text), path="app/celeryconfig.py", origin=Origin.STATIC, module="app.celeryconfig"
    ).spec
    assert [(d.queue, d.task, d.dynamic) for d in spec.dispatches] == [
        ("web", "app.t.nightly", False)
    ]
