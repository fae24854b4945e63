"""Canvas recognizer: chords, chains, groups and links."""

from __future__ import annotations

import textwrap

import pytest

from conformance.model import Origin
from conformance.pysource import scan_source

Flow = tuple[str, tuple[str, ...], str | None, str | None]


def flows(code: str, module: str | None = None) -> list[Flow]:
    spec = scan_source(textwrap.dedent(code), path="c.py", origin=Origin.DOCS, module=module).spec
    return [(f.primitive, f.header, f.callback, f.context) for f in spec.canvas]


CASES: list[tuple[str, list[Flow]]] = [
    # chord(header)(callback) with local variables, header from a generator
    (
        "def run(items):\n    header = group(step.s(i) for i in items)\n"
        "    callback = finalize.s()\n    chord(header)(callback)\n",
        [("chord", ("step",), "finalize", "run")],
    ),
    # chord(header, callback) with a list header
    (
        "def f():\n    chord([a.s(), b.si()], done.s()).delay()\n",
        [("chord", ("a", "b"), "done", "f")],
    ),
    # chord(header, body=cb) with dotted task names as written
    ("chord([tasks.a.s()], body=tasks.done.s())\n", [("chord", ("tasks.a",), "tasks.done", None)]),
    # a pipe whose leftmost element is a group is a chord
    ("def f():\n    (group(a.s(), b.s()) | c.s())()\n", [("chord", ("a", "b"), "c", "f")]),
    # a pipe of signatures is a chain; inner pipes are not reported again
    ("x = a.s() | b.s() | c.s()\n", [("chain", ("a", "b"), "c", None)]),
    # chain(...) call
    ("chain(a.s(1), b.s(), signature('pkg.c'))()\n", [("chain", ("a", "b"), "pkg.c", None)]),
    # a bare group
    ("group([a.s(i) for i in range(3)]).apply_async()\n", [("group", ("a",), None, None)]),
    # apply_async(link=...)
    ("a.apply_async((1,), link=b.s())\n", [("link", ("a",), "b", None)]),
    # .delay() alone is not a canvas
    ("a.delay(1)\n", []),
    # a bit-or of flags is not a chain
    ("import re\nflags = re.I | re.M\n", []),
    # itertools.chain is not Celery's chain
    ("from itertools import chain\nchain([1], [2])\n", []),
    # the generate_3d_model_task.s attribute (no call) names the task
    (
        "group(map(generate_3d_model_task.s, urls))\n",
        [("group", ("generate_3d_model_task",), None, None)],
    ),
    # a self-referencing local does not loop forever
    ("def f():\n    g = group(g)\n    chord(g)(h.s())\n", [("chord", (), "h", "f")]),
]


@pytest.mark.parametrize(("code", "expected"), CASES)
def test_canvas(code: str, expected: list[Flow]) -> None:
    assert flows(code) == expected


CONTEXT_CASES: list[tuple[str, str | None, str]] = [
    # doc snippet: the task's name= of the enclosing task
    ("@app.task(name='batch.run')\ndef run():\n    chord([a.s()])(b.s())\n", None, "batch.run"),
    # real module: the enclosing task's registered name
    ("@app.task\ndef run():\n    chord([a.s()])(b.s())\n", "pkg.tasks", "pkg.tasks.run"),
    # real module, plain function: module.function
    ("def helper():\n    chord([a.s()])(b.s())\n", "pkg.flows", "pkg.flows.helper"),
]


@pytest.mark.parametrize(("code", "module", "context"), CONTEXT_CASES)
def test_canvas_context(code: str, module: str | None, context: str) -> None:
    assert [f[3] for f in flows(code, module)] == [context]
