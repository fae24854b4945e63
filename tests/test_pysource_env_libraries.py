"""Environment reads through settings libraries evaluate to their defaults, cast as the
library casts them (kitsune uses python-decouple, glitchtip django-environ)."""

from __future__ import annotations

import ast

import pytest

from conformance.model import Origin
from conformance.pysource.context import build_context
from conformance.pysource.values import Unknown

SETTINGS = """\
import environ
from decouple import config

env = environ.Env()

CELERY_WORKER_CONCURRENCY = config("CELERY_WORKER_CONCURRENCY", default=4, cast=int)
CELERY_TASK_TIME_LIMIT = config("CELERY_TASK_TIME_LIMIT", default="600", cast=int)
CELERY_TASK_ACKS_LATE = config("CELERY_TASK_ACKS_LATE", default="yes", cast=bool)
CELERY_BROKER_URL = config("CELERY_BROKER_URL")
PREFETCH = env.int("PREFETCH", default=1)
QUEUE = env("QUEUE", default="celery")
EAGER = env.bool("EAGER", "false")
SECRET = env.str("SECRET")
"""


def _names(text: str) -> dict[str, object]:
    tree = ast.parse(text)
    return build_context(
        tree, path="s.py", line_offset=0, origin=Origin.STATIC, module="proj.settings"
    ).names


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CELERY_WORKER_CONCURRENCY", 4),
        ("CELERY_TASK_TIME_LIMIT", 600),
        ("CELERY_TASK_ACKS_LATE", True),
        ("PREFETCH", 1),
        ("QUEUE", "celery"),
        ("EAGER", False),
    ],
)
def test_a_read_with_a_default_is_the_default(name: str, value: object) -> None:
    names = _names(SETTINGS)
    assert names[name] == value
    assert type(names[name]) is type(value)


@pytest.mark.parametrize("name", ["CELERY_BROKER_URL", "SECRET"])
def test_a_read_without_a_default_is_only_known_at_run_time(name: str) -> None:
    value = _names(SETTINGS)[name]
    assert isinstance(value, Unknown)
    assert "no default" in value.reason


def test_env_is_a_library_read_only_when_the_module_uses_django_environ() -> None:
    text = "from app.settings import env\nQUEUE = env('QUEUE', default='celery')\n"
    assert isinstance(_names(text)["QUEUE"], Unknown)
