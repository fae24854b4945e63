"""Signal handlers: ``@task_failure.connect``, ``signals.task_prerun.connect(fn, sender=...)``.

The signal names are :data:`conformance.celery_naming.SIGNAL_NAMES`: data of our own, so
static analysis never imports Celery (a test pins them against the installed Celery).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from conformance.celery_naming import SIGNAL_NAMES
from conformance.model import SignalHandler
from conformance.pysource.context import ModuleContext, Scope
from conformance.pysource.metrics import MetricUse
from conformance.pysource.values import dotted

_TASK_CALLS = frozenset({"delay", "apply_async", "s", "si", "signature"})


@dataclass(frozen=True)
class _Connection:
    signal: str
    handler: str | None
    sender: str | None
    line: int


def find_signal_handlers(ctx: ModuleContext, uses: Sequence[MetricUse]) -> list[SignalHandler]:
    """Every handler connected in the module, with the metrics and tasks its body uses."""
    handlers: list[SignalHandler] = []
    for connection in _connections(ctx):
        body = _body_nodes(ctx, connection.handler)
        handlers.append(
            SignalHandler(
                signal=connection.signal,
                handler=connection.handler,
                module=ctx.module,
                sender=connection.sender,
                metrics=_metrics(ctx, uses, connection.handler),
                tasks=_tasks(body),
                source=ctx.loc(connection.line),
                origin=ctx.origin,
            )
        )
    return handlers


def handler_callees(ctx: ModuleContext, handler: str) -> tuple[str, ...]:
    """Imported callables the handler calls, itself or through the module's own helper
    functions it calls, as dotted names (``app.monitoring.record_failure``): the package
    scan adds the metrics those record to the handler's."""
    names: list[str] = []
    for call in _body_nodes(ctx, *_reachable(ctx, handler)):
        if not isinstance(call, ast.Call):
            continue
        written = dotted(call.func)
        if written is None or written.partition(".")[0] not in ctx.imports:
            continue
        target = ctx.resolve_text(written)
        if target not in names:
            names.append(target)
    return tuple(names)


def _reachable(ctx: ModuleContext, handler: str) -> set[str]:
    """The handler and the module's top-level functions it calls, directly or through
    each other: a handler often records its metric in a small helper."""
    functions = {scope.qualname for scope in ctx.scopes.values() if "." not in scope.qualname}
    found = {handler}
    pending = [handler]
    while pending:
        current = pending.pop()
        for call in _body_nodes(ctx, current):
            func = call.func if isinstance(call, ast.Call) else None
            if isinstance(func, ast.Name) and func.id in functions and func.id not in found:
                found.add(func.id)
                pending.append(func.id)
    return found


def handler_names(handlers: Sequence[SignalHandler]) -> set[str]:
    return {h.handler for h in handlers if h.handler}


def signal_of(func: ast.expr) -> str | None:
    """``task_failure`` for ``task_failure.connect`` / ``signals.task_failure.connect``."""
    if not (isinstance(func, ast.Attribute) and func.attr == "connect"):
        return None
    name = dotted(func.value)
    if name is None:
        return None
    last = name.rpartition(".")[2]
    return last if last in SIGNAL_NAMES else None


def _connections(ctx: ModuleContext) -> list[_Connection]:
    found: list[_Connection] = []
    decorators: set[int] = set()
    for node, _ in ctx.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            signal = signal_of(call.func if call else decorator)
            if signal is None:
                continue
            if call is not None:
                decorators.add(id(call))
            found.append(_Connection(signal, node.name, _sender(ctx, call), decorator.lineno))
    for call, _ in ctx.nodes_of(ast.Call):
        signal = signal_of(call.func)
        if signal is None or id(call) in decorators or not call.args:
            continue
        handler = dotted(call.args[0])
        found.append(
            _Connection(
                signal,
                handler.rpartition(".")[2] if handler else None,
                _sender(ctx, call),
                call.lineno,
            )
        )
    return sorted(found, key=lambda c: c.line)


def _sender(ctx: ModuleContext, call: ast.Call | None) -> str | None:
    if call is None:
        return None
    for keyword in call.keywords:
        if keyword.arg == "sender":
            value = ctx.evaluator.value(keyword.value)
            return value if isinstance(value, str) else None
    return None


def _inside(scope: Scope | None, handler: str) -> bool:
    return scope is not None and (
        scope.qualname == handler or scope.qualname.startswith(f"{handler}.")
    )


def _body_nodes(ctx: ModuleContext, *functions: str | None) -> list[ast.AST]:
    wanted = [f for f in functions if f is not None]
    return [
        node
        for node, scope in ctx.nodes_of(ast.Call)
        if any(_inside(scope, function) for function in wanted)
    ]


def _metrics(ctx: ModuleContext, uses: Sequence[MetricUse], handler: str | None) -> tuple[str, ...]:
    names: list[str] = []
    functions = _reachable(ctx, handler) if handler is not None else set()
    for use in uses:
        if handler is None or use.function is None or not use.certain:
            continue
        if use.function.partition(".")[0] in functions:
            name = ctx.metric_variables.get(use.receiver, use.receiver)
            if name not in names:
                names.append(name)
    return tuple(names)


def _tasks(body: Sequence[ast.AST]) -> tuple[str, ...]:
    names: list[str] = []
    for node in body:
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name: str | None = None
        if node.func.attr in _TASK_CALLS:
            name = dotted(node.func.value)
        elif node.func.attr == "send_task" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value
        if name is not None and name not in names:
            names.append(name)
    return tuple(names)
