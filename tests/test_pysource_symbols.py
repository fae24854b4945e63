"""Code symbols (uses in docs, definitions in code), bootsteps and worker classes."""

from __future__ import annotations

import textwrap

import pytest

from conformance.model import Origin, Spec
from conformance.pysource import scan_source


def spec(code: str, module: str | None = None) -> Spec:
    return scan_source(textwrap.dedent(code), path="y.py", origin=Origin.DOCS, module=module).spec


Use = tuple[str, str, int | None, tuple[str, ...]]

USE_CASES: list[tuple[str, list[Use]]] = [
    # imports of project names; the standard library and celery are left out
    (
        "import os\nfrom celery import Celery\n"
        "from app.services import ModelClient\nimport app.monitoring\n",
        [("app.services.ModelClient", "import", None, ()), ("app.monitoring", "import", None, ())],
    ),
    # an instance of an imported class, its method called through await and asyncio.run
    (
        "import asyncio\nfrom app.client import Client\nclient = Client('u')\n"
        "asyncio.run(client.generate_model(url, on_progress=cb))\n",
        [
            ("app.client.Client", "import", None, ()),
            ("app.client.Client", "call", 1, ()),
            ("app.client.Client.generate_model", "call", 1, ("on_progress",)),
        ],
    ),
    # *args makes the positional count unknown; **kwargs names are not keywords
    (
        "from app import util\nutil.run(*xs, a=1, **more)\n",
        [("app.util", "import", None, ()), ("app.util.run", "call", None, ("a",))],
    ),
    # async with binds an instance
    (
        "from app.db import Session\nasync def f():\n"
        "    async with Session() as s:\n        await s.commit()\n",
        [
            ("app.db.Session", "import", None, ()),
            ("app.db.Session", "call", 0, ()),
            ("app.db.Session.commit", "call", 0, ()),
        ],
    ),
    # calls on names that were never imported are not symbols
    ("thing.do(1)\n", []),
]


@pytest.mark.parametrize(("code", "expected"), USE_CASES)
def test_symbol_uses_in_snippets(code: str, expected: list[Use]) -> None:
    found = [(s.name, s.kind, s.positional, s.keywords) for s in spec(code).symbols]
    assert found == expected


DEFINITION_CASES: list[tuple[str, list[tuple[str, str, tuple[str, ...]]]]] = [
    # module, function with every kind of parameter
    (
        "def f(a, /, b, *args, c, **kw): pass\n",
        [("m", "module", ()), ("m.f", "function", ("a", "b", "*args", "c", "**kw"))],
    ),
    # keyword-only marker
    ("def g(a, *, b): pass\n", [("m", "module", ()), ("m.g", "function", ("a", "*", "b"))]),
    # class with __init__, methods without self, staticmethod keeps all, class attribute
    (
        "class C:\n    limit = 3\n    def __init__(self, url): pass\n    def run(self, x): pass\n"
        "    @staticmethod\n    def make(y): pass\n",
        [
            ("m", "module", ()),
            ("m.C", "class", ("url",)),
            ("m.C.limit", "attribute", ()),
            ("m.C.__init__", "method", ("url",)),
            ("m.C.run", "method", ("x",)),
            ("m.C.make", "method", ("y",)),
        ],
    ),
    # dataclass fields are the constructor's parameters
    (
        "from dataclasses import dataclass\n@dataclass\nclass P:\n    a: int\n    b: str = ''\n",
        [
            ("m", "module", ()),
            ("m.dataclass", "attribute", ()),
            ("m.P", "class", ("a", "b")),
            ("m.P.a", "attribute", ()),
            ("m.P.b", "attribute", ()),
        ],
    ),
    # a re-exported import is an attribute of the module
    (
        "from .client import Client as C\nX = 1\n",
        [("m", "module", ()), ("m.C", "attribute", ()), ("m.X", "attribute", ())],
    ),
]


@pytest.mark.parametrize(("code", "expected"), DEFINITION_CASES)
def test_symbol_definitions_in_modules(
    code: str, expected: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    assert [(s.name, s.kind, s.params) for s in spec(code, "m").symbols] == expected


BOOTSTEP_CASES: list[tuple[str, str | None, list[tuple[str, str]]]] = [
    # registration in code
    (
        "from celery import bootsteps\n"
        "class Gpu(bootsteps.StartStopStep): pass\napp.steps['worker'].add(Gpu)\n",
        "pkg.w",
        [("Gpu", "worker")],
    ),
    # consumer blueprint
    ("app.steps['consumer'].add(Poller)\n", "pkg.w", [("Poller", "consumer")]),
    # defined but never added in code: not a bootstep
    ("class Gpu(bootsteps.StartStopStep): pass\n", "pkg.w", []),
    # defined in a doc snippet: documented as a bootstep
    ("class Poll(bootsteps.ConsumerStep): pass\n", None, [("Poll", "consumer")]),
    # a class that is not a step
    ("class Helper(Base): pass\n", None, []),
    # another kind of add()
    ("items.add(Gpu)\napp.steps['other'].add(X)\n", "pkg.w", []),
]


@pytest.mark.parametrize(("code", "module", "expected"), BOOTSTEP_CASES)
def test_bootsteps(code: str, module: str | None, expected: list[tuple[str, str]]) -> None:
    assert [(b.name, b.blueprint) for b in spec(code, module).bootsteps] == expected


WORKER_CASES: list[tuple[str, str | None, list[str]]] = [
    # doc classes named like worker set-up
    (
        "class GPUWorkerConfig: pass\nclass BatchProfile: pass\nclass Helper: pass\n",
        None,
        ["GPUWorkerConfig", "BatchProfile"],
    ),
    # real modules give symbols, not Worker items
    ("class GPUWorkerConfig: pass\n", "pkg.m", []),
]


@pytest.mark.parametrize(("code", "module", "expected"), WORKER_CASES)
def test_worker_classes(code: str, module: str | None, expected: list[str]) -> None:
    workers = spec(code, module).workers
    assert [w.name for w in workers] == expected
    assert all(w.kind == "class" for w in workers)


def test_class_bases_are_named_where_they_come_from() -> None:
    code = textwrap.dedent(
        """
        from typing import Generic, TypeVar
        from app.base import BaseClient
        import pydantic
        T = TypeVar("T")
        class Local: ...
        class A(BaseClient, Local): ...
        class B(pydantic.BaseModel, Generic[T], object): ...
        """
    )
    spec = scan_source(code, path="app/m.py", origin=Origin.STATIC, module="app.m").spec
    bases = {s.name: s.bases for s in spec.symbols if s.kind == "class"}
    assert bases == {
        "app.m.Local": (),
        "app.m.A": ("app.base.BaseClient", "app.m.Local"),
        "app.m.B": ("pydantic.BaseModel", "?"),
    }
