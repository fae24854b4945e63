"""What every recognizer needs to know about one parsed module, built in one pass.

:func:`build_context` walks the tree once and records every node with the function it
sits in, the imports (local name -> dotted origin) and the module's constants, so the
recognizers only filter lists and never walk the tree again.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.model import Location, Notice, Origin
from conformance.pysource.values import (
    Evaluator,
    Lookup,
    SourcedDict,
    Unknown,
    dotted,
    is_known,
)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
StarLookup = Callable[[str], Mapping[str, Any] | None]
"""A module's name → its module-level names, for ``from module import *``."""
Binder = Callable[[ast.stmt, "list[str] | None"], None]
"""Records names bound without an assignment: ``from x import *`` (``None``: the module's
public names), or the names a settings class exports."""


@dataclass(frozen=True)
class Scope:
    """A function (or method) and where it sits."""

    node: FunctionNode
    qualname: str
    class_name: str | None

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class ModuleContext:
    """One module's parse, shared (read-mostly) by every recognizer."""

    tree: ast.Module
    path: str
    line_offset: int
    origin: Origin
    module: str | None
    imports: dict[str, str]
    names: dict[str, Any]
    evaluator: Evaluator
    nodes: list[tuple[ast.AST, Scope | None]]
    scopes: dict[int, Scope]
    by_type: dict[type[ast.AST], list[int]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    # Names bound without an assignment -> the statement that binds them, where settings
    # read from them point: `from x import *` (Django's settings/production.py on top of
    # settings/base.py), or a settings class exported by `Settings.load_settings(__name__)`.
    star_imported: dict[str, ast.stmt] = field(default_factory=dict)
    # Task classes (dotted) registered by any module of the project
    # (`app.tasks.register(ArchiveBuilds)` in another module's `AppConfig.ready()`).
    registered_classes: frozenset[str] = frozenset()
    # Task decorator factories of the whole scan, by qualified name (module.function),
    # so a module that imports one (`from proj.utils import periodic`) declares tasks.
    task_factories: dict[str, Any] = field(default_factory=dict)
    # This module's own factories by function name, once found (see pysource.tasks).
    own_factories: dict[str, Any] | None = None
    # Filled by the task recognizer: function qualname -> registered task name.
    task_functions: dict[str, str] = field(default_factory=dict)
    # Filled by the metric recognizer: variable -> metric family name.
    metric_variables: dict[str, str] = field(default_factory=dict)

    @cached_property
    def top_classes(self) -> dict[str, ast.ClassDef]:
        """The module's top-level classes by name (looked up once per task's ``base=``)."""
        return {c.name: c for c in self.tree.body if isinstance(c, ast.ClassDef)}

    @property
    def is_snippet(self) -> bool:
        """A code block from the docs (no module name) rather than a real file."""
        return self.module is None

    def line(self, node: ast.AST | int) -> int:
        raw = node if isinstance(node, int) else getattr(node, "lineno", 1)
        return raw + self.line_offset

    def loc(self, node: ast.AST | int) -> Location:
        return Location(self.path, self.line(node))

    def notice(self, kind: str, message: str, node: ast.AST | int) -> None:
        self.notices.append(Notice(kind, message, self.path, self.line(node)))

    def qualify(self, name: str) -> str:
        """``module.name`` for real modules, the bare name for doc snippets."""
        return f"{self.module}.{name}" if self.module else name

    def resolve(self, node: ast.AST) -> str | None:
        """A name chain with its imported root replaced by where it comes from."""
        text = dotted(node)
        return None if text is None else self.resolve_text(text)

    def resolve_text(self, text: str) -> str:
        """``text`` (a dotted name) with its imported root replaced by its origin."""
        root, _, rest = text.partition(".")
        target = self.imports.get(root)
        if target is None:
            return text
        return f"{target}.{rest}" if rest else target

    def nodes_of(self, *types: type[ast.AST]) -> list[tuple[Any, Scope | None]]:
        """The nodes of exactly these types (not subclasses), in source order."""
        positions = [p for t in types for p in self.by_type.get(t, ())]
        if len(types) > 1:
            positions.sort()
        return [self.nodes[p] for p in positions]


def build_context(
    tree: ast.Module,
    *,
    path: str,
    line_offset: int,
    origin: Origin,
    module: str | None,
    is_package: bool = False,
    lookup: Lookup | None = None,
    star: StarLookup | None = None,
) -> ModuleContext:
    """Walk ``tree`` once and gather imports, constants and scoped nodes.

    ``star`` gives another module's public names for ``from module import *``.
    """
    nodes, scopes = _walk(tree)
    imports = _imports(nodes, module, is_package)
    names: dict[str, Any] = {}
    functions = {stmt.name: stmt for stmt in tree.body if isinstance(stmt, ast.FunctionDef)}
    evaluator = Evaluator(names, imports, lookup, functions)
    evaluator.star = star
    if module is not None:
        # ``if __name__ == "__main__":`` blocks do not run when the module is imported.
        names["__name__"] = module
    dead: list[ast.stmt] = []
    star_imported: dict[str, ast.stmt] = {}

    def bind(stmt: ast.stmt, exported: list[str] | None) -> None:
        """Names bound without an assignment: ``from x import *`` (``stmt``), or the
        ``exported`` names of a settings class (``Settings.load_settings(__name__)``)."""
        if exported is not None:
            star_imported.update(dict.fromkeys(exported, stmt))
            return
        if not isinstance(stmt, ast.ImportFrom):
            return
        other = star(_absolute(stmt, module, is_package)) if star else None
        for name, value in (other or {}).items():
            if not name.startswith("_") and "." not in name:
                names[name] = value
                star_imported[name] = stmt

    _constants(tree.body, names, evaluator, prefix="", dead=dead, bind=bind)
    names.pop("__name__", None)
    if dead:
        nodes, scopes = _without(nodes, scopes, dead)
    return ModuleContext(
        tree=tree,
        path=path,
        line_offset=line_offset,
        origin=origin,
        module=module,
        imports=imports,
        names=names,
        evaluator=evaluator,
        nodes=nodes,
        scopes=scopes,
        by_type=_index(nodes),
        star_imported=star_imported,
    )


_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def _walk(tree: ast.Module) -> tuple[list[tuple[ast.AST, Scope | None]], dict[int, Scope]]:
    """Every node in source order with its innermost enclosing function."""
    nodes: list[tuple[ast.AST, Scope | None]] = []
    scopes: dict[int, Scope] = {}
    # An explicit stack: long expressions would exceed the recursion limit.
    stack: list[tuple[ast.AST, Scope | None, str]] = [
        (child, None, "") for child in reversed(tree.body)
    ]
    append = nodes.append
    while stack:
        node, scope, prefix = stack.pop()
        append((node, scope))
        children: list[tuple[ast.AST, Scope | None, str]] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            class_name = prefix.rstrip(".") if prefix and scope is None else None
            inner = Scope(node, f"{prefix}{node.name}", class_name)
            scopes[id(node)] = inner
            # Decorators and defaults are evaluated in the enclosing scope.
            outer_parts: list[ast.AST] = [*node.decorator_list, node.args]
            if node.returns is not None:
                outer_parts.append(node.returns)
            children += [(part, scope, prefix) for part in outer_parts]
            children += [(stmt, inner, f"{inner.qualname}.") for stmt in node.body]
        elif isinstance(node, ast.ClassDef):
            children += [(part, scope, prefix) for part in (*node.decorator_list, *node.bases)]
            children += [(kw, scope, prefix) for kw in node.keywords]
            children += [(stmt, scope, f"{prefix}{node.name}.") for stmt in node.body]
        else:
            kind = type(node)
            fields = _CHILD_FIELDS.get(kind)
            if fields is None:
                fields = _CHILD_FIELDS[kind] = _child_fields(node)
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    children += [
                        (item, scope, prefix)
                        for item in value
                        if isinstance(item, ast.AST) and not isinstance(item, _LEAVES)
                    ]
                elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                    children.append((value, scope, prefix))
        if children:
            stack.extend(reversed(children))
    return nodes, scopes


# Fields that never hold nodes (names, literal values, expression contexts): skipping
# them makes the walk, the scan's hottest loop, about a third faster.
_SCALAR_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "arg",
        "name",
        "kind",
        "level",
        "module",
        "type_comment",
        "asname",
        "conversion",
        "is_async",
        "simple",
        "names",
        "op",
    }
)
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {ast.Constant: (), ast.Name: ()}


