"""One module (a real file or a doc code block) -> an :class:`Extraction`.

A metric counts as *recorded* ("integrated") from a use inside a function body: a task, a
signal handler, a method, or a function that the module itself refers to by name
(called, passed to ``connect``...). Uses at import time (module level) and uses in a
helper function nobody in the module refers to do not count here; the package scan
(:mod:`conformance.introspect.source_scan`) adds uses from other modules and helpers
that other modules import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from conformance.model import Extraction, Location, Metric, Notice, Origin, Spec
from conformance.pysource.canvas import find_canvas
from conformance.pysource.config import find_config
from conformance.pysource.context import ModuleContext, build_context
from conformance.pysource.dispatch import find_dispatches
from conformance.pysource.env import find_env_reads
from conformance.pysource.metrics import MetricUse, find_metric_definitions, find_metric_uses
from conformance.pysource.signals import find_signal_handlers, handler_callees, handler_names
from conformance.pysource.symbols import find_symbols
from conformance.pysource.tasks import find_tasks
from conformance.pysource.values import Lookup
from conformance.pysource.workers import find_bootsteps, find_worker_classes


@dataclass(frozen=True)
class ModuleScan:
    """A module's extraction plus what the package scan needs to link modules."""

    extraction: Extraction
    metric_uses: tuple[MetricUse, ...]
    imports: Mapping[str, str]
    constants: Mapping[str, Any]
    references: frozenset[str]
    counted_functions: frozenset[str]
    # Signal handler name -> imported callables it calls (to add what those record).
    handler_calls: Mapping[str, tuple[str, ...]]


def scan_python(
    tree: ast.Module,
    *,
    path: str,
    line_offset: int = 0,
    origin: Origin = Origin.DOCS,
    module: str | None = None,
) -> Extraction:
    """Everything Celery-related that ``tree`` defines or uses.

    ``path`` is the repo-relative file (a doc page or a ``.py`` file); reported lines
    are the tree's lines plus ``line_offset``; ``module`` is the dotted module name for
    real files and ``None`` for doc snippets (bare names, uses instead of definitions).
    """
    return scan_module(
        tree, path=path, line_offset=line_offset, origin=origin, module=module
    ).extraction


def scan_source(
    text: str,
    *,
    path: str,
    line_offset: int = 0,
    origin: Origin = Origin.DOCS,
    module: str | None = None,
) -> Extraction:
    """:func:`scan_python` on source text; text that does not parse gives an empty spec
    and a ``syntax-error`` notice at the offending line."""
    tree = parse_or_notice(text, path=path, line_offset=line_offset)
    if isinstance(tree, Notice):
        return Extraction(Spec(), (tree,))
    return scan_python(tree, path=path, line_offset=line_offset, origin=origin, module=module)


