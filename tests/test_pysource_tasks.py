"""Task recognizer: snippet in, Task items out."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from conformance.model import Extraction, Origin
from conformance.pysource import scan_source


def scan(code: str, module: str | None = None, offset: int = 0) -> Extraction:
    return scan_source(
        textwrap.dedent(code), path="x.py", line_offset=offset, origin=Origin.DOCS, module=module
    )


TASK_CASES: list[tuple[str, str | None, list[dict[str, Any]]]] = [
    # plain @app.task in a doc snippet: the bare function name
    ("@app.task\ndef add(x, y): pass\n", None, [{"name": "add", "params": ("x", "y")}]),
    # real module: Celery's default name module.function
    (
        "@app.task\ndef add(x): pass\n",
        "pkg.tasks",
        [{"name": "pkg.tasks.add", "function": "pkg.tasks.add"}],
    ),
    # name= wins, bind=True drops self, options and queue kept
    (
        "@celery_app.task(bind=True, name='tasks.gen', max_retries=5, time_limit=60,"
        " queue='gpu', rate_limit='10/m')\ndef gen(self, url): pass\n",
        None,
        [
            {
                "name": "tasks.gen",
                "params": ("url",),
                "queue": "gpu",
                "options": {"max_retries": 5, "time_limit": 60, "rate_limit": "10/m"},
            }
        ],
    ),
    # shared_task with autoretry_for names as written
    (
        "from celery import shared_task\n@shared_task(autoretry_for=(IOError, requests.Timeout))\n"
        "def f(): pass\n",
        None,
        [{"name": "f", "options": {"autoretry_for": ["IOError", "requests.Timeout"]}}],
    ),
    # aliased shared_task
    (
        "from celery import shared_task as st\n@st\ndef g(a, *args, **kw): pass\n",
        None,
        [{"name": "g", "params": ("a", "*args", "**kw")}],
    ),
    # name and queue from module constants and class constants
    (
        "Q = 'emails'\nclass Tasks:\n    SEND = 'mail.send'\n"
        "@app.task(name=Tasks.SEND, queue=Q)\ndef send(): pass\n",
        None,
        [{"name": "mail.send", "queue": "emails"}],
    ),
    # bare @task not imported: counted (snippets omit imports)
    ("@task\ndef h(): pass\n", None, [{"name": "h"}]),
    # @task from invoke is not Celery
    ("from invoke import task\n@task\ndef build(c): pass\n", None, []),
    # @dag.task from airflow is not Celery
    ("from airflow import dag\n@dag.task\ndef step(): pass\n", None, []),
    # an unrelated decorator
    ("@functools.cache\ndef k(): pass\n", None, []),
    # class-based task registered with register_task
    (
        "from celery import Task\nclass Upload(Task):\n"
        "    name = 'uploads.run'\n    max_retries = 2\n"
        "    def run(self, path): pass\napp.register_task(Upload())\n",
        None,
        [{"name": "uploads.run", "params": ("path",), "options": {"max_retries": 2}}],
    ),
    # a Task subclass never registered is a base class, not a task
    ("class Base(app.Task):\n    abstract = True\n", None, []),
]


@pytest.mark.parametrize(("code", "module", "expected"), TASK_CASES)
def test_tasks_are_recognized(
    code: str, module: str | None, expected: list[dict[str, Any]]
) -> None:
    tasks = scan(code, module).spec.tasks
    assert len(tasks) == len(expected)
    for task, fields in zip(tasks, expected, strict=True):
        for key, value in fields.items():
            assert getattr(task, key) == value, key


def test_task_source_is_first_decorator_line_plus_offset() -> None:
    found = scan("\n@other\n@app.task\ndef f(): pass\n", offset=40).spec.tasks
    assert found[0].source is not None
    assert (found[0].source.path, found[0].source.line) == ("x.py", 42)


def test_dynamic_task_option_is_a_notice() -> None:
    result = scan("@app.task(max_retries=compute())\ndef f(): pass\n")
    assert result.spec.tasks[0].options == {}
    assert [n.kind for n in result.notices] == ["not-judged"]


SYNTAX_CASES = [
    # a broken block: empty spec, one syntax-error notice at the page line
    ("def f(:\n", 10, 11),
    # the error on the third line of a block that starts after line 5
    ("x = 1\ny = 2\nz = (\n", 5, 8),
]


@pytest.mark.parametrize(("code", "offset", "line"), SYNTAX_CASES)
def test_syntax_error_becomes_notice(code: str, offset: int, line: int) -> None:
    result = scan(code, offset=offset)
    assert result.spec.is_empty()
    assert len(result.notices) == 1
    notice = result.notices[0]
    assert notice.kind == "syntax-error"
    assert notice.message.startswith("python does not parse:")
    assert notice.line == line