def _child_fields(node: ast.AST) -> tuple[str, ...]:
    fields = tuple(name for name in node._fields if name not in _SCALAR_FIELDS)
    if isinstance(node, ast.Import | ast.ImportFrom):
        # ``names`` holds ``alias`` nodes: kept, the import recognizers read them.
        fields = (*fields, "names")
    return fields


def _index(nodes: list[tuple[ast.AST, Scope | None]]) -> dict[type[ast.AST], list[int]]:
    by_type: dict[type[ast.AST], list[int]] = {}
    for position, (node, _) in enumerate(nodes):
        by_type.setdefault(type(node), []).append(position)
    return by_type


def _imports(
    nodes: list[tuple[ast.AST, Scope | None]], module: str | None, is_package: bool
) -> dict[str, str]:
    imports: dict[str, str] = {}
    for node, _ in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    root = alias.name.partition(".")[0]
                    imports[root] = root
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            for alias in node.names:
                if alias.name != "*":
                    local = alias.asname or alias.name
                    imports[local] = f"{base}.{alias.name}" if base else alias.name
    return imports


def _absolute(node: ast.ImportFrom, module: str | None, is_package: bool) -> str:
    """The absolute module of ``from ... import``; relative ones need the module's name."""
    if not node.level:
        return node.module or ""
    parts = (module or "").split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)] if len(parts) >= node.level - 1 else []
    if node.module:
        parts.append(node.module)
    return ".".join(parts)


