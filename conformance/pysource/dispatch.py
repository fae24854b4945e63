"""Where the code itself picks a task's queue: at the call that sends it.

Real projects route with ``t.apply_async(queue="q")``, ``t.s(...).set(queue="q")``,
``t.signature(args, options={"queue": "q"})`` or ``app.send_task("name", queue="q")``
as often as with ``task_routes``; a queue used only there is still used (not orphaned)
and still needs a worker. A queue computed at run time is recorded as dynamic.
"""

from __future__ import annotations

import ast
from typing import Any

from conformance.model import Dispatch
from conformance.pysource.context import ModuleContext
from conformance.pysource.values import Unknown, dotted

# Methods that take the queue as a keyword (or in ``options={...}``).
_SENDING = frozenset({"apply_async", "set", "signature", "subtask", "send_task"})


def find_dispatches(ctx: ModuleContext) -> list[Dispatch]:
    found: list[Dispatch] = []
    for node, _ in ctx.nodes_of(ast.Call):
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _SENDING:
            continue
        queue_node = _queue_argument(node)
        if queue_node is None:
            continue
        value = _queue_value(ctx, queue_node)
        found.append(
            Dispatch(
                queue=value,
                task=_task_of(ctx, node),
                dynamic=value is None,
                source=ctx.loc(node),
                origin=ctx.origin,
            )
        )
    return found


def _queue_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "queue":
            return keyword.value
        if keyword.arg == "options" and isinstance(keyword.value, ast.Dict):
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "queue":
                    return value
    return None


def _queue_value(ctx: ModuleContext, node: ast.expr) -> str | None:
    value: Any = ctx.evaluator.value(node)
    if isinstance(value, Unknown) or not isinstance(value, str) or not value:
        return None
    return value


def _task_of(ctx: ModuleContext, call: ast.Call) -> str | None:
    """The task sent, as far as the call shows it: ``send_task``'s name, or the callee
    under ``.apply_async``/``.set`` (through ``.s(...)``/``.si(...)``), resolved through
    imports."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "send_task":
        if call.args:
            name = ctx.evaluator.value(call.args[0])
            return name if isinstance(name, str) else None
        return None
    target = func.value
    if (
        isinstance(target, ast.Call)
        and isinstance(target.func, ast.Attribute)
        and target.func.attr in ("s", "si", "signature", "subtask")
    ):
        target = target.func.value
    text = dotted(target)
    if text is None:
        return None
    if "." not in text and text in ctx.task_functions:
        return ctx.task_functions[text]
    return ctx.resolve(target) or text
