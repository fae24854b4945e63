"""Run a small configuration-building function on known values, never executing code.

Real projects build beat schedules and route tables in functions::

    def build_schedule():
        schedule = {}
        for entry in PERIODIC:
            schedule[entry["name"]] = {"task": entry["task"], "schedule": entry["every"]}
        if REPORTS_ENABLED:
            schedule["reports"] = {...}
        return schedule

:func:`call_function` follows such a body statement by statement with the evaluator:
assignments, ``d[k] = v``, ``.append/.extend/.update``, ``for`` over a known list and
``if``. Decision on conditions: a condition whose value is known (a constant, an
environment default) picks its branch, as a fresh deployment would; one that is not
known runs both branches in order (the entries count as present) and the function's
result is what they build. Anything the interpreter does not follow leaves its target
unknown, so the reader marks it dynamic.
"""

from __future__ import annotations

import ast
from typing import Any

from conformance.pysource.values import (
    Evaluator,
    SourcedDict,
    Unknown,
    bind_target,
    is_known,
    source_text,
)

_MAX_STEPS = 10_000


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def call_function(
    evaluator: Evaluator,
    function: ast.FunctionDef,
    call: ast.Call,
    *,
    caller: Evaluator | None = None,
) -> Any:
    """The value ``function`` returns for ``call``'s arguments (evaluated by ``caller``,
    the body by ``evaluator``, the defining module's), or :class:`Unknown`."""
    local = _arguments(evaluator, caller or evaluator, function, call)
    if isinstance(local, Unknown):
        return local
    runner = _Runner(evaluator.with_locals(local), local)
    try:
        runner.block(function.body)
    except _Return as returned:
        return returned.value
    except _GiveUp as stop:
        return Unknown(stop.reason)
    return None


class _GiveUp(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _arguments(
    evaluator: Evaluator, caller: Evaluator, function: ast.FunctionDef, call: ast.Call
) -> dict[str, Any] | Unknown:
    args = function.args
    params = [a.arg for a in (*args.posonlyargs, *args.args)]
    local: dict[str, Any] = {}
    defaults = args.defaults
    for param, default in zip(params[len(params) - len(defaults) :], defaults, strict=True):
        local[param] = evaluator.value(default)
    for kw_param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            local[kw_param.arg] = evaluator.value(kw_default)
    if len(call.args) > len(params) or any(isinstance(a, ast.Starred) for a in call.args):
        return Unknown(f"`{source_text(call)}` is computed at run time")
    for param, given in zip(params, call.args, strict=False):
        local[param] = caller.value(given)
    for keyword in call.keywords:
        if keyword.arg is None:
            return Unknown(f"`{source_text(call)}` is computed at run time")
        local[keyword.arg] = caller.value(keyword.value)
    names = {*params, *(a.arg for a in args.kwonlyargs)}
    if names - set(local):
        return Unknown(f"`{source_text(call)}` is computed at run time")
    return local


class _Runner:
    def __init__(self, evaluator: Evaluator, local: dict[str, Any]) -> None:
        self.evaluator = evaluator
        self.local = local
        self.steps = 0

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.steps += 1
            if self.steps > _MAX_STEPS:
                raise _GiveUp("the function runs too long to follow")
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Return):
            raise _Return(self.evaluator.value(stmt.value))
        if isinstance(stmt, ast.Assign):
            value = self.evaluator.value(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.assign(stmt.target, self.evaluator.value(stmt.value), stmt.lineno)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            merged = self.evaluator.value(ast.BinOp(stmt.target, stmt.op, stmt.value))
            self.local[stmt.target.id] = merged
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.method_call(stmt.value)
        elif isinstance(stmt, ast.If):
            test = self.evaluator.value(stmt.test)
            if is_known(test):
                self.block(stmt.body if test else stmt.orelse)
            else:
                self.block(stmt.body)
                self.block(stmt.orelse)
        elif isinstance(stmt, ast.For):
            self.loop(stmt)
        elif isinstance(stmt, ast.With):
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try):
            self.block(stmt.body)
            self.block(stmt.orelse)
            self.block(stmt.finalbody)
        elif isinstance(stmt, ast.Pass | ast.Expr):
            return
        else:
            raise _GiveUp(f"`{source_text(stmt)}` is computed at run time")

    def assign(self, target: ast.expr, value: Any, line: int) -> None:
        if isinstance(target, ast.Name):
            self.local[target.id] = value
        elif isinstance(target, ast.Subscript):
            container = self.evaluator.value(target.value)
            key = self.evaluator.value(target.slice)
            if isinstance(container, SourcedDict) and is_known(key):
                container.put(key, value, line)
            elif isinstance(container, dict) and is_known(key):
                container[key] = value
            else:
                raise _GiveUp(f"`{source_text(target)}` is computed at run time")
        elif isinstance(target, ast.Tuple | ast.List):
            if not bind_target(target, value, self.local):
                raise _GiveUp(f"`{source_text(target)}` is computed at run time")
        else:
            raise _GiveUp(f"`{source_text(target)}` is computed at run time")

    def method_call(self, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        owner = self.evaluator.value(func.value)
        values = [self.evaluator.value(a) for a in call.args]
        if func.attr == "append" and isinstance(owner, list) and len(values) == 1:
            owner.append(values[0])
        elif func.attr == "extend" and isinstance(owner, list) and len(values) == 1:
            if not isinstance(values[0], list):
                raise _GiveUp(f"`{source_text(call)}` is computed at run time")
            owner.extend(values[0])
        elif func.attr == "update" and isinstance(owner, dict):
            for value in values:
                if not isinstance(value, dict):
                    raise _GiveUp(f"`{source_text(call)}` is computed at run time")
                if isinstance(owner, SourcedDict):
                    owner.copy_from(value)
                else:
                    owner.update(value)
            for keyword in call.keywords:
                if keyword.arg is not None:
                    owner[keyword.arg] = self.evaluator.value(keyword.value)
        elif isinstance(owner, list | dict):
            raise _GiveUp(f"`{source_text(call)}` is computed at run time")

    def loop(self, stmt: ast.For) -> None:
        iterable = self.evaluator.value(stmt.iter)
        if isinstance(iterable, dict):
            iterable = list(iterable)
        if not isinstance(iterable, list) or stmt.orelse:
            raise _GiveUp(f"`{source_text(stmt.iter)}` is computed at run time")
        for element in iterable:
            if not bind_target(stmt.target, element, self.local):
                raise _GiveUp(f"`{source_text(stmt.target)}` is computed at run time")
            self.block(stmt.body)
