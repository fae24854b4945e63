"""Canvas flows: chords, chains, groups and links, with the task names they use.

Task names are kept as written (``generate.s`` -> ``generate``, ``tasks.x.si`` ->
``tasks.x``); ``signature("name")`` gives the literal. Local variables of the enclosing
function (``header = group(...)``, ``callback = finalize.s()``) are followed. A form
used inside a bigger one (the ``group`` of a chord, the inner ``a | b`` of ``a | b | c``)
is reported once, as part of the bigger one.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from conformance.model import CanvasFlow
from conformance.pysource.context import ModuleContext, Scope
from conformance.pysource.values import dotted

SIGNATURE_METHODS = frozenset({"s", "si", "signature", "subtask"})
_SIGNATURE_MODIFIERS = frozenset({"set", "clone", "set_immutable", "on_error", "options"})
_MAX_DEPTH = 8

Table = Mapping[str, ast.expr]


@dataclass(frozen=True)
class _Part:
    """One element of a flow: a task name, or a group's members."""

    names: tuple[str, ...]
    is_group: bool = False


def find_canvas(ctx: ModuleContext) -> list[CanvasFlow]:
    """Every flow built in the module, in source order."""
    tables = local_tables(ctx)
    consumed: set[int] = set()
    found: list[tuple[ast.AST, CanvasFlow]] = []
    for node, scope in ctx.nodes_of(ast.Call, ast.BinOp):
        table = tables.get(_key(scope), {})
        reader = _Reader(ctx, table, consumed)
        flow = reader.flow(node)
        if flow is None:
            continue
        primitive, header, callback = flow
        found.append(
            (
                node,
                CanvasFlow(
                    primitive=primitive,  # type: ignore[arg-type]
                    header=header,
                    callback=callback,
                    context=flow_context(ctx, scope),
                    source=ctx.loc(node),
                    origin=ctx.origin,
                ),
            )
        )
    return [flow for node, flow in found if id(node) not in consumed]


def flow_context(ctx: ModuleContext, scope: Scope | None) -> str | None:
    """The task (registered name) or function (qualified) that builds a flow."""
    if scope is None:
        return None
    task = ctx.task_functions.get(scope.qualname)
    return task if task is not None else ctx.qualify(scope.qualname)