def parse_or_notice(text: str, *, path: str, line_offset: int = 0) -> ast.Module | Notice:
    """The parsed module, or the notice saying why it does not parse."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        retried = _newer_syntax(text, exc)
        if retried is not None:
            return retried
        line = getattr(exc, "lineno", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return Notice("syntax-error", f"python does not parse: {message}", path, line + line_offset)


_BARE_EXCEPT_TUPLE = re.compile(
    r"^(?P<head>[ \t]*except\*?[ \t]+)(?P<types>[^()\n:#]+,[^()\n:#]+?)(?P<tail>[ \t]*:)",
    re.MULTILINE,
)


def _newer_syntax(text: str, exc: Exception) -> ast.Module | None:
    """Python 3.14 code read by an older ``ast`` (PEP 758: ``except A, B:`` without
    brackets; found on kitsune and readthedocs): the same tree with the brackets added,
    lines unchanged. ``None`` when that is not the problem or does not help."""
    if "must be parenthesized" not in str(getattr(exc, "msg", "")):
        return None
    bracketed = _BARE_EXCEPT_TUPLE.sub(r"\g<head>(\g<types>)\g<tail>", text)
    try:
        return ast.parse(bracketed)
    except (SyntaxError, ValueError):
        return None


def scan_module(
    tree: ast.Module,
    *,
    path: str,
    line_offset: int = 0,
    origin: Origin,
    module: str | None = None,
    is_package: bool = False,
    lookup: Lookup | None = None,
    config_module: bool | None = None,
    namespace: str | None = None,
) -> ModuleScan:
    """:func:`scan_python` with the extras a package scan needs: ``is_package`` (the file
    is an ``__init__.py``, for relative imports), ``lookup`` (constants of other
    modules), ``config_module``/``namespace`` (see
    :func:`conformance.pysource.config.find_config`)."""
    ctx = build_context(
        tree,
        path=path,
        line_offset=line_offset,
        origin=origin,
        module=module,
        is_package=is_package,
        lookup=lookup,
    )
    return scan_context(ctx, config_module=config_module, namespace=namespace)


def scan_context(
    ctx: ModuleContext, *, config_module: bool | None = None, namespace: str | None = None
) -> ModuleScan:
    """Run every recognizer on an already built context (each context only once: the
    recognizers record what they found in it)."""
    tasks = find_tasks(ctx)
    metrics = find_metric_definitions(ctx)
    uses = find_metric_uses(ctx)
    signals = find_signal_handlers(ctx, uses)
    canvas = find_canvas(ctx)
    config = find_config(ctx, config_module=config_module, namespace=namespace)
    references, local_refs = _references(ctx)
    counted = _counted_functions(ctx, handler_names(signals), local_refs)
    metrics = [replace(m, recorded_at=m.recorded_at + _recorded(m, uses, counted)) for m in metrics]
    spec = Spec(
        tasks=tuple(tasks),
        queues=tuple(config.queues),
        routes=tuple(config.routes),
        schedules=tuple(config.schedules),
        canvas=tuple(canvas),
        signals=tuple(signals),
        metrics=tuple(metrics),
        symbols=tuple(find_symbols(ctx)),
        workers=tuple(find_worker_classes(ctx)),
        bootsteps=tuple(find_bootsteps(ctx)),
        settings=tuple(config.settings),
        dispatches=(*config.dispatches, *find_dispatches(ctx)),
        env=tuple(find_env_reads(ctx)) if not ctx.is_snippet else (),
    )
    return ModuleScan(
        extraction=Extraction(spec, tuple(ctx.notices)),
        metric_uses=tuple(uses),
        imports=dict(ctx.imports),
        constants=dict(ctx.names),
        references=frozenset(references),
        counted_functions=frozenset(counted),
        handler_calls={name: handler_callees(ctx, name) for name in handler_names(signals)},
    )


def _references(ctx: ModuleContext) -> tuple[set[str], set[tuple[str, str]]]:
    """Dotted names the module refers to (resolved through its imports), and
    ``(enclosing top-level name, local name)`` pairs of every name it loads."""
    dotted_names: set[str] = set(ctx.imports.values())
    local: set[tuple[str, str]] = set()
    for node, scope in ctx.nodes_of(ast.Name, ast.Attribute):
        text = ctx.resolve(node)
        if text is not None:
            dotted_names.add(text)
        if isinstance(node, ast.Name):
            local.add((scope.qualname.partition(".")[0] if scope else "", node.id))
    return dotted_names, local


def _counted_functions(
    ctx: ModuleContext, handlers: set[str], local_refs: set[tuple[str, str]]
) -> set[str]:
    """Qualnames of functions whose metric uses count as integration (module docstring)."""
    classes = {stmt.name for stmt in ctx.tree.body if isinstance(stmt, ast.ClassDef)}
    referenced = {name for where, name in local_refs if where != name}
    counted_tops = {
        scope.qualname
        for scope in ctx.scopes.values()
        if "." not in scope.qualname
        and (
            scope.qualname in ctx.task_functions
            or scope.qualname in handlers
            or scope.qualname in referenced
        )
    }
    counted_or_classes = counted_tops | classes
    return {
        scope.qualname
        for scope in ctx.scopes.values()
        if scope.qualname.partition(".")[0] in counted_or_classes
    }


def _recorded(
    metric: Metric, uses: tuple[MetricUse, ...] | list[MetricUse], counted: set[str]
) -> tuple[Location, ...]:
    return tuple(
        use.location
        for use in uses
        if use.local
        and use.receiver == metric.variable
        and use.function is not None
        and use.function in counted
    )