def _without(
    nodes: list[tuple[ast.AST, Scope | None]], scopes: dict[int, Scope], dead: list[ast.stmt]
) -> tuple[list[tuple[ast.AST, Scope | None]], dict[int, Scope]]:
    """The nodes outside branches that never run at import time."""
    gone = {id(node) for stmt in dead for node in ast.walk(stmt)}
    kept = [(node, scope) for node, scope in nodes if id(node) not in gone]
    return kept, {key: scope for key, scope in scopes.items() if key not in gone}


def _constants(
    body: list[ast.stmt],
    names: dict[str, Any],
    evaluator: Evaluator,
    prefix: str,
    dead: list[ast.stmt] | None = None,
    bind: Binder | None = None,
) -> None:
    """Module (or class) level assignments in order; later ones win, dicts are mutated.

    Decision on ``if``: a condition known without running the code (a constant, an
    environment read with its default, ``__name__``) takes its branch, as a fresh
    deployment would, and the other branch is left out of the module (``dead``);
    an unknown condition reads both branches in order, the last value kept (entries
    added under it count as present). ``try``/``with`` bodies are read in order too.
    """
    for stmt in body:
        if (
            isinstance(stmt, ast.ImportFrom)
            and bind is not None
            and any(alias.name == "*" for alias in stmt.names)
        ):
            bind(stmt, None)
        elif isinstance(stmt, ast.Assign):
            value = evaluator.value(stmt.value)
            for target in stmt.targets:
                _assign(target, value, names, prefix, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            _assign(stmt.target, evaluator.value(stmt.value), names, prefix, stmt.lineno)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            key = prefix + stmt.target.id
            if key in names:
                merged = evaluator.value(ast.BinOp(stmt.target, stmt.op, stmt.value))
                if isinstance(names[key], dict) and isinstance(merged, dict):
                    names[key].update(merged)
                    names[key].lines.update(getattr(merged, "lines", {}))
                else:
                    names[key] = merged
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            # Module level only (`bind` is given there): a settings class's export.
            exported = _export_class(stmt.value, names, evaluator) if bind is not None else []
            if bind is not None and exported:
                bind(stmt, exported)
            else:
                _dict_update(stmt.value, names, evaluator)
        elif isinstance(stmt, ast.ClassDef) and not prefix:
            names[f"{stmt.name}.{_BASES}"] = _base_names(stmt, evaluator)
            _constants(stmt.body, names, evaluator, prefix=f"{stmt.name}.")
        elif isinstance(stmt, ast.If) and dead is not None and _known_test(stmt, evaluator):
            taken = bool(evaluator.value(stmt.test))
            dead += stmt.orelse if taken else stmt.body
            branch = stmt.body if taken else stmt.orelse
            _constants(branch, names, evaluator, prefix, dead, bind)
        elif isinstance(stmt, ast.If | ast.Try | ast.With):
            for block in _blocks(stmt):
                _constants(block, names, evaluator, prefix, dead, bind)


_BASES = "__bases__"


def _base_names(node: ast.ClassDef, evaluator: Evaluator) -> list[str]:
    """A class's bases as dotted names: local ones as written, imported ones absolute."""
    bases: list[str] = []
    for base in node.bases:
        text = dotted(base)
        if text:
            root, _, rest = text.partition(".")
            origin = evaluator.imports.get(root)
            bases.append(f"{origin}.{rest}" if origin and rest else origin or text)
    return bases


def _export_class(call: ast.Call, names: dict[str, Any], evaluator: Evaluator) -> list[str]:
    """``Settings.load_settings(__name__)``: a settings class whose UPPER_CASE attributes
    (its bases' first) become the module's names at import (readthedocs' settings; the
    django-configurations style). The names exported (none: not such a call)."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and any(isinstance(a, ast.Name) and a.id == "__name__" for a in call.args)
        and f"{func.value.id}.{_BASES}" in names
    ):
        return []
    exported = _class_attributes(func.value.id, names, evaluator, depth=0)
    names.update(exported)
    return list(exported)


def _class_attributes(
    cls: str, names: Mapping[str, Any], evaluator: Evaluator, depth: int
) -> dict[str, Any]:
    """UPPER_CASE class attributes of ``cls`` (a key prefix in ``names``) and of its bases
    in the project, bases first."""
    found: dict[str, Any] = {}
    if depth > 8:
        return found
    for base in names.get(f"{cls}.{_BASES}", ()):
        if f"{base}.{_BASES}" in names:  # a class of the same module
            found.update(_class_attributes(base, names, evaluator, depth + 1))
            continue
        module, _, base_cls = base.rpartition(".")
        other = evaluator.star(module) if evaluator.star and module else None
        if other is not None and f"{base_cls}.{_BASES}" in other:
            found.update(_class_attributes(base_cls, other, evaluator, depth + 1))
    prefix = f"{cls}."
    for key, value in names.items():
        attr = key[len(prefix) :] if key.startswith(prefix) else ""
        if attr.isupper() and not attr.startswith("_") and "." not in attr:
            found[attr] = value
    return found


def _known_test(stmt: ast.If, evaluator: Evaluator) -> bool:
    return is_known(evaluator.value(stmt.test))


def _blocks(stmt: ast.If | ast.Try | ast.With) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try):
        return [stmt.body, *[h.body for h in stmt.handlers], stmt.orelse, stmt.finalbody]
    return [stmt.body]


def _assign(target: ast.expr, value: Any, names: dict[str, Any], prefix: str, line: int) -> None:
    if isinstance(target, ast.Name):
        names[prefix + target.id] = value
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        # ``SCHEDULE["k"] = {...}`` after the dict literal: Python mutates the same dict.
        known = names.get(prefix + target.value.id)
        if isinstance(known, SourcedDict):
            key = _subscript_key(target, names)
            if key is not None:
                known.put(key, value, line)


def _subscript_key(target: ast.Subscript, names: dict[str, Any]) -> Any:
    key = Evaluator(names, {}).value(target.slice)
    return None if isinstance(key, Unknown | list | dict) else key


def _dict_update(call: ast.Call, names: dict[str, Any], evaluator: Evaluator) -> None:
    """``NAME.update(...)`` on a known dict, ``NAME.append/extend/insert(...)`` on a known
    list (``INSTALLED_APPS.append("billing")`` under a settings flag)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    known = names.get(func.value.id)
    if isinstance(known, list):
        _list_update(known, func.attr, call, evaluator)
        return
    if func.attr != "update":
        return
    if not isinstance(known, SourcedDict):
        return
    for arg in call.args:
        found = evaluator.value(arg)
        if isinstance(found, dict):
            known.copy_from(found)
    for keyword in call.keywords:
        if keyword.arg is not None:
            known.put(keyword.arg, evaluator.value(keyword.value), keyword.value.lineno)


def _list_update(known: list[Any], method: str, call: ast.Call, evaluator: Evaluator) -> None:
    args = [evaluator.value(arg) for arg in call.args]
    if method == "append" and len(args) == 1:
        known.append(args[0])
    elif method == "extend" and len(args) == 1:
        known.extend(args[0] if isinstance(args[0], list | tuple) else [args[0]])
    elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
        known.insert(args[0], args[1])


def parameters(args: ast.arguments, *, drop_first: bool = False) -> tuple[str, ...]:
    """Parameter names in order: ``*args``/``**kwargs`` so written, ``*`` before
    keyword-only ones; ``drop_first`` leaves out ``self``/``cls``."""
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if drop_first and positional:
        positional = positional[1:]
    names = list(positional)
    if args.vararg is not None:
        names.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        names.append("*")
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append(f"**{args.kwarg.arg}")
    return tuple(names)


def import_time_modules(ctx: ModuleContext) -> list[str]:
    """Absolute names of what the module imports when it is imported (statements outside
    functions): ``import a.b`` -> ``a.b``; ``from a import b`` -> ``a`` and ``a.b``
    (``b`` may be a submodule; the caller keeps the names that are modules)."""
    found: list[str] = []
    for node, scope in ctx.nodes_of(ast.Import, ast.ImportFrom):
        if scope is not None:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
            continue
        base = _absolute(node, ctx.module, _is_package(ctx))
        if base:
            found.append(base)
        found += [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    return found


def _is_package(ctx: ModuleContext) -> bool:
    return ctx.path.endswith("__init__.py")