def local_tables(ctx: ModuleContext) -> dict[str, dict[str, ast.expr]]:
    """Per function (``""`` = module level): local name -> the expression last assigned."""
    tables: dict[str, dict[str, ast.expr]] = {}
    for node, scope in ctx.nodes_of(ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                tables.setdefault(_key(scope), {})[target.id] = node.value
    return tables


def _key(scope: Scope | None) -> str:
    return scope.qualname if scope is not None else ""


def signature_task(node: ast.AST, table: Table | None = None, depth: int = 0) -> str | None:
    """The task name of a signature expression, or ``None`` if it is not one."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Name) and table and node.id in table:
        return signature_task(table[node.id], table, depth + 1)
    if isinstance(node, ast.Attribute) and node.attr in {"s", "si"}:
        return dotted(node.value)
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr in SIGNATURE_METHODS:
            return dotted(func.value)
        if func.attr in _SIGNATURE_MODIFIERS:
            return signature_task(func.value, table, depth + 1)
    name = dotted(func)
    if name is not None and name.rpartition(".")[2] in {"signature", "subtask"} and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


class _Reader:
    def __init__(self, ctx: ModuleContext, table: Table, consumed: set[int]) -> None:
        self.ctx = ctx
        self.table = table
        self.consumed = consumed
        self.depth = 0

    def flow(self, node: ast.AST) -> tuple[str, tuple[str, ...], str | None] | None:
        if isinstance(node, ast.BinOp):
            return self._pipe(node)
        assert isinstance(node, ast.Call)
        func = node.func
        if isinstance(func, ast.Call) and self._is(func.func, "chord"):
            # chord(header)(callback)
            self.consumed.add(id(func))
            header = self._members(_arg(func, 0, "header"))
            return "chord", header, self._task(_arg(node, 0, "body"))
        if self._is(func, "chord"):
            header = self._members(_arg(node, 0, "header"))
            return "chord", header, self._task(_arg(node, 1, "body"))
        if self._is(func, "chain"):
            names = tuple(n for arg in node.args for n in self._part(arg, mark=True).names)
            if not names:
                return None
            return "chain", names[:-1], names[-1]
        if self._is(func, "group"):
            return "group", self._group_members(node), None
        if isinstance(func, ast.Attribute) and func.attr in {"apply_async", "link"}:
            return self._link(node, func)
        return None

    def _is(self, func: ast.expr, primitive: str) -> bool:
        resolved = self.ctx.resolve(func)
        if resolved is None or resolved.rpartition(".")[2] != primitive:
            return False
        root = (dotted(func) or "").partition(".")[0]
        return resolved.startswith("celery") or root not in self.ctx.imports

    def _pipe(self, node: ast.BinOp) -> tuple[str, tuple[str, ...], str | None] | None:
        if not isinstance(node.op, ast.BitOr):
            return None
        operands: list[ast.expr] = []
        inner: list[ast.BinOp] = []
        current: ast.expr = node
        while isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitOr):
            operands.append(current.right)
            inner.append(current)
            current = current.left
        operands.append(current)
        operands.reverse()
        parts = [self._part(operand) for operand in operands]
        if any(not part.names for part in parts):
            return None
        for binop in inner[1:]:
            self.consumed.add(id(binop))
        for operand in operands:
            self._part(operand, mark=True)
        if parts[0].is_group and len(parts) > 1:
            return "chord", parts[0].names, parts[1].names[0]
        names = tuple(n for part in parts for n in part.names)
        return "chain", names[:-1], names[-1]

    def _part(self, node: ast.expr, mark: bool = False) -> _Part:
        """A signature, a group, a chain call or a pipe, following local names."""
        # One depth budget for every path: ``g = group(g)`` must not loop forever.
        if self.depth > _MAX_DEPTH:
            return _Part(())
        self.depth += 1
        try:
            return self._read_part(node, mark)
        finally:
            self.depth -= 1

    def _read_part(self, node: ast.expr, mark: bool) -> _Part:
        if isinstance(node, ast.Name) and node.id in self.table:
            return self._part(self.table[node.id], mark)
        task = signature_task(node, self.table)
        if task is not None:
            return _Part((task,))
        if isinstance(node, ast.Call) and self._is(node.func, "group"):
            if mark:
                self.consumed.add(id(node))
            return _Part(self._group_members(node), is_group=True)
        if isinstance(node, ast.Call) and self._is(node.func, "chain"):
            if mark:
                self.consumed.add(id(node))
            return _Part(tuple(n for a in node.args for n in self._part(a, mark).names))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            if mark:
                self.consumed.add(id(node))
            return _Part(self._part(node.left, mark).names + self._part(node.right, mark).names)
        return _Part(())

    def _group_members(self, node: ast.Call) -> tuple[str, ...]:
        if len(node.args) == 1 and not node.keywords:
            return self._members(node.args[0])
        return tuple(n for arg in node.args for n in self._part(arg, mark=True).names)

    def _members(self, node: ast.expr | None) -> tuple[str, ...]:
        """Task names of a header: a list, a comprehension, a group or a variable."""
        if node is None or self.depth > _MAX_DEPTH:
            return ()
        if isinstance(node, ast.Name) and node.id in self.table:
            self.depth += 1
            try:
                return self._members(self.table[node.id])
            finally:
                self.depth -= 1
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return tuple(n for e in node.elts for n in self._part(e, mark=True).names)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self._part(node.elt, mark=True).names
        if isinstance(node, ast.Call) and dotted(node.func) == "map" and node.args:
            # group(map(task.s, items)): the mapped signature factory names the task
            task = signature_task(node.args[0], self.table)
            return (task,) if task else ()
        if isinstance(node, ast.Call) and self._is(node.func, "group"):
            self.consumed.add(id(node))
            return self._group_members(node)
        return self._part(node, mark=True).names

    def _task(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        names = self._part(node, mark=True).names
        return names[0] if names else None

    def _link(
        self, node: ast.Call, func: ast.Attribute
    ) -> tuple[str, tuple[str, ...], str | None] | None:
        if func.attr == "link":
            callback_node = node.args[0] if node.args else None
            source = signature_task(func.value, self.table)
        else:
            callback_node = next((k.value for k in node.keywords if k.arg == "link"), None)
            source = signature_task(func.value, self.table) or dotted(func.value)
        if callback_node is None or source is None:
            return None
        if isinstance(callback_node, ast.List | ast.Tuple):
            callbacks = [self._task(e) for e in callback_node.elts]
            callback = next((c for c in callbacks if c), None)
        else:
            callback = self._task(callback_node)
        if callback is None:
            return None
        return "link", (source,), callback


def _arg(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for given in node.keywords:
        if given.arg == keyword:
            return given.value
    return node.args[index] if index < len(node.args) else None
