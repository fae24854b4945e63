"""The Python side of ``conformance init``: Celery apps and Prometheus metric modules.

Each ``.py`` file that names ``Celery`` or ``prometheus_client`` is parsed with ``ast``
(:func:`~conformance.pysource.scan.parse_or_notice`, which also reads newer syntax) and
its imports resolved by the shared :func:`~conformance.pysource.context.build_context`.
Only module-level assignments count: ``app = Celery(...)`` inside a factory function is
made at run time, and a metric built in a function is not the module's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from conformance.adopt.tree import RepoFiles
from conformance.config import check_app_spec
from conformance.errors import ConformanceError
from conformance.introspect.source_scan import config_targets
from conformance.model import Notice, Origin
from conformance.prometheus_naming import METRIC_TYPES
from conformance.pysource.context import ModuleContext, build_context
from conformance.pysource.scan import parse_or_notice

# A folder holding one of these is where a Python project starts (its import root).
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
# Code in documentation folders illustrates the app; it is not the app.
_NOT_CODE_FOLDERS = frozenset({"docs", "doc"})


@dataclass(frozen=True)
class AppCandidate:
    """A Celery app the repository defines or starts.

    ``spec`` is what ``app`` in ``[tool.conformance]`` would say (``proj.celery:app``, or
    the ``-A`` value a deploy file gives when no ``Celery(...)`` was found for it);
    ``search_path`` the folder (relative to the root, ``"."`` for the root) the module is
    imported from; ``django`` the ``namespace=`` it reads ``django.conf:settings`` with
    (``"CELERY"``; ``""`` for none), ``None`` when it does not read Django's settings.
    """

    spec: str
    module: str
    path: str
    line: int | None
    search_path: str
    django: str | None = None

    @property
    def found_at(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        found = f"Celery(...) at {where}" if self.line else f"module {where}"
        if self.django is not None:
            # Django's convention (proj/celery.py): the settings come from Django's.
            names = f" ({self.django}_*)" if self.django else ""
            found += f", settings from django.conf:settings{names}"
        return found


@dataclass(frozen=True)
class MetricModule:
    """A module that defines Prometheus metrics at module level (the first one shown)."""

    module: str
    path: str
    line: int
    search_path: str
    constructor: str


@dataclass(frozen=True)
class PythonFindings:
    apps: tuple[AppCandidate, ...]
    metrics: tuple[MetricModule, ...]
    unparsed: tuple[Notice, ...]
    search_paths: tuple[str, ...]
    """Every import root a Python file of the project lives under."""


def scan_python(files: RepoFiles) -> PythonFindings:
    apps: list[AppCandidate] = []
    metrics: list[MetricModule] = []
    unparsed: list[Notice] = []
    roots: dict[str, None] = {}
    for relative in files.with_suffix(".py"):
        if _not_project_code(relative):
            continue
        located = module_location(files.root, relative)
        if located is None:
            continue
        search_path, module = located
        roots[search_path] = None
        text = files.text(relative)
        # Most files name neither: they are not parsed at all.
        if text is None or ("Celery" not in text and "prometheus_client" not in text):
            continue
        tree = parse_or_notice(text, path=relative)
        if isinstance(tree, Notice):
            unparsed.append(tree)
            continue
        ctx = build_context(
            tree,
            path=relative,
            line_offset=0,
            origin=Origin.STATIC,
            module=module,
            is_package=relative.endswith("__init__.py"),
        )
        django = next(
            (ns for _, t, ns in config_targets(ctx) if t.partition(":")[0] == "django.conf"), None
        )
        for attribute, _, line in _module_assignments(ctx, _is_celery):
            spec = f"{module}:{attribute}"
            apps.append(AppCandidate(spec, module, relative, line, search_path, django))
        defined = _module_assignments(ctx, _is_metric)
        if defined:
            _, constructor, line = defined[0]
            metrics.append(MetricModule(module, relative, line, search_path, constructor))
    return PythonFindings(
        tuple(sorted(apps, key=lambda a: a.spec)),
        tuple(metrics),
        tuple(unparsed),
        tuple(roots),
    )


def _not_project_code(relative: str) -> bool:
    path = PurePosixPath(relative)
    return (
        any(part in _NOT_CODE_FOLDERS for part in path.parts[:-1])
        or path.name.startswith("test_")
        or path.name.endswith("_test.py")
        or path.name == "conftest.py"
    )


def module_location(root: Path, relative: str) -> tuple[str, str] | None:
    """``(search path, dotted module)`` of a ``.py`` file, or ``None`` when its path is
    no importable name.

    The import root is the folder above the outermost package (``__init__.py`` chain) of
    the file: ``src/pkg/celery.py`` is ``pkg.celery`` on ``src``. A file outside any
    package (a namespace package, or a top-level module) is imported from the nearest
    folder that starts a project (``pyproject.toml``, ``setup.py``, ``manage.py``, a
    ``src`` folder) or from the root.
    """
    path = PurePosixPath(relative)
    folders = path.parts[:-1]
    top = len(folders)
    while top > 0 and (root.joinpath(*folders[:top]) / "__init__.py").is_file():
        top -= 1
    if top == len(folders):
        top = _project_folder(root, folders)
    names = [*folders[top:], path.stem]
    if names[-1] == "__init__":
        names.pop()
    module = ".".join(names)
    try:
        check_app_spec(module)
    except ConformanceError:
        return None
    return "/".join(folders[:top]) or ".", module


def _project_folder(root: Path, folders: tuple[str, ...]) -> int:
    for depth in range(len(folders), 0, -1):
        folder = root.joinpath(*folders[:depth])
        if folder.name == "src" or any((folder / m).is_file() for m in PROJECT_MARKERS):
            return depth
    return 0


def _module_assignments(
    ctx: ModuleContext, wanted: Callable[[str], bool]
) -> list[tuple[str, str, int]]:
    """``(name, callee, line)`` of each module-level ``name = callee(...)`` whose resolved
    callee (``celery.Celery``) ``wanted`` accepts."""
    found: list[tuple[str, str, int]] = []
    for statement in ctx.tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        callee = ctx.resolve(value.func) if isinstance(value, ast.Call) else None
        if callee is None or not wanted(callee):
            continue
        short = callee.rpartition(".")[2]
        found += [(t.id, short, statement.lineno) for t in targets if isinstance(t, ast.Name)]
    return found


def _is_celery(callee: str) -> bool:
    # `celery.Celery`, `from celery import Celery`, or a project subclass named so.
    return callee.rpartition(".")[2] == "Celery"


def _is_metric(callee: str) -> bool:
    # Only prometheus_client's own classes: `collections.Counter` is no metric.
    return callee.startswith("prometheus_client") and callee.rpartition(".")[2] in METRIC_TYPES
